package serve

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/metrics"
	"github.com/uptty/uptty/metrics/metricstest"
)

// TestMetrics: GET /metrics has the services' series, as blackbox_exporter names them, with
// no secret anywhere, and promtool accepts it.
func TestMetrics(t *testing.T) {
	up, down := newTarget(t), newTarget(t)
	down.down.Store(true)
	f := start(t, "location: lab\n"+twoServices(up.URL, down.URL), func(o *Options) {
		o.Metrics = metrics.New(metrics.Options{Location: "lab", Dropped: func() uint64 { return o.History.Store.Stats().Dropped }})
	})
	f.until(t, "up", "Checkout API")
	f.until(t, "down", "Broken")
	code, page := f.do(t, "GET", "/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", code, page)
	}
	fams := metricstest.Parse(t, page)
	api := map[string]string{"service": "Checkout API", "group": "payments", "kind": "http", "location": "lab"}
	broken := map[string]string{"service": "Broken", "group": "", "kind": "http", "location": "lab"}
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"probe_success", api, 1},
		{"probe_http_status_code", api, 200},
		{"probe_success", broken, 0},
		{"probe_http_status_code", broken, 503},
		{"uptty_service_state", map[string]string{"service": "Broken", "state": "down"}, 1},
		{"uptty_service_state", map[string]string{"service": "Broken", "state": "up"}, 0},
		{"uptty_outages_total", broken, 1},
		{"uptty_history_queue_dropped_total", nil, 0},
	} {
		if got, ok := metricstest.Value(fams, tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := metricstest.Value(fams, "uptty_outage_start_timestamp_seconds", broken); !ok {
		t.Error("no uptty_outage_start_timestamp_seconds for Broken, which is DOWN")
	}
	if strings.Contains(page, secret) || strings.Contains(page, "key=") {
		t.Errorf("/metrics shows the URL's secret:\n%s", page)
	}
	metricstest.Promtool(t, page)
}

// TestMetricsAuth: /metrics takes the token like the rest of the API.
func TestMetricsAuth(t *testing.T) {
	up := newTarget(t)
	const token = "tok-0123456789abcdef"
	f := start(t, twoServices(up.URL, up.URL), func(o *Options) {
		o.Token = token
		o.Metrics = metrics.New(metrics.Options{})
		o.Probe = metrics.NewProber(&config.Config{})
	})
	for _, path := range []string{"/metrics", "/probe?module=m&target=tcp://127.0.0.1:1"} {
		for _, tok := range []string{"", "wrong"} {
			if code, _ := f.do(t, "GET", path, tok); code != http.StatusUnauthorized {
				t.Errorf("GET %s with token %q = %d, want 401", path, tok, code)
			}
		}
	}
	if code, body := f.do(t, "GET", "/probe?module=m&target=tcp://127.0.0.1:1", token); code != http.StatusBadRequest {
		t.Errorf("GET /probe with the token and no modules = %d %s, want 400", code, body)
	}
	if code, body := f.do(t, "GET", "/metrics", token); code != http.StatusOK || !strings.Contains(body, "uptty_service_state") {
		t.Errorf("GET /metrics with the token = %d %s, want 200 and the series", code, body)
	}
	h := MetricsHandler(metrics.New(metrics.Options{}), token)
	for _, tt := range []struct {
		auth string
		want int
	}{{"", http.StatusUnauthorized}, {"Bearer " + token, http.StatusOK},
		// The scheme is case-insensitive (RFC 9110 11.1): clients that write it in lower case
		// send the right token.
		{"bearer " + token, http.StatusOK}, {"BEARER  " + token, http.StatusOK},
		{"Bearer" + token, http.StatusUnauthorized}, {"Basic " + token, http.StatusUnauthorized}} {
		req, _ := http.NewRequest("GET", "/metrics", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("MetricsHandler: GET /metrics with %q = %d, want %d", tt.auth, rec.Code, tt.want)
		}
	}
}
