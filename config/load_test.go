package config_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// base is the service every good-config case starts from: what a bare https service gets.
func base(name, url string) config.Service {
	return config.Service{
		Name: name, URL: url, Kind: probe.KindHTTP,
		Options:  probe.HTTPOptions{Method: "GET", FollowRedirects: true, CertWarn: 14 * 24 * time.Hour},
		Interval: 30 * time.Second, Timeout: 10 * time.Second, RetryInterval: 5 * time.Second,
		FailureThreshold: 2, SuccessThreshold: 1, Line: 2,
	}
}

// bare is a service of another kind with the built-in timing and the given options.
func bare(name, url string, kind config.Kind, opts any) config.Service {
	return config.Service{
		Name: name, URL: url, Kind: kind, Options: opts,
		Interval: 30 * time.Second, Timeout: 10 * time.Second, RetryInterval: 5 * time.Second,
		FailureThreshold: 2, SuccessThreshold: 1, Line: 2,
	}
}

// httpOpts edits the options of an http service.
func httpOpts(s *config.Service, edit func(*probe.HTTPOptions)) {
	o := s.Options.(probe.HTTPOptions)
	edit(&o)
	s.Options = o
}

func TestParseGood(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want func(s *config.Service)
	}{
		{"https defaults", "services:\n  - name: API\n    url: https://api.example.com/health\n",
			func(s *config.Service) { *s = base("API", "https://api.example.com/health") }},
		{"http has no cert_warn", "services:\n  - name: Web\n    url: http://www.example.com\n",
			func(s *config.Service) {
				*s = base("Web", "http://www.example.com")
				httpOpts(s, func(o *probe.HTTPOptions) { o.CertWarn = 0 })
			}},
		{"tcp", "services:\n  - name: DB\n    url: tcp://db.example.com:5432\n",
			func(s *config.Service) { *s = bare("DB", "tcp://db.example.com:5432", probe.KindTCP, nil) }},
		{"tls", "services:\n  - name: Mail\n    url: tls://mail.example.com:465\n    insecure: true\n",
			func(s *config.Service) {
				*s = bare("Mail", "tls://mail.example.com:465", probe.KindTLS,
					probe.TLSOptions{Insecure: true}) // insecure: no default cert_warn
			}},
		{"dns", "services:\n  - name: MX\n    url: dns://9.9.9.9/example.com?TYPE=mx\n    expect: {rcode: nxdomain, answer_contains: mail}\n",
			func(s *config.Service) {
				*s = bare("MX", "dns://9.9.9.9/example.com?TYPE=mx", probe.KindDNS,
					probe.DNSOptions{Rcode: "NXDOMAIN", AnswerContains: "mail"})
			}},
		{"dns rcode default", "services:\n  - name: A\n    url: dns:example.com\n",
			func(s *config.Service) {
				*s = bare("A", "dns:example.com", probe.KindDNS, probe.DNSOptions{Rcode: "NOERROR"})
			}},
		{"icmp defaults", "services:\n  - name: R\n    url: icmp://router.example.com\n",
			func(s *config.Service) {
				*s = bare("R", "icmp://router.example.com", probe.KindICMP, probe.ICMPOptions{Count: 3, MaxLoss: 0.66})
			}},
		{"icmp percent", "services:\n  - name: R\n    url: icmp://10.0.0.1\n    count: 10\n    expect: {max_loss: 50%}\n",
			func(s *config.Service) {
				*s = bare("R", "icmp://10.0.0.1", probe.KindICMP, probe.ICMPOptions{Count: 10, MaxLoss: 0.5})
			}},
		{"icmp ratio", "services:\n  - name: R\n    url: icmp://[::1]\n    expect: {max_loss: 0}\n",
			func(s *config.Service) {
				*s = bare("R", "icmp://[::1]", probe.KindICMP, probe.ICMPOptions{Count: 3})
			}},
		{"grpc", "services:\n  - name: G\n    url: grpc://orders.example.com:50051/orders.v1.Orders\n",
			func(s *config.Service) {
				*s = bare("G", "grpc://orders.example.com:50051/orders.v1.Orders", probe.KindGRPC, probe.GRPCOptions{})
			}},
		{"grpcs insecure", "services:\n  - name: G\n    url: grpcs://orders.example.com:443\n    insecure: true\n",
			func(s *config.Service) {
				*s = bare("G", "grpcs://orders.example.com:443", probe.KindGRPC, probe.GRPCOptions{Insecure: true})
			}},
		{"ws headers", "services:\n  - name: W\n    url: ws://feed.example.com/s\n    headers: {Origin: x}\n",
			func(s *config.Service) {
				*s = bare("W", "ws://feed.example.com/s", probe.KindWS,
					probe.WSOptions{Headers: []config.Header{{Name: "Origin", Value: "x"}}})
			}},
		{"command with env", "services:\n  - name: C\n    command: [check, \"${API_TOKEN}\", $$HOME, cost$5]\n",
			func(s *config.Service) {
				*s = bare("C", "", probe.KindCommand, nil)
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
`, func(s *config.Service) {
			*s = base("결제 API", "https://s3cret-token.example.com/h")
			s.Group = "payments"
			s.Options = probe.HTTPOptions{
				Method: "POST", Body: `{"a": 1}`, FollowRedirects: false, CertWarn: 36 * time.Hour,
				Headers: []config.Header{{Name: "Authorization", Value: "Bearer s3cret-token"}, {Name: "X-Count", Value: "5"}},
				Expect: probe.HTTPExpect{Status: []int{204}, BodyContains: "ok", BodyRegex: regexp.MustCompile("^ok$"),
					JSON: []probe.JSONExpect{{Path: "data.status", Want: "UP"}, {Path: "items.0.ok", Want: true},
						{Path: "n", Want: 3}, {Path: "f", Want: 0.5}, {Path: "z", Want: nil}},
					Headers: []config.Header{{Name: "Content-Type", Value: "json"}}},
			}
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
`, func(s *config.Service) {
			*s = base("A", "https://a.example.com")
			s.Line = 7
			s.Interval, s.Timeout, s.RetryInterval, s.Slow = 2*time.Minute, 20*time.Second, 10*time.Second, 2*time.Second
			s.FailureThreshold, s.SuccessThreshold = 3, 2
		}},
		{"short interval caps the defaults", "services:\n  - name: A\n    url: https://a.example.com\n    interval: 3s\n",
			func(s *config.Service) {
				*s = base("A", "https://a.example.com")
				s.Interval, s.Timeout, s.RetryInterval = 3*time.Second, 3*time.Second, 3*time.Second
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(tt.yaml), "uptty.yaml", testEnv, probe.Kinds())
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			var want config.Service
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

// normal makes empty slices nil, so that DeepEqual compares contents, and leaves out what the
// options derive (Brief) and the secrets, which TestParseSecrets covers.
func normal(s config.Service) config.Service {
	s.Brief, s.Secrets = config.Brief{}, nil
	if h, ok := s.Options.(probe.HTTPOptions); ok {
		if len(h.Headers) == 0 {
			h.Headers = nil
		}
		if len(h.Expect.Headers) == 0 {
			h.Expect.Headers = nil
		}
		if len(h.Expect.JSON) == 0 {
			h.Expect.JSON = nil
		}
		s.Options = h
	}
	if w, ok := s.Options.(probe.WSOptions); ok && len(w.Headers) == 0 {
		w.Headers = nil
		s.Options = w
	}
	// Secrets have their own tests (TestServiceSecrets).
	s.Secrets = nil
	return s
}

// TestParseSecrets: header values, their last word, URL passwords and query values are secret;
// values too short to be secrets are not.
func TestParseSecrets(t *testing.T) {
	const yaml = `services:
  - name: A
    url: https://user:pa55word@a.example.com/?token=t0k3n-value&x=1
    headers: {Authorization: "Bearer s3cret-token", X-Short: abc}
`
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	secrets := cfg.Services[0].Secrets
	for in, want := range map[string]string{
		"pa55word t0k3n-value":       "••• •••",
		"Bearer s3cret-token":        "•••",
		"token s3cret-token":         "token •••",
		"abc x=1 user a.example.com": "abc x=1 user a.example.com",
	} {
		if got := secrets.Mask(in); got != want {
			t.Errorf("Secrets.Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTopLevel(t *testing.T) {
	const svc = "services:\n  - name: A\n    url: https://a.example.com\n"
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want config.Config
	}{
		{"defaults", svc, map[string]string{"HOME": "/home/u"},
			config.Config{Concurrency: 1000, History: config.History{Path: "/home/u/.local/state/uptty/history.db", Retention: 90 * 24 * time.Hour}}},
		{"xdg state", svc, map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "/state"},
			config.Config{Concurrency: 1000, History: config.History{Path: "/state/uptty/history.db", Retention: 90 * 24 * time.Hour}}},
		{"no home", svc, nil,
			config.Config{Concurrency: 1000, History: config.History{Retention: 90 * 24 * time.Hour}}},
		{"in memory", svc + "history: {path: \"\", retention: 7d}\nconcurrency: 8\n", map[string]string{"HOME": "/home/u"},
			config.Config{Concurrency: 8, History: config.History{Retention: 7 * 24 * time.Hour, Set: true}}},
		{"raw", svc + "history: {path: \"\", retention: 7d, raw: 12h}\n", nil,
			config.Config{Concurrency: 1000, History: config.History{Retention: 7 * 24 * time.Hour, Raw: 12 * time.Hour, Set: true}}},
		{"tilde", svc + "history: {path: ~/h.db}\n", map[string]string{"HOME": "/home/u"},
			config.Config{Concurrency: 1000, History: config.History{Path: "/home/u/h.db", Retention: 90 * 24 * time.Hour, Set: true}}},
		{"relative to the file", svc + "history: {path: state/h.db}\n", nil,
			config.Config{Concurrency: 1000, History: config.History{Path: "/etc/uptty/state/h.db", Retention: 90 * 24 * time.Hour, Set: true}}},
		{"location", svc + "location: eu-west\n", nil,
			config.Config{Concurrency: 1000, History: config.History{Retention: 90 * 24 * time.Hour}, Location: "eu-west"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			cfg, err := config.Parse([]byte(tt.yaml), "/etc/uptty/uptty.yaml", getenv, probe.Kinds())
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if cfg.Path != "/etc/uptty/uptty.yaml" || cfg.Concurrency != tt.want.Concurrency || cfg.History != tt.want.History {
				t.Errorf("Parse() = path %q, concurrency %d, history %+v; want %q, %d, %+v", cfg.Path,
					cfg.Concurrency, cfg.History, "/etc/uptty/uptty.yaml", tt.want.Concurrency, tt.want.History)
			}
			if cfg.Location != tt.want.Location {
				t.Errorf("Parse().Location = %q, want %q", cfg.Location, tt.want.Location)
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
	cfg, err := config.Parse(data, "config.example.yaml", getenv, probe.Kinds())
	if err != nil {
		t.Fatalf("Parse(config.example.yaml) error:\n%v", err)
	}
	kinds := map[config.Kind]bool{}
	for _, s := range cfg.Services {
		kinds[s.Kind] = true
	}
	for _, k := range probe.Kinds() {
		if !kinds[k.Kind] {
			t.Errorf("config.example.yaml has no %s service", k.Kind)
		}
	}
	svcKeys, expectKeys, topKeys := config.KeyNames(probe.Kinds())
	keys := append(append(svcKeys, expectKeys...), topKeys...)
	keys = append(append(keys, config.AlertKeys()...), config.MaintenanceKeys()...)
	for _, key := range keys {
		if !strings.Contains(string(data), key+":") {
			t.Errorf("config.example.yaml does not document %s", key)
		}
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
		if _, err := config.Parse(data, "config.example.yaml", getenv, probe.Kinds()); err != nil {
			b.Fatal(err)
		}
	}
}
