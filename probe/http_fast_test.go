package probe

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

// httpNoTransport makes c fail t if a request goes through its transport rather than the
// one-shot path.
func httpNoTransport(t *testing.T) func(*httpChecker) {
	return func(c *httpChecker) {
		httpOwnTransport(c)
		c.transport.DialContext = func(context.Context, string, string) (net.Conn, error) {
			t.Errorf("the transport dialled, want every request on the one-shot path")
			return nil, io.EOF
		}
	}
}

// TestHTTPFastPathTaken checks which requests the one-shot path sends itself: those it sends
// exactly as the transport would, redirects and request bodies included.
func TestHTTPFastPathTaken(t *testing.T) {
	checkerLeakCheck(t)
	srv := httptest.NewServer(httpTestMux())
	t.Cleanup(srv.Close)
	tests := []struct {
		name string
		path string
		edit func(*config.Service)
	}{
		{"get", "/ok", nil},
		{"redirects", "/r/3", nil},
		{"post with headers", "/echo", func(s *config.Service) {
			httpOptions(s).Method, httpOptions(s).Body = http.MethodPost, "ping"
			httpOptions(s).Headers = []config.Header{{Name: "Authorization", Value: httpSecret}, {Name: "Host", Value: "svc.internal"}}
			httpOptions(s).Expect.BodyContains = "echo ok"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := httpService(srv.URL + tt.path)
			if tt.edit != nil {
				tt.edit(&svc)
			}
			if res := httpRun(t, svc, httpNoTransport(t)); !res.OK {
				t.Errorf("Check(%s) = %q, want OK", tt.path, res.Reason)
			}
		})
	}
}

func TestFastEligible(t *testing.T) {
	get := func(url string) *http.Request {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	withHeader := func(name, value string) *http.Request {
		req := get("http://127.0.0.1/")
		req.Header.Set(name, value)
		return req
	}
	bigBody, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", strings.NewReader(strings.Repeat("x", fastBodyMax+1)))
	smallBody, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", strings.NewReader("ping"))
	tests := []struct {
		name string
		req  *http.Request
		want bool
	}{
		{"http", get("http://127.0.0.1:8080/x"), true},
		{"https", get("https://example.com/"), true},
		{"small body", smallBody, true},
		{"large body", bigBody, false},
		{"idna host", get("http://bücher.example/"), false},
		{"other scheme", get("ftp://example.com/"), false},
		{"expect continue", withHeader("Expect", "100-continue"), false},
		{"connection header", withHeader("Connection", "keep-alive"), false},
		{"upgrade", withHeader("Upgrade", "websocket"), false},
	}
	for _, tt := range tests {
		if got := fastEligible(tt.req); got != tt.want {
			t.Errorf("fastEligible(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestHTTPRedirectBody checks that a redirect keeps or drops the request's body and method as
// the Client decides, on both paths.
func TestHTTPRedirectBody(t *testing.T) {
	checkerLeakCheck(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/307", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/seen", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/302", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/seen", http.StatusFound) })
	mux.HandleFunc("/seen", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Method+" "+string(body))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tests := []struct{ path, want string }{{"/307", "POST ping"}, {"/302", "GET "}}
	for _, path := range httpPaths {
		for _, tt := range tests {
			svc := httpService(srv.URL + tt.path)
			httpOptions(&svc).Method, httpOptions(&svc).Body = http.MethodPost, "ping"
			httpOptions(&svc).Expect.BodyRegex = regexp.MustCompile("^" + tt.want + "$")
			if res := httpRun(t, svc, httpOn(path.transportOnly, nil)); !res.OK {
				t.Errorf("%s: Check(POST %s) = %q, want the target to see %q", path.name, tt.path, res.Reason, tt.want)
			}
		}
	}
}

// TestHTTPGzip checks that both paths ask for gzip and judge the unpacked body, with the
// encoding's headers gone as the Transport removes them.
func TestHTTPGzip(t *testing.T) {
	checkerLeakCheck(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" || r.Header.Get("Connection") != "close" {
			http.Error(w, "accept-encoding "+r.Header.Get("Accept-Encoding")+", connection "+r.Header.Get("Connection"), http.StatusBadRequest)
			return
		}
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		io.WriteString(zw, "all healthy")
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		w.Write(b.Bytes())
	}))
	t.Cleanup(srv.Close)
	for _, path := range httpPaths {
		svc := httpService(srv.URL)
		httpOptions(&svc).Expect.BodyContains = "healthy"
		httpHeaderWant("Content-Encoding", "gzip")(&svc)
		res := httpRun(t, svc, httpOn(path.transportOnly, nil))
		if want := `header Content-Encoding missing, want "gzip"`; res.Reason != want {
			t.Errorf("%s: Check(gzip) reason = %q, want %q", path.name, res.Reason, want)
		}
		svc = httpService(srv.URL)
		httpOptions(&svc).Expect.BodyContains = "healthy"
		if res := httpRun(t, svc, httpOn(path.transportOnly, nil)); !res.OK {
			t.Errorf("%s: Check(gzip, contains) = %q, want OK", path.name, res.Reason)
		}
	}
}

// TestHTTPHostileServers runs the checks that a hostile or broken server must not hang, flood
// or confuse, on both paths.
func TestHTTPHostileServers(t *testing.T) {
	checkerLeakCheck(t)
	const gig = 1 << 30
	// A body of 1 GB, announced and streamed until the client goes away.
	var sent atomic.Int64
	huge := serveConns(t, func(conn net.Conn) {
		httpReadHead(conn)
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(gig)+"\r\n\r\n")
		chunk := make([]byte, 32<<10)
		for n := 0; n < gig; n += len(chunk) {
			if _, err := conn.Write(chunk); err != nil {
				return
			}
			sent.Add(int64(len(chunk)))
		}
	})
	// Headers that never end, a byte at a time.
	slowloris := serveConns(t, func(conn net.Conn) {
		httpReadHead(conn)
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nX-Slow: ")
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
		}
	})
	// Headers that never end, as fast as the client reads.
	flood := serveConns(t, func(conn net.Conn) {
		httpReadHead(conn)
		io.WriteString(conn, "HTTP/1.1 200 OK\r\n")
		line := []byte("X-Flood: " + strings.Repeat("x", 1000) + "\r\n")
		for {
			if _, err := conn.Write(line); err != nil {
				return
			}
		}
	})
	hung := httpHungServer(t)
	// A status line cut short by the timeout: what was read of it is not the reason.
	halfLine := serveConns(t, func(conn net.Conn) {
		httpReadHead(conn)
		io.WriteString(conn, "HTTP/1")
		io.Copy(io.Discard, conn) // until the client goes away
	})
	badStatus := httpRawServer(t, "HTTP/1.1 abc OK\r\n\r\n", true)
	binary := httpRawServer(t, "\x00\x01\x02\xff\r\n\r\n", true)
	early := httpRawServer(t, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true)
	tests := []struct {
		name, addr string
		contains   string
		reason     string
	}{
		{name: "1 GB body, not read", addr: huge},
		{name: "1 GB body, searched", addr: huge, contains: "never",
			reason: `body does not contain "never" in first 1 MiB (uptty's limit)`},
		{name: "slowloris headers", addr: slowloris, reason: "timeout after 300ms"},
		{name: "endless headers", addr: flood, reason: "response headers over 64 KiB (uptty's limit)"},
		{name: "hung", addr: hung, reason: "timeout after 300ms"},
		{name: "half a status line, then nothing", addr: halfLine, reason: "timeout after 300ms"},
		{name: "garbage status", addr: badStatus, reason: `malformed HTTP status code "abc"`},
		{name: "binary status line", addr: binary, reason: `malformed HTTP response "\x00\x01\x02\xff"`},
		{name: "1xx before the answer", addr: early, contains: "ok"},
	}
	for _, path := range httpPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				svc := httpService("http://" + tt.addr + "/")
				svc.Timeout = caseTimeout(tt.reason, 300*time.Millisecond)
				httpOptions(&svc).Expect.BodyContains = tt.contains
				start := time.Now()
				res := httpRun(t, svc, httpOn(path.transportOnly, nil))
				if res.OK != (tt.reason == "") || res.Reason != tt.reason {
					t.Errorf("Check(%s) = OK %v, reason %q; want reason %q", tt.name, res.OK, res.Reason, tt.reason)
				}
				if elapsed := time.Since(start); elapsed > svc.Timeout+5*time.Second {
					t.Errorf("Check(%s) took %v, want within the timeout %v", tt.name, elapsed, svc.Timeout)
				}
				httpAssertClean(t, res)
			})
		}
	}
	// The server cannot have sent much more than the 1 MiB read and what the sockets hold.
	if n := sent.Load(); n > 2*httpPathsN*(bodyLimit+16<<20) {
		t.Errorf("the 1 GB server sent %d bytes, want the checks to stop reading at 1 MiB", n)
	}
}

var httpPathsN = int64(len(httpPaths))

// httpReadHead reads a request's head off conn.
func httpReadHead(conn net.Conn) {
	br := bufio.NewReader(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil || line == "\r\n" {
			return
		}
	}
}

// TestHTTPCanceled checks that cancelling a check ends it at once with "canceled", whatever it
// is waiting for, on both paths.
func TestHTTPCanceled(t *testing.T) {
	checkerLeakCheck(t)
	started := make(chan struct{}, 16)
	silent := serveConns(t, func(conn net.Conn) {
		httpReadHead(conn)
		started <- struct{}{}
		io.Copy(io.Discard, conn) // until the client goes away
	})
	for _, path := range httpPaths {
		for _, scheme := range []string{"http", "https"} {
			t.Run(path.name+"/"+scheme, func(t *testing.T) {
				addr := silent
				ready := (<-chan struct{})(started)
				if scheme == "https" {
					// A handshake that never completes: the server reads and says nothing.
					hs := make(chan struct{}, 1)
					addr = serveConns(t, func(conn net.Conn) {
						buf := make([]byte, 1)
						if _, err := conn.Read(buf); err == nil {
							hs <- struct{}{}
						}
						io.Copy(io.Discard, conn)
					})
					ready = hs
				}
				svc := withSecrets(httpService(scheme + "://" + addr + "/"))
				c, err := newHTTPChecker(svc)
				if err != nil {
					t.Fatal(err)
				}
				c.transportOnly = path.transportOnly
				checkCanceled(t, c, svc.URL, ready)
			})
		}
	}
}

// TestHTTPConcurrentH2 checks that concurrent checks of one HTTP/2 server each get an answer on
// a connection of their own: a connection the one-shot path hands to HTTP/2 serves its own check
// only.
func TestHTTPConcurrentH2(t *testing.T) {
	checkerLeakCheck(t)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(httpTestMux())
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	svc := httpService(srv.URL + "/ok")
	httpOptions(&svc).Insecure = true
	svc = withSecrets(svc)
	c, err := newHTTPChecker(svc)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	results := make(chan Result, n)
	for range n {
		go func() { results <- Run(context.Background(), c, svc) }()
	}
	for range n {
		if r := <-results; !r.OK || httpFact(r, "protocol") != "HTTP/2.0" {
			t.Errorf("Check(h2) = OK %v, reason %q, protocol %q; want OK over HTTP/2.0", r.OK, r.Reason, httpFact(r, "protocol"))
		}
	}
	if got := conns.Load(); got != n {
		t.Errorf("connections for %d checks = %d, want one each", n, got)
	}
}
