package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/metrics"
	"github.com/uptty/uptty/metrics/metricstest"
	"github.com/uptty/uptty/probe"
)

// TestProbe: /probe checks an allowed target with a module and answers that check's series,
// without labels, as blackbox_exporter does; what it cannot do is a 400 with the reason.
func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	yaml := fmt.Sprintf(`modules:
  http_2xx: {expect: {status: [200]}, headers: {X-Key: "${KEY}"}}
  ping: {count: 1}
probe_targets: ["%s/*"]
services:
  - {name: A, url: "%s/a"}
`, srv.URL, srv.URL)
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", func(k string) (string, bool) { return "k3y-secret", k == "KEY" }, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	h := metrics.NewProber(cfg)
	get := func(q url.Values) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/probe?"+q.Encode(), nil))
		return rec.Code, rec.Body.String()
	}
	for _, tt := range []struct {
		module, target string
		success, code  float64
	}{
		{"http_2xx", srv.URL + "/a", 1, 200},
		{"http_2xx", srv.URL + "/down", 0, 503},
	} {
		code, page := get(url.Values{"module": {tt.module}, "target": {tt.target}})
		if code != http.StatusOK {
			t.Fatalf("/probe %s %s = %d %s", tt.module, tt.target, code, page)
		}
		fams := metricstest.Parse(t, page)
		for name, want := range map[string]float64{"probe_success": tt.success, "probe_http_status_code": tt.code} {
			if got, ok := metricstest.Value(fams, name, nil); !ok || got != want {
				t.Errorf("/probe %s: %s = %v (found %v), want %v", tt.target, name, got, ok, want)
			}
		}
		if _, ok := metricstest.Value(fams, "probe_http_duration_seconds", map[string]string{"phase": "connect"}); !ok {
			t.Errorf("/probe %s: no probe_http_duration_seconds{phase=connect}", tt.target)
		}
		for _, f := range fams {
			for _, m := range f.GetMetric() {
				for _, lp := range m.GetLabel() {
					if lp.GetName() != "phase" {
						t.Errorf("/probe: %s has label %s, want none but phase", f.GetName(), lp.GetName())
					}
				}
			}
		}
		if strings.Contains(page, "k3y-secret") || strings.Contains(page, "uptty_service_state") {
			t.Errorf("/probe page shows a secret or the monitor's series:\n%s", page)
		}
		metricstest.Promtool(t, page)
	}

	for _, tt := range []struct {
		q       url.Values
		wantErr string
	}{
		{url.Values{"target": {srv.URL + "/a"}}, "module is missing (modules: http_2xx, ping)"},
		{url.Values{"module": {"http_3xx"}, "target": {srv.URL + "/a"}}, `unknown module "http_3xx"`},
		{url.Values{"module": {"http_2xx"}}, "target is missing"},
		{url.Values{"module": {"http_2xx"}, "target": {"http://169.254.169.254/latest/meta-data"}}, "target not allowed"},
		{url.Values{"module": {"ping"}, "target": {srv.URL + "/a"}}, "count: only for icmp services, not http"},
	} {
		code, body := get(tt.q)
		if code != http.StatusBadRequest || !strings.Contains(body, tt.wantErr) {
			t.Errorf("/probe?%s = %d %q, want 400 saying %q", tt.q.Encode(), code, body, tt.wantErr)
		}
	}
	none, _ := config.Parse([]byte("services:\n  - {name: A, url: \"tcp://127.0.0.1:1\"}\n"), "uptty.yaml", nil, probe.Kinds())
	rec := httptest.NewRecorder()
	metrics.NewProber(none).ServeHTTP(rec, httptest.NewRequest("GET", "/probe?module=x&target=tcp://127.0.0.1:1", nil))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "no modules") {
		t.Errorf("/probe with no modules = %d %q, want 400 saying so", rec.Code, rec.Body)
	}
}

// TestProbeSetConfig: a reload that adds modules and probe_targets is what /probe uses next,
// without a restart.
func TestProbeSetConfig(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	parse := func(yaml string) *config.Config {
		t.Helper()
		cfg, err := config.Parse([]byte(yaml), "uptty.yaml", nil, probe.Kinds())
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	h := metrics.NewProber(parse("services:\n  - {name: A, url: \"tcp://127.0.0.1:1\"}\n"))
	h.SetConfig(parse(fmt.Sprintf("modules:\n  http_2xx: {timeout: 5s}\nprobe_targets: [\"%s/*\"]\nservices:\n  - {name: A, url: \"tcp://127.0.0.1:1\"}\n", srv.URL)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/probe?"+url.Values{"module": {"http_2xx"}, "target": {srv.URL + "/x"}}.Encode(), nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/probe after SetConfig added a module = %d %q, want 200", rec.Code, rec.Body)
	}
}
