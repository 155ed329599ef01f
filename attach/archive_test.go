package attach

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/serve"
)

// TestArchive: the detail view's history panes, asked of a real uptty serve over loopback.
func TestArchive(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	cfg, err := config.Parse([]byte("services:\n  - {name: api, url: \""+target.URL+"\"}\n"), "t.yaml",
		func(string) (string, bool) { return "", false }, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	checker, err := probe.New(cfg.Services[0])
	if err != nil {
		t.Fatal(err)
	}
	hist, err := history.OpenLive("", 0, []history.Service{{Name: "api", Interval: cfg.Services[0].Interval}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	mon := monitor.NewMonitor([]monitor.Target{{Service: cfg.Services[0], Checker: checker}}, monitor.Options{OnResult: hist.Record})
	srv := serve.New(serve.Options{Services: cfg.Services, Monitor: mon, History: hist})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	c, err := New("http://"+ln.Addr().String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := c.Archive()
	now := time.Now()
	wins, err := a.Windows("api", now)
	if err != nil || len(wins) != len(history.StandardWindows()) {
		t.Fatalf("Windows = %d windows, %v; want %d", len(wins), err, len(history.StandardWindows()))
	}
	chart, err := a.Chart("api", time.Hour, now, 80)
	if err != nil || len(chart) != 80 {
		t.Fatalf("Chart(1h, 80) = %d buckets, %v; want 80", len(chart), err)
	}
	if got := chart[79].To.Sub(chart[0].From).Round(time.Minute); got != time.Hour {
		t.Errorf("the chart spans %v, want 1h", got)
	}
	if _, _, err := a.RecentIncidents(now.Add(-time.Hour), "api", 20); err != nil {
		t.Errorf("RecentIncidents: %v", err)
	}
	if _, err := a.Chart("nope", time.Hour, now, 10); err == nil {
		t.Errorf("Chart of an unknown service: no error")
	}
}
