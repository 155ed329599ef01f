package probe

import (
	"bytes"
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
	"testing/iotest"
	"time"
)

// httpCountConn counts the bytes the client reads off the wire.
type httpCountConn struct {
	net.Conn
	n *atomic.Int64
}

func (c httpCountConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// httpCountReads makes c count every byte it reads from its connections, on either path.
func httpCountReads(c *httpChecker) *atomic.Int64 {
	n := new(atomic.Int64)
	httpOwnTransport(c)
	counting := func(dial func(context.Context, string, string) (net.Conn, error)) func(context.Context, string, string) (net.Conn, error) {
		return func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return httpCountConn{conn, n}, nil
		}
	}
	c.transport.DialContext = counting(c.transport.DialContext)
	c.dial = counting(httpDialer.DialContext)
	return n
}

// httpEndlessHandler streams x's until the client goes away, with "healthy" at byte ?at= if
// asked. /stall sends one byte and then nothing.
func httpEndlessHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/stall" {
		io.WriteString(w, "x")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	at, err := strconv.Atoi(r.URL.Query().Get("at"))
	if err != nil {
		at = -1
	}
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	for sent := 0; ; sent += len(chunk) {
		c := chunk
		if at >= sent && at < sent+len(chunk) {
			c = bytes.Clone(chunk)
			copy(c[at-sent:], "healthy")
		}
		if _, err := w.Write(c); err != nil {
			return
		}
		w.(http.Flusher).Flush()
	}
}

func TestHTTPEndlessBody(t *testing.T) {
	checkerLeakCheck(t)
	srv := httptest.NewServer(http.HandlerFunc(httpEndlessHandler))
	t.Cleanup(srv.Close)
	const slack = 16 << 10 // response head, chunk framing, the transport's read buffer
	tests := []struct {
		name, path       string
		contains, regex  string
		json             bool
		reason           string
		minRead, maxRead int64
	}{
		{name: "no body expectation reads nothing", path: "/", maxRead: slack},
		{name: "contains never found", path: "/", contains: "never",
			reason: `body does not contain "never" in first 1 MiB (uptty's limit)`, minRead: bodyLimit, maxRead: bodyLimit + slack},
		{name: "contains found stops reading", path: "/?at=300000", contains: "healthy",
			minRead: 300000, maxRead: 300000 + 64<<10 + slack},
		{name: "regex never matches", path: "/", regex: "never",
			reason: "body does not match /never/ in first 1 MiB (uptty's limit)", minRead: bodyLimit, maxRead: bodyLimit + slack},
		{name: "json too large", path: "/", json: true,
			reason: "body over 1 MiB (uptty's limit)", minRead: bodyLimit, maxRead: bodyLimit + slack},
	}
	for _, path := range httpPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				svc := httpService(srv.URL + tt.path)
				httpOptions(&svc).Expect.BodyContains = tt.contains
				if tt.regex != "" {
					httpOptions(&svc).Expect.BodyRegex = regexp.MustCompile(tt.regex)
				}
				if tt.json {
					httpJSONWant("a", 1)(&svc)
				}
				var read *atomic.Int64
				res := httpRun(t, svc, httpOn(path.transportOnly, func(c *httpChecker) { read = httpCountReads(c) }))
				if res.OK != (tt.reason == "") || res.Reason != tt.reason {
					t.Errorf("Check(endless %s) = OK %v, reason %q; want reason %q", tt.path, res.OK, res.Reason, tt.reason)
				}
				if n := read.Load(); n < tt.minRead || n > tt.maxRead {
					t.Errorf("Check(endless %s) read %d bytes, want %d to %d", tt.path, n, tt.minRead, tt.maxRead)
				}
			})
		}
	}
}

func TestHTTPBodyTimeout(t *testing.T) {
	checkerLeakCheck(t)
	srv := httptest.NewServer(http.HandlerFunc(httpEndlessHandler))
	t.Cleanup(srv.Close)
	svc := httpService(srv.URL + "/stall")
	svc.Timeout = 300 * time.Millisecond
	httpOptions(&svc).Expect.BodyContains = "never"
	for _, path := range httpPaths {
		start := time.Now()
		res := httpRun(t, svc, httpOn(path.transportOnly, nil))
		if res.Reason != "timeout after 300ms" {
			t.Errorf("%s: Check(stalled body) reason = %q, want %q", path.name, res.Reason, "timeout after 300ms")
		}
		if elapsed := time.Since(start); elapsed > svc.Timeout+5*time.Second {
			t.Errorf("%s: Check(stalled body) took %v, want about %v", path.name, elapsed, svc.Timeout)
		}
		if res.Latency >= svc.Timeout {
			t.Errorf("%s: Check(stalled body) latency = %v, want the time to headers, under %v", path.name, res.Latency, svc.Timeout)
		}
	}
}

// httpPartsReader returns its parts one Read at a time.
type httpPartsReader struct{ parts []string }

func (r *httpPartsReader) Read(p []byte) (int, error) {
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	if r.parts[0] == "" {
		r.parts = r.parts[1:]
	}
	return n, nil
}

func TestSearchBody(t *testing.T) {
	text := "aaa healthy bbb"
	for split := 0; split <= len(text); split++ {
		r := &httpPartsReader{parts: []string{text[:split], text[split:]}}
		if found, full, err := searchBody(r, []byte("healthy")); !found || full || err != nil {
			t.Errorf("searchBody(split at %d) = %v, %v, %v; want true, false, nil", split, found, full, err)
		}
	}
	long := strings.Repeat("ab", 30<<10) + "!" // a needle longer than one read
	body := strings.Repeat("x", 40<<10) + long + "tail"
	tests := []struct {
		name        string
		r           io.Reader
		needle      string
		found, full bool
	}{
		{"one byte reads", iotest.OneByteReader(strings.NewReader(text)), "healthy", true, false},
		{"long needle", iotest.HalfReader(strings.NewReader(body)), long, true, false},
		{"absent", strings.NewReader(text), "sick", false, false},
		{"at the very end", strings.NewReader(text), "bbb", true, false},
		{"endless", iotest.HalfReader(httpZeros{}), "never", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, full, err := searchBody(tt.r, []byte(tt.needle))
			if found != tt.found || full != tt.full || err != nil {
				t.Errorf("searchBody = %v, %v, %v; want %v, %v, nil", found, full, err, tt.found, tt.full)
			}
		})
	}
	broken := iotest.ErrReader(io.ErrUnexpectedEOF)
	if _, _, err := searchBody(broken, []byte("x")); err != io.ErrUnexpectedEOF {
		t.Errorf("searchBody(broken) err = %v, want %v", err, io.ErrUnexpectedEOF)
	}
}

// httpZeros is an endless body.
type httpZeros struct{}

func (httpZeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
