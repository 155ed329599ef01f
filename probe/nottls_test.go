package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

// TestNotTLSOneWording: a TLS URL pointed at a plain port reads the same whatever its kind.
// crypto/tls calls it "first record does not look like a TLS handshake" and net/http, for
// https:// and an answer in HTTP, "server gave HTTP response to HTTPS client": the on-call
// engineer who typed https:// for http:// (or tls:// for tcp://) should read one plain reason.
func TestNotTLSOneWording(t *testing.T) {
	checkerLeakCheck(t)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer web.Close()
	plainHTTP := web.Listener.Addr().String()
	ssh := serveRaw(t, "SSH-2.0-OpenSSH_9.6\r\n")
	tests := []struct {
		name, addr, reason string
	}{
		{"a web server", plainHTTP, "tls handshake failed: the server answered in plain HTTP, not TLS"},
		{"another protocol", ssh, "tls handshake failed: the server does not speak TLS"},
	}
	for _, tt := range tests {
		for _, target := range []string{"https://" + tt.addr + "/", "tls://" + tt.addr, "wss://" + tt.addr + "/", "grpcs://" + tt.addr} {
			t.Run(tt.name+"/"+schemeOf(target), func(t *testing.T) {
				cfg, err := config.Parse([]byte("services:\n  - {name: x, url: \""+target+"\", timeout: 5s}\n"), "x.yaml", nil, Kinds())
				if err != nil {
					t.Fatal(err)
				}
				svc := cfg.Services[0]
				c, err := New(svc)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				if r := Run(ctx, c, svc); r.OK || r.Reason != tt.reason {
					t.Errorf("Check(%s) = OK %v, reason %q; want %q", target, r.OK, r.Reason, tt.reason)
				}
			})
		}
		for _, path := range httpPaths {
			t.Run(tt.name+"/https "+path.name, func(t *testing.T) {
				if r := httpRun(t, httpService("https://"+tt.addr+"/"), httpOn(path.transportOnly, nil)); r.Reason != tt.reason {
					t.Errorf("Check(https://%s/) reason %q; want %q", tt.addr, r.Reason, tt.reason)
				}
			})
		}
	}
}
