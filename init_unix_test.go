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

// TestInitThroughDanglingLink: a link made before its file (a dotfiles link to a config not
// written yet) was answered "exists; pass --force to overwrite it", with nothing there to
// overwrite. init writes the file the link names, makes its directory, and leaves the link.
func TestInitThroughDanglingLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "uptty.yaml")
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink("dotfiles/uptty.yaml", link); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "init", "-c", link)
	if code != exitOK || !strings.Contains(stdout, "wrote "+link) {
		t.Fatalf("uptty init -c LINK = %d, %q, %q; want 0, wrote %s", code, stdout, stderr, link)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("the link's file: %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link: %v, %v; want it kept", fi, err)
	}
	// Now that it is there, it exists.
	if code, _, stderr := runCLI(t, "init", "-c", link); code != exitUsage || !strings.Contains(stderr, "exists") {
		t.Errorf("uptty init -c LINK again = %d, %q; want 2, exists", code, stderr)
	}
}
