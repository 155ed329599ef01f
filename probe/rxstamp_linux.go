package probe

import (
	"context"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/uptty/uptty/internal/sockstamp"
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
		rtt = tcpInfoRTT(fd)
		serr = rawSetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return conn
	}
	rec.handshakeRTT(rtt)
	if serr != nil {
		return conn
	}
	return &rxConn{TCPConn: tcp, stampedReader: newStampedReader(raw, tcp.RemoteAddr()), rawWriter: rawWriter{raw: raw}, rec: rec}
}

// handshakeRTT is the kernel's measure of the TCP handshake of conn, a connection just made
// (TCP_INFO's round-trip time, from the SYN sent to the SYN-ACK received), or 0 where it cannot
// tell: see phaseRecorder.handshakeRTT.
func handshakeRTT(conn net.Conn) time.Duration {
	var raw syscall.RawConn
	switch c := conn.(type) {
	case *net.TCPConn:
		var err error
		if raw, err = c.SyscallConn(); err != nil {
			return 0
		}
	case *rawConn:
		raw = c.stampedReader.raw
	default:
		return 0
	}
	var rtt time.Duration
	raw.Control(func(fd uintptr) { rtt = tcpInfoRTT(fd) })
	return rtt
}

// tcpInfoRTT is TCP_INFO's round-trip time of the socket fd, 0 if the kernel does not say.
func tcpInfoRTT(fd uintptr) time.Duration {
	// The system call itself, into a TCPInfo on the stack: unix.GetsockoptTCPInfo allocates
	// one for every call, one per check.
	var info unix.TCPInfo
	size := uint32(unsafe.Sizeof(info))
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, fd, unix.IPPROTO_TCP, unix.TCP_INFO,
		uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
	if e != 0 || size < uint32(unsafe.Offsetof(info.Rtt)+unsafe.Sizeof(info.Rtt)) {
		return 0
	}
	return time.Duration(info.Rtt) * time.Microsecond
}

// rxConn reads with recvmsg to get the kernel's receive time of what it reads, and reads the
// clock just before each write, so that the wait for the answer starts when the request went to
// the kernel (phaseRecorder.writing).
type rxConn struct {
	*net.TCPConn
	stampedReader
	rawWriter
	rec *phaseRecorder
}

// stampedReader is the recvmsg read of a socket with SO_TIMESTAMPNS set, shared by the TCP and
// UDP connections that stamp their reads.
type stampedReader struct {
	raw    syscall.RawConn
	remote net.Addr
	oob    [64]byte
	// The read in progress, for recvFn, a method value made once per connection: a closure
	// made per Read would be an allocation each. msg and iov are recvmsg's arguments, kept
	// here rather than made by unix.Recvmsg for every call (two allocations each).
	p       []byte
	n, oobn int
	rerr    error
	recvFn  func(fd uintptr) bool
	msg     unix.Msghdr
	iov     unix.Iovec
}

func newStampedReader(raw syscall.RawConn, remote net.Addr) stampedReader {
	return stampedReader{raw: raw, remote: remote}
}

// rxTestDelay, when set, runs before each recvmsg with the connection's remote address: a
// test's way to keep the reading goroutine from a response that has arrived.
var rxTestDelay atomic.Pointer[func(remote net.Addr)]

func (r *stampedReader) recv(fd uintptr) bool {
	if f := rxTestDelay.Load(); f != nil {
		(*f)(r.remote)
	}
	r.n, r.oobn, r.rerr = 0, 0, nil
	r.iov.Base = nil
	if len(r.p) > 0 {
		r.iov.Base = &r.p[0]
	}
	r.iov.SetLen(len(r.p))
	r.msg = unix.Msghdr{Iov: &r.iov, Control: &r.oob[0]}
	r.msg.SetIovlen(1)
	r.msg.SetControllen(len(r.oob))
	// Raw, not through the runtime's syscall entry, which would wake its monitor thread when
	// every P was idle (see closeSoon): the socket is non-blocking, so the call never waits.
	n, _, e := unix.RawSyscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&r.msg)), 0)
	r.iov.Base, r.msg.Iov = nil, nil // keep no pointer to the caller's buffer
	if e != 0 {
		r.rerr = e
		return e != unix.EAGAIN
	}
	r.n, r.oobn = int(n), int(r.msg.Controllen)
	return true
}

// read is one recvmsg into p, with the kernel's receive time of what it read when the kernel
// gave one. Errors are those a plain Read of conn gives.
func (r *stampedReader) read(p []byte, conn net.Conn, network string) (int, time.Time, bool, error) {
	if r.recvFn == nil {
		r.recvFn = r.recv
	}
	r.p = p
	err := r.raw.Read(r.recvFn)
	n, oobn, rerr := r.n, r.oobn, r.rerr
	r.p = nil
	if err != nil {
		// A deadline or a close: the same errors a plain Read gives, but for the operation.
		if oe, ok := err.(*net.OpError); ok {
			oe.Op = "read"
		}
		return 0, time.Time{}, false, err
	}
	if rerr != nil {
		return 0, time.Time{}, false, &net.OpError{Op: "read", Net: network, Source: conn.LocalAddr(), Addr: conn.RemoteAddr(),
			Err: os.NewSyscallError("read", rerr)}
	}
	at, ok := sockstamp.Received(r.oob[:oobn])
	return n, at, ok, nil
}

func (c *rxConn) Write(p []byte) (int, error) {
	c.rec.writing(time.Now())
	return c.rawWriter.write(p, c, "tcp")
}

func (c *rxConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return c.TCPConn.Read(p)
	}
	n, at, stamped, err := c.read(p, c, "tcp")
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, io.EOF
	}
	if stamped {
		c.rec.received(at)
	}
	return n, nil
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
	return &rxUDPConn{UDPConn: u, stampedReader: newStampedReader(raw, u.RemoteAddr()), st: st}
}

// rxUDPConn is rxConn for a connected UDP socket: it stays a net.PacketConn, as the DNS
// library tells datagram sockets by that.
type rxUDPConn struct {
	*net.UDPConn
	stampedReader
	st *udpStamp
}

func (c *rxUDPConn) Write(p []byte) (int, error) {
	if c.st.wrote.IsZero() {
		c.st.wrote = time.Now()
	}
	return c.UDPConn.Write(p)
}

func (c *rxUDPConn) Read(p []byte) (int, error) {
	n, at, stamped, err := c.read(p, c, "udp")
	if err != nil {
		return 0, err
	}
	if stamped {
		c.st.rx = at
	}
	return n, nil
}

// rawSetsockoptInt is setsockopt(2) of an int, as a raw system call: see stampedReader.recv.
func rawSetsockoptInt(fd uintptr, level, opt, value int) error {
	v := int32(value)
	_, _, e := unix.RawSyscall6(unix.SYS_SETSOCKOPT, fd, uintptr(level), uintptr(opt), uintptr(unsafe.Pointer(&v)), 4, 0)
	if e != 0 {
		return e
	}
	return nil
}

// rawWriter writes a stream socket with raw system calls (see stampedReader.recv), waiting
// for room on the runtime's poller as the net package does.
type rawWriter struct {
	raw syscall.RawConn
	// The write in progress, for sendFn, made once per connection (see stampedReader).
	p      []byte
	n      int
	werr   syscall.Errno
	sendFn func(fd uintptr) bool
}

func (w *rawWriter) send(fd uintptr) bool {
	for w.n < len(w.p) {
		// MSG_NOSIGNAL: a reset connection answers EPIPE without a SIGPIPE.
		n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&w.p[w.n])), uintptr(len(w.p)-w.n),
			unix.MSG_NOSIGNAL, 0, 0)
		switch e {
		case 0:
			w.n += int(n)
		case unix.EINTR:
		case unix.EAGAIN:
			return false
		default:
			w.werr = e
			return true
		}
	}
	return true
}

// write writes all of p, as a net.Conn's Write does, with its errors.
func (w *rawWriter) write(p []byte, conn net.Conn, network string) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if w.sendFn == nil {
		w.sendFn = w.send
	}
	w.p, w.n, w.werr = p, 0, 0
	err := w.raw.Write(w.sendFn)
	n, werr := w.n, w.werr
	w.p = nil
	if err != nil {
		if oe, ok := err.(*net.OpError); ok {
			oe.Op = "write"
		}
		return n, err
	}
	if werr != 0 {
		return n, &net.OpError{Op: "write", Net: network, Source: conn.LocalAddr(), Addr: conn.RemoteAddr(),
			Err: os.NewSyscallError("write", werr)}
	}
	return n, nil
}
