package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptty/uptty/metrics/metricstest"
	"github.com/uptty/uptty/promsrc"
	"github.com/uptty/uptty/track"
)

// TestPrometheusUpttyStates runs a real `uptty serve` scraped by a real Prometheus and reads it
// as `uptty attach prometheus+…` does: Flaky (failure_threshold 3, every second) turns
// PENDING on its first failure, which Prometheus keeps and the Source shows when asked at that
// moment; then DOWN, with the outage start uptty_outage_start_timestamp_seconds says, the
// same second as the server's /api/v1/status; a paused service reads PAUSED, though its
// probe_* series are gone.
func TestPrometheusUpttyStates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and Prometheus")
	}
	bin := buildBinary(t)
	var failing atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() && r.URL.Path == "/flaky" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer target.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: ""}
location: lab
defaults: {interval: 1s, timeout: 1s}
services:
  - {name: Flaky, group: shop, url: "%[1]s/flaky", failure_threshold: 3, retry_interval: 1s}
  - {name: Steady, group: shop, url: "%[1]s/steady"}
  - {name: Held, group: shop, url: "%[1]s/held"}
`, target.URL))
	addr := startServeEnv(t, bin, cfg)
	prom := metricstest.StartPrometheus(t, fmt.Sprintf("  - job_name: uptty\n    static_configs: [{targets: [%q]}]\n", addr))
	prom.WaitFor(t, "Flaky up", `uptty_service_state{service="Flaky",state="up"} == 1`, 90*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 1
	})
	post(t, "http://"+addr+"/api/v1/services/Held/pause")
	prom.WaitFor(t, "Held paused", `uptty_service_state{service="Held",state="paused"} == 1`, 30*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 1
	})
	failing.Store(true)
	prom.WaitFor(t, "Flaky down", `uptty_service_state{service="Flaky",state="down"} == 1`, 30*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 1
	})

	// The moment Prometheus saw Flaky PENDING (a scrape of the two seconds between its first
	// failure and its third), and the Source asked as of then.
	pendingAt := sampleTimes(t, prom.Addr, `uptty_service_state{service="Flaky",state="pending"}[2m]`)
	if len(pendingAt) == 0 {
		t.Fatal("Prometheus has no sample of Flaky PENDING")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	then, err := promsrc.New("prometheus+http://"+prom.Addr, promsrc.Options{Selector: `{job="uptty"}`,
		Now: func() time.Time { return pendingAt[0] }})
	if err != nil {
		t.Fatal(err)
	}
	_, st, err := then.Initial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := st["Flaky"]; got.State != track.Pending || got.Reason != "probe failed: HTTP 503" {
		t.Errorf("Flaky as of %s = %v %q, want PENDING %q", pendingAt[0].Format(time.StampMilli), got.State, got.Reason, "probe failed: HTTP 503")
	}

	// Now: DOWN since the server's outage start, PAUSED, UP.
	c, err := promsrc.New("prometheus+http://"+prom.Addr, promsrc.Options{Selector: `{job="uptty"}`})
	if err != nil {
		t.Fatal(err)
	}
	_, st, err = c.Initial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]track.State{"Flaky": track.Down, "Held": track.Paused, "Steady": track.Up} {
		if got := st[name].State; got != want {
			t.Errorf("%s = %v %q, want %v", name, got, st[name].Reason, want)
		}
	}
	var doc struct {
		Services []struct {
			Name   string
			Outage *struct{ Start string }
		}
	}
	getJSON(t, "http://"+addr+"/api/v1/status", &doc)
	var apiStart time.Time
	for _, s := range doc.Services {
		if s.Name == "Flaky" && s.Outage != nil {
			apiStart, err = time.Parse(time.RFC3339, s.Outage.Start)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	flaky := st["Flaky"]
	o, open := flaky.OpenOutage()
	if !open || apiStart.IsZero() || !o.Start.Truncate(time.Second).Equal(apiStart) {
		t.Errorf("Flaky's outage from Prometheus starts %v (open %v), want %v as the server says", o.Start, open, apiStart)
	}
	if !flaky.Since.Equal(o.Start) {
		t.Errorf("Flaky DOWN since %v, want the outage's start %v", flaky.Since, o.Start)
	}
}

// post sends an empty POST and fails the test unless it is answered 2xx.
func post(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Post(u, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %s", u, resp.Status)
	}
}

// getJSON decodes a GET's JSON answer into v.
func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// sampleTimes runs a range selector as an instant query and returns the times of its samples
// that are 1, as Prometheus stored them.
func sampleTimes(t *testing.T, addr, q string) []time.Time {
	t.Helper()
	var doc struct {
		Data struct {
			Result []struct{ Values [][2]any }
		}
	}
	getJSON(t, "http://"+addr+"/api/v1/query?query="+url.QueryEscape(q), &doc)
	var out []time.Time
	for _, r := range doc.Data.Result {
		for _, v := range r.Values {
			at, _ := v[0].(float64)
			if s, _ := v[1].(string); s == "1" {
				out = append(out, time.UnixMilli(int64(at*1000)))
			}
		}
	}
	return out
}
