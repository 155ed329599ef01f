// Package metricstest helps tests of what serves metrics: parsing a page and finding a series
// in it, and linting it with promtool.
package metricstest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Parse parses a page in the text format, failing the test if it does not parse.
func Parse(t testing.TB, page string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parsing the metrics page: %v\n%s", err, page)
	}
	return fams
}

// Value finds the sample of family name whose labels include want (a histogram's value is
// its count); ok is false when none does.
func Value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, ok bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

// Promtool runs `promtool check metrics` on a page: the linter Prometheus ships, with its
// rules on names, units and help texts. Without promtool it skips the test, except under CI
// (CI=true), which installs it with Debian's prometheus package.
func Promtool(t testing.TB, page string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found; CI installs it with the prometheus package")
		}
		t.Skip("promtool not found (apt-get install prometheus)")
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = bytes.NewReader([]byte(page))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s\npage:\n%s", err, out, page)
	}
}

// PromtoolRules runs `promtool check rules` on a rules file's YAML, failing the test with its
// complaint; without promtool it skips the test, as Promtool does.
func PromtoolRules(t testing.TB, rules string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found; CI installs it with the prometheus package")
		}
		t.Skip("promtool not found (apt-get install prometheus)")
	}
	file := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "check", "rules", file).CombinedOutput()
	if err != nil {
		t.Errorf("promtool check rules: %v\n%s\nrules:\n%s", err, out, rules)
	}
}
