//go:build linux

package probe

import (
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// connectEarly is the HTTP dialer's Control, run on the new socket before the net package
// connects it: it starts the connect itself. A non-blocking connect answers EINPROGRESS even to a
// loopback address, whose handshake the kernel has completed by the time the call returns, and
// the net package then parks the goroutine until the poller reports the socket writable, asks
// the socket for its error and only then goes on: a park and a wake-up, on another thread as
// often as not, per check. Connected here first, the net package's own connect finds the
// connection made (the kernel answers it with success) and goes straight on. A connection still
// under way (any real network) answers the net package's connect EALREADY, and it waits for it
// as it would have: nothing changes there but one cheap system call. The handshake's time is
// the kernel's either way (see phaseRecorder.handshakeRTT). It is for a Dialer without a
// LocalAddr: the net package binds that after Control, and a connected socket is bound already.
// The connect is a raw system call, as dialIP's is: a loopback connect runs the whole handshake
// in the call, long enough for the runtime to hand this thread's P to another (see
// rawconn_linux.go). The one-shot path dials IP addresses with dialIP; this is the
// Transport's dial, and the one-shot path's for host names.
func connectEarly(network, address string, c syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || ap.Addr().Zone() != "" {
		return nil // leave it to the net package
	}
	var sa rawSockaddr
	switch network {
	case "tcp4":
		if !ap.Addr().Unmap().Is4() {
			return nil
		}
		sa.set(ap, false)
	case "tcp6":
		sa.set(ap, true)
	default:
		return nil
	}
	var cerr syscall.Errno
	if err := c.Control(func(fd uintptr) { cerr = sa.connect(fd) }); err != nil {
		return nil
	}
	switch cerr {
	case 0, syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
		return nil
	}
	// Failed at once: connecting again would start a second attempt. The error as the net
	// package words a failed connect.
	return os.NewSyscallError("connect", cerr)
}

// rawSockaddr is a socket address as connect(2) takes it, IPv4 or IPv6.
type rawSockaddr struct {
	v4  unix.RawSockaddrInet4
	v6  unix.RawSockaddrInet6
	is6 bool
}

func (sa *rawSockaddr) set(ap netip.AddrPort, v6 bool) {
	port := ap.Port()
	sa.is6 = v6
	if v6 {
		sa.v6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ap.Addr().As16()}
		p := (*[2]byte)(unsafe.Pointer(&sa.v6.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		return
	}
	sa.v4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ap.Addr().Unmap().As4()}
	p := (*[2]byte)(unsafe.Pointer(&sa.v4.Port))
	p[0], p[1] = byte(port>>8), byte(port)
}

// connect starts the connect of the non-blocking socket fd to sa, with a raw system call: see
// stampedReader.recv.
func (sa *rawSockaddr) connect(fd uintptr) syscall.Errno {
	ptr, size := unsafe.Pointer(&sa.v4), unsafe.Sizeof(sa.v4)
	if sa.is6 {
		ptr, size = unsafe.Pointer(&sa.v6), unsafe.Sizeof(sa.v6)
	}
	_, _, e := unix.RawSyscall(unix.SYS_CONNECT, fd, uintptr(ptr), size)
	return e
}
