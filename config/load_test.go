package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// base is the service every good-config case starts from: what a bare https service gets.
func base(name, url string) Service {
	return Service{
		Name: name, URL: url, Kind: KindHTTP, Method: "GET", FollowRedirects: true,
		Expect:   Expect{CertWarn: 14 * 24 * time.Hour},
		Interval: 30 * time.Second, Timeout: 10 * time.Second, RetryInterval: 5 * time.Second,
		FailureThreshold: 2, SuccessThreshold: 1, Line: 2,
	}
}

// bare is a service of another kind with the built-in timing and nothing else.
func bare(name, url string, kind Kind) Service {
	return Service{
		Name: name, URL: url, Kind: kind,
		Interval: 30 * time.Second, Timeout: 10 * time.Second, RetryInterval: 5 * time.Second,
		FailureThreshold: 2, SuccessThreshold: 1, Line: 2,
	}
}

func TestParseGood(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want func(s *Service)
	}{
		{"https defaults", "services:\n  - name: API\n    url: https://api.example.com/health\n",
			func(s *Service) { *s = base("API", "https://api.example.com/health") }},
		{"http has no cert_warn", "services:\n  - name: Web\n    url: http://www.example.com\n",
			func(s *Service) { *s = base("Web", "http://www.example.com"); s.Expect.CertWarn = 0 }},
		{"tcp", "services:\n  - name: DB\n    url: tcp://db.example.com:5432\n",
			func(s *Service) { *s = bare("DB", "tcp://db.example.com:5432", KindTCP) }},
		{"tls", "services:\n  - name: Mail\n    url: tls://mail.example.com:465\n    insecure: true\n",
			func(s *Service) {
				*s = bare("Mail", "tls://mail.example.com:465", KindTLS)
				s.Insecure, s.Expect.CertWarn = true, 14*24*time.Hour
			}},
		{"dns", "services:\n  - name: MX\n    url: dns://9.9.9.9/example.com?TYPE=mx\n    expect: {rcode: nxdomain, answer_contains: mail}\n",
			func(s *Service) {
				*s = bare("MX", "dns://9.9.9.9/example.com?TYPE=mx", KindDNS)
				s.Expect.Rcode, s.Expect.AnswerContains = "NXDOMAIN", "mail"
			}},
		{"dns rcode default", "services:\n  - name: A\n    url: dns:example.com\n",
			func(s *Service) { *s = bare("A", "dns:example.com", KindDNS); s.Expect.Rcode = "NOERROR" }},
		{"icmp defaults", "services:\n  - name: R\n    url: icmp://router.example.com\n",
			func(s *Service) {
				*s = bare("R", "icmp://router.example.com", KindICMP)
				s.Count, s.Expect.MaxLoss = 3, 0.66
			}},
		{"icmp percent", "services:\n  - name: R\n    url: icmp://10.0.0.1\n    count: 10\n    expect: {max_loss: 50%}\n",
			func(s *Service) { *s = bare("R", "icmp://10.0.0.1", KindICMP); s.Count, s.Expect.MaxLoss = 10, 0.5 }},
		{"icmp ratio", "services:\n  - name: R\n    url: icmp://[::1]\n    expect: {max_loss: 0}\n",
			func(s *Service) { *s = bare("R", "icmp://[::1]", KindICMP); s.Count = 3 }},
		{"grpc", "services:\n  - name: G\n    url: grpc://orders.example.com:50051/orders.v1.Orders\n",
			func(s *Service) { *s = bare("G", "grpc://orders.example.com:50051/orders.v1.Orders", KindGRPC) }},
		{"grpcs insecure", "services:\n  - name: G\n    url: grpcs://orders.example.com:443\n    insecure: true\n",
			func(s *Service) { *s = bare("G", "grpcs://orders.example.com:443", KindGRPC); s.Insecure = true }},
		{"ws headers", "services:\n  - name: W\n    url: ws://feed.example.com/s\n    headers: {Origin: x}\n",
			func(s *Service) {
				*s = bare("W", "ws://feed.example.com/s", KindWS)
				s.Headers = []Header{{"Origin", "x"}}
			}},
		{"command with env", "services:\n  - name: C\n    command: [check, \"${API_TOKEN}\", $$HOME, cost$5]\n",
			func(s *Service) {
				*s = bare("C", "", KindCommand)
				s.Command = []string{"check", "s3cret-token", "$HOME", "cost$5"}
			}},
		{"http everything", `services:
  - name: 결제 API
    group: payments
    url: https://${API_TOKEN}.example.com/h
    method: POST
    headers: {Authorization: "Bearer ${API_TOKEN}", X-Count: 5}
    body: '{"a": 1}'
    follow_redirects: false
    expect:
      status: 204
      body_contains: ok
      body_regex: ^ok$
      json: {data.status: UP, items.0.ok: true, n: 3, f: 0.5, z: null}
      headers: {Content-Type: json}
      cert_warn: 1d12h
`, func(s *Service) {
			*s = base("결제 API", "https://s3cret-token.example.com/h")
			s.Group, s.Method, s.Body, s.FollowRedirects = "payments", "POST", `{"a": 1}`, false
			s.Headers = []Header{{"Authorization", "Bearer s3cret-token"}, {"X-Count", "5"}}
			s.Expect = Expect{Status: []int{204}, BodyContains: "ok", BodyRegex: "^ok$",
				JSON:    []JSONExpect{{"data.status", "UP"}, {"items.0.ok", true}, {"n", 3}, {"f", 0.5}, {"z", nil}},
				Headers: []Header{{"Content-Type", "json"}}, CertWarn: 36 * time.Hour}
		}},
		{"defaults and overrides", `defaults:
  interval: 1m
  timeout: 20s
  failure_threshold: 3
  slow: 2s
services:
  - name: A
    url: https://a.example.com
    interval: 2m
    retry_interval: 10s
    success_threshold: 2
`, func(s *Service) {
			*s = base("A", "https://a.example.com")
			s.Line = 7
			s.Interval, s.Timeout, s.RetryInterval, s.Slow = 2*time.Minute, 20*time.Second, 10*time.Second, 2*time.Second
			s.FailureThreshold, s.SuccessThreshold = 3, 2
		}},
		{"short interval caps the defaults", "services:\n  - name: A\n    url: https://a.example.com\n    interval: 3s\n",
			func(s *Service) {
				*s = base("A", "https://a.example.com")
				s.Interval, s.Timeout, s.RetryInterval = 3*time.Second, 3*time.Second, 3*time.Second
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), "uptty.yaml", testEnv)
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			var want Service
			tt.want(&want)
			if len(cfg.Services) != 1 {
				t.Fatalf("Parse() = %d services, want 1", len(cfg.Services))
			}
			if got := cfg.Services[0]; !reflect.DeepEqual(normal(got), normal(want)) {
				t.Errorf("Parse() service =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// normal makes empty slices nil, so that DeepEqual compares contents.
func normal(s Service) Service {
	if len(s.Headers) == 0 {
		s.Headers = nil
	}
	if len(s.Expect.Headers) == 0 {
		s.Expect.Headers = nil
	}
	if len(s.Expect.JSON) == 0 {
		s.Expect.JSON = nil
	}
	// Secrets have their own tests (TestServiceSecrets).
	s.Secrets = nil
	return s
}

func TestParseTopLevel(t *testing.T) {
	const svc = "services:\n  - name: A\n    url: https://a.example.com\n"
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want Config
	}{
		{"defaults", svc, map[string]string{"HOME": "/home/u"},
			Config{Concurrency: 1000, History: History{Path: "/home/u/.local/state/uptty/history.db", Retention: 90 * 24 * time.Hour}}},
		{"xdg state", svc, map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "/state"},
			Config{Concurrency: 1000, History: History{Path: "/state/uptty/history.db", Retention: 90 * 24 * time.Hour}}},
		{"no home", svc, nil,
			Config{Concurrency: 1000, History: History{Retention: 90 * 24 * time.Hour}}},
		{"in memory", svc + "history: {path: \"\", retention: 7d}\nconcurrency: 8\n", map[string]string{"HOME": "/home/u"},
			Config{Concurrency: 8, History: History{Retention: 7 * 24 * time.Hour, Set: true}}},
		{"tilde", svc + "history: {path: ~/h.db}\n", map[string]string{"HOME": "/home/u"},
			Config{Concurrency: 1000, History: History{Path: "/home/u/h.db", Retention: 90 * 24 * time.Hour, Set: true}}},
		{"relative to the file", svc + "history: {path: state/h.db}\n", nil,
			Config{Concurrency: 1000, History: History{Path: "/etc/uptty/state/h.db", Retention: 90 * 24 * time.Hour, Set: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			cfg, err := Parse([]byte(tt.yaml), "/etc/uptty/uptty.yaml", getenv)
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if cfg.Path != "/etc/uptty/uptty.yaml" || cfg.Concurrency != tt.want.Concurrency || cfg.History != tt.want.History {
				t.Errorf("Parse() = path %q, concurrency %d, history %+v; want %q, %d, %+v", cfg.Path,
					cfg.Concurrency, cfg.History, "/etc/uptty/uptty.yaml", tt.want.Concurrency, tt.want.History)
			}
		})
	}
}

// TestExample loads the documented example: it must stay valid, and use every kind.
func TestExample(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) (string, bool) {
		if k == "API_TOKEN" {
			return "token", true
		}
		return "", false
	}
	cfg, err := Parse(data, "config.example.yaml", getenv)
	if err != nil {
		t.Fatalf("Parse(config.example.yaml) error:\n%v", err)
	}
	kinds := map[Kind]bool{}
	for _, s := range cfg.Services {
		kinds[s.Kind] = true
	}
	for _, k := range []Kind{KindHTTP, KindTCP, KindTLS, KindDNS, KindICMP, KindGRPC, KindWS, KindCommand} {
		if !kinds[k] {
			t.Errorf("config.example.yaml has no %s service", k)
		}
	}
	for _, key := range append(append(serviceKeys(), expectKeys()...), topKeys()...) {
		if !strings.Contains(string(data), key+":") {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/uptty.yaml"
	if err := os.WriteFile(path, []byte("services:\n  - name: A\n    url: tcp://127.0.0.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil || cfg.Path != path || len(cfg.Services) != 1 {
		t.Fatalf("Load(%s) = %+v, %v; want one service", path, cfg, err)
	}
	if _, err := Load(dir + "/missing.yaml"); err == nil || !strings.Contains(err.Error(), "missing.yaml: no such file") {
		t.Errorf("Load(missing) error = %v, want no such file", err)
	}
}

func BenchmarkParseExample(b *testing.B) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	getenv := func(string) (string, bool) { return "token", true }
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, "config.example.yaml", getenv); err != nil {
			b.Fatal(err)
		}
	}
}
