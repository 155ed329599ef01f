//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a new pseudo-terminal's controller and the terminal for a child process.
func openPTY(t *testing.T, rows, cols uint16) (ctl, term *os.File) {
	t.Helper()
	ctl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(ctl.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close(); term.Close() })
	return ctl, term
}

// TestFirstFrameWithoutBackgroundAnswer runs the binary on a terminal that answers the cursor
// position query, as every VT100 descendant does, but ignores the background-colour query, as
// many terminals and multiplexers do. termenv waits up to 5 s for an answer that never comes;
// the first frame must not.
func TestFirstFrameWithoutBackgroundAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	ctl, term := openPTY(t, 24, 80)
	home := t.TempDir()
	cmd := exec.Command(bin, "--demo")
	cmd.Env = []string{"TERM=xterm-256color", "HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "PATH=" + os.Getenv("PATH")}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, term
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	framed := make(chan time.Duration, 1)
	go func() {
		var screen []byte
		buf := make([]byte, 64<<10)
		answered := 0
		for {
			n, err := ctl.Read(buf)
			if err != nil {
				return
			}
			screen = append(screen, buf[:n]...)
			for ; bytes.Count(screen, []byte("\x1b[6n")) > answered; answered++ {
				ctl.Write([]byte("\x1b[1;1R"))
			}
			if bytes.Contains(screen, []byte("STATE")) {
				framed <- time.Since(start)
				// Keep draining so the program never blocks on a full terminal.
				for {
					if _, err := ctl.Read(buf); err != nil {
						return
					}
				}
			}
		}
	}()

	select {
	case took := <-framed:
		// Well under termenv's 5 s wait, with room for a loaded machine.
		if took > 3*time.Second {
			t.Errorf("first frame after %v, want well under the 5s a background query can wait", took)
		}
		t.Logf("first frame after %v", took)
	case err := <-exited:
		t.Fatalf("uptty exited before drawing: %v", err)
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no first frame within 10s")
	}
	ctl.Write([]byte("q"))
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("uptty exit after q: %v, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("uptty did not quit on q")
	}
}
