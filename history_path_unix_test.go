//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHistoryPathNotAFile: history.path naming something that is not a file said "cannot be
// locked for writing" (/proc/version, in serve), "is empty: not an uptty history" (/dev/null,
// /proc/version, in incidents), kept the screen's history in memory for a directory, and hung
// uptty incidents for ever on a named pipe. Every command that opens history now says what the
// path is and what to set instead, exits 2, and leaves nothing beside it.
func TestHistoryPathNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.db")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "state")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	paths := []struct{ path, is string }{
		{sub, "is a directory, not a file: set history.path in the config to a file in it, such as " + filepath.Join(sub, "history.db")},
		{fifo, "is a named pipe, not a file: set history.path"},
		{"/dev/null", "is a device, not a file: set history.path"},
	}
	if _, err := os.Stat("/proc/version"); err == nil {
		paths = append(paths, struct{ path, is string }{"/proc/version", "is made up by the system as it is read"})
	}
	commands := [][]string{
		{}, // the live screen: history is opened before it needs a terminal
		{"serve", "--listen", "127.0.0.1:0"},
		{"incidents"},
		{"alerts"},
		{"silence", "--list"},
		{"silence", "A", "1h"},
		{"unsilence", "A"},
	}
	for _, p := range paths {
		cfg := writeConfig(t, fmt.Sprintf("history: {path: %q}\nservices:\n  - {name: A, url: \"tcp://127.0.0.1:1\"}\n", p.path))
		for _, cmd := range commands {
			args := append(append([]string{}, cmd...), "-c", cfg)
			t.Run(p.path+" "+strings.Join(cmd, " "), func(t *testing.T) {
				type result struct {
					code   int
					stderr string
				}
				done := make(chan result, 1)
				go func() {
					code, _, stderr := runCLI(t, args...)
					done <- result{code, stderr}
				}()
				var got result
				select {
				case got = <-done:
				case <-time.After(20 * time.Second):
					t.Fatalf("uptty %s did not return within 20s", strings.Join(args, " "))
				}
				want := "uptty: history file " + p.path + " " + p.is
				if got.code != exitUsage || !strings.Contains(got.stderr, want) {
					t.Errorf("uptty %s = %d, stderr %q; want %d, %q", strings.Join(args, " "), got.code, got.stderr, exitUsage, want)
				}
			})
		}
	}
	// Nothing beside them: the lock file is taken only for a path that can be a history.
	for _, p := range []string{sub, fifo} {
		if _, err := os.Lstat(p + ".lock"); err == nil {
			t.Errorf("%s.lock was made beside a history path that is not a file", p)
		}
	}
}
