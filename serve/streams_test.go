package serve

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/track"
)

// TestManyStreams: 500 event streams opened at once against a server capped at 256. Each of
// the first 256 gets its snapshot and then a service event; the rest get 503 with Retry-After
// and a body that says why. Then the 256 stop reading, and the monitor keeps checking on time
// all along: every service goes on being checked, the stalled streams overflow their buffers
// (they are dropped to a snapshot, never waited on), and no check starts more than a generous
// bound late — a monitor that waited on a stalled client would be 10 s late (the write
// timeout) or stuck.
func TestManyStreams(t *testing.T) {
	const (
		clients  = 500
		limit    = DefaultMaxStreams
		services = 10
		interval = 100 * time.Millisecond
		// lateLimit bounds how late a check may start: 50 intervals, for -race on a loaded
		// 2-core machine with 500 clients in the same process; half the write timeout.
		lateLimit = 5 * time.Second
	)
	up := newTarget(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "defaults: {interval: %s, timeout: %s}\nservices:\n", interval, interval)
	for i := range services {
		fmt.Fprintf(&cfg, "  - {name: \"S%d\", url: %q}\n", i, up.URL)
	}
	var (
		checks  atomic.Int64
		maxLate atomic.Int64
	)
	checked := make(chan struct{}, 1) // a check finished
	f := startMon(t, cfg.String(), func(o *monitor.Options) {
		record := o.OnResult
		o.OnResult = func(name string, c track.Check, ev []track.Event) {
			checks.Add(1)
			record(name, c, ev)
			select {
			case checked <- struct{}{}:
			default:
			}
		}
		o.Lateness = func(late time.Duration) {
			for {
				old := maxLate.Load()
				if int64(late) <= old || maxLate.CompareAndSwap(old, int64(late)) {
					return
				}
			}
		}
	}, func(o *Options) { o.ClientBuffer = 4096 }, smallBuffers{ln})
	addr := strings.TrimPrefix(f.url, "http://")

	type answer struct {
		code             int
		retryAfter, body string
		err              error
	}
	answers := make(chan answer, clients)
	served := make(chan error, clients) // an accepted client: nil once it has its snapshot and a service event
	release := make(chan struct{})      // accepted clients hold their stream until then
	var conns sync.WaitGroup
	defer conns.Wait()
	defer close(release)
	for range clients {
		conns.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				answers <- answer{err: err}
				return
			}
			defer conn.Close()
			conn.(*net.TCPConn).SetReadBuffer(4096) // a stalled stream fills up soon
			fmt.Fprintf(conn, "GET /api/v1/events HTTP/1.1\r\nHost: test\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				answers <- answer{err: err}
				return
			}
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(resp.Body)
				answers <- answer{code: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(b)}
				return
			}
			answers <- answer{code: http.StatusOK}
			served <- readUntilService(resp.Body)
			<-release // and reads no more
		})
	}

	deadline := time.After(4 * wait)
	ok, refused := 0, 0
	for range clients {
		select {
		case a := <-answers:
			switch {
			case a.err != nil:
				t.Fatalf("a client got no answer: %v", a.err)
			case a.code == http.StatusOK:
				ok++
			case a.code == http.StatusServiceUnavailable:
				refused++
				if a.retryAfter == "" || !strings.Contains(a.body, "too many event streams open (256, the server's --max-streams)") {
					t.Errorf("a refused stream: Retry-After %q, body %q; want a Retry-After and why", a.retryAfter, a.body)
				}
			default:
				t.Errorf("a client got %d %s", a.code, a.body)
			}
		case <-deadline:
			t.Fatalf("%d of %d clients answered in %v", ok+refused, clients, 4*wait)
		}
	}
	if ok != limit || refused != clients-limit {
		t.Errorf("%d streams served, %d refused; want %d and %d", ok, refused, limit, clients-limit)
	}
	before := checks.Load()
	for i := range ok {
		select {
		case err := <-served:
			if err != nil {
				t.Fatalf("stream %d: %v", i, err)
			}
		case <-deadline:
			t.Fatalf("%d of %d streams had their snapshot and a service event in %v", i, ok, 4*wait)
		}
	}
	// The monitor goes on with every stream stalled: each service is checked again and again,
	// and the stalled streams overflow.
	overflowed := func() bool {
		f.srv.hub.mu.Lock()
		defer f.srv.hub.mu.Unlock()
		return f.srv.hub.overflows > 0
	}
	for checks.Load() < before+5*services || !overflowed() {
		select {
		case <-checked:
		case <-deadline:
			t.Fatalf("%d checks since the streams opened (want %d), overflowed %v", checks.Load()-before, 5*services, overflowed())
		}
	}
	t.Logf("%d streams served, %d refused; %d checks while they were fed and stalled; latest check start %v late",
		ok, refused, checks.Load()-before, time.Duration(maxLate.Load()))
	if late := time.Duration(maxLate.Load()); late > lateLimit {
		t.Errorf("a check started %v late with %d streams open, want at most %v", late, ok, lateLimit)
	}
	f.srv.hub.mu.Lock()
	n, r := len(f.srv.hub.clients), f.srv.hub.refused
	f.srv.hub.mu.Unlock()
	if n != limit || r != clients-limit {
		t.Errorf("the hub holds %d streams and refused %d, want %d and %d", n, r, limit, clients-limit)
	}
	if got := strings.Count(f.logs.String(), "event streams refused"); got != 1 {
		t.Errorf("the refusals were logged %d times, want once:\n%s", got, f.logs)
	}
}

// readUntilService reads an event stream until it has had a snapshot and then a service event.
func readUntilService(body io.Reader) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	snapshot := false
	for sc.Scan() {
		switch line := sc.Text(); {
		case line == "event: snapshot":
			snapshot = true
		case line == "event: service" && snapshot:
			return nil
		case line == "event: service":
			return fmt.Errorf("a service event before the snapshot")
		}
	}
	return fmt.Errorf("the stream ended before a snapshot and a service event: %v", sc.Err())
}
