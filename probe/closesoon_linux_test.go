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

// TestCloseSoon: a one-shot check's connection stays open after its check and after the
// next one's (fewer than closeKeep wait), and the timer closes them, cleanly (a FIN: the
// server reads to its end without a reset).
func TestCloseSoon(t *testing.T) {
	holdLateCloses(t)
	ct := newCloseTarget(t)

	closeTestCheck(t, ct.url)
	closeTestCheck(t, ct.url)
	select {
	case err := <-ct.closed:
		t.Fatalf("a connection ended with the checks (%v), want both left for the timer", err)
	default:
	}
	lateClose.closeSome(0) // the timer's round
	for i := range 2 {
		if err := ct.ended(t); err != nil {
			t.Errorf("connection %d ended with %v, want a clean close", i, err)
		}
	}
	closeSoonMax = time.Millisecond
	closeTestCheck(t, ct.url)
	if err := ct.ended(t); err != nil {
		t.Errorf("the timer ended the connection with %v, want a clean close", err)
	}
}

// TestCloseSoonGaveUp: a check that gave up on its answer (its timeout ended the body's read)
// closes its connection at once: the server may still be sending.
func TestCloseSoonGaveUp(t *testing.T) {
	holdLateCloses(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ended := make(chan struct{})
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
			// Half of the body, then nothing until the client goes.
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok")
			io.Copy(io.Discard, c)
		}
		close(ended)
	}()
	svc := httpService("http://" + ln.Addr().String() + "/")
	svc.Timeout = 200 * time.Millisecond
	httpOptions(&svc).Expect.BodyContains = "never"
	c, err := newHTTPChecker(svc)
	if err != nil {
		t.Fatal(err)
	}
	if r := Run(context.Background(), c, svc); r.Reason != "timeout after 200ms" {
		t.Fatalf("check = %q, want a timeout", r.Reason)
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the server's connection did not end within 10 s of the check")
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

// TestCloseSoonBatch: once more than closeKeep connections wait, a check closes the oldest of
// them, up to closeBatch, and leaves closeKeep to the timer.
func TestCloseSoonBatch(t *testing.T) {
	holdLateCloses(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	var conns []*net.TCPConn
	for range closeKeep + closeBatch + 2 {
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c.(*net.TCPConn))
		closeSoon(&rxConn{TCPConn: c.(*net.TCPConn)})
	}
	isClosed := func(c *net.TCPConn) bool { return errors.Is(c.SetDeadline(time.Time{}), net.ErrClosed) }
	for round, closed := range []int{closeBatch, closeBatch + 2, closeBatch + 2} {
		closeWaiting()
		for i, c := range conns {
			if want := i < closed; isClosed(c) != want {
				t.Errorf("connection %d closed = %v after %d checks, want %v", i, !want, round+1, want)
			}
		}
	}
	lateClose.closeSome(0)
	for i, c := range conns {
		if !isClosed(c) {
			t.Errorf("connection %d open after the timer's round", i)
		}
	}
}

// TestKeepUnderFileLimit: under a low limit on open files the connections left waiting to be
// closed stay within a quarter of what the monitor leaves beside its checks in flight (half of
// the limit less 64), so that both together stay under the limit.
func TestKeepUnderFileLimit(t *testing.T) {
	for _, c := range []struct{ limit, want int }{
		{0, 256}, {1 << 20, 256}, {1088, 256}, {256, 48}, {128, 16}, {64, 0}, {10, 0},
	} {
		got := keepUnder(c.limit)
		if got != c.want {
			t.Errorf("keepUnder(%d) = %d, want %d", c.limit, got, c.want)
		}
		if inFlight := max(0, (c.limit-64)/2); c.limit > 0 && got+inFlight+64 > max(c.limit, 64) {
			t.Errorf("limit %d: %d waiting + %d in flight + 64 is over it", c.limit, got, inFlight)
		}
	}
}

// holdLateCloses starts a test of the late closes with none waiting (what earlier tests left is
// closed) and the timer an hour away, so that only the test closes them; at its end the timer
// is as it was and what the test left waiting is closed.
func holdLateCloses(t *testing.T) {
	old, oldSlack := closeSoonMax, closeSlack
	t.Cleanup(func() {
		closeSoonMax, closeSlack = old, oldSlack
		lateClose.closeSome(0)
	})
	lateClose.closeSome(0)
	closeSoonMax = time.Hour
}

// TestCloseSoonRoundByCheck: once the connections have waited closeSoonMax, the next check to
// connect closes them all (fewer than closeKeep wait), cleanly, before its own request, rather
// than the timer; its own connection waits for the next round.
func TestCloseSoonRoundByCheck(t *testing.T) {
	holdLateCloses(t)
	closeSoonMax, closeSlack = 0, time.Hour // the round due at once; the timer never comes
	ct := newCloseTarget(t)

	closeTestCheck(t, ct.url)
	select {
	case err := <-ct.closed:
		t.Fatalf("a connection ended with its check (%v), want it left for the round", err)
	default:
	}
	closeTestCheck(t, ct.url)
	if err := ct.ended(t); err != nil {
		t.Errorf("the round the second check took ended the first connection with %v, want a clean close", err)
	}
	select {
	case err := <-ct.closed:
		t.Errorf("the second check's connection ended (%v), want it left for the next round", err)
	default:
	}
}
