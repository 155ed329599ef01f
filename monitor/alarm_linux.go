//go:build linux

package monitor

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/uptty/uptty/wallclock"
)

// newAlarm is a timerfd alarm once the binary enabled the system's timers (wallclock.Enable),
// a Go timer otherwise (tests, and where a timerfd cannot be had).
//
// A Go timer wakes two threads each time it fires (every check's start, at low rates): the one
// that runs it, twice when the timer is not on a whole millisecond (the network poller waits in
// milliseconds, rounded down, then one more), and the runtime's monitor thread (sysmon), which
// sleeps until the next timer and then polls until the goroutines are idle again. A timerfd
// wakes the poller's thread once, at its time, and sysmon not at all: the check it starts makes
// only raw system calls (see probe's rawconn_linux.go), which sysmon does not see either.
func newAlarm() alarm {
	if wallclock.Enabled() {
		if a := newFDAlarm(); a != nil {
			return a
		}
	}
	return newGoAlarm()
}

// fdAlarm is an alarm on a timerfd (CLOCK_MONOTONIC), read by a goroutine of its own that waits
// in the network poller and reads with raw system calls.
type fdAlarm struct {
	f    *os.File
	conn syscall.RawConn
	c    chan time.Time
	buf  [8]byte
}

func newFDAlarm() *fdAlarm {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	a := &fdAlarm{f: os.NewFile(uintptr(fd), "alarm"), c: make(chan time.Time, 1)}
	if a.conn, err = a.f.SyscallConn(); err != nil {
		a.f.Close()
		return nil
	}
	go a.run()
	return a
}

// run hands each expiry to C until the alarm is closed.
func (a *fdAlarm) run() {
	var errno syscall.Errno
	read := func(fd uintptr) bool {
		_, _, errno = unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&a.buf[0])), uintptr(len(a.buf)))
		return errno != unix.EAGAIN
	}
	for {
		if err := a.conn.Read(read); err != nil {
			return // closed
		}
		if errno != 0 {
			continue
		}
		select {
		case a.c <- time.Now():
		default: // one waiting is enough: the scheduler looks at everything due
		}
	}
}

func (a *fdAlarm) C() <-chan time.Time { return a.c }

// Reset arms the timerfd d from now; timerfd_settime is a raw system call.
func (a *fdAlarm) Reset(d time.Duration) {
	// A zero value disarms a timerfd: what is due now fires in a nanosecond.
	a.set(max(d, 1))
}

func (a *fdAlarm) Stop() { a.set(0) }

func (a *fdAlarm) set(d time.Duration) {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	a.conn.Control(func(fd uintptr) { unix.TimerfdSettime(int(fd), 0, &spec, nil) })
}

func (a *fdAlarm) Close() { a.f.Close() }
