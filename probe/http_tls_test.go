package probe

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// httpTLSServer serves the test mux over TLS with cert, on HTTP/2 if h2.
func httpTLSServer(t *testing.T, cert tls.Certificate, h2 bool, maxVersion uint16) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(httpTestMux())
	srv.EnableHTTP2 = h2
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: maxVersion}
	// Failed handshakes are the point of these tests; the server need not log them.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPTLS(t *testing.T) {
	checkerLeakCheck(t)
	now := time.Now()
	day := 24 * time.Hour
	loopback := []net.IP{net.IPv4(127, 0, 0, 1)}
	ca := newTestCA(t, "uptty http test CA")
	leaf := func(spec leafSpec) tls.Certificate {
		if spec.ips == nil && spec.dnsNames == nil {
			spec.ips = loopback
		}
		return ca.issue(t, spec)
	}
	trust := func(c *httpChecker) {
		httpOwnTransport(c)
		c.transport.TLSClientConfig.RootCAs = ca.pool
		c.tlsConfig.RootCAs = ca.pool
	}
	good := leaf(leafSpec{cn: "good"})
	tests := []struct {
		name     string
		cert     tls.Certificate
		h2       bool
		insecure bool
		trusted  bool
		maxTLS   uint16
		reason   string
		warning  string
		facts    map[string]string
	}{
		{name: "valid", cert: good, trusted: true, facts: map[string]string{
			"tls": "TLS 1.3", "issuer": "uptty http test CA", "cert": expiryText(good.Leaf.NotAfter, now)}},
		{name: "valid over http2", cert: good, h2: true, trusted: true, facts: map[string]string{"status": "200 OK", "protocol": "HTTP/2.0"}},
		{name: "expiring soon", cert: leaf(leafSpec{cn: "soon", notAfter: now.Add(3*day + time.Hour)}), trusted: true,
			warning: "cert expires in 3d"},
		{name: "unknown authority", cert: good, reason: "certificate signed by unknown authority",
			facts: map[string]string{"issuer": "uptty http test CA"}},
		{name: "self-signed", cert: newTestCA(t, "self").issue(t, leafSpec{cn: "self", ips: loopback, notAfter: now.Add(day)}),
			trusted: true, reason: "certificate signed by unknown authority", facts: map[string]string{"issuer": "self"}},
		{name: "expired", cert: leaf(leafSpec{cn: "old", notBefore: now.Add(-30 * day), notAfter: now.Add(-2*day - time.Hour)}),
			trusted: true, reason: "certificate expired"},
		{name: "wrong name", cert: leaf(leafSpec{cn: "other", dnsNames: []string{"other.example"}}), trusted: true,
			reason: "certificate not valid for 127.0.0.1", facts: map[string]string{"cert names": "other.example"}},
		{name: "insecure skips verification", cert: good, insecure: true,
			facts: map[string]string{"insecure": "certificate not verified"}},
		{name: "insecure with a cert_warn warns of expiry", insecure: true,
			cert:    leaf(leafSpec{cn: "old", notBefore: now.Add(-30 * day), notAfter: now.Add(-2*day - time.Hour)}),
			warning: "cert expired 2d ago"},
		{name: "no common version", cert: good, trusted: true, maxTLS: tls.VersionTLS11,
			reason: "tls handshake failed: protocol version not supported"},
	}
	for _, path := range httpPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				srv := httpTLSServer(t, tt.cert, tt.h2, tt.maxTLS)
				svc := httpService(srv.URL + "/ok")
				httpOptions(&svc).Insecure = tt.insecure
				var setup func(*httpChecker)
				if tt.trusted {
					setup = trust
				}
				res := httpRun(t, svc, httpOn(path.transportOnly, setup))
				if res.OK != (tt.reason == "") || res.Reason != tt.reason || res.Warning != tt.warning {
					t.Errorf("Check(%s) = OK %v, reason %q, warning %q; want reason %q, warning %q",
						tt.name, res.OK, res.Reason, res.Warning, tt.reason, tt.warning)
				}
				for label, want := range tt.facts {
					if got := httpFact(res, label); got != want {
						t.Errorf("Check(%s) fact %q = %q, want %q", tt.name, label, got, want)
					}
				}
				if tt.reason == "" && !strings.HasPrefix(httpFact(res, "cert"), "expire") {
					t.Errorf("Check(%s) fact cert = %q, want the expiry", tt.name, httpFact(res, "cert"))
				}
				httpAssertClean(t, res)
			})
		}
	}
}

// The certificate of the last response counts, not that of the first.
func TestHTTPRedirectToTLS(t *testing.T) {
	checkerLeakCheck(t)
	now := time.Now()
	cert := newTestCA(t, "self").issue(t, leafSpec{cn: "self", ips: []net.IP{net.IPv4(127, 0, 0, 1)},
		notAfter: now.Add(48 * time.Hour)})
	for _, h2 := range []bool{false, true} {
		tlsSrv := httpTLSServer(t, cert, h2, 0)
		plain := httptest.NewServer(http.RedirectHandler(tlsSrv.URL+"/ok", http.StatusMovedPermanently))
		t.Cleanup(plain.Close)
		svc := httpService(plain.URL)
		httpOptions(&svc).Insecure = true
		for _, path := range httpPaths {
			res := httpRun(t, svc, httpOn(path.transportOnly, nil))
			if !res.OK || res.Warning != "cert expires in 1d23h" {
				t.Errorf("%s, h2 %v: Check(redirect to https) = OK %v, reason %q, warning %q; want OK, warning %q",
					path.name, h2, res.OK, res.Reason, res.Warning, "cert expires in 1d23h")
			}
			if got, want := httpFact(res, "final URL"), tlsSrv.URL+"/ok"; got != want {
				t.Errorf("%s, h2 %v: Check(redirect to https) fact final URL = %q, want %q", path.name, h2, got, want)
			}
		}
	}
}
