package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait is the deadline for a condition: generous, for -race on a loaded 2-core machine.
const wait = 20 * time.Second

// secret is the value of ${API_KEY} in the test configs: it must never reach a log or a response.
const secret = "s3cret-api-key-9f8e"

// target is a loopback HTTP server that answers 200 or 503 as told.
type target struct {
	*httptest.Server
	down atomic.Bool
}

func newTarget(t *testing.T) *target {
	t.Helper()
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tg.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(tg.Close)
	return tg
}

// syncBuffer is a log destination safe for the fan-out and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// fixture is a running server over the targets and what a test needs to talk to it.
type fixture struct {
	srv  *Server
	url  string
	logs *syncBuffer
	hist *history.Live
	cfg  *config.Config
}

// start loads yaml (with ${API_KEY} set to secret), and serves its services on 127.0.0.1 until
// the test ends; tune adjusts the options.
func start(t *testing.T, yaml string, tune func(*Options), ln ...net.Listener) *fixture {
	t.Helper()
	return startMon(t, yaml, nil, tune, ln...)
}

// startMon is start with the monitor's options adjusted by tuneMon (after history's are set).
func startMon(t *testing.T, yaml string, tuneMon func(*monitor.Options), tune func(*Options), ln ...net.Listener) *fixture {
	t.Helper()
	getenv := func(k string) (string, bool) {
		if k == "API_KEY" {
			return secret, true
		}
		return "", false
	}
	cfg, err := config.Parse([]byte(yaml), "test.yaml", getenv, probe.Kinds())
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	targets := make([]monitor.Target, len(cfg.Services))
	for i, svc := range cfg.Services {
		c, err := probe.New(svc)
		if err != nil {
			t.Fatal(err)
		}
		targets[i] = monitor.Target{Service: svc, Checker: c}
	}
	names := make([]history.Service, len(cfg.Services))
	for i, s := range cfg.Services {
		names[i] = history.Service{Name: s.Name, Group: s.Group, Interval: s.Interval}
	}
	hist, err := history.OpenLive("", 0, names, 0) // in memory

	if err != nil {
		t.Fatal(err)
	}
	monOpts := monitor.Options{MinBatchInterval: 10 * time.Millisecond, Restore: hist.Restore, OnResult: hist.Record}
	if tuneMon != nil {
		tuneMon(&monOpts)
	}
	mon := monitor.NewMonitor(targets, monOpts)
	logs := &syncBuffer{}
	opts := Options{Services: cfg.Services, Monitor: mon, History: hist,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if tune != nil {
		tune(&opts)
	}
	srv := New(opts)
	var l net.Listener
	if len(ln) > 0 {
		l = ln[0]
	} else if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v, want nil", err)
			}
		case <-time.After(wait):
			t.Errorf("Serve still running %v after its context ended", wait)
		}
		if err := hist.Close(); err != nil {
			t.Errorf("history Close = %v", err)
		}
	})
	return &fixture{srv: srv, url: "http://" + l.Addr().String(), logs: logs, hist: hist, cfg: cfg}
}

// client is an HTTP client whose connections end with the test.
func httpClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func (f *fixture) do(t *testing.T, method, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return resp.StatusCode, string(b)
}

// event is one Server-Sent Event, or a comment (Name "comment").
type event struct {
	Name string
	Data string
}

// stream is an open /api/v1/events, read by a goroutine that ends when the stream closes.
type stream struct {
	t      *testing.T
	events chan event
}

// openStream opens the event stream over conn-level HTTP (its own connection) and reads it.
func (f *fixture) openStream(t *testing.T, token string) *stream {
	t.Helper()
	req, err := http.NewRequest("GET", f.url+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("GET /api/v1/events = %d %q, want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{t: t, events: make(chan event, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.events)
		readEvents(resp.Body, s.events)
	}()
	t.Cleanup(func() { resp.Body.Close(); <-done })
	return s
}

// readEvents parses a stream into events until it ends.
func readEvents(r io.Reader, out chan<- event) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	var ev event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" {
				out <- ev
			}
			ev = event{}
		case strings.HasPrefix(line, ":"):
			out <- event{Name: "comment", Data: line}
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data += strings.TrimPrefix(line, "data: ")
		}
	}
}

// next returns the next event for which match is true, failing after wait.
func (s *stream) next(what string, match func(event) bool) event {
	s.t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("stream ended waiting for %s", what)
			}
			if match(ev) {
				return ev
			}
		case <-deadline:
			s.t.Fatalf("no %s within %v", what, wait)
		}
	}
}

// serviceIs matches a `service` event of name in state.
func serviceIs(name, state string) func(event) bool {
	return func(ev event) bool {
		var d struct{ Name, State string }
		return ev.Name == "service" && json.Unmarshal([]byte(ev.Data), &d) == nil && d.Name == name && d.State == state
	}
}

// snapshotWith matches a snapshot in which every service named is in state.
func snapshotWith(state string, names ...string) func(event) bool {
	return func(ev event) bool {
		if ev.Name != "snapshot" {
			return false
		}
		var doc struct {
			Services []struct{ Name, State string }
		}
		if json.Unmarshal([]byte(ev.Data), &doc) != nil {
			return false
		}
		want := len(names)
		for _, s := range doc.Services {
			for _, n := range names {
				if s.Name == n && s.State == state {
					want--
				}
			}
		}
		return want == 0
	}
}

// twoServices is a config of an up and a down service; the up one's URL carries the secret.
func twoServices(up, down string) string {
	return fmt.Sprintf(`
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
services:
  - {name: Checkout API, group: payments, url: "%s/health?key=${API_KEY}"}
  - {name: Broken, url: "%s"}
`, up, down)
}

// until opens a stream and reads it until the named services are in state.
func (f *fixture) until(t *testing.T, state string, names ...string) *stream {
	t.Helper()
	s := f.openStream(t, "")
	first := s.next("the first event", func(event) bool { return true })
	if first.Name != "snapshot" {
		t.Fatalf("first event = %q, want snapshot", first.Name)
	}
	left := map[string]bool{}
	for _, n := range names {
		left[n] = true
	}
	var doc struct {
		Services []struct{ Name, State string }
	}
	if err := json.Unmarshal([]byte(first.Data), &doc); err != nil {
		t.Fatalf("snapshot is not JSON: %v\n%s", err, first.Data)
	}
	for _, d := range doc.Services {
		if d.State == state {
			delete(left, d.Name)
		}
	}
	for len(left) > 0 {
		s.next(fmt.Sprintf("%v %s", names, state), func(ev event) bool {
			var d struct{ Name, State string }
			if ev.Name == "service" && json.Unmarshal([]byte(ev.Data), &d) == nil && d.State == state {
				delete(left, d.Name)
			}
			return len(left) == 0
		})
	}
	return s
}
