package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/uptty/uptty/internal/sockstamp"
	"golang.org/x/sys/unix"
)

// The target's own time of a request, as a monitor should report it, runs from the kernel's
// receipt of the request to the answer's write. The handler's own clock starts later: the farm
// is a process like any other, and under load its goroutine that reads and parses the request
// waits for a CPU after the request has arrived. That wait is the target being slow to answer,
// which a perfect monitor reports, so it must not be charged to the monitor as error. The
// listeners stamp each connection's first read with the kernel's receive time (SO_TIMESTAMPNS,
// set on the listening socket, which accepted sockets inherit) and read the clock on either side
// of its first write, the answer's (the handler flushes it before it returns).

// listenStamped listens on addr (TCP) with receive timestamps on, or plainly if the kernel
// refuses them (then every record falls back to the handler's clock).
func listenStamped(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return ln, nil
	}
	raw, err := tl.SyscallConn()
	if err != nil {
		return ln, nil
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return ln, nil
	}
	return stampListener{tl}, nil
}

type stampListener struct{ *net.TCPListener }

func (l stampListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return c, nil
	}
	return &stampedConn{TCPConn: c, raw: raw}, nil
}

// stampedConn is an accepted connection that knows when the kernel received the data of its
// first read (the request) and when its first write (the answer) began and ended. net/http
// reads and writes it from the connection's goroutine, which also runs the handler, so the
// handler reads these without a lock; its background read (a plain read, after the first) only
// runs once the request has been read.
type stampedConn struct {
	*net.TCPConn
	raw syscall.RawConn
	// firstRead is set once the first read returned data; rx is that data's receive time, zero
	// when the kernel gave none.
	firstRead bool
	rx        time.Time
	// writeStart and writeEnd bracket the first write's system call: the kernel hands the
	// answer to the client (on loopback, stamping its arrival there) in between; tx is when
	// it did, the kernel's transmit time (zero when it gave none). A farm preempted in the
	// call (1-14 ms now and then under CPU hogs) delivers the answer anywhere in it.
	writeStart, writeEnd, tx time.Time
}

func (c *stampedConn) Read(p []byte) (int, error) {
	if c.firstRead || len(p) == 0 {
		return c.TCPConn.Read(p)
	}
	var oob [64]byte
	var n, oobn int
	var rerr error
	err := c.raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), p, oob[:], 0)
		return rerr != unix.EAGAIN
	})
	if err != nil {
		// A deadline or a close (net/http aborts its background read with a deadline and
		// expects a timeout): the error a plain Read gives, but for the operation.
		if oe, ok := err.(*net.OpError); ok {
			oe.Op = "read"
		}
		return 0, err
	}
	if rerr != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("recvmsg", rerr)}
	}
	if n == 0 {
		return 0, io.EOF
	}
	c.firstRead = true
	c.rx, _ = sockstamp.Received(oob[:oobn])
	return n, nil
}

func (c *stampedConn) Write(p []byte) (int, error) {
	if !c.writeStart.IsZero() {
		return c.TCPConn.Write(p)
	}
	txOn := c.askTxStamp()
	c.writeStart = time.Now()
	n, err := c.TCPConn.Write(p)
	c.writeEnd = time.Now()
	if txOn {
		c.tx = c.txStamp()
	}
	return n, err
}

// askTxStamp asks the kernel for the software transmit time of what is written next (the
// driver's, for loopback the moment the data is handed to the receiving socket), reported on
// the socket's error queue without the data. Set after the first read: the option's reporting
// flag would add a second receive time to every read's control messages.
func (c *stampedConn) askTxStamp() bool {
	var serr error
	err := c.raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPING,
			unix.SOF_TIMESTAMPING_TX_SOFTWARE|unix.SOF_TIMESTAMPING_SOFTWARE|unix.SOF_TIMESTAMPING_OPT_TSONLY)
	})
	return err == nil && serr == nil
}

// txStamp reads the transmit time of the last write from the socket's error queue, or the
// zero time. On loopback the kernel queues it within the write call.
func (c *stampedConn) txStamp() time.Time {
	var oob [256]byte
	var oobn int
	var rerr error
	if err := c.raw.Control(func(fd uintptr) {
		_, oobn, _, _, rerr = unix.Recvmsg(int(fd), nil, oob[:], unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
	}); err != nil || rerr != nil {
		return time.Time{}
	}
	at, _ := sockstamp.Sent(oob[:oobn])
	return at
}

// connKey is the context key under which a request's handler finds its connection.
type connKey struct{}

// withConn is the server's ConnContext: it hands each request its connection.
func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// connStamps returns the kernel's receive time of the request on r's connection, the clock on
// either side of the answer's write and the kernel's transmit time of the answer, each zero
// where unknown. The answer must have been flushed.
func connStamps(r *http.Request) (rx, writeStart, writeEnd, tx time.Time) {
	c, ok := r.Context().Value(connKey{}).(*stampedConn)
	if !ok {
		return
	}
	return c.rx, c.writeStart, c.writeEnd, c.tx
}
