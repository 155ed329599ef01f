package promsrc_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/metrics/metricstest"
	"github.com/uptty/uptty/promsrc"
)

// readmeRules is the recording rules file the README gives.
func readmeRules(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "```yaml\n# rules/uptty.yml"
	_, rest, ok := strings.Cut(string(b), start)
	if !ok {
		t.Fatalf("README.md has no %q block", start)
	}
	body, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README.md's rules block does not end")
	}
	return "# rules/uptty.yml" + body
}

// TestRecordedUptime: with the README's recording rules loaded (and promtool content with
// them), the uptime column comes from the recorded series, one sample a series, and says the
// same as the raw samples do.
func TestRecordedUptime(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Prometheus")
	}
	rules := readmeRules(t)
	metricstest.PromtoolRules(t, rules)
	// Evaluated every second rather than every minute, for the test not to wait a minute.
	fast := strings.Replace(rules, "interval: 1m", "interval: 1s", 1)
	if fast == rules {
		t.Fatal("the README's rules have no interval: 1m")
	}
	_, addr := newProber(t, "eu", map[string]probeResult{"Checkout": up, "Cart": down})
	prom := metricstest.StartPrometheusRules(t, fmt.Sprintf("  - job_name: blackbox\n    static_configs: [{targets: [%q]}]\n", addr), fast)
	prom.WaitFor(t, "the recorded uptime", `count(service_location:probe_success:avg1d{job="blackbox"})`, 60*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 1 && s[0].Value == 2
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := promsrc.New("prometheus+http://"+prom.Addr, promsrc.Options{Selector: `{job="blackbox"}`})
	if err != nil {
		t.Fatal(err)
	}
	_, st, err := c.Initial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.UptimeFrom(), "service_location:probe_success:avg1d"; got != want {
		t.Errorf("uptime from %q, want the recorded %q", got, want)
	}
	for name, want := range map[string]float64{"Checkout": 1, "Cart": 0} {
		s := st[name]
		if u, ok := s.Uptime(time.Now()); !ok || u != want {
			t.Errorf("%s's uptime = %v (%v), want %v", name, u, ok, want)
		}
	}
}
