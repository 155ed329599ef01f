package wallclock

import (
	"context"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysTicker is a timerfd set off at each multiple of its period, read through the network
// poller with raw system calls.
type sysTicker struct {
	every time.Duration
	fd    int
	f     *os.File
	conn  syscall.RawConn
	buf   [8]byte
	// expired says a cancelled wait left a read deadline in the past, for the next to clear.
	expired bool
}

// newSysTicker returns a timerfd ticker, or nil when there is none to be had.
func newSysTicker(every time.Duration) *sysTicker {
	fd, err := unix.TimerfdCreate(unix.CLOCK_REALTIME, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	t := &sysTicker{every: every, fd: fd}
	if t.arm() != nil {
		unix.Close(fd)
		return nil
	}
	t.f = os.NewFile(uintptr(fd), "wallclock")
	if t.conn, err = t.f.SyscallConn(); err != nil {
		t.f.Close()
		return nil
	}
	return t
}

// arm sets the timerfd off at each multiple of the period from the next one on, by the wall
// clock: when that clock is set (a step back of an hour would otherwise hold the tick for an
// hour), reads fail with ECANCELED, and wait arms it again.
func (t *sysTicker) arm() error {
	first := time.Now().Truncate(t.every).Add(t.every)
	spec := unix.ItimerSpec{
		Interval: unix.NsecToTimespec(t.every.Nanoseconds()),
		Value:    unix.NsecToTimespec(first.UnixNano()),
	}
	return unix.TimerfdSettime(t.fd, unix.TFD_TIMER_ABSTIME|unix.TFD_TIMER_CANCEL_ON_SET, &spec, nil)
}

// wait reads the timerfd: the count of expirations since the last read, which is one or more
// once it fired. It reads with raw system calls, and waits in the network poller.
func (t *sysTicker) wait(ctx context.Context) (time.Time, bool) {
	if t.expired {
		_ = t.f.SetReadDeadline(time.Time{})
		t.expired = false
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = t.f.SetReadDeadline(time.Unix(1, 0)) })
		defer func() {
			if !stop() {
				t.expired = true
			}
		}()
	}
	var errno syscall.Errno
	read := func(fd uintptr) bool {
		_, _, errno = unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&t.buf[0])), uintptr(len(t.buf)))
		return errno != unix.EAGAIN
	}
	if err := t.conn.Read(read); err != nil || ctx.Err() != nil {
		return time.Time{}, false
	}
	if errno == unix.ECANCELED {
		// The wall clock was set: the screen shows the new time at once, and ticks on it.
		_ = t.arm()
	}
	return time.Now(), true
}

func (t *sysTicker) close() { t.f.Close() }
