//go:build linux

package probe

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The one-shot path's connection to an IP address, made and used with raw system calls only.
//
// With few checks a second uptty runs on one P, and the Go runtime's monitor thread (sysmon)
// sleeps while that P is idle. A system call made through the runtime's syscall entry
// (syscall.Syscall: the net package's connect, setsockopt, write and close) wakes a sleeping
// sysmon and resets its back-off, so that it polls every 20 µs for the next 50 polls; and a
// call that is still in the kernel when sysmon looks twice (a loopback connect does the whole
// handshake in the call, and the write wakes the server, which may take the CPU) has its P
// handed to another thread, which wakes only to find nothing to do. A raw system call
// (syscall.RawSyscall) keeps the P and tells sysmon nothing: with the scheduler's timerfd
// (monitor's alarm), sysmon sleeps through a check. Every call here is a non-blocking one on a
// non-blocking socket, so none can hold the thread: waits (the connect's, the answer's, room
// to write) are the runtime poller's, through an os.File's syscall.RawConn, as the net
// package's are. os.NewFile registers a non-blocking socket with the poller without a system
// call through that entry; only its Close makes one, which closeSoon puts off to a Go timer's
// round.

// dialIP connects to ap with raw system calls, for a check whose recorder is rec: the
// connection reads the kernel's receive time of the answer and tells rec of the write of the
// request, as stampConnFor's does. ok is false where it cannot (an address with a zone): the
// caller dials through the net package instead.
func dialIP(ctx context.Context, ap netip.AddrPort, rec *phaseRecorder) (conn net.Conn, ok bool, err error) {
	if ap.Addr().Zone() != "" || !ap.Addr().IsValid() {
		return nil, false, nil
	}
	var sa rawSockaddr
	v6 := !ap.Addr().Unmap().Is4()
	sa.set(ap, v6)
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	raddr := net.TCPAddrFromAddrPort(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
	dialErr := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Addr: raddr, Err: err} }

	r, _, e := unix.RawSyscall(unix.SYS_SOCKET, uintptr(family), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if e != 0 {
		return nil, true, dialErr(os.NewSyscallError("socket", e))
	}
	fd := r
	// As the net package sets them, and the receive time of what each read returns.
	rawSetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	stamped := rawSetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1) == nil
	switch e := sa.connect(fd); e {
	case 0, unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
	default:
		unix.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
		return nil, true, dialErr(os.NewSyscallError("connect", e))
	}
	f := os.NewFile(fd, "tcp")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, true, dialErr(err)
	}
	c := &rawConn{f: f, raddr: raddr, rec: rec, stamped: stamped}
	c.stampedReader = newStampedReader(raw, raddr)
	c.rawWriter = rawWriter{raw: raw}
	// A connect to a loopback address has its handshake done when the call returns (though it
	// answers EINPROGRESS); anything else waits on the poller for the socket to be writable.
	if err := c.waitConnected(ctx, raw); err != nil {
		f.Close()
		return nil, true, dialErr(err)
	}
	return c, true, nil
}

// waitConnected waits until the connect under way on c's socket has succeeded or failed, or
// ctx is done, as the net package's connect does.
func (c *rawConn) waitConnected(ctx context.Context, raw syscall.RawConn) error {
	var cerr error
	connected := func(fd uintptr) bool {
		var soErr int32
		size := uint32(4)
		_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_ERROR,
			uintptr(unsafe.Pointer(&soErr)), uintptr(unsafe.Pointer(&size)), 0)
		if e == 0 {
			e = syscall.Errno(soErr)
		}
		switch e {
		case 0, unix.EISCONN:
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			return false
		default:
			cerr = os.NewSyscallError("connect", e)
			return true
		}
		// No error yet: connected, or still connecting (the poller woke early).
		var sa unix.RawSockaddrAny
		salen := uint32(unsafe.Sizeof(sa))
		_, _, e = unix.RawSyscall(unix.SYS_GETPEERNAME, fd, uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&salen)))
		return e != unix.ENOTCONN
	}
	done := false
	raw.Control(func(fd uintptr) { done = connected(fd) })
	if done {
		return cerr
	}
	if d, ok := ctx.Deadline(); ok {
		c.f.SetWriteDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { c.f.SetWriteDeadline(aLongTimeAgo) })
	err := raw.Write(connected)
	stop()
	c.f.SetWriteDeadline(time.Time{})
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			// As the net package words a dial that its context ended.
			if errors.Is(ctxErr, context.DeadlineExceeded) {
				return os.ErrDeadlineExceeded
			}
			return ctxErr
		}
		return err
	}
	return cerr
}

// rawConn is a TCP connection made by dialIP.
type rawConn struct {
	f *os.File // the socket, registered with the runtime's poller
	stampedReader
	rawWriter
	raddr   *net.TCPAddr
	rec     *phaseRecorder
	stamped bool // SO_TIMESTAMPNS is set
	// closed is set by Close: the os.File's raw reads and writes then fail with an error of
	// the poller's own, which the net package words as net.ErrClosed.
	closed atomic.Bool
}

func (c *rawConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, at, stamped, err := c.read(p, c, "tcp")
	if err != nil {
		return 0, c.opErr("read", err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	if stamped && c.stamped {
		c.rec.received(at)
	}
	return n, nil
}

func (c *rawConn) Write(p []byte) (int, error) {
	c.rec.writing(time.Now())
	n, err := c.write(p, c, "tcp")
	if err != nil {
		return n, c.opErr("write", err)
	}
	return n, nil
}

// opErr is err as the net package gives it: a *net.OpError of op naming the addresses.
func (c *rawConn) opErr(op string, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return err
	}
	if c.closed.Load() {
		err = net.ErrClosed
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.raddr, Err: err}
}

// Close closes the socket, through the runtime's syscall entry (see closeSoon).
func (c *rawConn) Close() error {
	c.closed.Store(true)
	if err := c.f.Close(); err != nil {
		return c.opErr("close", err)
	}
	return nil
}

// LocalAddr reads the socket's address: only errors ask for it, so a check does not.
func (c *rawConn) LocalAddr() net.Addr {
	var la net.Addr = &net.TCPAddr{}
	raw, err := c.f.SyscallConn()
	if err == nil {
		raw.Control(func(fd uintptr) {
			if sa, err := unix.Getsockname(int(fd)); err == nil {
				switch sa := sa.(type) {
				case *unix.SockaddrInet4:
					la = &net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}
				case *unix.SockaddrInet6:
					la = &net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}
				}
			}
		})
	}
	return la
}

func (c *rawConn) RemoteAddr() net.Addr { return c.raddr }

func (c *rawConn) SetDeadline(t time.Time) error      { return c.f.SetDeadline(t) }
func (c *rawConn) SetReadDeadline(t time.Time) error  { return c.f.SetReadDeadline(t) }
func (c *rawConn) SetWriteDeadline(t time.Time) error { return c.f.SetWriteDeadline(t) }
