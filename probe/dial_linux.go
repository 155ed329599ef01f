//go:build linux

package probe

import (
	"net/netip"
	"os"
	"syscall"
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
func connectEarly(network, address string, c syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || ap.Addr().Zone() != "" {
		return nil // leave it to the net package
	}
	var sa syscall.Sockaddr
	switch network {
	case "tcp4":
		if !ap.Addr().Unmap().Is4() {
			return nil
		}
		sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().Unmap().As4()}
	case "tcp6":
		sa = &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	default:
		return nil
	}
	var cerr error
	if err := c.Control(func(fd uintptr) { cerr = syscall.Connect(int(fd), sa) }); err != nil {
		return nil
	}
	switch cerr {
	case nil, syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
		return nil
	}
	// Failed at once: connecting again would start a second attempt. The error as the net
	// package words a failed connect.
	return os.NewSyscallError("connect", cerr)
}
