package probe

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

// BenchmarkHTTPCheckerHeap measures the heap one HTTP checker keeps once it has checked: 10,000
// checkers of loopback services, each checked once, as a monitor of 10,000 services holds them.
// Run it with -benchtime=1x: each op builds them all.
func BenchmarkHTTPCheckerHeap(b *testing.B) {
	const n = 10000
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		checkers := make([]Checker, n)
		for i := range checkers {
			svc := httpService(fmt.Sprintf("%s/svc/%d", srv.URL, i))
			svc.Name = fmt.Sprint("svc", i)
			c, err := New(svc)
			if err != nil {
				b.Fatal(err)
			}
			checkers[i] = c
			if r := c.Check(context.Background()); !r.OK {
				b.Fatalf("check %d: %s", i, r.Reason)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/checker")
		runtime.KeepAlive(checkers)
	}
}

// TestHTTPSharedTransport checks that checkers share a transport only with their like, and that
// sharing one still opens a connection per check.
func TestHTTPSharedTransport(t *testing.T) {
	checkerLeakCheck(t)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	build := func(path string, timeout time.Duration, insecure bool) *httpChecker {
		svc := withSecrets(httpService(srv.URL + path))
		svc.Timeout = timeout
		httpOptions(&svc).Insecure = insecure
		c, err := newHTTPChecker(svc)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := build("/a", 5*time.Second, false), build("/b", 5*time.Second, false)
	if a.transport != b.transport {
		t.Errorf("checkers with the same timeout and TLS setting: transports differ, want one shared")
	}
	if c := build("/c", 4*time.Second, false); c.transport == a.transport {
		t.Errorf("checkers with timeouts 5s and 4s share a transport, want one each")
	}
	if c := build("/c", 5*time.Second, true); c.transport == a.transport {
		t.Errorf("an insecure and a verifying checker share a transport, want one each")
	}
	const rounds = 3
	for range rounds {
		for _, c := range []*httpChecker{a, b} {
			if r := c.Check(context.Background()); !r.OK {
				t.Fatalf("Check() = %s, want OK", r.Reason)
			}
		}
	}
	if got, want := conns.Load(), int32(2*rounds); got != want {
		t.Errorf("connections for %d checks on a shared transport = %d, want one per check", want, got)
	}
}

// BenchmarkHTTPConfigHeap is the heap per service of a config of 10,000 http services that set
// no option (bench/farm's), as config.Parse leaves it: what the config keeps of a service for
// the whole run. Run it with -benchtime=1x.
func BenchmarkHTTPConfigHeap(b *testing.B) {
	const n = 10000
	var yaml strings.Builder
	yaml.WriteString("services:\n")
	for i := range n {
		fmt.Fprintf(&yaml, "  - name: svc-%05d\n    url: http://127.0.0.1:%d/%d\n", i, 40000+i%20, i)
	}
	data := []byte(yaml.String())
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		cfg, err := config.Parse(data, "farm.yaml", nil, Kinds())
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/svc")
		runtime.KeepAlive(cfg)
	}
}
