package probe

import (
	"cmp"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

const day = 24 * time.Hour

// tlsTestChecker builds the checker for svc, trusting ca (nil: the system's roots).
func tlsTestChecker(tb testing.TB, svc config.Service, ca *testCA) *tlsChecker {
	tb.Helper()
	c, err := newTLSChecker(svc)
	if err != nil {
		tb.Fatalf("newTLSChecker(%q) = %v, want nil error", svc.URL, err)
	}
	tc := c.(*tlsChecker)
	if ca != nil {
		tc.certs.roots = ca.pool
	}
	return tc
}

func TestTLSCheck(t *testing.T) {
	noGoroutineLeaks(t)
	ca := newTestCA(t, "uptty test CA")
	stranger := newTestCA(t, "stranger CA")
	now := time.Now()
	loopback := leafSpec{cn: "uptty test", dnsNames: []string{"localhost"}, ips: []net.IP{net.IPv4(127, 0, 0, 1)}}
	expiring := func(in time.Duration) leafSpec {
		s := loopback
		s.notAfter = now.Add(in)
		return s
	}
	expired := expiring(-2*day - time.Hour)
	expired.notBefore = now.Add(-90 * day)
	future := loopback
	future.notBefore = now.Add(2 * day)
	otherName := leafSpec{cn: "example.com", dnsNames: []string{"example.com"}}
	many := loopback
	many.dnsNames = []string{"a.test", "b.test", "c.test", "d.test"}

	inter := ca.intermediate(t, "uptty intermediate")
	tests := []struct {
		name     string
		issuer   *testCA
		spec     leafSpec
		partial  bool // the server leaves out the intermediates
		insecure bool
		warn     time.Duration
		wantOK   bool
		reason   string
		warning  string
		facts    map[string]string // a subset of the facts, by label
	}{
		{name: "valid", issuer: ca, spec: loopback, wantOK: true, facts: map[string]string{
			"subject": "uptty test", "names": "localhost, 127.0.0.1", "issuer": "uptty test CA",
			"tls": "TLS 1.3", "cert": "expires {notAfter} (in 364d)",
		}},
		{name: "via an intermediate", issuer: inter, spec: loopback, wantOK: true,
			facts: map[string]string{"issuer": "uptty intermediate"}},
		{name: "intermediate missing", issuer: inter, spec: loopback, partial: true,
			reason: "certificate signed by unknown authority"},
		{name: "names are counted past three", issuer: ca, spec: many, wantOK: true,
			facts: map[string]string{"names": "a.test, b.test, c.test +2"}},
		{name: "expires in 3 days warns", issuer: ca, spec: expiring(3*day + time.Hour), wantOK: true,
			warning: "cert expires in 3d"},
		{name: "zero cert_warn means 14d", issuer: ca, spec: expiring(10*day + time.Hour), wantOK: true,
			warning: "cert expires in 10d"},
		{name: "beyond cert_warn", issuer: ca, spec: expiring(3*day + time.Hour), warn: 2 * day, wantOK: true},
		{name: "expired", issuer: ca, spec: expired, reason: "certificate expired 2d ago",
			facts: map[string]string{"subject": "uptty test"}},
		{name: "not valid yet", issuer: ca, spec: future,
			reason: "certificate not valid before {notBefore}"},
		{name: "wrong name", issuer: ca, spec: otherName, reason: "certificate not valid for 127.0.0.1",
			facts: map[string]string{"names": "example.com"}},
		{name: "unknown authority", issuer: stranger, spec: loopback,
			reason: "certificate signed by unknown authority", facts: map[string]string{"issuer": "stranger CA"}},
		{name: "insecure skips verification", issuer: stranger, spec: otherName, insecure: true, wantOK: true,
			facts: map[string]string{"insecure": "certificate not verified"}},
		{name: "insecure with a cert_warn warns of expiry", issuer: stranger, spec: expired, insecure: true, wantOK: true,
			warning: "cert expired 2d ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := tt.issuer.issue(t, tt.spec)
			served := tt.issuer.chain(cert)
			if tt.partial {
				served = cert
			}
			addr := serveTLS(t, served)
			dates := strings.NewReplacer(
				"{notAfter}", cert.Leaf.NotAfter.UTC().Format(time.DateOnly),
				"{notBefore}", cert.Leaf.NotBefore.UTC().Format(time.DateOnly))
			tt.reason = dates.Replace(tt.reason)
			c := tlsTestChecker(t, config.Service{URL: "tls://" + addr, Timeout: 5 * time.Second,
				Options: TLSOptions{Insecure: tt.insecure, CertWarn: cmp.Or(tt.warn, defaultCertWarn)}}, ca)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			r := c.Check(ctx)
			if r.OK != tt.wantOK || r.Reason != tt.reason || r.Warning != tt.warning {
				t.Errorf("Check() = OK %v, reason %q, warning %q; want %v, %q, %q",
					r.OK, r.Reason, r.Warning, tt.wantOK, tt.reason, tt.warning)
			}
			for label, want := range tt.facts {
				if got, want := factOf(r.Facts, label), dates.Replace(want); got != want {
					t.Errorf("Check() fact %q = %q, want %q (facts %v)", label, got, want, r.Facts)
				}
			}
			if r.Latency <= 0 {
				t.Errorf("Check().Latency = %v, want > 0", r.Latency)
			}
			if got := phaseNames(r.Phases); got != "connect,tls" {
				t.Errorf("Check() phases = %s, want connect,tls", got)
			}
		})
	}
}

func TestTLSCheckFailures(t *testing.T) {
	noGoroutineLeaks(t)
	tests := []struct {
		name   string
		addr   func(testing.TB) string
		reason string
	}{
		{name: "refused", addr: closedTCPAddr, reason: "connection refused"},
		{name: "silent server", addr: serveSilent, reason: "timeout after 300ms"},
		{name: "not TLS", addr: func(tb testing.TB) string {
			return serveRaw(tb, "HTTP/1.0 400 Bad Request\r\n\r\n")
		}, reason: "tls handshake failed: the server answered in plain HTTP, not TLS"},
		{name: "closed at once", addr: func(tb testing.TB) string { return serveRaw(tb, "") },
			reason: "tls handshake failed: server closed the connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := caseTimeout(tt.reason, 300*time.Millisecond)
			c := tlsTestChecker(t, config.Service{URL: "tls://" + tt.addr(t), Timeout: timeout}, nil)
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			start := time.Now()
			r := c.Check(ctx)
			if elapsed := time.Since(start); elapsed > timeout+5*time.Second {
				t.Errorf("Check() took %v, want at most %v", elapsed, timeout+5*time.Second)
			}
			if r.OK || r.Reason != tt.reason {
				t.Errorf("Check() = OK %v, reason %q; want false, %q", r.OK, r.Reason, tt.reason)
			}
		})
	}
}

func TestNewTLSChecker(t *testing.T) {
	tests := []struct {
		url  string
		addr string
		err  string
	}{
		{url: "tls://example.com:443", addr: "example.com:443"},
		{url: "tls://[::1]:8443", addr: "[::1]:8443"},
		{url: "tls://example.com", err: "tls: url must be tls://host:port"},
		{url: "https://example.com:443", err: "tls: url must be tls://host:port"},
		{url: "tls://:443", err: "tls: url must be tls://host:port"},
		{url: "tls://secret%zz@example.com:443", err: "tls: bad url"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, err := newTLSChecker(config.Service{URL: tt.url, Kind: KindTLS})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("newTLSChecker(%q) = %v, want error %q", tt.url, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("newTLSChecker(%q) = %v, want nil error", tt.url, err)
			}
			tc := c.(*tlsChecker)
			if tc.addr != tt.addr || tc.certs.warn != 14*day {
				t.Errorf("newTLSChecker(%q) = addr %q, warn %v; want %q, 14d", tt.url, tc.addr, tc.certs.warn, tt.addr)
			}
		})
	}
}

func BenchmarkTLSCheck(b *testing.B) {
	ca := newTestCA(b, "uptty test CA")
	addr := serveTLS(b, ca.loopbackLeaf(b))
	c := tlsTestChecker(b, config.Service{URL: "tls://" + addr, Timeout: 5 * time.Second}, ca)
	benchChecks(b, c)
}

func phaseNames(phases []Phase) string {
	names := make([]string, len(phases))
	for i, p := range phases {
		names[i] = p.Name
	}
	return strings.Join(names, ",")
}

// closedTCPAddr is a loopback address where nothing listens.
func closedTCPAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("net.Listen = %v, want nil", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveSilent accepts connections and never writes to them, until the test ends.
func serveSilent(tb testing.TB) string {
	return serveConns(tb, func(conn net.Conn) {
		// Reading until the client gives up keeps the connection open as long as it waits.
		_, _ = io.Copy(io.Discard, conn)
	})
}

// serveRaw answers the first read on every connection with text and closes it. Reading first
// makes the close a clean one: closing with unread data would reset the connection.
func serveRaw(tb testing.TB, text string) string {
	return serveConns(tb, func(conn net.Conn) {
		if _, err := conn.Read(make([]byte, 64<<10)); err == nil {
			_, _ = conn.Write([]byte(text))
		}
	})
}
