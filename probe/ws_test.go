package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/uptty/uptty/config"
)

// wsSeen is what the test endpoint saw of one WebSocket connection.
type wsSeen struct {
	header http.Header
	close  websocket.StatusCode // the client's close code; -1 if it sent none
}

// wsTestHandler serves /ws, a WebSocket endpoint that reads until the client closes and then
// reports what it saw on seen (if not nil), and /plain, an ordinary page.
func wsTestHandler(seen chan<- wsSeen) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		// A greeting the checker must skip on its way to the server's close frame.
		_ = c.Write(r.Context(), websocket.MessageText, []byte("hello"))
		_, _, err = c.Read(r.Context())
		if seen != nil {
			seen <- wsSeen{header: r.Header.Clone(), close: websocket.CloseStatus(err)}
		}
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("just a page\n"))
	})
	return mux
}

// wsTestServer starts wsTestHandler over TLS with cert when cert is not nil, and returns its
// base URL, ws:// or wss://.
func wsTestServer(tb testing.TB, seen chan<- wsSeen, cert *tls.Certificate) string {
	tb.Helper()
	srv := httptest.NewUnstartedServer(wsTestHandler(seen))
	if cert == nil {
		srv.Start()
	} else {
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		srv.StartTLS()
	}
	tb.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func wsTestChecker(tb testing.TB, svc config.Service, ca *testCA) *wsChecker {
	tb.Helper()
	c, err := newWSChecker(svc)
	if err != nil {
		tb.Fatalf("newWSChecker(%q) = %v, want nil error", svc.URL, err)
	}
	wc := c.(*wsChecker)
	if ca != nil && wc.certs != nil {
		wc.certs.roots = ca.pool
	}
	return wc
}

func TestWSCheck(t *testing.T) {
	noGoroutineLeaks(t)
	ca := newTestCA(t, "uptty test CA")
	valid := ca.loopbackLeaf(t)
	expired := ca.issue(t, leafSpec{ips: []net.IP{net.IPv4(127, 0, 0, 1)},
		notBefore: time.Now().Add(-90 * day), notAfter: time.Now().Add(-2*day - time.Hour)})
	secret := config.Header{Name: "X-Token", Value: "s3cret-value"}

	tests := []struct {
		name     string
		cert     *tls.Certificate // nil: ws://
		path     string
		insecure bool
		wantOK   bool
		reason   string
		facts    map[string]string
		upgraded bool // the endpoint saw a WebSocket connection, closed normally
	}{
		{name: "ws upgrade", path: "/ws", wantOK: true, upgraded: true,
			facts: map[string]string{"status": "101 Switching Protocols"}},
		{name: "plain page", path: "/plain", reason: "status 200, want 101",
			facts: map[string]string{"status": "200 OK"}},
		{name: "not found", path: "/nowhere", reason: "status 404, want 101"},
		{name: "wss upgrade", cert: &valid, path: "/ws", wantOK: true, upgraded: true,
			facts: map[string]string{"status": "101 Switching Protocols", "subject": "uptty test", "tls": "TLS 1.3"}},
		{name: "wss expired certificate", cert: &expired, path: "/ws", reason: "certificate expired 2d ago"},
		{name: "wss insecure", cert: &expired, path: "/ws", insecure: true, wantOK: true, upgraded: true,
			facts: map[string]string{"insecure": "certificate not verified"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make(chan wsSeen, 1)
			base := wsTestServer(t, seen, tt.cert)
			svc := withSecrets(config.Service{URL: base + tt.path, Timeout: 5 * time.Second,
				Options: WSOptions{Insecure: tt.insecure, Headers: []config.Header{secret}, CertWarn: defaultCertWarn}})
			c := wsTestChecker(t, svc, ca)
			r := Run(t.Context(), c, svc)
			if r.OK != tt.wantOK || r.Reason != tt.reason {
				t.Errorf("Check() = OK %v, reason %q; want %v, %q", r.OK, r.Reason, tt.wantOK, tt.reason)
			}
			for label, want := range tt.facts {
				if got := factOf(r.Facts, label); got != want {
					t.Errorf("Check() fact %q = %q, want %q (facts %v)", label, got, want, r.Facts)
				}
			}
			if shown := r.Reason + r.Warning + factsText(r.Facts); strings.Contains(shown, secret.Value) {
				t.Errorf("Check() shows the header value: %q", shown)
			}
			if !tt.upgraded {
				return
			}
			if r.Latency <= 0 {
				t.Errorf("Check().Latency = %v, want > 0", r.Latency)
			}
			select {
			case s := <-seen:
				if got := s.header.Get(secret.Name); got != secret.Value {
					t.Errorf("endpoint saw %s = %q, want %q", secret.Name, got, secret.Value)
				}
				if s.close != websocket.StatusNormalClosure {
					t.Errorf("endpoint saw close status %v, want %v", s.close, websocket.StatusNormalClosure)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("endpoint never saw the connection end")
			}
		})
	}
}

func TestWSCheckFailures(t *testing.T) {
	noGoroutineLeaks(t)
	timeout := 300 * time.Millisecond
	badAccept := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBrZXk=\r\n\r\n"
	wrongUpgrade := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
	garbage := "\x1b]0;pwned\x07SSH-2.0-OpenSSH\r\n\r\n"
	tests := []struct {
		name   string
		addr   func(testing.TB) string
		reason string
	}{
		{name: "refused", addr: closedTCPAddr, reason: "connection refused"},
		{name: "silent server", addr: serveSilent, reason: "timeout after 300ms"},
		{name: "bad accept key", addr: func(tb testing.TB) string { return serveRaw(tb, badAccept) },
			reason: "bad Sec-WebSocket-Accept in response"},
		{name: "other protocol", addr: func(tb testing.TB) string { return serveRaw(tb, wrongUpgrade) },
			reason: `upgraded to "h2c", want websocket`},
		{name: "not HTTP", addr: func(tb testing.TB) string { return serveRaw(tb, garbage) },
			reason: `not an HTTP response: "SSH-2.0-OpenSSH"`},
		// Past the limit it is the limit that stops the read, not the server closing.
		{name: "endless head", addr: func(tb testing.TB) string {
			return serveRaw(tb, "HTTP/1.1 101 Switching Protocols\r\nX-A: "+strings.Repeat("a", 1<<20))
		}, reason: "response head over 256 KiB (uptty's limit)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wsTestChecker(t, config.Service{URL: "ws://" + tt.addr(t) + "/ws", Timeout: timeout}, nil)
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

// TestWSCheckCanceled cancels the check while the server holds the request unanswered.
func TestWSCheckCanceled(t *testing.T) {
	noGoroutineLeaks(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr := serveConns(t, func(conn net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
			cancel()
		}
		_, _ = conn.Read(make([]byte, 1)) // until the checker hangs up
	})
	c := wsTestChecker(t, config.Service{URL: "ws://" + addr + "/", Timeout: time.Minute}, nil)
	if r := c.Check(ctx); r.OK || r.Reason != "canceled" {
		t.Errorf("Check() = OK %v, reason %q; want false, %q", r.OK, r.Reason, "canceled")
	}
}

func TestWSRequest(t *testing.T) {
	noGoroutineLeaks(t)
	got := make(chan *http.Request, 1)
	addr := serveConns(t, func(conn net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		got <- req
		_, _ = conn.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"))
	})
	tests := []struct {
		name    string
		url     string
		headers []config.Header
		want    map[string]string // header values the request must carry; "Host" is req.Host
		uri     string
	}{
		{name: "path and query", url: "ws://" + addr + "/feed?x=1#frag", uri: "/feed?x=1",
			want: map[string]string{"Host": addr, "Upgrade": "websocket", "Connection": "Upgrade",
				"Sec-WebSocket-Version": "13", "User-Agent": "uptty"}},
		{name: "empty path", url: "ws://" + addr, uri: "/"},
		{name: "user info", url: "ws://ann:pw@" + addr + "/", uri: "/",
			want: map[string]string{"Authorization": "Basic YW5uOnB3", "Host": addr}},
		{name: "config headers win", url: "ws://ann:pw@" + addr + "/", uri: "/",
			headers: []config.Header{{Name: "Authorization", Value: "Bearer t"}, {Name: "Host", Value: "v.test"},
				{Name: "User-Agent", Value: "probe/1"}, {Name: "Upgrade", Value: "nonsense"}},
			want: map[string]string{"Authorization": "Bearer t", "Host": "v.test", "User-Agent": "probe/1",
				"Upgrade": "websocket"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wsTestChecker(t, config.Service{URL: tt.url, Timeout: 5 * time.Second, Options: WSOptions{Headers: tt.headers}}, nil)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if r := c.Check(ctx); r.Reason != "status 403, want 101" {
				t.Errorf("Check().Reason = %q, want %q", r.Reason, "status 403, want 101")
			}
			req := <-got
			if req.RequestURI != tt.uri {
				t.Errorf("request URI = %q, want %q", req.RequestURI, tt.uri)
			}
			if key := req.Header.Get("Sec-WebSocket-Key"); len(key) != 24 {
				t.Errorf("Sec-WebSocket-Key = %q, want 16 bytes in base64", key)
			}
			for name, want := range tt.want {
				got := req.Header.Get(name)
				if name == "Host" {
					got = req.Host
				}
				if got != want {
					t.Errorf("request header %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestWSAccept(t *testing.T) {
	// The example of RFC 6455 section 1.3.
	if got, want := wsAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
		t.Errorf("wsAccept(%q) = %q, want %q", "dGhlIHNhbXBsZSBub25jZQ==", got, want)
	}
}

func TestNewWSChecker(t *testing.T) {
	tests := []struct {
		url  string
		addr string
		tls  bool
		err  string
	}{
		{url: "ws://example.com/feed", addr: "example.com:80"},
		{url: "wss://example.com/feed", addr: "example.com:443", tls: true},
		{url: "wss://[::1]:8443/", addr: "[::1]:8443", tls: true},
		{url: "http://example.com/", err: "ws: url must be ws://host[:port]/path or wss://host[:port]/path"},
		{url: "ws:///feed", err: "ws: url must be ws://host[:port]/path or wss://host[:port]/path"},
		{url: "ws://secret%zz@example.com/", err: "ws: bad url"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, err := newWSChecker(config.Service{URL: tt.url, Kind: KindWS})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("newWSChecker(%q) = %v, want error %q", tt.url, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("newWSChecker(%q) = %v, want nil error", tt.url, err)
			}
			wc := c.(*wsChecker)
			if wc.addr != tt.addr || (wc.certs != nil) != tt.tls {
				t.Errorf("newWSChecker(%q) = addr %q, tls %v; want %q, %v", tt.url, wc.addr, wc.certs != nil, tt.addr, tt.tls)
			}
		})
	}
}

func BenchmarkWSCheck(b *testing.B) {
	c := wsTestChecker(b, config.Service{URL: wsTestServer(b, nil, nil) + "/ws", Timeout: 5 * time.Second}, nil)
	benchChecks(b, c)
}

func factsText(facts []Fact) string {
	var b strings.Builder
	for _, f := range facts {
		b.WriteString(f.Label + "=" + f.Value + "\n")
	}
	return b.String()
}

// TestWSCheckHidesEchoedSecrets: a plain echo service sends the upgrade request back, token and
// all; the reason must not show the query value or a header value.
func TestWSCheckHidesEchoedSecrets(t *testing.T) {
	noGoroutineLeaks(t)
	addr := serveConns(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		c.Write(buf[:n])
	})
	svc := config.Service{URL: "ws://" + addr + "/ws?token=hunter2xyz", Timeout: 2 * time.Second,
		Options: WSOptions{Headers: []config.Header{{Name: "Authorization", Value: "Bearer s3cr3t-value"}}}}
	svc = withSecrets(svc)
	c := wsTestChecker(t, svc, nil)
	r := Run(t.Context(), c, svc)
	if r.OK || strings.Contains(r.Reason, "hunter2xyz") || strings.Contains(r.Reason, "s3cr3t-value") {
		t.Errorf("Check(echo) = OK %v, reason %q; want a failure that hides the token and header", r.OK, r.Reason)
	}
}

// serveHungClose serves WebSocket upgrades correctly, then reads and ignores everything, the
// client's close frame included, until the client hangs up: a server whose close never comes.
func serveHungClose(tb testing.TB) string {
	return serveConns(tb, func(conn net.Conn) {
		br := bufio.NewReader(conn)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + wsAccept(req.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"))
		_, _ = io.Copy(io.Discard, br)
	})
}

// TestWSCheckHungClose: a server that upgrades and never answers the close must not hold the
// check past its timeout. The check has passed by then; only the wait for a polite close is cut.
func TestWSCheckHungClose(t *testing.T) {
	noGoroutineLeaks(t)
	timeout := 200 * time.Millisecond
	svc := config.Service{URL: "ws://" + serveHungClose(t) + "/ws", Timeout: timeout}
	c := wsTestChecker(t, svc, nil)
	start := time.Now()
	r := Run(t.Context(), c, svc)
	// Below wsCloseWait: the timeout, not the close wait, ended the check.
	if elapsed := time.Since(start); elapsed >= wsCloseWait {
		t.Errorf("Check() took %v with a %v timeout, want under %v", elapsed, timeout, wsCloseWait)
	}
	if !r.OK {
		t.Errorf("Check() = OK false, reason %q; want OK: the upgrade succeeded", r.Reason)
	}
}

// TestWSLibraryCloseIgnoresDeadline shows why the checker is not written on coder/websocket:
// against the same server, the library's Close waits for the close frame on timers of its own
// (5s), whatever the deadline, and a CloseNow from another goroutine does not cut it short but
// waits for it. CloseNow alone keeps the deadline but sends no close frame, and TestWSCheck
// wants the server to see a normal closure.
func TestWSLibraryCloseIgnoresDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("takes the library's 5s close timeout")
	}
	noGoroutineLeaks(t)
	deadline := 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+serveHungClose(t)+"/ws", nil)
	if err != nil {
		t.Fatalf("websocket.Dial = %v, want a connection", err)
	}
	start := time.Now()
	stop := context.AfterFunc(ctx, func() { _ = conn.CloseNow() })
	defer stop()
	_ = conn.Close(websocket.StatusNormalClosure, "")
	if elapsed := time.Since(start); elapsed < 2*time.Second {
		t.Errorf("coder/websocket Close took %v with a %v deadline and CloseNow at the deadline; "+
			"if it now ends with the deadline, the checker can use the library", elapsed, deadline)
	}
}
