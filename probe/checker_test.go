package probe

import (
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

func TestNew(t *testing.T) {
	httpSvc := func(url string, edit func(*config.Service)) config.Service {
		s := config.Service{Name: "x", URL: url, Kind: KindHTTP, Options: &HTTPOptions{Method: "GET"}, Timeout: time.Second}
		if edit != nil {
			edit(&s)
		}
		return s
	}
	tests := []struct {
		name string
		svc  config.Service
		err  string // "" for success
	}{
		{"http", httpSvc("http://127.0.0.1:1/", nil), ""},
		{"https", httpSvc("https://example.com/healthz", nil), ""},
		{"tcp", config.Service{URL: "tcp://127.0.0.1:22", Kind: KindTCP}, ""},
		{"unsupported kind", config.Service{URL: "gopher://x", Kind: "gopher"}, `no probe for "gopher" services`},
		{"tcp without port", config.Service{URL: "tcp://127.0.0.1", Kind: KindTCP}, "tcp: url must be tcp://host:port"},
		{"http wrong scheme", httpSvc("ftp://example.com/", nil), "http: url must be"},
		{"http no host", httpSvc("http:///path", nil), "http: url must be"},
		{"bad method", httpSvc("http://x/", func(s *config.Service) { httpOptions(s).Method = "GE T" }), `http: bad method "GE T"`},
		{"bad header name", httpSvc("http://x/", func(s *config.Service) {
			httpOptions(s).Headers = []config.Header{{Name: "X Bad", Value: "v"}}
		}), `http: bad header name "X Bad"`},
		{"bad header value is not shown", httpSvc("http://x/", func(s *config.Service) {
			httpOptions(s).Headers = []config.Header{{Name: "Authorization", Value: "s3cr3t\n"}}
		}), "http: bad value for header Authorization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.svc)
			switch {
			case tt.err == "" && (err != nil || c == nil):
				t.Errorf("New(%s) = %v, %v; want a checker", tt.svc.URL, c, err)
			case tt.err != "" && (err == nil || c != nil || !strings.HasPrefix(err.Error(), tt.err)):
				t.Errorf("New(%s) error = %v, want %q", tt.svc.URL, err, tt.err)
			case err != nil && strings.Contains(err.Error(), "s3cr3t"):
				t.Errorf("New(%s) error = %v, shows a header value", tt.svc.URL, err)
			}
		})
	}
}
