package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

const (
	// certNames is how many certificate names the facts list before counting the rest.
	certNames = 3
)

// KindTLS is the kind of tls://host:port services.
const KindTLS config.Kind = "tls"

var tlsKind = kind{
	spec: config.KindSpec{
		Kind:    KindTLS,
		Schemes: []string{"tls"},
		Keys:    []config.Key{{Name: "expect.cert_warn"}, {Name: "insecure"}},
		Parse:   parseTLS,
	},
	new: newTLSChecker,
}

// TLSOptions are a tls service's options.
type TLSOptions struct {
	Insecure bool // skip certificate verification
	// CertWarn makes the service DEGRADED when its certificate expires within it (default 14d).
	CertWarn time.Duration
}

func defaultTLSOptions(string) TLSOptions { return TLSOptions{CertWarn: defaultCertWarn} }

// Brief shows the certificate settings beside the thresholds.
func (t TLSOptions) Brief() config.Brief { return certBrief(config.Brief{}, t.CertWarn, t.Insecure) }

func parseTLS(o *config.Options) any {
	t := defaultTLSOptions(o.Scheme)
	if v, ok := o.Get("insecure"); ok {
		t.Insecure, _ = v.Bool()
	}
	t.CertWarn = certWarnOf(o, t.Insecure, t.CertWarn)
	return t
}

// tlsChecker checks a tls://host:port service: the handshake must complete and the certificate
// must be in date, valid for the host and chain to a trusted root.
type tlsChecker struct {
	addr    string // host:port
	timeout time.Duration
	certs   certPolicy
}

// certPolicy judges the certificate a server presents. wss:// shares it with tls://, so that
// both say the same about the same certificate.
type certPolicy struct {
	host     string
	insecure bool
	warn     time.Duration
	roots    *x509.CertPool // nil: the system's roots; tests set their own CA
}

// newTLSChecker builds the checker for a tls://host:port service.
func newTLSChecker(svc config.Service) (Checker, error) {
	u, err := url.Parse(svc.URL)
	if err != nil {
		// url.Parse's message repeats the URL, which may hold an expanded secret.
		return nil, errors.New("tls: bad url")
	}
	if u.Scheme != "tls" || u.Hostname() == "" || u.Port() == "" {
		return nil, errors.New("tls: url must be tls://host:port")
	}
	opts, err := optionsOf(svc, defaultTLSOptions)
	if err != nil {
		return nil, err
	}
	certs := certPolicy{host: u.Hostname(), insecure: opts.Insecure, warn: opts.CertWarn}
	return &tlsChecker{addr: u.Host, timeout: svc.Timeout, certs: certs}, nil
}

// Check connects, completes a TLS handshake and judges the certificate. Latency ends when the
// handshake completes.
func (c *tlsChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	rec := newPhaseRecorder(res.Start)
	conn, err := dialTLS(ctx, rec, c.addr, c.certs.config())
	res.Latency = time.Since(res.Start)
	res.Phases = rec.phases()
	if err != nil {
		res.Reason = dialReason(ctx, err, c.timeout)
		return res
	}
	state := conn.ConnectionState()
	_ = conn.Close()
	c.certs.judge(&res, state, time.Now())
	return res
}

// config is the client side of the handshake. Verification is judge's job, after the
// handshake, so that a bad certificate is named precisely and its facts are still shown; the
// handshake itself still proves that the server holds the certificate's key.
func (p certPolicy) config() *tls.Config {
	return &tls.Config{ServerName: p.host, InsecureSkipVerify: true} //nolint:gosec // see judge
}

// dialTLS connects to addr and completes a TLS handshake, timing the steps in rec. The
// connection's deadline is ctx's, so that nothing done on it later can outlast the check.
func dialTLS(ctx context.Context, rec *phaseRecorder, addr string, cfg *tls.Config) (*tls.Conn, error) {
	raw, err := dialTCP(ctx, rec, addr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, cfg)
	rec.begin(&rec.tls, false)
	err = conn.HandshakeContext(ctx)
	rec.end(&rec.tls)
	if err != nil {
		_ = raw.Close()
		return nil, handshakeError{err}
	}
	return conn, nil
}

// handshakeError marks an error as the TLS handshake's, for dialReason.
type handshakeError struct{ err error }

func (e handshakeError) Error() string { return e.err.Error() }
func (e handshakeError) Unwrap() error { return e.err }

// dialTCP connects to addr, timing name resolution and the connect in rec.
func dialTCP(ctx context.Context, rec *phaseRecorder, addr string) (net.Conn, error) {
	// The connection lives for one check: keep-alive probes would only cost a syscall.
	d := net.Dialer{KeepAlive: -1}
	conn, err := d.DialContext(rec.withTrace(ctx), "tcp", addr)
	if err != nil {
		return nil, err
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	return conn, nil
}

// dialReason words an error from dialTLS or dialTCP, saying when it was the TLS handshake
// that failed.
func dialReason(ctx context.Context, err error, timeout time.Duration) string {
	if errors.As(err, new(handshakeError)) {
		return handshakeReason(ctx, err, timeout)
	}
	return checkErrReason(ctx, err, timeout)
}

// judge sets res.OK, Reason and Warning and adds the certificate's facts, from a completed
// handshake.
func (p certPolicy) judge(res *Result, state tls.ConnectionState, now time.Time) {
	certs := state.PeerCertificates
	if len(certs) == 0 {
		res.Reason = "no certificate"
		return
	}
	res.CertExpiry = earliestExpiry(certs)
	res.Facts = append(res.Facts, leafFacts(certs[0], now)...)
	res.Facts = append(res.Facts, Fact{Label: "tls", Value: tls.VersionName(state.Version)})
	if p.insecure {
		// Expiry warns only if cert_warn was set for it (see certWarnOf); the facts say it.
		res.Facts = append(res.Facts, Fact{Label: "insecure", Value: "certificate not verified"})
	} else if reason := p.verify(certs, now); reason != "" {
		res.Reason = reason
		return
	}
	res.OK = true
	res.Warning = certWarning(&state, p.warn, now)
}

// verify checks the certificates the server presented, at now, and says what is wrong with
// them, if anything. Expiry and name come first: they are the usual faults, and their reasons
// can say more than the chain verifier's.
func (p certPolicy) verify(certs []*x509.Certificate, now time.Time) string {
	leaf := certs[0]
	switch {
	case now.After(leaf.NotAfter):
		return "certificate expired " + text.FormatAgo(now.Sub(leaf.NotAfter)) + " ago"
	case now.Before(leaf.NotBefore):
		return "certificate not valid before " + leaf.NotBefore.UTC().Format(time.DateOnly)
	case leaf.VerifyHostname(p.host) != nil:
		return "certificate not valid for " + text.CleanText(p.host, quotedMax)
	}
	opts := x509.VerifyOptions{Roots: p.roots, CurrentTime: now, Intermediates: x509.NewCertPool()}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		if r := certReason(err); r != "" {
			return r
		}
		return text.CleanText("certificate not trusted: "+otherReason(err), reasonMax)
	}
	return ""
}

// earliestExpiry is when the first of certs expires, as blackbox_exporter's
// probe_ssl_earliest_cert_expiry: the chain stops working then, whichever certificate it is.
func earliestExpiry(certs []*x509.Certificate) time.Time {
	var first time.Time
	for _, c := range certs {
		if first.IsZero() || c.NotAfter.Before(first) {
			first = c.NotAfter
		}
	}
	return first
}

// leafFacts describe a leaf certificate: its subject and names, then what https:// shows too
// (expiry and issuer).
func leafFacts(leaf *x509.Certificate, now time.Time) []Fact {
	facts := make([]Fact, 0, 6)
	facts = append(facts, Fact{Label: "subject", Value: text.CleanText(certName(leaf), quotedMax)})
	if names := sanText(leaf); names != "" {
		facts = append(facts, Fact{Label: "names", Value: names})
	}
	return append(facts, certFacts(leaf, now)...)
}

// certName is a certificate's common name, or its first other name when it has none.
func certName(c *x509.Certificate) string {
	switch {
	case c.Subject.CommonName != "":
		return c.Subject.CommonName
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	case len(c.IPAddresses) > 0:
		return c.IPAddresses[0].String()
	}
	return c.Subject.String()
}

// sanText lists the first few of a certificate's DNS names and addresses and counts the rest:
// "a.example.com, b.example.com, c.example.com +4".
func sanText(c *x509.Certificate) string {
	var b strings.Builder
	n := 0
	add := func(s string) {
		if n < certNames {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString(text.CleanText(s, quotedMax))
		}
		n++
	}
	for _, name := range c.DNSNames {
		add(name)
	}
	for _, ip := range c.IPAddresses {
		add(ip.String())
	}
	if n > certNames {
		b.WriteString(" +" + strconv.Itoa(n-certNames))
	}
	return b.String()
}
