//go:build linux

package probe

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestDialIP: dialIP connects to a listening loopback address (IPv4, and IPv6 where the machine
// has it), and the connection writes, reads to EOF and names both ends; a closed port gives the
// error the net package gives for a refused connect.
func TestDialIP(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		host := map[string]string{"tcp4": "127.0.0.1", "tcp6": "[::1]"}[network]
		ln, err := net.Listen(network, host+":0")
		if err != nil {
			if network == "tcp6" {
				t.Logf("no IPv6 loopback: %v", err)
				continue
			}
			t.Fatal(err)
		}
		served := make(chan string, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				served <- err.Error()
				return
			}
			defer c.Close()
			b := make([]byte, 4)
			_, err = io.ReadFull(c, b)
			if err != nil {
				served <- err.Error()
				return
			}
			c.Write([]byte("pong"))
			served <- string(b) + " from " + c.RemoteAddr().String()
		}()
		ap := netip.MustParseAddrPort(ln.Addr().String())
		rec := newPhaseRecorder(time.Now())
		conn, ok, err := dialIP(context.Background(), ap, rec)
		if !ok || err != nil {
			t.Fatalf("dialIP(%s) = %v, %v, want a connection", ap, ok, err)
		}
		if got := conn.RemoteAddr().String(); got != ln.Addr().String() {
			t.Errorf("%s: remote address = %s, want %s", network, got, ln.Addr())
		}
		if _, err := conn.Write([]byte("ping")); err != nil {
			t.Fatalf("%s: write = %v", network, err)
		}
		b, err := io.ReadAll(conn)
		if err != nil || string(b) != "pong" {
			t.Errorf("%s: read %q, %v, want pong and EOF", network, b, err)
		}
		if got, want := <-served, "ping from "+conn.LocalAddr().String(); got != want {
			t.Errorf("%s: the server got %q, want %q", network, got, want)
		}
		if err := conn.Close(); err != nil {
			t.Errorf("%s: close = %v", network, err)
		}
		if _, err := conn.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s: write after close = %v, want net.ErrClosed", network, err)
		}
		ln.Close()

		// The port just closed: refused.
		_, _, err = dialIP(context.Background(), ap, rec)
		var sys *os.SyscallError
		if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &sys) || sys.Syscall != "connect" {
			t.Errorf("%s: dial after close = %v, want connect: connection refused", network, err)
		}
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" {
			t.Errorf("%s: dial after close = %#v, want a *net.OpError of dial", network, err)
		}
	}
}

// TestDialIPZone: an address with a zone is left to the net package.
func TestDialIPZone(t *testing.T) {
	if _, ok, _ := dialIP(context.Background(), netip.MustParseAddrPort("[fe80::1%lo]:80"), newPhaseRecorder(time.Now())); ok {
		t.Error("dialIP of an address with a zone dialled, want it left to the net package")
	}
}

// fullListener is a loopback listener whose queue is full: the kernel drops the SYN of any
// further connect, so it stays under way until it gives up, long after a test.
func fullListener(t *testing.T) netip.AddrPort {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(sa.(*unix.SockaddrInet4).Port))
	// A backlog of 0 queues one connection.
	c, err := net.DialTimeout("tcp4", ap.String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return ap
}

// TestDialIPWaits: a connect still under way waits on the poller until the context's deadline
// ends it, with the timeout the net package gives, or until it is cancelled.
func TestDialIPWaits(t *testing.T) {
	checkerLeakCheck(t)
	ap := fullListener(t)
	rec := newPhaseRecorder(time.Now())

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, ok, err := dialIP(ctx, ap, rec)
	if !ok {
		t.Fatal("dialIP did not dial")
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("dial to a full queue = %v, want a timeout", err)
	}
	if took := time.Since(start); took < 100*time.Millisecond || took > 5*time.Second {
		t.Errorf("dial to a full queue took %v, want its 100ms deadline", took)
	}
	if got := checkErrReason(ctx, err, 100*time.Millisecond); got != "timeout after 100ms" {
		t.Errorf("reason = %q, want timeout after 100ms", got)
	}

	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := dialIP(ctx, ap, rec)
		done <- err
	}()
	time.AfterFunc(50*time.Millisecond, cancel)
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled dial = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled dial did not return within 10 s")
	}
}

// TestRawConnDeadline: a read past the connection's deadline fails as a net.Conn's does, a
// timeout, and a write that fits the socket's buffer does not wait.
func TestRawConnDeadline(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	conn, _, err := dialIP(context.Background(), netip.MustParseAddrPort(ln.Addr().String()), newPhaseRecorder(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(make([]byte, 64<<10)); err != nil {
		t.Fatalf("write = %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past the deadline = %v, want a timeout", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "read" {
		t.Errorf("read past the deadline = %#v, want a *net.OpError of read", err)
	}
}
