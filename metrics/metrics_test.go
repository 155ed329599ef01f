package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/metrics"
	"github.com/uptty/uptty/metrics/metricstest"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// fixed is a Source that always reads the same.
type fixed []monitor.Reading

func (f fixed) Readings(buf []monitor.Reading) []monitor.Reading { return append(buf, f...) }

func svc(name, group string, kind config.Kind) *config.Service {
	return &config.Service{Name: name, Group: group, Kind: kind, Secrets: &text.Secrets{}}
}

var (
	t0     = time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	expiry = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
)

// readings are one service of each interesting sort.
func readings() fixed {
	return fixed{
		{Service: svc("Checkout API", "payments", probe.KindHTTP), Status: track.Status{State: track.Up},
			HasLast: true, Outages: 2,
			Last: track.Check{Start: t0, Latency: 120 * time.Millisecond, OK: true, StatusCode: 200, CertExpiry: expiry,
				Phases: []track.Phase{{Name: probe.PhaseDNS, Duration: 5 * time.Millisecond},
					{Name: probe.PhaseConnect, Duration: 10 * time.Millisecond},
					{Name: probe.PhaseTLS, Duration: 30 * time.Millisecond},
					{Name: probe.PhaseFirstByte, Duration: 75 * time.Millisecond}}}},
		{Service: svc("Core router", "", probe.KindICMP),
			Status:  track.Status{State: track.Down, Outage: track.Outage{Start: t0.Add(-time.Minute)}},
			HasLast: true, Outages: 1,
			Last: track.Check{Start: t0, Latency: 3 * time.Second, OK: false, Reason: "100% loss"}},
		{Service: svc("Ping", "", probe.KindICMP), Status: track.Status{State: track.Up}, HasLast: true,
			Last: track.Check{Start: t0, Latency: 4 * time.Millisecond, OK: true}},
		{Service: svc("New", "", probe.KindTCP), Status: track.Status{State: track.Unknown}},
		{Service: svc("Held", "", probe.KindTCP), Status: track.Status{State: track.Paused}, HasLast: true,
			Last: track.Check{Start: t0, Latency: time.Millisecond, OK: true}},
	}
}

// scrape gets m's page as Prometheus asks for it in text, and parses it.
func scrape(t *testing.T, h http.Handler) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	return metricstest.Parse(t, body), body
}

func TestScrape(t *testing.T) {
	m := metrics.New(metrics.Options{Location: "eu-west", Dropped: func() uint64 { return 7 }})
	m.Watch(readings())
	m.Lateness(20 * time.Millisecond)
	fams, _ := scrape(t, m.Handler())

	api := map[string]string{"service": "Checkout API", "group": "payments", "kind": "http", "location": "eu-west"}
	with := func(base map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for bk, bv := range base {
			out[bk] = bv
		}
		return out
	}
	router := map[string]string{"service": "Core router", "group": "", "kind": "icmp", "location": "eu-west"}
	ping := map[string]string{"service": "Ping", "kind": "icmp"}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64 // NaN-free; absent series are in the absent table below
	}{
		{"probe_success", api, 1},
		{"probe_duration_seconds", api, 0.12},
		{"probe_http_status_code", api, 200},
		{"probe_http_duration_seconds", with(api, "phase", "resolve"), 0.005},
		{"probe_http_duration_seconds", with(api, "phase", "connect"), 0.01},
		{"probe_http_duration_seconds", with(api, "phase", "tls"), 0.03},
		{"probe_http_duration_seconds", with(api, "phase", "processing"), 0.075},
		{"probe_ssl_earliest_cert_expiry", api, float64(expiry.Unix())},
		{"probe_dns_lookup_time_seconds", api, 0.005},
		{"uptty_service_state", with(api, "state", "up"), 1},
		{"uptty_service_state", with(api, "state", "down"), 0},
		{"uptty_outages_total", api, 2},
		{"probe_success", router, 0},
		{"probe_icmp_duration_seconds", with(router, "phase", "rtt"), 0},
		{"probe_icmp_duration_seconds", with(ping, "phase", "rtt"), 0.004},
		{"uptty_service_state", with(router, "state", "down"), 1},
		{"uptty_outage_start_timestamp_seconds", router, float64(t0.Add(-time.Minute).Unix())},
		{"uptty_service_state", map[string]string{"service": "New", "state": "unknown"}, 1},
		{"uptty_service_state", map[string]string{"service": "Held", "state": "paused"}, 1},
		{"uptty_history_queue_dropped_total", nil, 7},
		{"uptty_check_lateness_seconds", nil, 1},
	}
	for _, tt := range tests {
		got, ok := metricstest.Value(fams, tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	absent := []struct {
		name   string
		labels map[string]string
	}{
		{"probe_http_status_code", router},                                      // not an HTTP kind
		{"probe_ssl_earliest_cert_expiry", router},                              // no certificate
		{"uptty_outage_start_timestamp_seconds", api},                           // no outage going on
		{"probe_success", map[string]string{"service": "New"}},                  // never checked
		{"probe_success", map[string]string{"service": "Held"}},                 // paused: old news
		{"probe_http_duration_seconds", map[string]string{"phase": "transfer"}}, // not measured
	}
	for _, a := range absent {
		if got, ok := metricstest.Value(fams, a.name, a.labels); ok {
			t.Errorf("%s%v = %v, want no such series", a.name, a.labels, got)
		}
	}
	// Every state is there, one-hot, for every service.
	if n := len(fams["uptty_service_state"].GetMetric()); n != 6*len(readings()) {
		t.Errorf("uptty_service_state has %d series, want %d", n, 6*len(readings()))
	}
	for _, want := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[want] == nil {
			t.Errorf("no %s: want the Go and process collectors", want)
		}
	}
}

// TestNoLocation: without a location, no series has the label at all.
func TestNoLocation(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.Watch(readings())
	fams, _ := scrape(t, m.Handler())
	for _, m := range fams["probe_success"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "location" {
				t.Errorf("probe_success has label location=%q with no location set", lp.GetValue())
			}
		}
	}
	if fams["uptty_history_queue_dropped_total"] != nil {
		t.Error("uptty_history_queue_dropped_total present with no history")
	}
}

const secretToken = "s3cret-query-token"

// TestScrapeLiveMonitor runs a real monitor against a real server on loopback, whose URL and
// name carry secrets (the name's ${VAR} is one because a header uses it too; a name's own
// ${VAR} would be a plain label), and scrapes the result: the series of a real check, no
// secret in any label, and a page that promtool accepts.
func TestScrapeLiveMonitor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	yaml := fmt.Sprintf(`location: lab
services:
  - name: "Checkout ${NAME_SECRET}"
    group: payments
    url: %s/health?token=${TOKEN}
    headers: {X-Name: "${NAME_SECRET}"}
    expect: {status: [204]}
    interval: 1h
`, srv.URL)
	env := map[string]string{"TOKEN": secretToken, "NAME_SECRET": "n4me-secret"}
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	checker, err := probe.New(cfg.Services[0])
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Options{Location: cfg.Secrets.Mask(cfg.Location)})
	mon := monitor.NewMonitor([]monitor.Target{{Service: cfg.Services[0], Checker: checker}},
		monitor.Options{Lateness: m.Lateness, MinBatchInterval: -1})
	m.Watch(mon)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); _ = mon.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for {
		batch, err := mon.Next(ctx)
		if err != nil {
			t.Fatalf("no check within 10s: %v", err)
		}
		if st, ok := batch[cfg.Services[0].Name]; ok && st.State == track.Up {
			break
		}
	}

	fams, body := scrape(t, m.Handler())
	labels := map[string]string{"service": "Checkout •••", "group": "payments", "kind": "http", "location": "lab"}
	for _, tt := range []struct {
		name string
		want float64
	}{{"probe_success", 1}, {"probe_http_status_code", 204}, {"uptty_check_lateness_seconds", 1}} {
		l := labels
		if tt.name == "uptty_check_lateness_seconds" {
			l = nil
		}
		if got, ok := metricstest.Value(fams, tt.name, l); !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, l, got, ok, tt.want)
		}
	}
	if got, ok := metricstest.Value(fams, "probe_duration_seconds", labels); !ok || got <= 0 || got > 10 {
		t.Errorf("probe_duration_seconds = %v (found %v), want a latency", got, ok)
	}
	for _, secret := range []string{secretToken, "n4me-secret", "token=", "127.0.0.1"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics shows %q:\n%s", secret, body)
		}
	}
	metricstest.Promtool(t, body)
}

func TestPromtool(t *testing.T) {
	m := metrics.New(metrics.Options{Location: "eu-west", Dropped: func() uint64 { return 0 }})
	m.Watch(readings())
	m.Lateness(time.Second)
	_, body := scrape(t, m.Handler())
	metricstest.Promtool(t, body)
}

// many is n HTTP services, all up, with a full set of phases and a certificate.
func many(n int) fixed {
	out := make(fixed, n)
	base := readings()[0]
	for i := range out {
		r := base
		r.Service = svc(fmt.Sprintf("service %04d", i), fmt.Sprintf("group %d", i%20), probe.KindHTTP)
		r.Last.Phases = slices.Clone(base.Last.Phases)
		out[i] = r
	}
	return out
}

// BenchmarkScrape1000 is one scrape of 1,000 HTTP services in the text format, as
// Prometheus asks for it: under 20 ms is the budget.
func BenchmarkScrape1000(b *testing.B) {
	benchmarkScrape(b, 1000)
}

func BenchmarkScrape10000(b *testing.B) {
	benchmarkScrape(b, 10000)
}

// benchmarkScrape scrapes n services as Prometheus 2.x does (text, gzip) and plain.
func benchmarkScrape(b *testing.B, n int) {
	m := metrics.New(metrics.Options{Location: "eu-west"})
	m.Watch(many(n))
	h := m.Handler()
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.Header.Set("Accept", "text/plain;version=0.0.4")
			req.Header.Set("Accept-Encoding", enc)
			var size int
			b.ReportAllocs()
			for b.Loop() {
				w := &countingWriter{header: http.Header{}}
				h.ServeHTTP(w, req)
				size = w.n
			}
			b.ReportMetric(float64(size), "bytes/scrape")
		})
	}
}

type countingWriter struct {
	header http.Header
	n      int
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// TestAlertDeliveries: each sender's deliveries, failed attempts and alerts given up are
// counters by sender and result, so that an alert on alerting can be written in PromQL
// (increase(uptty_alert_deliveries_total{result="gave_up"}[1h]) > 0); with no senders, none.
func TestAlertDeliveries(t *testing.T) {
	m := metrics.New(metrics.Options{Alerts: func() []metrics.AlertCount {
		return []metrics.AlertCount{{Sender: "pager", Sent: 3, Failed: 2, GaveUp: 1}, {Sender: `te"am`, Sent: 1}}
	}})
	_, body := scrape(t, m.Handler())
	for _, want := range []string{
		"# TYPE uptty_alert_deliveries_total counter\n",
		`uptty_alert_deliveries_total{sender="pager",result="sent"} 3` + "\n",
		`uptty_alert_deliveries_total{sender="pager",result="failed"} 2` + "\n",
		`uptty_alert_deliveries_total{sender="pager",result="gave_up"} 1` + "\n",
		`uptty_alert_deliveries_total{sender="te\"am",result="sent"} 1` + "\n",
		`uptty_alert_deliveries_total{sender="te\"am",result="gave_up"} 0` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	_, body = scrape(t, metrics.New(metrics.Options{}).Handler())
	if strings.Contains(body, "uptty_alert_deliveries_total") {
		t.Errorf("page without alerts has uptty_alert_deliveries_total:\n%s", body)
	}
}
