package probe

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

func tcpService(addr string) config.Service {
	return config.Service{Name: "tcp", URL: "tcp://" + addr, Kind: KindTCP, Timeout: 2 * time.Second}
}

// tcpListen accepts and closes connections on a loopback port until the test ends.
func tcpListen(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("net.Listen = %v, want nil", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

func tcpRun(tb testing.TB, svc config.Service) Result {
	tb.Helper()
	c, err := New(svc)
	if err != nil {
		tb.Fatalf("New(%s) = %v, want nil", svc.URL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), svc.Timeout)
	defer cancel()
	return c.Check(ctx)
}

func TestTCPCheck(t *testing.T) {
	checkerLeakCheck(t)
	up := tcpListen(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen = %v, want nil", err)
	}
	refused := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, addr, reason string
	}{
		{"up", up, ""},
		{"refused", refused, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tcpRun(t, tcpService(tt.addr))
			if res.OK != (tt.reason == "") || res.Reason != tt.reason {
				t.Errorf("Check(%s) = OK %v, reason %q; want reason %q", tt.addr, res.OK, res.Reason, tt.reason)
			}
			if len(res.Phases) != 1 || res.Phases[0].Name != PhaseConnect {
				t.Errorf("Check(%s) phases = %v, want one %q", tt.addr, res.Phases, PhaseConnect)
			}
			if res.OK && httpFact(res, "address") != tt.addr {
				t.Errorf("Check(%s) fact address = %q, want %q", tt.addr, httpFact(res, "address"), tt.addr)
			}
			if res.Latency <= 0 {
				t.Errorf("Check(%s) latency = %v, want > 0", tt.addr, res.Latency)
			}
		})
	}
}

func BenchmarkTCPCheck(b *testing.B) {
	c, err := New(tcpService(tcpListen(b)))
	if err != nil {
		b.Fatalf("New = %v, want nil", err)
	}
	benchChecks(b, c)
}
