package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/metrics/metricstest"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
)

func TestMetricsFlag(t *testing.T) {
	tests := []struct {
		args    []string
		want    string
		wantErr string
	}{
		{args: []string{"--metrics", "127.0.0.1:9871"}, want: "127.0.0.1:9871"},
		{args: []string{"--demo", "--metrics", ":9871", "--token-file", "t"}, want: ":9871"},
		{args: []string{"serve", "--metrics", ":1"}, wantErr: "uptty serve answers GET /metrics on its --listen address"},
		{args: []string{"check", "--metrics", ":1"}, wantErr: `--metrics goes with the live monitor, not "check"`},
		{args: []string{"--token-file", "t"}, wantErr: "--token-file goes with 'serve'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseArgs(%q) error = %v, want %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.metrics != tt.want {
				t.Errorf("parseArgs(%q) = %q, %v; want --metrics %q", tt.args, got.metrics, err, tt.want)
			}
		})
	}
}

// TestStartMetrics: the live monitor's metrics server refuses what serve refuses, before
// anything is drawn, and takes the token like serve.
func TestStartMetrics(t *testing.T) {
	cfg, err := config.Parse([]byte("services:\n  - {name: A, url: \"tcp://127.0.0.1:1\"}\n"), "uptty.yaml", nil, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	hist, err := history.OpenLive("", 0, historyServices(cfg.Services), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	targets, err := buildTargets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	met := newMetrics(cfg, hist, newAlertCounts(cfg))
	mon := monitor.NewMonitor(targets, monitor.Options{Lateness: met.Lateness})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	noEnv := func(string) (string, bool) { return "", false }
	for _, tt := range []struct{ addr, wantErr string }{
		{":0", "--metrics :0 is reachable from other machines: set UPTTY_TOKEN or pass --token-file FILE"},
		{"192.0.2.1:9871", "reachable from other machines"},
		{":abc", `--metrics ":abc": bad port "abc"`},
		{"127.0.0.1", `--metrics "127.0.0.1": want HOST:PORT`},
		{busy.Addr().String(), "the address is in use"},
	} {
		if _, stop, err := startMetrics(tt.addr, options{}, noEnv, met, mon); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			if stop != nil {
				stop()
			}
			t.Errorf("startMetrics(%q) error = %v, want %q", tt.addr, err, tt.wantErr)
		}
	}

	const token = "metrics-token-0123"
	withToken := func(k string) (string, bool) { return token, k == "UPTTY_TOKEN" }
	addr, stop, err := startMetrics("127.0.0.1:0", options{}, withToken, met, mon)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	get := func(auth string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token = %d, want 401", code)
	}
	code, page := get(token)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics with the token = %d %s", code, page)
	}
	fams := metricstest.Parse(t, page)
	if v, ok := metricstest.Value(fams, "uptty_service_state", map[string]string{"service": "A", "state": "unknown"}); !ok || v != 1 {
		t.Errorf(`uptty_service_state{service="A",state="unknown"} = %v (found %v), want 1`, v, ok)
	}
}

// TestServeMetricsPrometheus runs `uptty serve` with a location and a real Prometheus (Debian's
// prometheus package) scraping its /metrics on loopback, and asks Prometheus for probe_success:
// the series arrive, labelled, with no secret. Without prometheus it skips, except under CI.
func TestServeMetricsPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and Prometheus")
	}
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus not found; CI installs the prometheus package")
		}
		t.Skip("prometheus not found (apt-get install prometheus)")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	dir := t.TempDir()
	const secret = "s3cret-query-token"
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: ""}
location: lab-1
defaults: {interval: 1s, timeout: 1s}
modules:
  http_2xx: {expect: {status: [200]}}
services:
  - {name: Checkout API, group: payments, url: "%s/health?token=${API_TOKEN}"}
`, up.URL))
	uptty := exec.Command(bin, "serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
	uptty.Env = append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir, "API_TOKEN="+secret)
	stderr, err := uptty.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := uptty.Start(); err != nil {
		t.Fatal(err)
	}
	logs, logsDone := readLogs(stderr)
	defer func() { uptty.Process.Kill(); <-logsDone; uptty.Wait() }()
	target := logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)

	resp, err := http.Get("http://" + target + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(page), secret) {
		t.Errorf("/metrics shows the secret:\n%s", page)
	}
	metricstest.Promtool(t, string(page))

	// /probe checks a configured service's URL with a module; an unknown module is a 400.
	probeURL := func(module string) string {
		return "http://" + target + "/probe?" + url.Values{"module": {module}, "target": {up.URL + "/health?token=" + secret}}.Encode()
	}
	resp, err = http.Get(probeURL("http_2xx"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if v, ok := metricstest.Value(metricstest.Parse(t, string(page)), "probe_success", nil); resp.StatusCode != http.StatusOK || !ok || v != 1 {
		t.Errorf("GET /probe?module=http_2xx = %d, probe_success %v (found %v), want 200 and 1:\n%s", resp.StatusCode, v, ok, page)
	}
	if resp, err := http.Get(probeURL("nope")); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /probe?module=nope = %v, %v; want 400", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}

	// Prometheus takes no port 0: a free port, taken just before it starts.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	promAddr := l.Addr().String()
	l.Close()
	promCfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(promCfg, []byte(fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: uptty
    static_configs: [{targets: ["%s"]}]
`, target)), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	p := exec.CommandContext(ctx, prom, "--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr)
	var promLog strings.Builder
	p.Stdout, p.Stderr = &promLog, &promLog
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); p.Wait() }()

	// Prometheus gives no signal when a sample lands: ask it, a few times a second, until
	// the deadline.
	query := "http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(`probe_success{job="uptty"}`)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case <-deadline:
			t.Fatalf("Prometheus has no probe_success from uptty after 60s; its log:\n%s", promLog.String())
		case <-tick.C:
		}
		var doc struct {
			Data struct {
				Result []struct {
					Metric map[string]string
					Value  [2]any
				}
			}
		}
		resp, err := http.Get(query)
		if err != nil {
			continue // not listening yet
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil || len(doc.Data.Result) == 0 {
			continue
		}
		r := doc.Data.Result[0]
		want := map[string]string{"service": "Checkout API", "group": "payments", "kind": "http", "location": "lab-1", "instance": target}
		for k, v := range want {
			if r.Metric[k] != v {
				t.Errorf("probe_success label %s = %q, want %q (all: %v)", k, r.Metric[k], v, r.Metric)
			}
		}
		if r.Value[1] != "1" {
			t.Errorf("probe_success = %v, want 1", r.Value[1])
		}
		return
	}
}

// TestAlertCountsRename: a sender renamed by a reload is counted under its new name only, its
// counts kept, and an outcome still reported under an old name (one in flight during the
// rename) lands on the new one, through renames in a row and back.
func TestAlertCountsRename(t *testing.T) {
	tests := []struct {
		name    string
		renames [][2]string
		late    string // an outcome reported under this name after the renames
		want    string
	}{
		{"renamed", [][2]string{{"team", "pager"}}, "team", "[{pager 2 0 0} {ops 0 0 0}]"},
		{"twice", [][2]string{{"team", "pager"}, {"pager", "oncall"}}, "team", "[{oncall 2 0 0} {ops 0 0 0}]"},
		{"and back", [][2]string{{"team", "pager"}, {"pager", "team"}}, "pager", "[{team 2 0 0} {ops 0 0 0}]"},
		{"onto one counted", [][2]string{{"team", "ops"}}, "team", "[{ops 2 0 0}]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newAlertCounts(&config.Config{Alerts: []config.Alert{{Name: "team"}, {Name: "ops"}}})
			opt := c.count(alert.Options{})
			opt.OnSent("a", "team", time.Time{})
			for _, r := range tc.renames {
				c.rename(r[0], r[1])
			}
			opt.OnSent("b", tc.late, time.Time{})
			if got := fmt.Sprint(c.list()); got != tc.want {
				t.Errorf("counts after %v = %s, want %s", tc.renames, got, tc.want)
			}
		})
	}
}
