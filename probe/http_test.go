package probe

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

const httpSecret = "Bearer s3cr3t-t0ken"

// httpLongSecret is longer than any quoted text in a reason, so a cut copy of it would show.
var httpLongSecret = "Bearer " + strings.Repeat("s3cr3t", 15)

// checkerLeakCheck fails the test if it leaves goroutines behind. Cleanups run last-in first-out,
// so calling it first makes it run after the test's servers are closed.
func checkerLeakCheck(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func httpService(rawURL string) config.Service {
	return config.Service{
		Name: "test", URL: rawURL, Kind: KindHTTP, Timeout: 5 * time.Second,
		Options: &HTTPOptions{Method: http.MethodGet, FollowRedirects: true, CertWarn: 14 * 24 * time.Hour},
	}
}

// httpOwnTransport gives c a transport and one-shot TLS settings of its own, for a test to
// change without touching those it shares with other checkers.
func httpOwnTransport(c *httpChecker) {
	c.transport = newTransport(c.timeout, c.insecure)
	c.tlsConfig = c.tlsConfig.Clone()
}

// httpPaths are the two ways a check sends its requests: the one-shot path (http_fast.go) and
// the shared transport. Tests of what a check sees run over both: they must not differ.
var httpPaths = []struct {
	name          string
	transportOnly bool
}{{"fast", false}, {"transport", true}}

// httpOn returns setup that first puts the checker on the path named transportOnly.
func httpOn(transportOnly bool, setup func(*httpChecker)) func(*httpChecker) {
	return func(c *httpChecker) {
		c.transportOnly = transportOnly
		if setup != nil {
			setup(c)
		}
	}
}

// httpRun builds the checker for svc, with its secrets as the config loader finds them, lets
// setup adjust it before first use, and checks once through Run.
func httpRun(t testing.TB, svc config.Service, setup func(*httpChecker)) Result {
	t.Helper()
	svc = withSecrets(svc)
	c, err := newHTTPChecker(svc)
	if err != nil {
		t.Fatalf("newHTTPChecker(%s) = %v, want nil", svc.URL, err)
	}
	if setup != nil {
		setup(c)
	}
	return Run(context.Background(), c, svc)
}

func httpFact(res Result, label string) string {
	for _, f := range res.Facts {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}

// httpAssertClean fails if any text of res breaks CleanText's promises or holds the secret.
func httpAssertClean(t *testing.T, res Result) {
	t.Helper()
	texts := []string{res.Reason, res.Warning}
	for _, f := range res.Facts {
		texts = append(texts, f.Label, f.Value)
	}
	for _, s := range texts {
		if v := text.Violation(s, 0); v != "" {
			t.Errorf("result text %q: %s", s, v)
		}
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("result text %q holds the secret header value", s)
		}
	}
}

func httpTestMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "all ok") })
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"data":{"status":"DOWN","count":3},"items":[{"ok":true}],"ratio":0.1,`+
			`"big":12345678901234567890,"one":1.0,"nil":null}`)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<p>healthy</p>")
	})
	mux.HandleFunc("/r/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		to := "/ok?token=abc"
		if n > 1 {
			to = "/r/" + strconv.Itoa(n-1)
		}
		http.Redirect(w, r, to, http.StatusFound)
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "ftp://files.example.invalid/pub")
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var wrong []string
		if r.Method != http.MethodPost {
			wrong = append(wrong, "method "+r.Method)
		}
		if string(body) != "ping" {
			wrong = append(wrong, "body "+string(body))
		}
		if r.Header.Get("Authorization") != httpSecret {
			wrong = append(wrong, "authorization "+r.Header.Get("Authorization"))
		}
		if r.Host != "svc.internal" {
			wrong = append(wrong, "host "+r.Host)
		}
		if r.UserAgent() != "uptty" {
			wrong = append(wrong, "user agent "+r.UserAgent())
		}
		if len(wrong) > 0 {
			http.Error(w, strings.Join(wrong, "; "), http.StatusBadRequest)
			return
		}
		io.WriteString(w, "echo ok")
	})
	mux.HandleFunc("/reflect", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		fmt.Fprintf(w, `{"auth":%q}`, r.Header.Get("Authorization"))
	})
	return mux
}

func TestHTTPCheck(t *testing.T) {
	checkerLeakCheck(t)
	srv := httptest.NewServer(httpTestMux())
	t.Cleanup(srv.Close)

	status := func(codes ...int) func(*config.Service) {
		return func(s *config.Service) { httpOptions(s).Expect.Status = codes }
	}
	tests := []struct {
		name   string
		path   string
		edit   func(*config.Service)
		reason string            // "" means the check passes
		facts  map[string]string // a subset of the result's facts; {srv} is the server's URL
	}{
		{name: "ok", path: "/ok", facts: map[string]string{"status": "200 OK"}},
		{name: "503", path: "/503", reason: "status 503, want 200-399", facts: map[string]string{"status": "503 Service Unavailable"}},
		{name: "status list", path: "/503", edit: status(200, 204), reason: "status 503, want 200, 204"},
		{name: "status list accepts", path: "/503", edit: status(503)},
		{name: "not found", path: "/nope", reason: "status 404, want 200-399"},
		{name: "contains", path: "/ok", edit: func(s *config.Service) { httpOptions(s).Expect.BodyContains = "ok" }},
		{name: "contains missing", path: "/ok", edit: func(s *config.Service) { httpOptions(s).Expect.BodyContains = "healthy" },
			reason: `body does not contain "healthy"`},
		{name: "status before body", path: "/503", edit: func(s *config.Service) { httpOptions(s).Expect.BodyContains = "x" },
			reason: "status 503, want 200-399"},
		{name: "regex", path: "/html", edit: func(s *config.Service) { httpOptions(s).Expect.BodyRegex = regexp.MustCompile(`<p>\w+</p>`) }},
		{name: "regex mismatch", path: "/html", edit: func(s *config.Service) { httpOptions(s).Expect.BodyRegex = regexp.MustCompile(`^up$`) },
			reason: "body does not match /^up$/"},
		{name: "json equal", path: "/json", edit: httpJSONWant("items.0.ok", true, "data.count", 3, "ratio", 0.1, "one", 1, "nil", nil)},
		{name: "json big integer", path: "/json", edit: httpJSONWant("big", uint64(12345678901234567890))},
		{name: "json mismatch", path: "/json", edit: httpJSONWant("data.status", "UP"),
			reason: `json data.status = "DOWN", want "UP"`},
		{name: "json number vs string", path: "/json", edit: httpJSONWant("data.count", "3"),
			reason: `json data.count = 3, want "3"`},
		{name: "json float", path: "/json", edit: httpJSONWant("data.count", 3.5), reason: "json data.count = 3, want 3.5"},
		{name: "json missing", path: "/json", edit: httpJSONWant("items.1.ok", true), reason: "json items.1.ok missing, want true"},
		{name: "json object", path: "/json", edit: httpJSONWant("data", "x"), reason: `json data = an object, want "x"`},
		{name: "json not json", path: "/html", edit: httpJSONWant("a", 1), reason: "body is not JSON"},
		{name: "header contains", path: "/json", edit: httpHeaderWant("Content-Type", "json")},
		{name: "header mismatch", path: "/html", edit: httpHeaderWant("Content-Type", "json"),
			reason: `header Content-Type = "text/html", want "json"`},
		{name: "header missing", path: "/ok", edit: httpHeaderWant("X-Version", "2"), reason: `header X-Version missing, want "2"`},
		{name: "redirects followed", path: "/r/3",
			facts: map[string]string{"status": "200 OK", "redirects": "3", "final URL": "{srv}/ok?…"}},
		{name: "ten redirects", path: "/r/10", facts: map[string]string{"redirects": "10"}},
		{name: "eleven redirects", path: "/r/11", reason: "stopped after 10 redirects"},
		{name: "redirect loop", path: "/loop", reason: "stopped after 10 redirects"},
		{name: "redirect to another protocol", path: "/ftp", reason: "redirected to ftp://, not followed: only http and https are"},
		{name: "redirect not followed", path: "/r/1", edit: func(s *config.Service) { httpOptions(s).FollowRedirects = false },
			facts: map[string]string{"status": "302 Found"}},
		{name: "redirect judged by status", path: "/r/1",
			edit: func(s *config.Service) {
				httpOptions(s).FollowRedirects = false
				httpOptions(s).Expect.Status = []int{200}
			},
			reason: "status 302, want 200"},
		{name: "request sent as configured", path: "/echo", edit: func(s *config.Service) {
			httpOptions(s).Method, httpOptions(s).Body = http.MethodPost, "ping"
			httpOptions(s).Headers = []config.Header{{Name: "Authorization", Value: httpSecret}, {Name: "Host", Value: "svc.internal"}}
			httpOptions(s).Expect.BodyContains = "echo ok"
		}},
		{name: "secret echoed in json", path: "/reflect", edit: func(s *config.Service) {
			httpOptions(s).Headers = []config.Header{{Name: "Authorization", Value: httpLongSecret}}
			httpOptions(s).Expect.JSON = []JSONExpect{{Path: "auth", Want: "nope"}}
		}, reason: `json auth = "•••", want "nope"`},
		{name: "secret echoed in header", path: "/reflect", edit: func(s *config.Service) {
			httpOptions(s).Headers = []config.Header{{Name: "Authorization", Value: httpLongSecret}}
			httpOptions(s).Expect.Headers = []config.Header{{Name: "X-Echo", Value: "nope"}}
		}, reason: `header X-Echo = "•••", want "nope"`},
	}
	for _, path := range httpPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				svc := httpService(srv.URL + tt.path)
				if tt.edit != nil {
					tt.edit(&svc)
				}
				res := httpRun(t, svc, httpOn(path.transportOnly, nil))
				if res.OK != (tt.reason == "") || res.Reason != tt.reason {
					t.Errorf("Check(%s) = OK %v, reason %q; want reason %q", tt.path, res.OK, res.Reason, tt.reason)
				}
				for label, want := range tt.facts {
					want = strings.ReplaceAll(want, "{srv}", srv.URL)
					if got := httpFact(res, label); got != want {
						t.Errorf("Check(%s) fact %q = %q, want %q", tt.path, label, got, want)
					}
				}
				if res.Latency <= 0 || res.Start.IsZero() {
					t.Errorf("Check(%s) Start, Latency = %v, %v; want both set", tt.path, res.Start, res.Latency)
				}
				httpAssertClean(t, res)
			})
		}
	}
}

func httpJSONWant(pairs ...any) func(*config.Service) {
	return func(s *config.Service) {
		for i := 0; i < len(pairs); i += 2 {
			httpOptions(s).Expect.JSON = append(httpOptions(s).Expect.JSON, JSONExpect{Path: pairs[i].(string), Want: pairs[i+1]})
		}
	}
}

func httpHeaderWant(name, value string) func(*config.Service) {
	return func(s *config.Service) {
		httpOptions(s).Expect.Headers = append(httpOptions(s).Expect.Headers, config.Header{Name: name, Value: value})
	}
}

func TestHTTPFailureHidesSecrets(t *testing.T) {
	svc := httpService("http://127.0.0.1:1/")
	httpOptions(&svc).Headers = []config.Header{{Name: "Authorization", Value: httpLongSecret}}
	h, err := newHTTPChecker(withSecrets(svc))
	if err != nil {
		t.Fatalf("newHTTPChecker = %v, want nil", err)
	}
	// What net/http says of a response header line that echoes the request's.
	echoed := fmt.Errorf("net/http: %w", fmt.Errorf("malformed MIME header line: %q", "X-Echo: "+httpLongSecret+"\x1b"))
	got := h.failure(context.Background(), echoed, newPhaseRecorder(time.Now()))
	if want := `malformed MIME header line: "X-Echo: •••\x1b"`; got != want {
		t.Errorf("failure(echoed secret) = %q, want %q", got, want)
	}
}

func TestHTTPURLUserinfoNeverShown(t *testing.T) {
	checkerLeakCheck(t)
	srv := httptest.NewServer(httpTestMux())
	t.Cleanup(srv.Close)
	u := strings.Replace(srv.URL, "http://", "http://admin:hunter2-pass@", 1) + "/r/1"
	for _, path := range httpPaths {
		res := httpRun(t, httpService(u), httpOn(path.transportOnly, nil))
		want := srv.URL + "/ok?…"
		if got := httpFact(res, "final URL"); got != want {
			t.Errorf("%s: Check(%s) fact final URL = %q, want %q", path.name, u, got, want)
		}
	}
}

func TestHTTPPhases(t *testing.T) {
	checkerLeakCheck(t)
	srv := httptest.NewServer(httpTestMux())
	t.Cleanup(srv.Close)
	tests := []struct {
		path string
		want []string
	}{
		{"/ok", []string{PhaseConnect, PhaseFirstByte}},
		{"/r/2", []string{PhaseRedirects, PhaseConnect, PhaseFirstByte}},
		// A name is looked up first (localhost, from the hosts file).
		{"localhost/ok", []string{PhaseDNS, PhaseConnect, PhaseFirstByte}},
	}
	for _, path := range httpPaths {
		for _, tt := range tests {
			u := srv.URL + tt.path
			if name, p, ok := strings.Cut(tt.path, "/"); ok && name != "" {
				u = strings.Replace(srv.URL, "127.0.0.1", name, 1) + "/" + p
			}
			res := httpRun(t, httpService(u), httpOn(path.transportOnly, nil))
			var got []string
			var sum time.Duration
			for _, p := range res.Phases {
				got = append(got, p.Name)
				sum += p.Duration
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("%s: Check(%s) phases = %v, want %v", path.name, tt.path, got, tt.want)
			}
			// The latency is the network's time, step by step: the phases, without the
			// program's own scheduling between them.
			if sum != res.Latency {
				t.Errorf("%s: Check(%s) phases sum to %v, want the latency %v", path.name, tt.path, sum, res.Latency)
			}
		}
	}
}

// httpRawServer answers every connection with response as is, after reading the request head
// if readRequest, so tests can send what no well-behaved server would.
func httpRawServer(t *testing.T, response string, readRequest bool) string {
	t.Helper()
	return serveConns(t, func(conn net.Conn) {
		br := bufio.NewReader(conn)
		for readRequest {
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		io.WriteString(conn, response)
	})
}

func TestHTTPHostileResponse(t *testing.T) {
	checkerLeakCheck(t)
	body := `{"status":"\u001b[31mDOWN\u001b[0m\u202e","note":"` + strings.Repeat(`\u001b[5m!`, 100) + `"}`
	addr := httpRawServer(t, "HTTP/1.1 503 \x1b[31mDOWN\x1b]0;pwned\x07 now\u202e\r\n"+
		"Content-Type: text/\u202ehtml\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body, true)
	accept503 := func(s *config.Service) { httpOptions(s).Expect.Status = []int{503} }
	tests := []struct {
		name   string
		edit   func(*config.Service)
		reason string
	}{
		{"status", nil, "status 503, want 200-399"},
		{"header", func(s *config.Service) { accept503(s); httpHeaderWant("Content-Type", "json")(s) },
			`header Content-Type = "text/html", want "json"`},
		{"json", func(s *config.Service) { accept503(s); httpJSONWant("status", "UP")(s) }, `json status = "DOWN", want "UP"`},
		{"long json", func(s *config.Service) { accept503(s); httpJSONWant("note", "x")(s) },
			`json note = "` + strings.Repeat("!", quotedMax-1) + `…", want "x"`},
		{"contains", func(s *config.Service) { accept503(s); httpOptions(s).Expect.BodyContains = "UP" }, `body does not contain "UP"`},
	}
	for _, path := range httpPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				svc := httpService("http://" + addr + "/")
				if tt.edit != nil {
					tt.edit(&svc)
				}
				res := httpRun(t, svc, httpOn(path.transportOnly, nil))
				if res.Reason != tt.reason {
					t.Errorf("Check(hostile) reason = %q, want %q", res.Reason, tt.reason)
				}
				if got, want := httpFact(res, "status"), "503 DOWN now"; got != want {
					t.Errorf("Check(hostile) fact status = %q, want %q", got, want)
				}
				httpAssertClean(t, res)
			})
		}
	}
}

func TestHTTPConnectionFailures(t *testing.T) {
	checkerLeakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen = %v, want nil", err)
	}
	refused := ln.Addr().String()
	ln.Close()
	closing := httpRawServer(t, "", true)
	garbage := httpRawServer(t, "SSH-2.0-OpenSSH_9.6\r\n\x1b[31mnot http\r\n", true)
	banner := httpRawServer(t, "SSH-2.0-OpenSSH_9.6\r\n", false)
	badHeader := httpRawServer(t, "HTTP/1.1 200 OK\r\nX-Evil: \x1b]0;pwned\x07\r\n\r\n", true)
	tests := []struct {
		name, url, reason string
	}{
		{"refused", "http://" + refused + "/", "connection refused"},
		{"closed at once", "http://" + closing + "/", "server closed the connection"},
		{"not http", "http://" + garbage + "/", `malformed HTTP response "SSH-2.0-OpenSSH_9.6"`},
		{"bad header", "http://" + badHeader + "/", `malformed MIME header line: "X-Evil: \x1b]0;pwned\a"`},
		{"https to plain", "https://" + banner + "/", "tls handshake failed: the server does not speak TLS"},
	}
	for _, path := range httpPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				res := httpRun(t, httpService(tt.url), httpOn(path.transportOnly, nil))
				if res.OK || res.Reason != tt.reason {
					t.Errorf("Check(%s) = OK %v, reason %q; want reason %q", tt.url, res.OK, res.Reason, tt.reason)
				}
				httpAssertClean(t, res)
			})
		}
	}
}

// httpHungServer accepts connections and never answers, until the test ends.
func httpHungServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen = %v, want nil", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestHTTPTimeout(t *testing.T) {
	checkerLeakCheck(t)
	addr := httpHungServer(t)
	const timeout = 200 * time.Millisecond
	tests := []struct {
		scheme, phase string
	}{
		{"http", PhaseFirstByte}, // connected, no response
		{"https", PhaseTLS},      // connected, no handshake
	}
	for _, path := range httpPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.scheme, func(t *testing.T) {
				svc := httpService(tt.scheme + "://" + addr + "/")
				svc.Timeout = timeout
				start := time.Now()
				res := httpRun(t, svc, httpOn(path.transportOnly, nil))
				if elapsed := time.Since(start); elapsed > timeout+5*time.Second {
					t.Errorf("Check(hung %s) took %v, want about %v", tt.scheme, elapsed, timeout)
				}
				if res.Reason != "timeout after 200ms" {
					t.Errorf("Check(hung %s) reason = %q, want %q", tt.scheme, res.Reason, "timeout after 200ms")
				}
				if n := len(res.Phases); n == 0 || res.Phases[n-1].Name != tt.phase {
					t.Errorf("Check(hung %s) phases = %v, want the last one %q", tt.scheme, res.Phases, tt.phase)
				}
			})
		}
	}
}

func BenchmarkHTTPCheck(b *testing.B) {
	srv := httptest.NewServer(httpTestMux())
	defer srv.Close()
	cases := []struct {
		name, path string
		edit       func(*config.Service)
	}{
		{"status", "/ok", nil},
		{"body_contains", "/ok", func(s *config.Service) { httpOptions(s).Expect.BodyContains = "ok" }},
		{"json", "/json", httpJSONWant("data.count", 3, "items.0.ok", true)},
	}
	for _, path := range httpPaths {
		for _, bc := range cases {
			b.Run(path.name+"/"+bc.name, func(b *testing.B) {
				svc := httpService(srv.URL + bc.path)
				if bc.edit != nil {
					bc.edit(&svc)
				}
				c, err := newHTTPChecker(svc)
				if err != nil {
					b.Fatalf("newHTTPChecker = %v, want nil", err)
				}
				c.transportOnly = path.transportOnly
				benchChecks(b, c)
			})
		}
	}
}

// TestHTTPRequestHeaderShared: checkers whose services configure no headers share one request
// header (a map each was 0.4 KB of heap a service), and one that configures headers has its own,
// with the default User-Agent unless it sets one.
func TestHTTPRequestHeaderShared(t *testing.T) {
	mk := func(headers ...config.Header) *httpChecker {
		t.Helper()
		svc := httpService("http://127.0.0.1:1/")
		httpOptions(&svc).Headers = headers
		c, err := newHTTPChecker(svc)
		if err != nil {
			t.Fatalf("newHTTPChecker = %v, want nil", err)
		}
		return c
	}
	a, b := mk(), mk()
	if reflect.ValueOf(a.header).Pointer() != reflect.ValueOf(b.header).Pointer() {
		t.Error("two checkers without headers have a request header each, want one shared")
	}
	own := mk(config.Header{Name: "X-Team", Value: "ops"})
	if reflect.ValueOf(own.header).Pointer() == reflect.ValueOf(a.header).Pointer() {
		t.Error("a checker with headers shares the default request header, want its own")
	}
	if got := own.header.Get("User-Agent"); got != "uptty" || own.header.Get("X-Team") != "ops" {
		t.Errorf("request header %v, want X-Team and User-Agent uptty", own.header)
	}
	if got := a.header.Get("User-Agent"); got != "uptty" || len(a.header) != 1 {
		t.Errorf("default request header %v, want User-Agent uptty alone", a.header)
	}
}

// TestHTTPToATLSPort: http:// to a port that speaks TLS gets the web server's canned 400
// (Go's, nginx's, Apache's); the reason says what to change, as a https:// URL to a plain
// port says it the other way round.
func TestHTTPToATLSPort(t *testing.T) {
	checkerLeakCheck(t)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	nginx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "<html><body><center><h1>400 Bad Request</h1></center>\n<center>The plain HTTP request was sent to HTTPS port</center></body></html>")
	}))
	t.Cleanup(nginx.Close)
	plain400 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "missing parameter", http.StatusBadRequest)
	}))
	t.Cleanup(plain400.Close)
	const hint = "status 400, want 200-399: the server speaks TLS: use https://"
	for _, path := range httpPaths {
		for _, tt := range []struct{ name, url, reason string }{
			{"Go's TLS server", "http://" + tlsSrv.Listener.Addr().String() + "/", hint},
			{"nginx", nginx.URL + "/", hint},
			{"another 400", plain400.URL + "/", "status 400, want 200-399"},
		} {
			res := httpRun(t, httpService(tt.url), httpOn(path.transportOnly, nil))
			if res.OK || res.Reason != tt.reason {
				t.Errorf("%s: Check(%s) = OK %v, reason %q; want %q", path.name, tt.name, res.OK, res.Reason, tt.reason)
			}
		}
	}
}
