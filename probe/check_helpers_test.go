package probe

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

// httpOptions returns the options of an http service built by a test, which holds them by
// pointer so that edits stick.
func httpOptions(s *config.Service) *HTTPOptions { return s.Options.(*HTTPOptions) }

// withSecrets gives svc the secrets the config loader would: request header values and their
// last word, the URL's password and query values, each if at least 6 bytes long.
func withSecrets(svc config.Service) config.Service {
	s := &text.Secrets{}
	add := func(v string) {
		words := strings.Fields(v)
		if len(words) == 0 {
			return
		}
		for _, w := range []string{v, words[len(words)-1]} {
			if len(w) >= 6 {
				s.Add(w)
			}
		}
	}
	if u, err := url.Parse(svc.URL); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
			}
		}
	}
	var headers []config.Header
	switch o := svc.Options.(type) {
	case *HTTPOptions:
		headers = o.Headers
	case HTTPOptions:
		headers = o.Headers
	case WSOptions:
		headers = o.Headers
	}
	for _, h := range headers {
		add(h.Value)
	}
	svc.Secrets = s
	return svc
}

// benchChecks runs c once per iteration against a target that must stay up, and reports the
// mean latency beside the CPU and allocations per check.
func benchChecks(b *testing.B, c Checker) {
	b.Helper()
	b.ReportAllocs()
	var total time.Duration
	for b.Loop() {
		r := c.Check(b.Context())
		if !r.OK {
			b.Fatalf("Check() = %q, want OK", r.Reason)
		}
		total += r.Latency
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "latency-µs/op")
}

// checkCanceled starts a check of a target that never answers, waits until started says the
// target was reached, cancels, and expects the check to return "canceled" promptly.
func checkCanceled[T any](t *testing.T, c Checker, url string, started <-chan T) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan Result, 1)
	go func() { done <- c.Check(ctx) }()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatalf("Check(%q) never reached the target", url)
	}
	cancel()
	select {
	case r := <-done:
		if r.OK || r.Reason != "canceled" {
			t.Errorf("Check(%q) after cancel = %v %q, want false %q", url, r.OK, r.Reason, "canceled")
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Check(%q) did not return after cancel", url)
	}
}

// serveConns runs handle on every connection to a loopback listener until the test ends, then
// closes the listener and every connection and waits for the handlers to return.
func serveConns(tb testing.TB, handle func(net.Conn)) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("net.Listen = %v, want nil", err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Go(func() {
				defer conn.Close()
				handle(conn)
			})
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// caseTimeout is a table case's check timeout: short where the case expects the check to time
// out, so the test stays quick, and generous elsewhere, so that a loaded machine cannot turn an
// answer into a timeout.
func caseTimeout(wantReason string, short time.Duration) time.Duration {
	if strings.HasPrefix(wantReason, "timeout after") {
		return short
	}
	return 10 * time.Second
}
