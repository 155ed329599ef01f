package serve

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// smallBuffers gives every accepted connection a small send buffer, so that a client that does
// not read blocks its handler after a few kilobytes rather than a few megabytes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestSlowClient: a client that never reads neither slows a fast client's events nor grows
// without bound; once it reads again, it gets a fresh snapshot instead of what it missed.
func TestSlowClient(t *testing.T) {
	up := newTarget(t)
	const n = 8
	var cfg strings.Builder
	cfg.WriteString("defaults: {interval: 1s, timeout: 1s}\nservices:\n")
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("Service %d", i)
		fmt.Fprintf(&cfg, "  - {name: %q, url: %q}\n", names[i], up.URL)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := start(t, cfg.String(), func(o *Options) {
		o.ClientBuffer = 2048
		o.WriteTimeout = time.Minute // the slow client must still be there when it reads again
	}, smallBuffers{ln})
	fast := f.until(t, "up", names...)

	slow, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(slow, "GET /api/v1/events HTTP/1.1\r\nHost: test\r\n\r\n")

	overflowed := func() bool {
		f.srv.hub.mu.Lock()
		defer f.srv.hub.mu.Unlock()
		return f.srv.hub.overflows > 0
	}
	noSnapshot := func(what string, match func(event) bool) func(event) bool {
		return func(ev event) bool {
			if ev.Name == "snapshot" {
				t.Fatalf("the fast client got a second snapshot waiting for %s: it fell behind", what)
			}
			return match(ev)
		}
	}
	// Pause and resume every service until the slow client's buffer overflows; the fast client
	// sees every change meanwhile.
	round := 0
	for ; !overflowed(); round++ {
		if round == 200 {
			t.Fatal("the slow client never overflowed")
		}
		for _, action := range []string{"pause", "resume"} {
			state := map[string]string{"pause": "paused", "resume": "up"}[action]
			for _, name := range names {
				if code, body := f.do(t, "POST", "/api/v1/services/"+strings.ReplaceAll(name, " ", "%20")+"/"+action, ""); code != http.StatusAccepted {
					t.Fatalf("POST %s %s = %d %s", name, action, code, body)
				}
			}
			for _, name := range names {
				fast.next(name+" "+state, noSnapshot(name+" "+state, serviceIs(name, state)))
			}
		}
	}

	t.Logf("the slow client overflowed after %d rounds", round)

	// The slow client reads at last: a snapshot, what was in flight, and a fresh snapshot.
	resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan event, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(events)
		readEvents(resp.Body, events)
	}()
	defer func() { slow.Close(); <-done }()
	s := &stream{t: t, events: events}
	if first := s.next("the first event", func(event) bool { return true }); first.Name != "snapshot" {
		t.Fatalf("the slow client's first event = %q, want snapshot", first.Name)
	}
	s.next("a fresh snapshot", func(ev event) bool { return ev.Name == "snapshot" })
}
