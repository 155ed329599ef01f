package probe

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The one-shot HTTP/1.1 path. Every check dials afresh (keep-alives off, by design: a check must
// see the connect), so net/http.Transport's pooling machinery is pure cost for it: a dialling
// goroutine, a reading and a writing goroutine per connection, and the channels and selects
// between them, each a wait for a CPU on a busy machine. httpAttempt is the RoundTripper that
// http.Client drives for every request of a check, redirects included (so the redirect policy,
// its limit and the headers carried across hops stay the Client's): it dials, handshakes, writes
// the request and reads the response head in the checking goroutine, and starts no goroutine. A
// request it cannot send exactly as the Transport would goes to the Transport instead (see
// fastEligible); so does a TLS connection on which the server chose HTTP/2, after the handshake
// (see handOffH2).

const (
	// maxHeaderBytes bounds a response's head (status line, headers and any 1xx responses before
	// it), as the Transport's MaxResponseHeaderBytes does for the other path.
	maxHeaderBytes = 64 << 10
	// fastBodyMax is the largest request body the one-shot path sends. It writes the whole
	// request before it reads: a body this small fits the socket's buffers, so the write cannot
	// block on a server that answers without reading it, which the Transport, reading while it
	// writes, would survive.
	fastBodyMax = 16 << 10
)

// httpDialer dials every HTTP check's connection, on both paths.
var httpDialer = &net.Dialer{KeepAlive: -1, Control: connectEarly}

// httpTLSConfigs are the one-shot path's TLS settings, verifying and not, offering the protocols
// the Transport offers (it asks for HTTP/2 first), so that a server sees the same handshake on
// either path. They are the Transport's settings but not its value: the Transport rewrites its
// NextProtos on first use.
var httpTLSConfigs = [2]*tls.Config{
	{NextProtos: []string{"h2", "http/1.1"}},
	{NextProtos: []string{"h2", "http/1.1"}, InsecureSkipVerify: true},
}

func httpTLSConfig(insecure bool) *tls.Config {
	if insecure {
		return httpTLSConfigs[1]
	}
	return httpTLSConfigs[0]
}

var (
	httpReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}
	httpWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4<<10) }}
)

// httpAttempt sends the requests of one check. It is not shared between checks.
type httpAttempt struct {
	h   *httpChecker
	ctx context.Context // the check's, without the trace hooks
	rec *phaseRecorder
	// usedTransport reports that a request went through the Transport, whose dials a check
	// that gives up leaves running: Check then ends them.
	usedTransport bool
	// first is the check's own request (the others are redirects'), whose address and header
	// the checker has made already.
	first *http.Request
}

// RoundTrip sends req on a connection of its own.
func (a *httpAttempt) RoundTrip(req *http.Request) (*http.Response, error) {
	if a.h.transportOnly || !fastEligible(req) {
		return a.viaTransport(req)
	}
	return a.roundTrip(req)
}

// viaTransport sends req through the shared Transport with the check's trace hooks.
func (a *httpAttempt) viaTransport(req *http.Request) (*http.Response, error) {
	a.usedTransport = true
	return a.h.transport.RoundTrip(req.WithContext(a.rec.withTrace(req.Context())))
}

// fastEligible reports whether the one-shot path sends req exactly as the Transport would:
// plain http or https to an ASCII host name (the Transport converts others with IDNA), no
// request that changes how the connection is used (Expect: 100-continue, a protocol upgrade, a
// Connection header of the user's), and a small body of known length. Neither path uses a
// proxy: uptty connects directly (the Transport's Proxy is nil, the environment is not read).
func fastEligible(req *http.Request) bool {
	u := req.URL
	if u == nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || req.Method == http.MethodConnect {
		return false
	}
	for i := 0; i < len(u.Host); i++ {
		if u.Host[i] >= 0x80 {
			return false
		}
	}
	if req.Body != nil && req.Body != http.NoBody && (req.ContentLength <= 0 || req.ContentLength > fastBodyMax) {
		return false
	}
	if len(req.TransferEncoding) > 0 || req.Close {
		return false
	}
	for _, k := range [...]string{"Expect", "Connection", "Upgrade", "Te", "Trailer", "Transfer-Encoding"} {
		if _, ok := req.Header[k]; ok {
			return false
		}
	}
	return true
}

// fastAddr is the address the Transport would dial for u (the default port added), and the name
// it would verify the certificate against (the address without the port).
func fastAddr(u *url.URL) (addr, tlsHost string) {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	addr = net.JoinHostPort(u.Hostname(), port)
	return addr, addr[:strings.LastIndexByte(addr, ':')]
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func (a *httpAttempt) roundTrip(req *http.Request) (*http.Response, error) {
	ctx, rec := a.ctx, a.rec
	rec.newRequest()
	addr, tlsHost := a.h.reqAddr, a.h.reqName
	if req.URL != a.h.reqURL {
		addr, tlsHost = fastAddr(req.URL)
	}
	conn, err := a.dial(ctx, addr)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	closeWaiting() // connections of checks that ended before: see closeSoon
	// Cancelling the check interrupts whatever the connection is blocked in; the deadline is the
	// check's own.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(aLongTimeAgo) })
	resp, keep, err := a.exchange(req, conn, addr, tlsHost)
	var body *fastBody
	if err == nil {
		body, _ = resp.Body.(*fastBody)
	}
	if body != nil {
		body.stop = stop // the body's Close stops it
	} else {
		stop()
	}
	if !keep {
		if err != nil {
			conn.Close() // a failed exchange: the server may still be at it
		} else {
			closeSoon(conn)
		}
	}
	if err != nil {
		closeBody(req)
		return nil, a.ctxErr(err)
	}
	return resp, nil
}

// exchange handshakes if the request is https, writes the request and reads the response head.
// keep reports that the connection lives on, in the response's body or with the HTTP/2
// Transport: the caller closes it otherwise.
func (a *httpAttempt) exchange(req *http.Request, conn net.Conn, addr, tlsHost string) (resp *http.Response, keep bool, err error) {
	ctx, rec := a.ctx, a.rec
	deadline, hasDeadline := ctx.Deadline()
	setDeadline := func(d time.Time, has bool) error {
		if !has {
			d = time.Time{}
		}
		conn.SetDeadline(d)
		return ctx.Err() // a cancel that came before the deadline was set
	}
	var state *tls.ConnectionState
	if req.URL.Scheme == "https" {
		// The Transport bounds the handshake by the check's timeout too.
		hsDeadline, hasHS, later := deadline, hasDeadline, false
		if t := a.h.timeout; t > 0 {
			if at := time.Now().Add(t); !hasHS || at.Before(hsDeadline) {
				hsDeadline, hasHS, later = at, true, true
			}
		}
		if err := setDeadline(hsDeadline, hasHS); err != nil {
			return nil, false, err
		}
		cfg := a.h.tlsConfig
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName = tlsHost
		}
		tc := tls.Client(conn, cfg)
		rec.begin(&rec.tls, false)
		// Handshake, not HandshakeContext: that one starts a goroutine to watch the context,
		// which the deadline and the caller's AfterFunc already do.
		herr := tc.Handshake()
		rec.end(&rec.tls)
		if herr != nil {
			herr = a.ctxErr(herr)
			rec.mu.Lock()
			rec.tlsErr = herr
			rec.mu.Unlock()
			return nil, false, herr
		}
		cs := tc.ConnectionState()
		state = &cs
		if cs.NegotiatedProtocol == "h2" {
			// The Transport's HTTP/2 watches the context itself.
			if err := setDeadline(time.Time{}, false); err != nil {
				return nil, false, err
			}
			resp, err := a.handOffH2(req, tc, addr)
			return resp, true, err
		}
		conn = tc
		if later {
			if err := setDeadline(deadline, hasDeadline); err != nil {
				return nil, false, err
			}
		}
	} else if err := setDeadline(deadline, hasDeadline); err != nil {
		return nil, false, err
	}
	rec.begin(&rec.firstByte, false)

	// The Transport asks for gzip (and unpacks it) unless the request says otherwise, and asks the
	// server to close the connection after the response.
	out := *req
	out.Close = true
	addedGzip := req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" && req.Method != http.MethodHead
	if addedGzip {
		if req == a.first && a.h.gzipHeader != nil {
			out.Header = a.h.gzipHeader
		} else {
			out.Header = withGzip(req.Header)
		}
	}
	bw := httpWriters.Get().(*bufio.Writer)
	bw.Reset(conn)
	err = out.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	httpWriters.Put(bw)
	if err != nil {
		return nil, false, err
	}
	rec.requestWritten()

	lc := &limitedConn{Conn: conn, left: maxHeaderBytes}
	br := httpReaders.Get().(*bufio.Reader)
	br.Reset(lc)
	release := func() {
		br.Reset(nil)
		httpReaders.Put(br)
	}
	if _, err := br.Peek(1); err != nil {
		release()
		return nil, false, headerErr(err, lc)
	}
	rec.endFirstByte()
	resp, err = readFinalResponse(br, req, lc)
	if err != nil {
		release()
		return nil, false, err
	}
	lc.left = -1
	resp.TLS = state
	if resp.Body == http.NoBody {
		release()
		return resp, false, nil
	}
	body := &fastBody{rc: resp.Body, conn: conn, release: release, ctx: ctx}
	resp.Body = body
	if addedGzip && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		body.gzip = true
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp, true, nil
}

var gzipOnly = []string{"gzip"}

// withGzip is a copy of h that asks for gzip.
func withGzip(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	out["Accept-Encoding"] = gzipOnly
	return out
}

// defaultGzipHeader is the header with gzip of every checker that sends only uptty's
// User-Agent, shared: nothing writes to it.
var defaultGzipHeader = withGzip(http.Header{"User-Agent": {"uptty"}})

// gzipHeaderFor is the header the one-shot path sends for a request with header h and method:
// h with the Accept-Encoding it adds, or nil when it adds none (see exchange).
func gzipHeaderFor(h http.Header, method string) http.Header {
	if h.Get("Accept-Encoding") != "" || h.Get("Range") != "" || method == http.MethodHead {
		return nil
	}
	if len(h) == 1 && len(h["User-Agent"]) == 1 && h["User-Agent"][0] == "uptty" {
		return defaultGzipHeader
	}
	return withGzip(h)
}

// aLongTimeAgo is a deadline in the past, which interrupts a connection's reads and writes.
var aLongTimeAgo = time.Unix(1, 0)

// dial connects to addr, timing the connect (and the DNS lookup, for a name) through the same
// hooks as the Transport's path, and stamps the connection's reads with their receive times.
// The dial is bounded by the check's timeout, as the Transport's dial is.
func (a *httpAttempt) dial(ctx context.Context, addr string) (net.Conn, error) {
	if t := a.h.timeout; t > 0 {
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > t {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, t)
			defer cancel()
		}
	}
	dial := a.h.dial
	if dial == nil {
		dial = httpDialer.DialContext
	}
	rec := a.rec
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		// An IP address needs no lookup and gets one connect: the dial is the connect step
		// (its hook would start just before the socket is made), without the trace's cost.
		rec.connectStart()
		if a.h.dial == nil {
			if conn, ok, err := dialIP(ctx, ap, rec); ok {
				rec.end(&rec.connect)
				if err != nil {
					return nil, err
				}
				rec.handshakeRTT(handshakeRTT(conn))
				return conn, nil
			}
		}
		conn, err := dial(ctx, "tcp", addr)
		rec.end(&rec.connect)
		if err != nil {
			return nil, err
		}
		return stampConnFor(rec, conn), nil
	}
	conn, err := dial(httptrace.WithClientTrace(ctx, rec.dialTrace()), "tcp", addr)
	if err != nil {
		return nil, err
	}
	return stampConnFor(rec, conn), nil
}

// ctxErr is the context's error once the check is over, rather than the broken read or write
// that ending it caused, as the Transport reports.
func (a *httpAttempt) ctxErr(err error) error {
	if cerr := a.ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// readFinalResponse reads responses until one that is not a 1xx informational one, all within
// one head limit, as the Transport does when no hook watches 1xx responses.
func readFinalResponse(br *bufio.Reader, req *http.Request, lc *limitedConn) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, headerErr(err, lc)
		}
		if code := resp.StatusCode; code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
			continue
		}
		return resp, nil
	}
}

func headerErr(err error, lc *limitedConn) error {
	if lc.left == 0 {
		return fmt.Errorf("net/http: server response headers exceeded %d bytes; aborted", maxHeaderBytes)
	}
	return err
}

// limitedConn reads at most left bytes while left is not negative, as the Transport's
// persistConn does for a response head.
type limitedConn struct {
	net.Conn
	left int64
}

func (c *limitedConn) Read(p []byte) (int, error) {
	if c.left < 0 {
		return c.Conn.Read(p)
	}
	if c.left == 0 {
		return 0, fmt.Errorf("read limit of %d bytes exhausted", maxHeaderBytes)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}

// fastBody is a one-shot response's body: closing it closes the connection, as the Transport's
// does with keep-alives off.
type fastBody struct {
	rc      io.ReadCloser
	conn    net.Conn
	stop    func() bool
	release func()
	ctx     context.Context
	gzip    bool
	zr      *gzip.Reader
	zerr    error
	closed  bool
	broken  bool // a read failed (the deadline, say)
}

var errReadOnClosed = errors.New("http: read on closed response body")

func (b *fastBody) Read(p []byte) (n int, err error) {
	if b.closed {
		return 0, errReadOnClosed
	}
	if b.gzip {
		if b.zr == nil && b.zerr == nil {
			b.zr, b.zerr = gzip.NewReader(b.rc)
		}
		if b.zerr != nil {
			return 0, b.zerr
		}
		n, err = b.zr.Read(p)
	} else {
		n, err = b.rc.Read(p)
	}
	if err != nil && err != io.EOF {
		b.broken = true
		if cerr := b.ctx.Err(); cerr != nil {
			err = cerr
		}
	}
	return n, err
}

func (b *fastBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	b.stop()
	var err error
	if b.broken || b.ctx.Err() != nil {
		// The check gave up on the body: the server may still be sending it.
		err = b.conn.Close()
	} else {
		err = closeSoon(b.conn)
	}
	b.release()
	return err
}

// h2Conn carries a connection on which the server chose HTTP/2 to the Transport's dialer.
type h2Conn struct{ conn atomic.Pointer[tls.Conn] }

type h2ConnKey struct{}

// h2Transport speaks HTTP/2 on connections the one-shot path dialled and handshook, each a
// ClientConn of its own outside any pool (a pooled one could serve another check's request); it
// never dials itself.
var h2Transport = &http.Transport{
	DialTLSContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		if c, _ := ctx.Value(h2ConnKey{}).(*h2Conn); c != nil {
			if conn := c.conn.Swap(nil); conn != nil {
				return conn, nil
			}
		}
		return nil, errors.New("no connection")
	},
	DisableKeepAlives:      true,
	ForceAttemptHTTP2:      true,
	MaxResponseHeaderBytes: maxHeaderBytes,
}

// handOffH2 sends req on tc, where the server chose HTTP/2, through the Transport's HTTP/2
// implementation, timing the wait for the answer with the same hooks as the Transport's path.
func (a *httpAttempt) handOffH2(req *http.Request, tc *tls.Conn, addr string) (*http.Response, error) {
	hc := &h2Conn{}
	hc.conn.Store(tc)
	cc, err := h2Transport.NewClientConn(context.WithValue(req.Context(), h2ConnKey{}, hc), "https", addr)
	if conn := hc.conn.Swap(nil); conn != nil {
		conn.Close() // the Transport failed before it took the connection
	}
	if err != nil {
		return nil, err
	}
	rec := a.rec
	rec.begin(&rec.firstByte, false)
	ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest:         func(httptrace.WroteRequestInfo) { rec.requestWritten() },
		GotFirstResponseByte: func() { rec.endFirstByte() },
	})
	resp, err := cc.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cc.Close()
		return nil, err
	}
	resp.Body = &h2Body{ReadCloser: resp.Body, cc: cc}
	return resp, nil
}

// h2Body closes the connection with the body: each ClientConn serves one check.
type h2Body struct {
	io.ReadCloser
	cc *http.ClientConn
}

func (b *h2Body) Close() error {
	err := b.ReadCloser.Close()
	b.cc.Close()
	return err
}
