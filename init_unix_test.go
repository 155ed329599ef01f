//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInitNotRegularFile: uptty init -c /dev/null --force said "wrote /dev/null (1 service);
// try it: uptty check -c /dev/null" while the config went nowhere, and to a named pipe it
// hung until something read it. A path that is there and is not a regular file is refused,
// with or without --force, with what it is and what to write instead.
func TestInitNotRegularFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, what string
	}{
		{"/dev/null", "a device"},
		{fifo, "a named pipe"},
	} {
		for _, force := range []bool{false, true} {
			args := []string{"init", "-c", tt.path}
			if force {
				args = append(args, "--force")
			}
			type result struct {
				code           int
				stdout, stderr string
			}
			done := make(chan result, 1)
			go func() {
				code, stdout, stderr := runCLI(t, args...)
				done <- result{code, stdout, stderr}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(5 * time.Second):
				// Let the blocked open go: a reader on the pipe.
				if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
					defer f.Close()
				}
				t.Fatalf("uptty %q did not return in 5s", args)
			}
			want := "uptty: init: " + tt.path + " is " + tt.what + ", not a file"
			if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "-c -") {
				t.Errorf("uptty %q = %d, %q, %q; want 2 and %q, and -c - for stdout", args, r.code, r.stdout, r.stderr, want)
			}
		}
	}
}
