package promsrc_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/metrics/metricstest"
	"github.com/uptty/uptty/promsrc"
	"github.com/uptty/uptty/track"
)

// prober is a tiny blackbox-style /metrics page for one location: probe_success,
// probe_duration_seconds and probe_http_status_code per service, as the test sets them.
type prober struct {
	srv      *httptest.Server
	location string
	mu       sync.Mutex
	svcs     map[string]probeResult
}

type probeResult struct {
	ok   bool
	code int
}

func newProber(t *testing.T, location string, svcs map[string]probeResult) (*prober, string) {
	p := &prober{location: location, svcs: svcs}
	p.srv = httptest.NewServer(p)
	t.Cleanup(p.srv.Close)
	return p, strings.TrimPrefix(p.srv.URL, "http://")
}

func (p *prober) set(name string, r probeResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.svcs[name] = r
}

func (p *prober) remove(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.svcs, name)
}

func (p *prober) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, f := range []string{"probe_success", "probe_duration_seconds", "probe_http_status_code"} {
		fmt.Fprintf(&b, "# TYPE %s gauge\n", f)
		for name, s := range p.svcs {
			v := 0.0
			switch f {
			case "probe_success":
				if s.ok {
					v = 1
				}
			case "probe_duration_seconds":
				v = 0.012
			case "probe_http_status_code":
				v = float64(s.code)
			}
			fmt.Fprintf(&b, "%s{service=%q,group=\"shop\",location=%q} %g\n", f, name, p.location, v)
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprint(w, b.String())
}

var (
	up   = probeResult{ok: true, code: 200}
	down = probeResult{ok: false, code: 500}
)

// linkLog records OnLink calls.
type linkLog struct {
	mu    sync.Mutex
	calls []string
	read  int           // calls wait has looked at
	ch    chan struct{} // cap 1: a call was recorded
}

func (l *linkLog) on(down bool, since time.Time, note string, _ map[string]track.Status) {
	l.mu.Lock()
	l.calls = append(l.calls, fmt.Sprintf("down=%v note=%q", down, note))
	l.mu.Unlock()
	select {
	case l.ch <- struct{}{}:
	default:
	}
}

// TestPrometheus runs a real Prometheus scraping two blackbox-style pages, eu and us, and
// reads it as `uptty attach prometheus+…` does: every state, the location-only outage, an
// outage's start from the series' history, a recovery while running, a service whose series
// vanish, a name with an escape sequence, and Prometheus stopped.
func TestPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Prometheus")
	}
	began := time.Now()
	evil := "Pay\x1b[31mments"
	eu, euAddr := newProber(t, "eu", map[string]probeResult{"Checkout": up, "Search": up, "Cart": up, "Legacy": down, evil: up})
	us, usAddr := newProber(t, "us", map[string]probeResult{"Checkout": up, "Search": up, "Cart": up, "Legacy": down, evil: up})
	prom := metricstest.StartPrometheus(t, fmt.Sprintf("  - job_name: blackbox\n    static_configs: [{targets: [%q, %q]}]\n", euAddr, usAddr))
	prom.WaitFor(t, "ten series up", `count(probe_success{job="blackbox"})`, 60*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 1 && s[0].Value == 10
	})
	// Cart fails everywhere, Checkout in eu only.
	flipped := time.Now()
	eu.set("Cart", down)
	us.set("Cart", down)
	eu.set("Checkout", down)
	prom.WaitFor(t, "the failures", `count(probe_success{job="blackbox"} == 0)`, 30*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 1 && s[0].Value == 5
	})

	links := &linkLog{ch: make(chan struct{}, 1)}
	var servicesMu sync.Mutex
	var lastServices []config.Service
	servicesCh := make(chan struct{}, 1)
	c, err := promsrc.New("prometheus+http://"+prom.Addr, promsrc.Options{
		Selector: `{job="blackbox"}`,
		Every:    300 * time.Millisecond,
		Slow:     time.Minute, // a loaded machine is not what this test is about
		OnLink:   links.on,
		OnServices: func(s []config.Service, _ map[string]track.Status) {
			servicesMu.Lock()
			lastServices = s
			servicesMu.Unlock()
			select {
			case servicesCh <- struct{}{}:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	services, st, err := c.Initial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range services {
		names = append(names, s.Name)
		if s.Group != "shop" {
			t.Errorf("%s's group = %q, want shop", s.Name, s.Group)
		}
	}
	cleanEvil := `Pay\x1b[31mments` // the escape byte is written out, as everywhere on screen
	if want := []string{"Cart", "Checkout", "Legacy", cleanEvil, "Search"}; !slices.Equal(names, want) {
		t.Errorf("services = %q, want %q", names, want)
	}
	for _, tt := range []struct {
		name   string
		state  track.State
		reason string
	}{
		{"Search", track.Up, ""},
		{cleanEvil, track.Up, ""},
		{"Checkout", track.Degraded, "down in eu (1/2 locations up): HTTP 500"},
		{"Cart", track.Down, "down in all 2 locations: HTTP 500"},
		{"Legacy", track.Down, "down in all 2 locations: HTTP 500"},
	} {
		got := st[tt.name]
		if got.State != tt.state || got.Reason != tt.reason {
			t.Errorf("%s = %v %q, want %v %q", tt.name, got.State, got.Reason, tt.state, tt.reason)
		}
	}
	if got := st["Search"]; !got.LastOK || got.LastLatency != 12*time.Millisecond || got.Spark.Len() == 0 {
		t.Errorf("Search: latency %v (ok %v), %d sparkline samples; want 12ms and a sparkline", got.LastLatency, got.LastOK, got.Spark.Len())
	}
	if u, ok := st["Search"].Uptime(time.Now()); !ok || u != 1 {
		t.Errorf("Search uptime = %v (%v), want 1", u, ok)
	}
	// No recording rules here: the uptime is read from the raw samples.
	if got, want := c.UptimeFrom(), `avg_over_time(probe_success{job="blackbox"}[24h])`; got != want {
		t.Errorf("uptime from %q, want %q", got, want)
	}
	// Cart went down at flipped: its outage starts within a scrape and a lookup step of it.
	cart, legacy := st["Cart"], st["Legacy"]
	if o, open := cart.OpenOutage(); !open || o.Start.Before(flipped.Add(-time.Second)) || o.Start.After(flipped.Add(8*time.Second)) {
		t.Errorf("Cart's outage = %+v (open %v), want one starting near %s", o, open, flipped.Format(time.TimeOnly))
	}
	// Legacy never passed: its outage starts with its first sample.
	if o, open := legacy.OpenOutage(); !open || o.Start.Before(began.Add(-time.Second)) || o.Start.After(flipped) {
		t.Errorf("Legacy's outage = %+v (open %v), want one starting between %s and %s", o, open,
			began.Format(time.TimeOnly), flipped.Format(time.TimeOnly))
	}

	// The detail view's recent checks are this screen's polls.
	if d, ok := c.Detail("Cart"); !ok || len(d.Recent) != 1 || d.Recent[0].OK || d.Recent[0].Reason != "down in all 2 locations: HTTP 500" || d.Checks != 1 || d.Failures != 1 {
		t.Errorf("Detail(Cart) = %+v, %v; want one failed poll", d, ok)
	}
	if d, ok := c.Detail("Search"); !ok || len(d.Recent) != 1 || !d.Recent[0].OK || d.P50 != 12*time.Millisecond {
		t.Errorf("Detail(Search) = %+v, %v; want one passing poll of 12ms", d, ok)
	}

	// The detail view's history panes, from range queries.
	arch := c.Archive()
	chart, err := arch.Chart("Cart", time.Minute, time.Now(), 30)
	if err != nil {
		t.Fatal(err)
	}
	var checks, failures int64
	for _, b := range chart {
		checks += b.Checks
		failures += b.Failures
	}
	if len(chart) != 30 || checks == 0 || failures == 0 || failures >= checks {
		t.Errorf("Chart(Cart, 1m, 30) = %d buckets, %d checks, %d failures; want 30 buckets with checks, some failed", len(chart), checks, failures)
	}
	windows, err := arch.Windows("Cart", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(windows) != 4 || windows[0].Checks == 0 || windows[0].Up <= 0 || windows[0].Up >= 1 || windows[0].Incidents != 1 ||
		windows[0].Coverage <= 0 || windows[0].Coverage > 0.2 || windows[0].P50 != 12*time.Millisecond {
		t.Errorf("Windows(Cart)[1h] = %+v, want checks, 0 < up < 1, one incident, a few minutes covered, p50 12ms", windows[0])
	}
	incidents, total, err := arch.RecentIncidents(time.Now().Add(-time.Hour), "Cart", 20)
	if err != nil || total != 1 || len(incidents) != 1 || incidents[0].End != nil {
		t.Errorf("RecentIncidents(Cart) = %+v, %d, %v; want one open outage", incidents, total, err)
	}
	if _, err := arch.Chart("nope", time.Hour, time.Now(), 10); err == nil {
		t.Error("Chart of an unknown service: no error")
	}

	runDone := make(chan error)
	go func() { runDone <- c.Run(ctx) }()
	// Checkout comes back in eu: UP again, everywhere.
	eu.set("Checkout", up)
	waitStatus(t, ctx, c, "Checkout", func(s track.Status) bool { return s.State == track.Up })
	// Search's series vanish: its row goes.
	eu.remove("Search")
	us.remove("Search")
	for {
		select {
		case <-servicesCh:
		case <-ctx.Done():
			t.Fatalf("Search's row is still there: %v", lastServices)
		}
		servicesMu.Lock()
		gone := !slices.ContainsFunc(lastServices, func(s config.Service) bool { return s.Name == "Search" })
		servicesMu.Unlock()
		if gone {
			break
		}
	}
	// The us prober cannot be scraped any more: the header says so.
	us.srv.Close()
	links.wait(t, ctx, `note="not scraped: `+usAddr+`"`)
	// Prometheus stops answering: the link is down.
	prom.Stop()
	links.wait(t, ctx, "down=true")
	cancel()
	<-runDone
}

// wait waits for an OnLink call after the last one waited for that says want.
func (l *linkLog) wait(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	for {
		l.mu.Lock()
		for l.read < len(l.calls) {
			l.read++
			if strings.Contains(l.calls[l.read-1], want) {
				l.mu.Unlock()
				return
			}
		}
		l.mu.Unlock()
		select {
		case <-l.ch:
		case <-ctx.Done():
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no OnLink with %s; calls: %q", want, l.calls)
		}
	}
}

// waitStatus reads c.Next until name's status satisfies ok.
func waitStatus(t *testing.T, ctx context.Context, c *promsrc.Client, name string, ok func(track.Status) bool) track.Status {
	t.Helper()
	for {
		got, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", name, err)
		}
		if s, in := got[name]; in && ok(s) {
			return s
		}
	}
}

// TestPrometheusNoSeries: a selector that matches nothing is an error at the start, naming
// the query, not an empty board that looks healthy; so is an unreachable Prometheus.
func TestPrometheusNoSeries(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Prometheus")
	}
	_, addr := newProber(t, "eu", map[string]probeResult{"Checkout": up})
	prom := metricstest.StartPrometheus(t, fmt.Sprintf("  - job_name: blackbox\n    static_configs: [{targets: [%q]}]\n", addr))
	prom.WaitFor(t, "a series", `probe_success`, 60*time.Second, func(s []metricstest.Sample) bool { return len(s) == 1 })
	c, err := promsrc.New("prometheus+http://"+prom.Addr, promsrc.Options{Selector: `job="nope"`})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Initial(context.Background())
	if err == nil || !strings.Contains(err.Error(), `no probe_success{job="nope"} series`) {
		t.Errorf("Initial with a selector matching nothing: %v, want it to say no series", err)
	}
	c, _ = promsrc.New("prometheus+http://"+prom.Addr, promsrc.Options{Selector: `{job=~"("}`})
	if _, _, err = c.Initial(context.Background()); err == nil || !strings.Contains(err.Error(), "bad_data") {
		t.Errorf("Initial with a bad regex: %v, want Prometheus's bad_data", err)
	}
	prom.Stop()
	c, _ = promsrc.New("prometheus+http://"+prom.Addr, promsrc.Options{})
	if _, _, err = c.Initial(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Initial with Prometheus stopped: %v, want connection refused", err)
	}
}
