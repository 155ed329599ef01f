package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/uptty/uptty/config"
)

// grpcTestServer serves gRPC on 127.0.0.1 until the test ends, over TLS with cert if given. With
// a health server, up.svc is SERVING and down.svc NOT_SERVING; the server as a whole starts
// SERVING.
func grpcTestServer(tb testing.TB, cert *tls.Certificate, withHealth bool) (addr string, hs *health.Server) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("net.Listen = %v, want nil", err)
	}
	var opts []grpc.ServerOption
	if cert != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{*cert}})))
	}
	srv := grpc.NewServer(opts...)
	if withHealth {
		hs = health.NewServer()
		hs.SetServingStatus("up.svc", healthpb.HealthCheckResponse_SERVING)
		hs.SetServingStatus("down.svc", healthpb.HealthCheckResponse_NOT_SERVING)
		healthpb.RegisterHealthServer(srv, hs)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	tb.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return ln.Addr().String(), hs
}

// grpcHungServer accepts TCP connections and never says a word, like a hung server. Each accepted
// connection is announced on the returned channel.
func grpcHungServer(tb testing.TB) (addr string, accepted <-chan struct{}) {
	tb.Helper()
	ch := make(chan struct{}, 16)
	addr = serveConns(tb, func(conn net.Conn) {
		select {
		case ch <- struct{}{}:
		default:
		}
		// Reading until the client gives up keeps the connection open as long as it waits.
		_, _ = io.Copy(io.Discard, conn)
	})
	return addr, ch
}

func grpcRefusedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("net.Listen = %v, want nil", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func mustGRPCChecker(tb testing.TB, svc config.Service, roots *x509.CertPool) *grpcChecker {
	tb.Helper()
	c, err := newGRPCChecker(svc)
	if err != nil {
		tb.Fatalf("newGRPCChecker(%q) = %v, want nil", svc.URL, err)
	}
	g := c.(*grpcChecker)
	g.roots = roots
	return g
}

func TestGRPCURL(t *testing.T) {
	tests := []struct {
		url           string
		addr, service string
		tls           bool
		wantErrorHas  string
	}{
		{url: "grpc://127.0.0.1:50051", addr: "127.0.0.1:50051"},
		{url: "grpc://127.0.0.1:50051/", addr: "127.0.0.1:50051"},
		{url: "grpc://api.example.com:9000/pkg.v1.Orders", addr: "api.example.com:9000", service: "pkg.v1.Orders"},
		{url: "grpcs://api.example.com/pkg.v1.Orders", addr: "api.example.com:443", service: "pkg.v1.Orders", tls: true},
		{url: "grpc://[::1]:8080/a%2Fb", addr: "[::1]:8080", service: "a/b"},
		{url: "grpc://example.com", addr: "example.com:80"},
		{url: "grpc://:50051", wantErrorHas: "no host"},
		{url: "grpc://example.com:1?x=y", wantErrorHas: "query or fragment"},
		{url: "http://example.com", wantErrorHas: `scheme "http"`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := newGRPCChecker(config.Service{URL: tt.url})
			if tt.wantErrorHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrorHas) {
					t.Errorf("newGRPCChecker(%q) = %v, want an error containing %q", tt.url, err, tt.wantErrorHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("newGRPCChecker(%q) = %v, want nil", tt.url, err)
			}
			c := got.(*grpcChecker)
			if c.addr != tt.addr || c.service != tt.service || c.tls != tt.tls {
				t.Errorf("newGRPCChecker(%q) = %q %q %v, want %q %q %v", tt.url, c.addr, c.service, c.tls, tt.addr, tt.service, tt.tls)
			}
		})
	}
}

func TestGRPCCheck(t *testing.T) {
	noGoroutineLeaks(t)
	ca := newTestCA(t, "uptty grpc test CA")
	leaf := ca.loopbackLeaf(t)
	plain, hs := grpcTestServer(t, nil, true)
	secure, _ := grpcTestServer(t, &leaf, true)
	bare, _ := grpcTestServer(t, nil, false)
	hung, _ := grpcHungServer(t)
	refused := grpcRefusedAddr(t)

	tests := []struct {
		name     string
		url      string
		insecure bool
		roots    *x509.CertPool
		before   func() // changes the server's health before the check
		reason   string // "" means OK
		status   string
		phases   string // checked when set
	}{
		{name: "server serving", url: "grpc://" + plain, status: "SERVING", phases: "connect"},
		{name: "service serving", url: "grpc://" + plain + "/up.svc", status: "SERVING"},
		{name: "service not serving", url: "grpc://" + plain + "/down.svc", reason: "status NOT_SERVING", status: "NOT_SERVING"},
		{name: "service unknown", url: "grpc://" + plain + "/nope.svc", reason: "service unknown"},
		{name: "server turns NOT_SERVING", url: "grpc://" + plain, reason: "status NOT_SERVING", status: "NOT_SERVING",
			before: func() { hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING) }},
		{name: "server back to SERVING", url: "grpc://" + plain, status: "SERVING",
			before: func() { hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING) }},
		{name: "no health service", url: "grpc://" + bare, reason: "unimplemented: no health service"},
		{name: "refused", url: "grpc://" + refused, reason: "connection refused"},
		{name: "hung server", url: "grpc://" + hung, reason: "timeout after 300ms"},
		{name: "grpcs", url: "grpcs://" + secure + "/up.svc", roots: ca.pool, status: "SERVING", phases: "connect tls"},
		{name: "grpcs by name", url: "grpcs://localhost:" + testPortOf(secure), roots: ca.pool, status: "SERVING"},
		{name: "grpcs unknown CA", url: "grpcs://" + secure, reason: "certificate signed by unknown authority"},
		{name: "grpcs insecure", url: "grpcs://" + secure, insecure: true, status: "SERVING"},
		{name: "grpcs to plaintext", url: "grpcs://" + plain, roots: ca.pool,
			reason: "tls handshake failed: the server does not speak TLS"},
		{name: "grpc to TLS", url: "grpc://" + secure, reason: "server hung up before speaking gRPC (not a gRPC port, or TLS: try grpcs://)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			timeout := caseTimeout(tt.reason, 300*time.Millisecond)
			c := mustGRPCChecker(t, config.Service{URL: tt.url, Options: GRPCOptions{Insecure: tt.insecure}, Timeout: timeout}, tt.roots)
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			r := c.Check(ctx)
			if r.OK != (tt.reason == "") || r.Reason != tt.reason {
				t.Errorf("Check(%q) = %v %q, want %v %q", tt.url, r.OK, r.Reason, tt.reason == "", tt.reason)
			}
			if got := factOf(r.Facts, "status"); got != tt.status {
				t.Errorf("Check(%q) status = %q, want %q", tt.url, got, tt.status)
			}
			if got := grpcPhaseList(r.Phases); tt.phases != "" && got != tt.phases {
				t.Errorf("Check(%q) phases = %q, want %q", tt.url, got, tt.phases)
			}
		})
	}
}

func grpcPhaseList(ps []Phase) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return strings.Join(names, " ")
}

func testPortOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func TestGRPCCancel(t *testing.T) {
	noGoroutineLeaks(t)
	hung, accepted := grpcHungServer(t)
	url := "grpc://" + hung
	c := mustGRPCChecker(t, config.Service{URL: url, Timeout: time.Minute}, nil)
	checkCanceled(t, c, url, accepted)
}

func TestGRPCCodeText(t *testing.T) {
	tests := []struct {
		code codes.Code
		want string
	}{
		{codes.PermissionDenied, "permission denied"},
		{codes.Unavailable, "unavailable"},
		{codes.DataLoss, "data loss"},
		{codes.OK, "ok"},
		{codes.Code(99), "code(99)"},
	}
	for _, tt := range tests {
		if got := grpcCodeText(grpcCode(tt.code)); got != tt.want {
			t.Errorf("grpcCodeText(%v) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func BenchmarkGRPCCheck(b *testing.B) {
	addr, _ := grpcTestServer(b, nil, true)
	c := mustGRPCChecker(b, config.Service{URL: "grpc://" + addr, Timeout: 5 * time.Second}, nil)
	benchChecks(b, c)
}
