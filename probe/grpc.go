package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

// KindGRPC is the kind of grpc:// and grpcs:// services: the standard health check.
const KindGRPC config.Kind = "grpc"

var grpcKind = kind{
	spec: config.KindSpec{
		Kind:     KindGRPC,
		Schemes:  []string{"grpc", "grpcs"},
		Keys:     []config.Key{{Name: "insecure", Schemes: []string{"grpcs"}}},
		CheckURL: checkGRPCURL,
		Parse:    parseGRPC,
	},
	new: newGRPCChecker,
}

// checkGRPCURL checks host:port[/service]: the path, if any, is one service name.
func checkGRPCURL(u *url.URL) error {
	form := u.Scheme + "://host:port[/service]"
	if err := config.CheckHostURL(u, form, true); err != nil {
		return err
	}
	if strings.Contains(strings.TrimPrefix(u.Path, "/"), "/") {
		return errors.New("the path is one gRPC service name: write " + form)
	}
	return nil
}

// GRPCOptions are a grpc(s) service's options.
type GRPCOptions struct {
	Insecure bool // grpcs: skip certificate verification
}

// Brief says when certificates are not verified.
func (g GRPCOptions) Brief() config.Brief { return certBrief(config.Brief{}, 0, g.Insecure) }

func parseGRPC(o *config.Options) any {
	var g GRPCOptions
	if v, ok := o.Get("insecure"); ok {
		g.Insecure, _ = v.Bool()
	}
	return g
}

// grpcChecker calls grpc.health.v1.Health/Check on a fresh connection each time, so that a
// server that stops accepting connections is seen at once rather than hidden behind one that
// stays open. The call is one HTTP/2 request through net/http (grpcwire.go), not through
// grpc-go's client: that one library was 5 MB of uptty's 25 MB of code and read-only data, all
// of it mapped and most of it resident in every uptty, checking gRPC or not (README "Memory").
type grpcChecker struct {
	addr     string // host:port
	host     string // for TLS verification
	service  string // "" asks about the server as a whole
	tls      bool
	insecure bool
	timeout  time.Duration
	// roots verifies grpcs servers; nil means the system's roots. Tests set their own CA.
	roots *x509.CertPool
}

// newGRPCChecker builds the checker for grpc://host:port[/service] (plaintext) and
// grpcs://host:port[/service] (TLS). The port defaults to 80 and 443 respectively.
func newGRPCChecker(svc config.Service) (Checker, error) {
	u, err := url.Parse(svc.URL)
	if err != nil {
		return nil, fmt.Errorf("grpc: %w", err)
	}
	opts, err := optionsOf(svc, func(string) GRPCOptions { return GRPCOptions{} })
	if err != nil {
		return nil, err
	}
	c := &grpcChecker{host: u.Hostname(), insecure: opts.Insecure, timeout: svc.Timeout}
	port := "80"
	switch u.Scheme {
	case "grpc":
	case "grpcs":
		c.tls, port = true, "443"
	default:
		return nil, fmt.Errorf("grpc: scheme %q, want grpc or grpcs", u.Scheme)
	}
	if c.host == "" {
		return nil, fmt.Errorf("grpc: no host in %q (write %s://host:port/service)", svc.URL, u.Scheme)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("grpc: %q has a query or fragment, want %s://host:port/service", svc.URL, u.Scheme)
	}
	if p := u.Port(); p != "" {
		port = p
	}
	c.addr = net.JoinHostPort(c.host, port)
	c.service = u.Path
	if len(c.service) > 0 && c.service[0] == '/' {
		c.service = c.service[1:]
	}
	return c, nil
}

// Check makes one health call. Dial and handshake errors are caught in the transport's dialers,
// so that the reason names them rather than what HTTP/2 made of them.
func (c *grpcChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	var cause grpcCause
	tr := c.transport(&cause)
	// The connection is this check's alone: closing the transport's idle connections ends it
	// and its read loop.
	defer tr.CloseIdleConnections()
	st, err := callHealth(ctx, tr, c.tls, c.addr, c.service)
	res.Latency = time.Since(res.Start)
	res.Phases = cause.phases()
	service := c.service
	if service == "" {
		service = "(server)"
	}
	res.Facts = append(res.Facts, Fact{Label: "service", Value: text.CleanText(service, quotedMax)})
	if err != nil {
		res.Reason = c.errReason(ctx, err, &cause)
		return res
	}
	name := st.String()
	res.Facts = append(res.Facts, Fact{Label: "status", Value: name})
	if st != servingStatusServing {
		res.Reason = "status " + name
		return res
	}
	res.OK = true
	return res
}

// transport is an HTTP/2-only transport for one check (h2c for grpc://), whose dialers record
// in cause how long connecting and the handshake took, or why they failed.
func (c *grpcChecker) transport(cause *grpcCause) *http.Transport {
	var protocols http.Protocols
	tr := &http.Transport{DialContext: cause.dialWatched, Protocols: &protocols, DisableCompression: true}
	if !c.tls {
		protocols.SetUnencryptedHTTP2(true)
		return tr
	}
	protocols.SetHTTP2(true)
	cfg := &tls.Config{
		ServerName:         c.host,
		RootCAs:            c.roots,
		InsecureSkipVerify: c.insecure, // the user asked for it, and the row says so
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"h2"},
	}
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := cause.dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		conn := tls.Client(raw, cfg)
		if err := conn.HandshakeContext(ctx); err != nil {
			raw.Close()
			cause.set(err, true)
			return nil, err
		}
		cause.took(&cause.tls, start)
		if conn.ConnectionState().NegotiatedProtocol != "h2" {
			// net/http needs the *tls.Conn itself to use HTTP/2 on it, so its first frame is not
			// watched as plaintext's is: ALPN says it instead.
			conn.Close()
			cause.set(errNoH2, false)
			return nil, errNoH2
		}
		return conn, nil
	}
	return tr
}

// errNoH2 is a TLS server that did not agree to HTTP/2, which gRPC runs on.
var errNoH2 = errors.New("server did not offer HTTP/2 (ALPN h2): not a gRPC port")

func (c *grpcChecker) errReason(ctx context.Context, err error, cause *grpcCause) string {
	if ctx.Err() != nil {
		return checkErrReason(ctx, ctx.Err(), c.timeout)
	}
	var st *grpcStatus
	if errors.As(err, &st) {
		switch st.code {
		case grpcNotFound:
			return "service unknown"
		case grpcUnimplemented:
			return "unimplemented: no health service"
		}
		return text.CleanText(grpcCodeText(st.code)+": "+st.message, reasonMax)
	}
	handshake, dialErr := cause.get()
	if dialErr != nil && handshake {
		return handshakeReason(ctx, dialErr, c.timeout)
	}
	if dialErr != nil {
		return checkErrReason(ctx, dialErr, c.timeout)
	}
	if cause.connected() && !cause.spokeHTTP2() {
		// The server hung up (EOF or reset, whichever the race gives) instead of answering
		// HTTP/2: most often a TLS port asked in plaintext.
		return "server hung up before speaking gRPC (not a gRPC port, or TLS: try grpcs://)"
	}
	return text.CleanText("unavailable: "+otherReason(err), reasonMax)
}

// grpcCodeText is a code as the gRPC docs write it in prose: "unavailable", "permission denied".
func grpcCodeText(code grpcCode) string {
	var b []byte
	lower := false // whether the previous letter was lower case, so "OK" stays one word
	for _, r := range code.String() {
		if r >= 'A' && r <= 'Z' {
			if lower {
				b = append(b, ' ')
			}
			r += 'a' - 'A'
			lower = false
		} else {
			lower = true
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// grpcCause keeps the first dial or handshake error of one check, how long the first
// successful dial and handshake took, and the connection, to tell whether the server spoke
// HTTP/2 on it.
type grpcCause struct {
	mu        sync.Mutex
	err       error
	handshake bool
	connect   time.Duration
	tls       time.Duration
	conn      *prefaceConn
}

// phases are the steps timed so far, in order.
func (g *grpcCause) phases() []Phase {
	g.mu.Lock()
	defer g.mu.Unlock()
	var ps []Phase
	if g.connect > 0 {
		ps = append(ps, Phase{Name: PhaseConnect, Duration: g.connect})
	}
	if g.tls > 0 {
		ps = append(ps, Phase{Name: PhaseTLS, Duration: g.tls})
	}
	return ps
}

func (g *grpcCause) took(d *time.Duration, since time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if *d == 0 {
		*d = max(time.Since(since), 1)
	}
}

func (g *grpcCause) set(err error, handshake bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err, g.handshake = err, handshake
	}
}

func (g *grpcCause) get() (handshake bool, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.handshake, g.err
}

// spokeHTTP2 reports whether the server began HTTP/2 on the check's connection (inside TLS, if
// any: the handshake reads below the watching).
func (g *grpcCause) spokeHTTP2() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conn != nil && g.conn.spoke.Load()
}

// connected reports whether a plaintext dial succeeded.
func (g *grpcCause) connected() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conn != nil
}

func (g *grpcCause) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	start := time.Now()
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		g.set(err, false)
		return nil, err
	}
	g.took(&g.connect, start)
	return conn, nil
}

// dialWatched is dial for plaintext HTTP/2, whose first frame prefaceConn watches.
func (g *grpcCause) dialWatched(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := g.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	watched := &prefaceConn{Conn: conn}
	g.mu.Lock()
	g.conn = watched
	g.mu.Unlock()
	return watched, nil
}

// prefaceConn watches the first frame the server sends: HTTP/2 starts with the server's
// SETTINGS frame, and a server that sends something else or nothing before it hangs up does not
// speak gRPC (grpc-go's "error reading server preface").
type prefaceConn struct {
	net.Conn
	head  [4]byte // the frame header's length (3 bytes) and type, as far as read; the transport's read loop alone touches it
	got   int
	spoke atomic.Bool // the first frame is SETTINGS
}

// http2FrameSettings is the type of HTTP/2's SETTINGS frame (RFC 9113, 6.5).
const http2FrameSettings = 0x4

func (c *prefaceConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.got < len(c.head) {
		c.got += copy(c.head[c.got:], p[:n])
		if c.got == len(c.head) && c.head[3] == http2FrameSettings {
			c.spoke.Store(true)
		}
	}
	return n, err
}
