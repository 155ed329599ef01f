package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

const modulesYAML = `defaults: {interval: 1m}
modules:
  http_2xx:
    expect: {status: [200, 204]}
    headers: {Authorization: "Bearer ${API_TOKEN}"}
    timeout: 3s
  ping:
    count: 2
  plain: {}
probe_targets: ["https://*.example.com/health*", "tcp://127.0.0.1:*"]
services:
  - {name: A, url: "https://a.example.com"}
`

func TestModules(t *testing.T) {
	cfg, err := config.Parse([]byte(modulesYAML), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	if len(cfg.Modules) != 3 {
		t.Fatalf("Parse() modules = %v, want http_2xx, ping and plain", cfg.Modules)
	}
	tests := []struct {
		module, target string
		kind           config.Kind
		wantErr        string
	}{
		{"http_2xx", "https://b.example.com/health?key=q-secret-1", probe.KindHTTP, ""},
		{"plain", "tcp://127.0.0.1:5432", probe.KindTCP, ""},
		{"ping", "icmp://127.0.0.1", probe.KindICMP, ""},
		{"ping", "https://b.example.com", "", "count: only for icmp services, not https"},
		{"http_2xx", "ftp://b.example.com", "", "modules.http_2xx.url"},
		{"plain", "", "", "no target"},
		// A target is never expanded: ${VAR} in a request must not read the environment.
		{"plain", "https://b.example.com/${API_TOKEN}", probe.KindHTTP, ""},
	}
	for _, tt := range tests {
		svc, err := cfg.Modules[tt.module].Service(tt.target)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Modules[%s].Service(%q) error = %v, want %q", tt.module, tt.target, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Modules[%s].Service(%q) error = %v", tt.module, tt.target, err)
			continue
		}
		if svc.Kind != tt.kind || svc.URL != tt.target {
			t.Errorf("Modules[%s].Service(%q) = kind %s url %q, want %s and the target as given", tt.module, tt.target, svc.Kind, svc.URL, tt.kind)
		}
		if got := svc.Secrets.Mask(svc.URL + " s3cret-token"); strings.Contains(got, "secret") {
			t.Errorf("Modules[%s].Service(%q).Secrets.Mask = %q, want the query value and ${API_TOKEN} masked", tt.module, tt.target, got)
		}
	}
	svc, _ := cfg.Modules["http_2xx"].Service("https://b.example.com")
	if svc.Timeout != 3*time.Second || svc.Interval != time.Minute {
		t.Errorf("http_2xx service timeout %v interval %v, want 3s and the default 1m", svc.Timeout, svc.Interval)
	}
}

func TestProbeAllowed(t *testing.T) {
	cfg, err := config.Parse([]byte(modulesYAML), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]bool{
		"https://a.example.com":                  true, // a service's URL
		"https://b.example.com/healthz":          true,
		"https://b.example.com/health?x=1":       true,
		"https://evil.com/x.example.com/healthz": false,
		"https://b.example.com/admin":            false,
		"tcp://127.0.0.1:5432":                   true,
		"tcp://10.0.0.1:22":                      false,
		"http://169.254.169.254/latest":          false,
	} {
		if got := cfg.ProbeAllowed(target); got != want {
			t.Errorf("ProbeAllowed(%q) = %v, want %v", target, got, want)
		}
	}
}

// TestProbeAllowedAddressPatterns: a pattern of addresses (10.0.0.*, as README's example) lets
// /probe reach those addresses, not a host name that happens to match the text
// (10.0.0.evil.test, whose DNS points anywhere) or an address written as a name (10.0.0.1.).
func TestProbeAllowedAddressPatterns(t *testing.T) {
	cfg, err := config.Parse([]byte(`
probe_targets: ["tcp://10.0.0.*:5432", "http://192.168.[1-2].?/ok", "https://*.example.com/healthz", "tcp://*:22"]
services:
  - {name: A, url: "https://a.example.com"}
`), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]bool{
		"tcp://10.0.0.7:5432":                   true,
		"tcp://10.0.0.254:5432":                 true,
		"tcp://10.0.0.evil.test:5432":           false,
		"tcp://10.0.0.1.:5432":                  false,
		"tcp://10.0.0.1.nip.io:5432":            false,
		"http://192.168.1.9/ok":                 true,
		"http://192.168.2.x/ok":                 false,
		"https://a.b.example.com/healthz":       true, // a host name pattern matches names, as before
		"https://evil.test.example.com/healthz": true,
		"tcp://db.internal:22":                  true,
		"tcp://10.1.1.1:22":                     true,
	} {
		if got := cfg.ProbeAllowed(target); got != want {
			t.Errorf("ProbeAllowed(%q) = %v, want %v", target, got, want)
		}
	}
}
