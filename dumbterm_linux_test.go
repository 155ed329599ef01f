//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestDumbTerminalBinary runs the built binary on a pseudo-terminal with TERM=dumb, as Emacs's
// M-x shell gives it one: no screen is drawn (no escape sequence at all), it exits 2, and the
// message says what to use instead.
func TestDumbTerminalBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	ctl, term := openPTY(t, 24, 80)
	home := t.TempDir()
	cmd := exec.Command(bin, "--demo")
	cmd.Env = []string{"TERM=dumb", "HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "PATH=" + os.Getenv("PATH")}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, term
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	term.Close() // the child's copy is its only one: the terminal ends when it exits
	read := make(chan []byte, 1)
	go func() {
		var out []byte
		buf := make([]byte, 64<<10)
		for {
			n, err := ctl.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				read <- out
				return
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("uptty --demo on TERM=dumb still running after 10s, want it to exit at once")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitUsage {
		t.Errorf("uptty --demo on TERM=dumb exit = %v, want status %d", err, exitUsage)
	}
	var out []byte
	select {
	case out = <-read:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal did not end after uptty exited")
	}
	if bytes.Contains(out, []byte("\x1b")) || bytes.Contains(out, []byte("STATE")) {
		t.Errorf("uptty --demo on TERM=dumb drew something:\n%q", out)
	}
	for _, want := range []string{"TERM=dumb", "'uptty check'", "'uptty serve'"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("uptty --demo on TERM=dumb said %q, want it to mention %s", out, want)
		}
	}
}
