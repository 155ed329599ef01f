//go:build linux

package probe

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// closeTarget is a loopback HTTP server that answers each connection once and then reports how
// the client ended it: nil for a clean close (a FIN), else the read's error (a reset).
type closeTarget struct {
	url    string
	closed chan error
}

func newCloseTarget(t *testing.T) *closeTarget {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ct := &closeTarget{url: "http://" + ln.Addr().String() + "/", closed: make(chan error, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					ct.closed <- err
					return
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				// The answer is whole; the server keeps the connection until the client ends it.
				_, err := io.Copy(io.Discard, c)
				ct.closed <- err
			}()
		}
	}()
	return ct
}

// ended waits for the next connection the client ended and returns how.
func (ct *closeTarget) ended(t *testing.T) error {
	t.Helper()
	select {
	case err := <-ct.closed:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no connection ended within 10 s")
		return nil
	}
}

func closeTestCheck(t *testing.T, url string) {
	t.Helper()
	svc := httpService(url)
	c, err := newHTTPChecker(svc)
	if err != nil {
		t.Fatal(err)
	}
	if r := Run(context.Background(), c, svc); !r.OK {
		t.Fatalf("check = %q, want OK", r.Reason)
	}
}

// TestCloseSoon: a one-shot check's connection stays open after its check, and the next check
// closes it, cleanly (a FIN: the server reads to its end without a reset); with no
// check after it, the timer closes it.
func TestCloseSoon(t *testing.T) {
	old := closeSoonMax
	t.Cleanup(func() {
		closeSoonMax = old
		closeWaiting()
	})
	closeWaiting() // what earlier tests left
	closeSoonMax = time.Hour
	ct := newCloseTarget(t)

	closeTestCheck(t, ct.url)
	select {
	case err := <-ct.closed:
		t.Fatalf("the first check's connection ended with its check (%v), want it left for the next", err)
	default:
	}
	closeTestCheck(t, ct.url)
	if err := ct.ended(t); err != nil {
		t.Errorf("the first connection ended with %v, want a clean close", err)
	}

	closeWaiting() // the second check's
	if err := ct.ended(t); err != nil {
		t.Errorf("the second connection ended with %v, want a clean close", err)
	}
	closeSoonMax = time.Millisecond
	closeTestCheck(t, ct.url)
	if err := ct.ended(t); err != nil {
		t.Errorf("with no check after it, the connection ended with %v, want a clean close by the timer", err)
	}
}

// TestCloseSoonOnlyPlain: closeSoon closes at once what is not a stamped plain connection.
func TestCloseSoonOnlyPlain(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	if err := closeSoon(a); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("write after closeSoon = %v, want the pipe closed", err)
	}
}

// TestCloseSoonBatch: a check closes the oldest closeBatch connections waiting and leaves the
// rest to the next.
func TestCloseSoonBatch(t *testing.T) {
	old := closeSoonMax
	t.Cleanup(func() {
		closeSoonMax = old
		closeWaiting()
	})
	lateClose.closeSome(0) // what earlier tests left
	closeSoonMax = time.Hour
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []*net.TCPConn
	for range closeBatch + 2 {
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c.(*net.TCPConn))
		closeSoon(&rxConn{TCPConn: c.(*net.TCPConn)})
	}
	isClosed := func(c *net.TCPConn) bool { return errors.Is(c.SetDeadline(time.Time{}), net.ErrClosed) }
	closeWaiting()
	for i, c := range conns {
		if want := i < closeBatch; isClosed(c) != want {
			t.Errorf("connection %d closed = %v after one check, want %v", i, !want, want)
		}
	}
	closeWaiting()
	for i, c := range conns {
		if !isClosed(c) {
			t.Errorf("connection %d open after two checks", i)
		}
	}
}
