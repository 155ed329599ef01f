package ui

import (
	"io"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/uptty/uptty/wallclock"
)

// rawTerminal writes a terminal with raw system calls, which the Go runtime does not see: one
// it sees wakes its monitor thread (sysmon) out of the sleep it takes while the process idles,
// and on a VM the wake-up costs more than the write (see package wallclock). The terminal is
// opened a second time, non-blocking, so that a raw write never waits: what the terminal does
// not take at once is written to out, blocking as ever.
type rawTerminal struct {
	fd  int
	out *os.File
}

// openRawTerminal opens out's terminal for rawTerminal, if out is one and the process uses
// wallclock's timers (in tests, it does not).
func openRawTerminal(out io.Writer) io.WriteCloser {
	f, ok := out.(*os.File)
	if !ok || !wallclock.Enabled() {
		return nil
	}
	if t := newRawTerminal(f); t != nil {
		return t
	}
	return nil
}

// newRawTerminal opens f's terminal for rawTerminal; nil when f is none, or it cannot.
func newRawTerminal(f *os.File) *rawTerminal {
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return nil
	}
	// A new open file description: O_NONBLOCK on it leaves the shell's as it is.
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	return &rawTerminal{fd: fd, out: f}
}

// Write writes b with raw writes while the terminal takes it at once, and the rest to out.
func (t *rawTerminal) Write(b []byte) (int, error) {
	if t.fd < 0 {
		return t.out.Write(b)
	}
	n := 0
	for n < len(b) {
		w, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(t.fd), uintptr(unsafe.Pointer(&b[n])), uintptr(len(b)-n))
		if errno != 0 {
			m, err := t.out.Write(b[n:])
			return n + m, err
		}
		n += int(w)
	}
	return n, nil
}

// Close closes the terminal's second file; writes after it go to out (a closed descriptor's
// number may already name another file).
func (t *rawTerminal) Close() error {
	fd := t.fd
	t.fd = -1
	return unix.Close(fd)
}
