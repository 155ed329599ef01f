package probe

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// stampConn makes conn, an HTTP check's connection, tell the check's phaseRecorder when the
// kernel received the data each read returns (SO_TIMESTAMPNS), so that the wait for the
// answer ends when the answer arrived rather than when a busy machine got round to running the
// goroutine that reads it. conn is returned as it is if anything of that is unavailable.
func stampConn(ctx context.Context, conn net.Conn) net.Conn {
	rec, _ := ctx.Value(recorderKey{}).(*phaseRecorder)
	return stampConnFor(rec, conn)
}

// stampConnFor is stampConn for the recorder rec. It also gives rec the kernel's measure of
// the TCP handshake (TCP_INFO's round-trip time, a sample of exactly that on a new connection),
// for the same reason: see phaseRecorder.handshakeRTT.
func stampConnFor(rec *phaseRecorder, conn net.Conn) net.Conn {
	tcp, ok := conn.(*net.TCPConn)
	if rec == nil || !ok {
		return conn
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return conn
	}
	var serr error
	var rtt time.Duration
	if err := raw.Control(func(fd uintptr) {
		if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			rtt = time.Duration(info.Rtt) * time.Microsecond
		}
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return conn
	}
	rec.handshakeRTT(rtt)
	if serr != nil {
		return conn
	}
	c := &rxConn{TCPConn: tcp, raw: raw, rec: rec}
	c.recvFn = c.recv
	return c
}

// handshakeRTT is the kernel's measure of the TCP handshake of conn, a connection just made
// (TCP_INFO's round-trip time, from the SYN sent to the SYN-ACK received), or 0 where it cannot
// tell: see phaseRecorder.handshakeRTT.
func handshakeRTT(conn net.Conn) time.Duration {
	tcp, ok := conn.(*net.TCPConn)
	if !ok {
		return 0
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return 0
	}
	var rtt time.Duration
	raw.Control(func(fd uintptr) {
		if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			rtt = time.Duration(info.Rtt) * time.Microsecond
		}
	})
	return rtt
}

// rxConn reads with recvmsg to get the kernel's receive time of what it reads, and reads the
// clock just before each write, so that the wait for the answer starts when the request went to
// the kernel (phaseRecorder.writing).
type rxConn struct {
	*net.TCPConn
	raw syscall.RawConn
	rec *phaseRecorder
	oob [64]byte
	// The read in progress, for recvFn, a method value made once per connection: a closure
	// made per Read would be an allocation each.
	p       []byte
	n, oobn int
	rerr    error
	recvFn  func(fd uintptr) bool
}

// rxTestDelay, when set, runs before each recvmsg with the connection's remote address: a
// test's way to keep the reading goroutine from a response that has arrived.
var rxTestDelay atomic.Pointer[func(remote net.Addr)]

func (c *rxConn) recv(fd uintptr) bool {
	if f := rxTestDelay.Load(); f != nil {
		(*f)(c.RemoteAddr())
	}
	c.n, c.oobn, _, _, c.rerr = unix.Recvmsg(int(fd), c.p, c.oob[:], 0)
	return c.rerr != unix.EAGAIN
}

func (c *rxConn) Write(p []byte) (int, error) {
	c.rec.writing(time.Now())
	return c.TCPConn.Write(p)
}

func (c *rxConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return c.TCPConn.Read(p)
	}
	c.p = p
	err := c.raw.Read(c.recvFn)
	n, oobn, rerr := c.n, c.oobn, c.rerr
	c.p = nil
	if err != nil {
		// A deadline or a close: the same errors a plain Read gives, but for the operation.
		if oe, ok := err.(*net.OpError); ok {
			oe.Op = "read"
		}
		return 0, err
	}
	if rerr != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(),
			Err: os.NewSyscallError("read", rerr)}
	}
	if n == 0 {
		return 0, io.EOF
	}
	if at, ok := rxTime(c.oob[:oobn]); ok {
		c.rec.received(at)
	}
	return n, nil
}

// rxTime finds the receive time in a recvmsg's control messages.
func rxTime(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET || m.Header.Type != unix.SCM_TIMESTAMPNS {
			continue
		}
		// A struct timespec: two longs, of the platform's size.
		switch d := m.Data; len(d) {
		case 16:
			return time.Unix(int64(binary.NativeEndian.Uint64(d)), int64(binary.NativeEndian.Uint64(d[8:]))), true
		case 8:
			return time.Unix(int64(int32(binary.NativeEndian.Uint32(d))), int64(int32(binary.NativeEndian.Uint32(d[4:])))), true
		}
	}
	return time.Time{}, false
}

// stampUDP makes conn, a DNS check's UDP socket, give st the clock just before its first write
// (the query going to the kernel) and the kernel's receive time of each datagram it reads
// (SO_TIMESTAMPNS: each datagram keeps its own, so the answer's is exact). conn is returned as
// it is if anything of that is unavailable.
func stampUDP(conn net.Conn, st *udpStamp) net.Conn {
	u, ok := conn.(*net.UDPConn)
	if !ok {
		return conn
	}
	raw, err := u.SyscallConn()
	if err != nil {
		return conn
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return conn
	}
	c := &rxUDPConn{UDPConn: u, raw: raw, st: st}
	c.recvFn = c.recv
	return c
}

// rxUDPConn is rxConn for a connected UDP socket: it stays a net.PacketConn, as the DNS
// library tells datagram sockets by that.
type rxUDPConn struct {
	*net.UDPConn
	raw     syscall.RawConn
	st      *udpStamp
	oob     [64]byte
	p       []byte
	n, oobn int
	rerr    error
	recvFn  func(fd uintptr) bool
}

func (c *rxUDPConn) recv(fd uintptr) bool {
	if f := rxTestDelay.Load(); f != nil {
		(*f)(c.RemoteAddr())
	}
	c.n, c.oobn, _, _, c.rerr = unix.Recvmsg(int(fd), c.p, c.oob[:], 0)
	return c.rerr != unix.EAGAIN
}

func (c *rxUDPConn) Write(p []byte) (int, error) {
	if c.st.wrote.IsZero() {
		c.st.wrote = time.Now()
	}
	return c.UDPConn.Write(p)
}

func (c *rxUDPConn) Read(p []byte) (int, error) {
	c.p = p
	err := c.raw.Read(c.recvFn)
	n, oobn, rerr := c.n, c.oobn, c.rerr
	c.p = nil
	if err != nil {
		if oe, ok := err.(*net.OpError); ok {
			oe.Op = "read"
		}
		return 0, err
	}
	if rerr != nil {
		return 0, &net.OpError{Op: "read", Net: "udp", Source: c.LocalAddr(), Addr: c.RemoteAddr(),
			Err: os.NewSyscallError("read", rerr)}
	}
	if at, ok := rxTime(c.oob[:oobn]); ok {
		c.st.rx = at
	}
	return n, nil
}
