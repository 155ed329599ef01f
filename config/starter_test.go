package config_test

import (
	"strings"
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

func TestStarterServices(t *testing.T) {
	tests := []struct {
		raw       string
		name, url string
		guessed   bool
	}{
		{raw: "https://api.example.com/healthz", name: "api.example.com", url: "https://api.example.com/healthz"},
		{raw: "http://127.0.0.1:8080/", name: "127.0.0.1", url: "http://127.0.0.1:8080/"},
		{raw: "tcp://db.example.com:5432", name: "db.example.com", url: "tcp://db.example.com:5432"},
		{raw: "tls://mail.example.com:465", name: "mail.example.com", url: "tls://mail.example.com:465"},
		{raw: "dns:example.com?type=MX", name: "example.com DNS", url: "dns:example.com?type=MX"},
		{raw: "dns://9.9.9.9/example.org?type=A", name: "example.org DNS", url: "dns://9.9.9.9/example.org?type=A"},
		{raw: "icmp://router.example.com", name: "router.example.com", url: "icmp://router.example.com"},
		{raw: "grpcs://orders.example.com:443/orders.v1.Orders", name: "orders.example.com", url: "grpcs://orders.example.com:443/orders.v1.Orders"},
		{raw: "WSS://feed.example.com/socket", name: "feed.example.com", url: "WSS://feed.example.com/socket"},
		{raw: "db.example.com:5432", name: "db.example.com", url: "tcp://db.example.com:5432", guessed: true},
		{raw: "[::1]:6379", name: "::1", url: "tcp://[::1]:6379", guessed: true},
		{raw: "example.com", name: "example.com", url: "https://example.com", guessed: true},
		{raw: " example.com/status ", name: "example.com", url: "https://example.com/status", guessed: true},
	}
	for _, tt := range tests {
		got, err := config.StarterServices([]string{tt.raw}, probe.Kinds())
		if err != nil || len(got) != 1 || got[0].Name != tt.name || got[0].URL != tt.url || (got[0].Guess != "") != tt.guessed {
			t.Errorf("StarterServices(%q) = %+v, %v; want %q %q (guessed %v)", tt.raw, got, err, tt.name, tt.url, tt.guessed)
		}
	}
}

func TestStarterServicesNames(t *testing.T) {
	got, err := config.StarterServices([]string{"https://example.com/", "example.com:443", "https://example.com/status", "https://example.com/"}, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"example.com", "example.com:443", "example.com/status", "example.com (2)"}
	for i, s := range got {
		if s.Name != want[i] {
			t.Errorf("StarterServices names[%d] = %q, want %q", i, s.Name, want[i])
		}
	}
}

func TestStarterServicesRefuses(t *testing.T) {
	for raw, want := range map[string]string{
		"ftp://files.example.com": "uptty does not check ftp:// URLs (it checks http, https, tcp",
		"":                        "an empty URL",
		"https://":                "",
	} {
		_, err := config.StarterServices([]string{raw}, probe.Kinds())
		if want == "" {
			// Left for config.Parse to word, as it does every bad URL.
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("StarterServices(%q) error = %v, want %q", raw, err, want)
		}
	}
}

// TestStarterParses: every starter config loads, with its defaults, and says it came from init;
// URLs with YAML's special characters (# : & ?) come back as written.
func TestStarterParses(t *testing.T) {
	services, err := config.StarterServices([]string{"https://a.example.com/", "b.example.com:22", "c.example.com",
		"dns:d.example.com", "icmp://e.example.com", "grpc://f.example.com:9090", "ws://g.example.com/s", "tls://h.example.com:443",
		"https://user:p%40ss@i.example.com/?q=1&x=y#frag"}, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]config.StarterService{nil, services} {
		data := config.Starter(in)
		cfg, err := config.Parse(data, "uptty.yaml", nil, probe.Kinds())
		if err != nil {
			t.Fatalf("Starter(%d services) does not parse: %v\n%s", len(in), err, data)
		}
		if !strings.HasPrefix(string(data), "# uptty config, written by uptty init") {
			t.Errorf("Starter does not say where it came from:\n%s", data)
		}
		want := max(len(in), 1)
		if len(cfg.Services) != want {
			t.Errorf("Starter(%d services) has %d services, want %d", len(in), len(cfg.Services), want)
		}
		for i, s := range in {
			if cfg.Services[i].Name != s.Name || cfg.Services[i].URL != s.URL {
				t.Errorf("service %d = %q %q, want %q %q", i, cfg.Services[i].Name, cfg.Services[i].URL, s.Name, s.URL)
			}
		}
		if cfg.Services[0].Interval.String() != "30s" || cfg.Services[0].FailureThreshold != 2 {
			t.Errorf("starter service timing = %v, %d; want the defaults 30s and 2", cfg.Services[0].Interval, cfg.Services[0].FailureThreshold)
		}
	}
}
