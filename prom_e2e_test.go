package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/metrics/metricstest"
	"github.com/uptty/uptty/promsrc"
	"github.com/uptty/uptty/track"
)

// startServeEnv runs `uptty serve` on loopback with env added, until the test ends; it
// returns the address it serves on.
func startServeEnv(t *testing.T, bin, cfg string, env ...string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir()), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs, done := readLogs(stderr)
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGKILL); <-done; cmd.Wait() })
	return logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)
}

// TestTwoLocationsPrometheus runs one config as two `uptty serve`, in eu-west and us-east
// (Checkout API's target comes from the environment: from eu-west it answers, from us-east it
// answers 503), with a real Prometheus scraping both. PromQL sees
// both locations and the outage in one of them; `uptty attach prometheus+…` (its Source, then
// the binary in tmux) shows Checkout API DEGRADED, down in us-east only, and Search UP, and
// the detail view's uptime windows from Prometheus; with Prometheus stopped the screen says
// disconnected.
func TestTwoLocationsPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and Prometheus")
	}
	bin := buildBinary(t)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	// One file for both places, as the README has it: the location is a label, so its
	// ${VAR} is shown as it is, while the URL's stays a secret.
	config := writeConfig(t, fmt.Sprintf(`
history: {path: ""}
location: ${UPTTY_LOCATION}
defaults: {interval: 1s, timeout: 1s}
services:
  - {name: Checkout API, group: payments, url: "${CHECKOUT_URL}"}
  - {name: Search, group: web, url: "%s/search"}
`, ok.URL))
	eu := startServeEnv(t, bin, config, "UPTTY_LOCATION=eu-west", "CHECKOUT_URL="+ok.URL+"/checkout")
	us := startServeEnv(t, bin, config, "UPTTY_LOCATION=us-east", "CHECKOUT_URL="+failing.URL+"/checkout")
	prom := metricstest.StartPrometheus(t, fmt.Sprintf("  - job_name: uptty\n    static_configs: [{targets: [%q, %q]}]\n", eu, us))

	// Both locations answer, each with both services.
	prom.WaitFor(t, "two locations", `count by (location) (probe_success{job="uptty"})`, 90*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 2 && s[0].Value == 2 && s[1].Value == 2
	})
	// Checkout API passes in one location of two, Search in both.
	prom.WaitFor(t, "Checkout API up in one location", `sum by (service) (probe_success{job="uptty"})`, 30*time.Second, func(s []metricstest.Sample) bool {
		got := map[string]float64{}
		for _, x := range s {
			got[x.Metric["service"]] = x.Value
		}
		return len(got) == 2 && got["Checkout API"] == 1 && got["Search"] == 2
	})
	// …and uptty in us-east has counted enough failures to call it DOWN, not PENDING.
	prom.WaitFor(t, "Checkout API DOWN in us-east", `uptty_service_state{job="uptty",service="Checkout API",state="down"} == 1`, 30*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 1 && s[0].Metric["location"] == "us-east"
	})
	down, err := prom.Query(`probe_success{job="uptty"} == 0`)
	if err != nil || len(down) != 1 || down[0].Metric["location"] != "us-east" || down[0].Metric["service"] != "Checkout API" {
		t.Errorf(`probe_success == 0: %v, %v; want Checkout API in us-east only`, down, err)
	}

	// The Source `uptty attach prometheus+…` draws from.
	c, err := promsrc.New("prometheus+http://"+prom.Addr, promsrc.Options{Selector: `{job="uptty"}`})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	services, st, err := c.Initial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(services) != 2 || services[0].Name != "Checkout API" || services[0].Group != "payments" || services[1].Name != "Search" {
		t.Errorf("Initial services = %+v, want Checkout API (payments), Search (web)", services)
	}
	const partial = "down in us-east (1/2 locations up): HTTP 503"
	if got := st["Checkout API"]; got.State != track.Degraded || got.Reason != partial {
		t.Errorf("Checkout API = %v %q, want DEGRADED %q", got.State, got.Reason, partial)
	}
	if got := st["Search"]; got.State != track.Up || !got.LastOK {
		t.Errorf("Search = %v (last ok %v), want UP", got.State, got.LastOK)
	}

	// The binary, on a screen.
	s := startTmux(t, 120, 40, nil, bin, "attach", "prometheus+http://"+prom.Addr, "--selector", `{job="uptty"}`)
	row := func(name, want string) func(string) bool {
		return func(screen string) bool { return strings.Contains(lineWith(screen, name), want) }
	}
	s.waitFor("Checkout API DEGRADED", 30*time.Second, row("Checkout API", "DEGRADED"))
	s.waitFor("down in us-east", 30*time.Second, row("Checkout API", "down in us-east"))
	s.waitFor("Search UP", 30*time.Second, row("Search", "UP"))
	// The detail view's history panes come from Prometheus: the uptime windows, the outages.
	s.tmux("send-keys", "-t", s.name, "Enter")
	s.waitFor("the detail view's history", 30*time.Second, func(screen string) bool {
		return windowLine(screen, "1h", "50.00%") && strings.Contains(screen, "Outages, last 1h")
	})
	if screen := s.screen(); strings.Contains(screen, "Thresholds") || strings.Contains(screen, "every 0s") {
		t.Errorf("the detail view shows a check setting for a service configured elsewhere:\n%s", screen)
	}
	s.tmux("send-keys", "-t", s.name, "Escape")

	prom.Stop()
	s.waitFor("disconnected, rows stale", 60*time.Second, func(screen string) bool {
		return strings.Contains(screen, "disconnected") && strings.HasPrefix(lineWith(screen, "Checkout API"), "?")
	})
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("uptty attach exit status after q = %s, want 0", code)
	}
}

func TestSelectorFlag(t *testing.T) {
	tests := []struct {
		args    []string
		want    string
		wantErr string
	}{
		{args: []string{"attach", "prometheus+http://127.0.0.1:9090", "--selector", `{job="blackbox"}`}, want: `{job="blackbox"}`},
		{args: []string{"--selector", `job="x"`, "attach", "prometheus+https://prom"}, want: `job="x"`},
		{args: []string{"attach", "prometheus+http://127.0.0.1:9090"}, want: ""},
		{args: []string{"attach", "http://127.0.0.1:9870", "--selector", `{job="x"}`}, wantErr: "--selector goes with 'attach prometheus+http://HOST:PORT'"},
		{args: []string{"--selector", `{job="x"}`}, wantErr: "--selector goes with"},
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
			if err != nil || got.selector != tt.want {
				t.Errorf("parseArgs(%q) = %q, %v; want --selector %q", tt.args, got.selector, err, tt.want)
			}
		})
	}
}

// TestAttachPrometheusRefused: a Prometheus that cannot be reached, or a selector that is not
// one, is exit status 2 with the reason, before any screen.
func TestAttachPrometheusRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"attach", "prometheus+http://" + addr}, "connection refused"},
		{[]string{"attach", "prometheus+http://" + addr, "--selector", "probe_success{}"}, "want label matchers"},
		{[]string{"attach", "prometheus+http://user:hunter22@" + addr}, "user:xxxxx@"},
	} {
		code, _, stderr := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) || strings.Contains(stderr, "hunter22") {
			t.Errorf("uptty %q = %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// windowLine reports that the uptime window table's row for window holds want.
func windowLine(screen, window, want string) bool {
	for _, l := range strings.Split(screen, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == window && strings.Contains(l, want) {
			return true
		}
	}
	return false
}
