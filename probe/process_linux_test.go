package probe

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// assertGone waits up to 5s for process pid to exit, by polling a pidfd, which becomes readable
// when the process exits even if nobody reaps it.
func assertGone(tb testing.TB, pid int) {
	tb.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return
	}
	if err != nil {
		tb.Fatalf("pidfd_open(%d) = %v", pid, err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 5000)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			tb.Errorf("process %d still running 5s after the check (poll = %d, %v)", pid, n, err)
		}
		return
	}
}
