//go:build unix && !linux

package probe

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

// assertGone waits up to 5s for process pid to exit. Without pidfds, signal 0 is the probe:
// an orphan is reparented to init, which reaps it, and then the pid answers ESRCH.
func assertGone(tb testing.TB, pid int) {
	tb.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		select {
		case <-deadline:
			tb.Errorf("process %d still running 5s after the check", pid)
			return
		case <-tick.C:
		}
	}
}
