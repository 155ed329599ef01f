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

func TestHandshakeRTT(t *testing.T) {
	t0 := time.Now()
	tests := []struct {
		name     string
		connects int
		took     time.Duration // by the clock
		rtt      time.Duration
		want     time.Duration
	}{
		{"woken late", 1, 5 * time.Millisecond, 40 * time.Microsecond, 40 * time.Microsecond},
		{"no sample", 1, 5 * time.Millisecond, 0, 5 * time.Millisecond},
		{"longer than the clock", 1, 30 * time.Microsecond, 40 * time.Microsecond, 30 * time.Microsecond},
		{"several connects", 2, 5 * time.Millisecond, 40 * time.Microsecond, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		p := newPhaseRecorder(t0)
		p.connect = [2]time.Time{t0, t0.Add(tt.took)}
		p.connects = tt.connects
		p.handshakeRTT(tt.rtt)
		if got := p.connect[1].Sub(p.connect[0]); got != tt.want {
			t.Errorf("%s: handshakeRTT(%v) after %v = connect %v, want %v", tt.name, tt.rtt, tt.took, got, tt.want)
		}
		if !p.connect[1].Equal(t0.Add(tt.took)) {
			t.Errorf("%s: handshakeRTT moved the connect's end, want it kept", tt.name)
		}
	}
}
