package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

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
// stays open.
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

// Check makes one health call. Dial and handshake errors are caught on their way into gRPC,
// whose own status for them is a long "connection error: desc = ..." string.
func (c *grpcChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	var cause grpcCause
	var creds credentials.TransportCredentials = insecure.NewCredentials()
	if c.tls {
		creds = recordingCreds{credentials.NewTLS(&tls.Config{
			ServerName:         c.host,
			RootCAs:            c.roots,
			InsecureSkipVerify: c.insecure, // the user asked for it, and the row says so
			MinVersion:         tls.VersionTLS12,
		}), &cause}
	}
	// passthrough: the dialer resolves the name within ctx, and no resolver goroutine outlives
	// the check.
	conn, err := grpc.NewClient("passthrough:///"+c.addr,
		grpc.WithTransportCredentials(creds),
		grpc.WithContextDialer(cause.dial),
		grpc.WithUserAgent("uptty"),
	)
	if err != nil {
		res.Reason = checkErrReason(ctx, err, c.timeout)
		return res
	}
	defer conn.Close()

	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: c.service})
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
	st := resp.GetStatus()
	res.Facts = append(res.Facts, Fact{Label: "status", Value: st.String()})
	if st != healthpb.HealthCheckResponse_SERVING {
		res.Reason = "status " + st.String()
		return res
	}
	res.OK = true
	return res
}

func (c *grpcChecker) errReason(ctx context.Context, err error, cause *grpcCause) string {
	if ctx.Err() != nil {
		return checkErrReason(ctx, ctx.Err(), c.timeout)
	}
	st := status.Convert(err)
	switch st.Code() {
	case codes.NotFound:
		return "service unknown"
	case codes.Unimplemented:
		return "unimplemented: no health service"
	case codes.Unavailable:
		handshake, dialErr := cause.get()
		if dialErr != nil && handshake {
			return handshakeReason(ctx, dialErr, c.timeout)
		}
		if dialErr != nil {
			return checkErrReason(ctx, dialErr, c.timeout)
		}
		// The server hung up (EOF or reset, whichever the race gives) instead of answering
		// HTTP/2: most often a TLS port asked in plaintext.
		if strings.Contains(st.Message(), "error reading server preface") {
			return "server hung up before speaking gRPC (not a gRPC port, or TLS: try grpcs://)"
		}
	}
	return text.CleanText(grpcCodeText(st.Code())+": "+grpcMessage(st.Message()), reasonMax)
}

// grpcMessage strips the wrapping gRPC puts around transport errors:
// connection error: desc = "transport: error reading server preface: EOF".
func grpcMessage(msg string) string {
	if inner, ok := strings.CutPrefix(msg, `connection error: desc = "`); ok {
		msg = strings.TrimSuffix(inner, `"`)
	}
	return strings.TrimPrefix(msg, "transport: ")
}

// grpcCodeText is a code as the gRPC docs write it in prose: "unavailable", "permission denied".
func grpcCodeText(code codes.Code) string {
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

// grpcCause keeps the first dial or handshake error of one check, and how long the first
// successful dial and handshake took.
type grpcCause struct {
	mu        sync.Mutex
	err       error
	handshake bool
	connect   time.Duration
	tls       time.Duration
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

func (g *grpcCause) dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		g.set(err, false)
	} else {
		g.took(&g.connect, start)
	}
	return conn, err
}

// recordingCreds are TLS credentials that remember why a handshake failed.
type recordingCreds struct {
	credentials.TransportCredentials
	cause *grpcCause
}

func (r recordingCreds) ClientHandshake(ctx context.Context, authority string, conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	start := time.Now()
	c, info, err := r.TransportCredentials.ClientHandshake(ctx, authority, conn)
	if err != nil {
		r.cause.set(err, true)
	} else {
		r.cause.took(&r.cause.tls, start)
	}
	return c, info, err
}

func (r recordingCreds) Clone() credentials.TransportCredentials {
	return recordingCreds{r.TransportCredentials.Clone(), r.cause}
}
