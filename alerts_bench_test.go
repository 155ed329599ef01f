//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/bench/child"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// BenchmarkAlertLatency measures the time from the result of the failing check that declares
// a service DOWN reaching the monitor's OnResult to a loopback webhook receiver getting the
// alert, through the whole path: the engine, the outbox row queued for the history file, the
// dispatcher and the HTTP post. 200 outages, one at a time. Run it with -benchtime=1x.
func BenchmarkAlertLatency(b *testing.B) {
	const outages = 200
	got := make(chan time.Time, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		io.Copy(io.Discard, r.Body)
		select {
		case got <- at:
		default:
		}
	}))
	defer recv.Close()
	cfg := &config.Config{History: config.History{Path: filepath.Join(b.TempDir(), "history.db")}}
	for i := range outages {
		cfg.Services = append(cfg.Services, config.Service{Name: fmt.Sprint("svc", i), Interval: time.Second})
	}
	cfg.Alerts = []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: recv.URL, On: []string{"down"}}}
	for b.Loop() {
		hist, err := history.OpenLive(cfg.History.Path, cfg.History.Retention, historyServices(cfg.Services), time.Second)
		if err != nil {
			b.Fatal(err)
		}
		set, _ := buildSenders(cfg, nil, false)
		la, err := startAlerts(cfg, hist, set, nil, alert.Options{}, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		lat := make([]time.Duration, 0, outages)
		start := time.Now().Add(-time.Minute)
		for i := range outages {
			name := fmt.Sprint("svc", i)
			at := start.Add(time.Duration(i) * time.Second)
			evs := []track.Event{
				{Kind: track.StateChanged, At: at, From: track.Pending, To: track.Down, Reason: "status 503"},
				{Kind: track.OutageStarted, At: at, Outage: track.Outage{Start: at.Add(-time.Second), Cause: "status 503"}},
			}
			t0 := time.Now()
			la.engine.OnResult(name, track.Check{Start: at, Latency: time.Millisecond, Reason: "status 503"}, evs)
			select {
			case t1 := <-got:
				lat = append(lat, t1.Sub(t0))
			case <-time.After(10 * time.Second):
				b.Fatalf("alert %d not received within 10s", i)
			}
		}
		la.stop()
		hist.Close()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
	}
}

// BenchmarkAlertsCPU runs the real monitor on 1,000 loopback HTTP services checked every
// second for a few seconds, 2% of them flapping (down and up every 2s), and reports the CPU time
// per check: with history only (the baseline), and with history plus alerts to three webhook
// senders. Run it with -benchtime=1x; the test servers' CPU is in both figures.
func BenchmarkAlertsCPU(b *testing.B) {
	for _, withAlerts := range []bool{false, true} {
		name := "history-only"
		if withAlerts {
			name = "alerts-3-senders"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				perCheck, alerts := runCPU(b, withAlerts)
				b.ReportMetric(float64(perCheck.Nanoseconds()), "cpu-ns/check")
				b.ReportMetric(float64(alerts), "alerts")
			}
		})
	}
}

func runCPU(b *testing.B, withAlerts bool) (time.Duration, int64) {
	const n, every, runFor = 1000, time.Second, 5 * time.Second
	var alerts atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		alerts.Add(1)
	}))
	defer recv.Close()
	begin := time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.URL.Path, "/svc/%d", &i)
		if i%50 == 0 && int(time.Since(begin)/(2*time.Second))%2 == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	cfg := &config.Config{History: config.History{Path: filepath.Join(b.TempDir(), "history.db")}}
	var targets []monitor.Target
	for i := range n {
		svc := config.Service{Name: fmt.Sprint("svc", i), URL: fmt.Sprintf("%s/svc/%d", srv.URL, i), Kind: probe.KindHTTP,
			Interval: every, Timeout: every, RetryInterval: every, FailureThreshold: 1, SuccessThreshold: 1}
		c, err := probe.New(svc)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Services = append(cfg.Services, svc)
		targets = append(targets, monitor.Target{Service: svc, Checker: c})
	}
	if withAlerts {
		for _, s := range []string{"team", "ops", "chat"} {
			cfg.Alerts = append(cfg.Alerts, config.Alert{Name: s, Type: config.SenderWebhook, URL: recv.URL})
		}
	}
	hist, err := history.OpenLive(cfg.History.Path, cfg.History.Retention, historyServices(cfg.Services), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	var checks atomic.Int64
	onResult := func(name string, c track.Check, evs []track.Event) { hist.Record(name, c, evs) }
	var la *liveAlerts
	if withAlerts {
		set, _ := buildSenders(cfg, nil, false)
		if la, err = startAlerts(cfg, hist, set, nil, alert.Options{}, nil, nil); err != nil {
			b.Fatal(err)
		}
		onResult = la.engine.OnResult
	}
	mon := monitor.NewMonitor(targets, monitor.Options{OnResult: func(name string, c track.Check, evs []track.Event) {
		checks.Add(1)
		onResult(name, c, evs)
	}})
	ctx, cancel := context.WithTimeout(context.Background(), runFor)
	defer cancel()
	cpu0 := child.CPUTime()
	mon.Run(ctx)
	if la != nil {
		la.stop()
	}
	hist.Close()
	cpu := child.CPUTime() - cpu0
	return cpu / time.Duration(max(checks.Load(), 1)), alerts.Load()
}
