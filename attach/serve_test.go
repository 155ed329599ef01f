package attach

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/track"
)

// realServer runs a real uptty serve on loopback, two services (api in group web), with
// silences wired as serve_cmd wires them, until the test ends; tune adjusts its options. It
// returns the server's address, host:port.
func realServer(t *testing.T, tune func(*serve.Options)) string {
	t.Helper()
	return realServerWith(t, "", tune)
}

// realServerWith is realServer with defaults, a YAML line such as "defaults: {interval: 1s}\n",
// before the services.
func realServerWith(t *testing.T, defaults string, tune func(*serve.Options)) string {
	t.Helper()
	addr, _ := realServe(t, defaults, tune)
	return addr
}

// realServe is realServerWith that also hands back the server, for a test to act as
// serve_cmd does (a reload's outcome).
func realServe(t *testing.T, defaults string, tune func(*serve.Options)) (string, *serve.Server) {
	t.Helper()
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(target.Close)
	yaml := defaults + "services:\n  - {name: api, group: web, url: \"" + target.URL + "\"}\n  - {name: db, url: \"" + target.URL + "\"}\n"
	cfg, err := config.Parse([]byte(yaml), "t.yaml", func(string) (string, bool) { return "", false }, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	var targets []monitor.Target
	var names []history.Service
	for _, svc := range cfg.Services {
		checker, err := probe.New(svc)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, monitor.Target{Service: svc, Checker: checker})
		names = append(names, history.Service{Name: svc.Name, Group: svc.Group, Interval: svc.Interval})
	}
	hist, err := history.OpenLive("", 0, names, 0)
	if err != nil {
		t.Fatal(err)
	}
	mon := monitor.NewMonitor(targets, monitor.Options{OnResult: hist.Record, MinBatchInterval: 10 * time.Millisecond})
	quiet := notify.NewQuiet(cfg.Services, nil)
	opts := serve.Options{Services: cfg.Services, Monitor: mon, History: hist, Quiet: quiet,
		Refresh: func() {
			list, _ := hist.Silences(time.Now())
			var out []notify.Silence
			for _, x := range list {
				out = append(out, notify.Silence{Group: x.Kind == history.SilenceGroup, Name: x.Name, Until: x.Until})
			}
			quiet.SetSilences(out)
		}}
	if tune != nil {
		tune(&opts)
	}
	srv := serve.New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		hist.Close()
	})
	return ln.Addr().String(), srv
}

// testCA is a certificate authority made for one test, and a server certificate it signed
// for the loopback addresses.
type testCA struct {
	pool              *x509.CertPool
	caFile            string // the CA's certificate, PEM
	certFile, keyFile string // the server's
}

func newTestCA(t *testing.T) testCA { t.Helper(); return newTestCAFor(t, true) }

// newTestCAFor is newTestCA; without ips, the server's certificate names localhost only, or
// the names given.
func newTestCAFor(t *testing.T, ips bool, names ...string) testCA {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "uptty test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "uptty serve"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if len(names) > 0 {
		tmpl.DNSNames = names
	}
	if ips {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ca := testCA{pool: x509.NewCertPool(), caFile: filepath.Join(dir, "ca.pem"),
		certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	ca.pool.AddCert(caCert)
	write := func(path, typ string, b []byte) {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(ca.caFile, "CERTIFICATE", caDER)
	write(ca.certFile, "CERTIFICATE", der)
	write(ca.keyFile, "PRIVATE KEY", keyDER)
	return ca
}

// TestTLS: attach follows a server over https when it trusts the CA (--ca), and says in one
// line what is wrong when it does not, or when the scheme is the wrong one.
func TestTLS(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
	ca := newTestCA(t)
	cert, err := serve.LoadCertificate(ca.certFile, ca.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	addr := realServer(t, func(o *serve.Options) { o.TLS = cert.Config() })

	pool, err := LoadCA(ca.caFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://" + addr, "https://localhost:" + addr[strings.LastIndex(addr, ":")+1:]} {
		c, err := New(u, Options{RootCAs: pool})
		if err != nil {
			t.Fatal(err)
		}
		svcs, _, err := c.Initial(t.Context())
		if err != nil || len(svcs) != 2 {
			t.Fatalf("Initial(%s) = %d services, %v; want 2", u, len(svcs), err)
		}
		c.opts.HTTP.CloseIdleConnections()
	}

	// The event stream over TLS: its snapshot, then a check's service event.
	c, _ := New("https://"+addr, Options{RootCAs: pool})
	if _, _, err := c.Initial(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	defer func() { cancel(); <-done; c.opts.HTTP.CloseIdleConnections() }()
	deadline := time.After(waitLimit)
	for up := false; !up; {
		nctx, ncancel := context.WithTimeout(t.Context(), waitLimit)
		batch, err := c.Next(nctx)
		ncancel()
		if err != nil {
			t.Fatalf("Next over TLS: %v", err)
		}
		up = batch["api"].State == track.Up
		select {
		case <-deadline:
			t.Fatalf("api never UP over the TLS stream")
		default:
		}
	}

	other := newTestCA(t)
	refusals := []struct {
		name, url string
		roots     *x509.CertPool
		want      string
	}{
		{"system roots", "https://" + addr, nil, "not signed by an authority this machine trusts; pass --ca FILE"},
		{"another CA", "https://" + addr, other.pool, "not signed by an authority this machine trusts; pass --ca FILE"},
		{"plain http to TLS", "http://" + addr, nil, "the server speaks TLS: use https://" + addr},
	}
	for _, tc := range refusals {
		c, _ := New(tc.url, Options{RootCAs: tc.roots})
		_, _, err := c.Initial(t.Context())
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: Initial = %v, want one line with %q", tc.name, err, tc.want)
		}
		c.opts.HTTP.CloseIdleConnections()
	}

	plain := realServer(t, nil)
	c2, _ := New("https://"+plain, Options{RootCAs: pool})
	if _, _, err := c2.Initial(t.Context()); err == nil || !strings.Contains(err.Error(), "does not speak TLS: use http://"+plain) {
		t.Errorf("https to a plain server: Initial = %v, want %q", err, "does not speak TLS: use http://"+plain)
	}

	// A certificate for another name: it says which names it is valid for.
	named := newTestCAFor(t, false)
	namedCert, err := serve.LoadCertificate(named.certFile, named.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	byName := realServer(t, func(o *serve.Options) { o.TLS = namedCert.Config() })
	c3, _ := New("https://"+byName, Options{RootCAs: named.pool})
	want := "the server's certificate is not valid for 127.0.0.1 (it names localhost)"
	if _, _, err := c3.Initial(t.Context()); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a certificate for localhost at 127.0.0.1: Initial = %v, want %q", err, want)
	}
	c3.opts.HTTP.CloseIdleConnections()

	if _, err := LoadCA(ca.keyFile); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("LoadCA(a key) = %v, want no PEM certificate", err)
	}
	if _, err := LoadCA(filepath.Join(t.TempDir(), "none.pem")); err == nil || !strings.HasPrefix(err.Error(), "--ca:") {
		t.Errorf("LoadCA(missing) = %v, want a --ca: error", err)
	}
}

// likeAttached gives c the service list from, as if it had read the same snapshot.
func likeAttached(c, from *Client) {
	from.mu.Lock()
	known, names, groups := maps.Clone(from.known), slices.Clone(from.names), maps.Clone(from.groups)
	from.mu.Unlock()
	c.mu.Lock()
	c.known, c.names, c.groups = known, names, groups
	c.mu.Unlock()
}

// TestSilence: m on an attached screen silences and unsilences on a real server, service and
// group, and the marks come back on the stream; a server that refuses the token says so in a
// line the footer can show.
func TestSilence(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
	addr := realServer(t, func(o *serve.Options) { o.Token = "tok" })
	c := runClient(t, "http://"+addr, Options{Token: "tok"})
	// mark waits until the stream has brought the marks wanted (silenced or not, by name).
	mark := func(what string, want map[string]bool) {
		t.Helper()
		deadline := time.After(waitLimit)
		for {
			ok := true
			for name, silenced := range want {
				ok = ok && !c.Mark(name).SilencedUntil.IsZero() == silenced
			}
			if ok {
				return
			}
			nctx, ncancel := context.WithTimeout(t.Context(), waitLimit)
			_, err := c.Next(nctx)
			ncancel()
			select {
			case <-deadline:
				t.Fatalf("%s: marks api %v, db %v; want %v", what, c.Mark("api"), c.Mark("db"), want)
			default:
			}
			if err != nil {
				t.Fatalf("%s: Next: %v", what, err)
			}
		}
	}

	until := time.Now().Add(2 * time.Hour)
	if err := c.Silence(history.Silence{Kind: history.SilenceService, Name: "db", Until: until}); err != nil {
		t.Fatalf("Silence(db) = %v", err)
	}
	mark("silence db", map[string]bool{"db": true, "api": false})
	if got := c.Mark("db").SilencedUntil; got.Sub(until).Abs() > 2*time.Second {
		t.Errorf("db silenced until %v, want %v", got, until)
	}
	if n, err := c.Unsilence("db"); n != 1 || err != nil {
		t.Errorf("Unsilence(db) = %d, %v; want 1, nil", n, err)
	}
	mark("unsilence db", map[string]bool{"db": false})

	if err := c.Silence(history.Silence{Kind: history.SilenceGroup, Name: "web", Until: until}); err != nil {
		t.Fatalf("Silence(group web) = %v", err)
	}
	mark("silence group web", map[string]bool{"api": true, "db": false})
	// The row's m sends the service's name and its group's, as the local screen does.
	if n, err := c.Unsilence("api", "web"); n != 1 || err != nil {
		t.Errorf("Unsilence(api, web) = %d, %v; want 1, nil", n, err)
	}
	mark("unsilence group web", map[string]bool{"api": false})

	for _, tc := range []struct {
		name  string
		token string
		x     history.Silence
		want  string
	}{
		{"no token", "", history.Silence{Kind: history.SilenceService, Name: "db", Until: until}, "401 Unauthorized: the server wants a token"},
		{"wrong token", "nope", history.Silence{Kind: history.SilenceService, Name: "db", Until: until}, "401 Unauthorized: the server refused the token"},
		{"unknown group", "tok", history.Silence{Kind: history.SilenceGroup, Name: "nope", Until: until}, `no group named "nope"`},
		{"ended", "tok", history.Silence{Kind: history.SilenceService, Name: "db", Until: time.Now().Add(-time.Minute)}, "already ended"},
	} {
		bad, _ := New("http://"+addr, Options{Token: tc.token})
		likeAttached(bad, c)
		err := bad.Silence(tc.x)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "/api/") {
			t.Errorf("%s: Silence = %v, want %q without the request line", tc.name, err, tc.want)
		}
		if _, err := bad.Unsilence("db"); tc.token != "tok" && (err == nil || !strings.Contains(err.Error(), "401")) {
			t.Errorf("%s: Unsilence = %v, want a 401", tc.name, err)
		}
		bad.opts.HTTP.CloseIdleConnections()
	}
	// The forbidden case: serve answers 403 only behind a proxy that forbids writes, and
	// a 403 reads as the proxy said it.
	forbid := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "read-only: this proxy lets viewers look, not act", http.StatusForbidden)
	}))
	defer forbid.Close()
	ro, _ := New(forbid.URL, Options{})
	likeAttached(ro, c)
	err := ro.Silence(history.Silence{Kind: history.SilenceService, Name: "db", Until: until})
	if want := "403 Forbidden: read-only: this proxy lets viewers look, not act"; err == nil || err.Error() != want {
		t.Errorf("Silence behind a read-only proxy = %v, want %q", err, want)
	}
	ro.opts.HTTP.CloseIdleConnections()
}

// TestLatencyMoves: services that stay UP, checked every 200 ms, still move on an attached
// screen: the server sends such changes once a second rather than at once, but sends them.
func TestLatencyMoves(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
	addr := realServerWith(t, "defaults: {interval: 200ms, timeout: 200ms}\n", nil)
	c, err := New("http://"+addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Initial(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	defer func() { cancel(); <-done; c.opts.HTTP.CloseIdleConnections() }()
	// Three batches in which api is UP and was UP before: its state did not change, its check did.
	was, moved := track.Unknown, 0
	for moved < 3 {
		batch, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("%d batches with api's latency moving, want 3: %v", moved, err)
		}
		if st, ok := batch["api"]; ok {
			if st.State == track.Up && was == track.Up {
				moved++
			}
			was = st.State
		}
	}
}

// TestStartsWithSparklines: a screen attaching to a server that has been checking draws each
// row's sparkline from the start, from the status document and the stream's snapshot, rather
// than blank until the server's next check (up to 30 s at the default interval).
func TestStartsWithSparklines(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
	addr := realServerWith(t, "defaults: {interval: 100ms, timeout: 100ms}\n", nil)
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	// A first viewer sees api checked twice: the server's sparkline holds two samples or more.
	first, err := New("http://"+addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := first.Initial(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = first.Run(runCtx) }()
	for checks := 0; checks < 2; {
		batch, err := first.Next(ctx)
		if err != nil {
			t.Fatalf("api checked %d times, want 2: %v", checks, err)
		}
		if st, ok := batch["api"]; ok && st.State == track.Up {
			checks++
		}
	}
	stop()
	<-done
	first.opts.HTTP.CloseIdleConnections()

	late, err := New("http://"+addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, st, err := late.Initial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sparkOK := func(from string, s track.Status) {
		t.Helper()
		if s.Spark.Len() < 2 {
			t.Fatalf("%s: api's sparkline has %d samples, want the server's (2 or more)", from, s.Spark.Len())
		}
		for i := range s.Spark.Len() {
			if x := s.Spark.At(i); !x.OK || x.Latency > time.Second {
				t.Errorf("%s: sample %d = %+v, want a passing loopback check", from, i, x)
			}
		}
	}
	sparkOK("the status document", st["api"])
	runCtx, stop = context.WithCancel(ctx)
	done = make(chan struct{})
	go func() { defer close(done); _ = late.Run(runCtx) }()
	defer func() { stop(); <-done; late.opts.HTTP.CloseIdleConnections() }()
	batch, err := late.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sparkOK("the stream's snapshot", batch["api"])
}
