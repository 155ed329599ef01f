package ui

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the master, which reads what the slave is written.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Raw: the terminal passes the bytes as they are (no \n to \r\n).
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Oflag &^= unix.OPOST
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// TestRawTerminal: a rawTerminal writes all of a write, in order, also when it is more than the
// terminal takes at once (the rest goes through the blocking file while the reader catches
// up), and leaves the shell's file blocking.
func TestRawTerminal(t *testing.T) {
	master, slave := openPTY(t)
	rt := newRawTerminal(slave)
	if rt == nil {
		t.Fatal("newRawTerminal of a terminal = nil")
	}
	defer rt.Close()
	if newRawTerminal(os.NewFile(^uintptr(0), "none")) != nil {
		t.Error("newRawTerminal of no file != nil")
	}
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MB: far more than a pty buffers
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(master, int64(len(want))))
		got <- b
	}()
	if n, err := rt.Write(want); n != len(want) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(want))
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Errorf("the terminal read %d bytes, not the %d written in order", len(b), len(want))
	}
	flags, err := unix.FcntlInt(slave.Fd(), unix.F_GETFL, 0)
	if err != nil || flags&unix.O_NONBLOCK != 0 {
		t.Errorf("the shell's file flags = %#x, %v; want it blocking", flags, err)
	}
}
