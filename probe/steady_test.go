package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

// deadUDP returns a loopback UDP address where nothing listens: a datagram sent there is
// answered by ICMP port unreachable, which the next read reports as connection refused.
func deadUDP(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

// steady runs check twice and fails unless both give the reason want: a reason that changes
// from one check to the next (an ephemeral port, our own address) would make one cause look
// like many on screen and in history.
func steady(t *testing.T, check func() Result, want string) {
	t.Helper()
	for i := range 2 {
		if r := check(); r.OK || r.Reason != want {
			t.Errorf("check %d = OK %v, reason %q; want reason %q", i+1, r.OK, r.Reason, want)
		}
	}
}

func TestSteadyReasons(t *testing.T) {
	t.Run("dns server not listening", func(t *testing.T) {
		addr := deadUDP(t)
		c, err := newDNSChecker(config.Service{Name: "dns", URL: "dns://" + addr + "/a.test", Kind: KindDNS, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		steady(t, func() Result {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return c.Check(ctx)
		}, "connection refused")
	})
	t.Run("resolver not listening", func(t *testing.T) {
		addr := deadUDP(t)
		c := mustICMPChecker(t, config.Service{URL: "icmp://host.test", Timeout: 2 * time.Second})
		c.resolver = icmpResolver(addr)
		steady(t, func() Result {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return c.Check(ctx)
		}, "dns lookup failed: connection refused")
	})
	t.Run("response headers over the limit", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for i := range 20 {
				w.Header().Add("X-Filler", strings.Repeat("x", 4000)+string(rune('a'+i)))
			}
		}))
		t.Cleanup(srv.Close)
		steady(t, func() Result { return httpRun(t, httpService(srv.URL), nil) }, "response headers over 64 KiB (uptty's limit)")
	})
	t.Run("body over the limit", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "2000000")
			w.Write([]byte(`{"a": "` + strings.Repeat("x", 1999990) + `"}`))
		}))
		t.Cleanup(srv.Close)
		svc := httpService(srv.URL)
		httpJSONWant("a", 1)(&svc)
		steady(t, func() Result { return httpRun(t, svc, nil) }, "body over 1 MiB (uptty's limit)")
	})
}
