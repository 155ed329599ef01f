package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

const (
	// maxRedirects is how many redirects a check follows, as in the contract.
	maxRedirects = 10
	// bodyLimit bounds how much of a body a check reads for its expectations.
	bodyLimit = 1 << 20
	// defaultCertWarn is how close to its expiry a certificate makes a service DEGRADED.
	defaultCertWarn = 14 * 24 * time.Hour
)

// KindHTTP is the kind of http:// and https:// services.
const KindHTTP config.Kind = "http"

var httpKind = kind{
	spec: config.KindSpec{
		Kind:    KindHTTP,
		Schemes: []string{"http", "https"},
		Keys: []config.Key{{Name: "method"}, {Name: "headers"}, {Name: "body"},
			{Name: "expect.status"}, {Name: "expect.body_contains"}, {Name: "expect.body_regex"},
			{Name: "expect.json"}, {Name: "expect.headers"},
			{Name: "expect.cert_warn", Schemes: []string{"https"}},
			{Name: "follow_redirects"}, {Name: "insecure"}},
		CheckURL: config.CheckWebURL,
		Parse:    parseHTTP,
	},
	new: func(svc config.Service) (Checker, error) { return asChecker(newHTTPChecker(svc)) },
}

// HTTPOptions are an http(s) service's options.
type HTTPOptions struct {
	Method          string          // an upper-case HTTP token (default GET)
	Headers         []config.Header // request headers in file order; values are secrets
	Body            string          // request body
	FollowRedirects bool            // follow up to 10 redirects (default true)
	Insecure        bool            // skip certificate verification
	Expect          HTTPExpect
	// CertWarn makes an https service DEGRADED when its certificate expires within it (default
	// 14d; 0 for http).
	CertWarn time.Duration
}

// HTTPExpect is what a response must be to pass. Zero values check nothing.
type HTTPExpect struct {
	Status       []int           // accepted status codes; empty means 200-399
	BodyContains string          // the body must contain this text
	BodyRegex    *regexp.Regexp  // the body must match
	JSON         []JSONExpect    // dotted paths into the JSON body, each must equal its value
	Headers      []config.Header // each response header must contain the text
}

// JSONExpect is one `expect.json` entry: the value at Path must equal Want.
type JSONExpect struct {
	Path string // dotted path, e.g. data.status or items.0.ok
	Want any    // a YAML scalar: string, int, float64, bool or nil
}

func defaultHTTPOptions(scheme string) HTTPOptions {
	h := HTTPOptions{Method: http.MethodGet, FollowRedirects: true}
	if scheme == "https" {
		h.CertWarn = defaultCertWarn
	}
	return h
}

// Brief shows the method beside the kind, and the certificate settings beside the thresholds.
func (h HTTPOptions) Brief() config.Brief {
	var b config.Brief
	if c, ok := methodChecks[h.Method]; ok {
		b.Check = c
	} else if h.Method != "" {
		b.Check = []string{h.Method}
	}
	return certBrief(b, h.CertWarn, h.Insecure)
}

// methodChecks are the Brief.Check of the common methods, shared by every service rather than
// a slice each that the config keeps for the whole run; a Brief is only read.
var methodChecks = map[string][]string{http.MethodGet: {http.MethodGet}, http.MethodHead: {http.MethodHead},
	http.MethodPost: {http.MethodPost}}

// certWarnOf is a service's expect.cert_warn as the config sets it, else def; with insecure
// (the certificate is not verified, often a self-signed one renewed by hand or never) no
// expiry makes the service DEGRADED unless the config asks for it by setting cert_warn.
func certWarnOf(o *config.Options, insecure bool, def time.Duration) time.Duration {
	if v, ok := o.Get("expect.cert_warn"); ok {
		if d, ok := v.Duration(false); ok {
			return d
		}
	}
	if insecure {
		return 0
	}
	return def
}

func certBrief(b config.Brief, warn time.Duration, insecure bool) config.Brief {
	if warn > 0 {
		b.Limits = append(b.Limits, "cert warn "+text.FormatSetting(warn))
	}
	if insecure {
		b.Limits = append(b.Limits, text.InsecureNote)
		b.Insecure = true
	}
	return b
}

func parseHTTP(o *config.Options) any {
	h := defaultHTTPOptions(o.Scheme)
	if v, ok := o.Get("method"); ok {
		if m, ok := v.String("an HTTP method such as GET"); ok {
			if msg := methodProblem(m); msg != "" {
				v.Errorf("method %s %s", config.Quote(m), msg)
			} else {
				h.Method = m
			}
		}
	}
	if v, ok := o.Get("headers"); ok {
		h.Headers = v.Headers()
		for _, hd := range h.Headers {
			o.Secret(hd.Value)
		}
	}
	if v, ok := o.Get("body"); ok {
		h.Body, _ = v.String("the request body as text")
	}
	if v, ok := o.Get("follow_redirects"); ok {
		if b, ok := v.Bool(); ok {
			h.FollowRedirects = b
		}
	}
	if v, ok := o.Get("insecure"); ok {
		h.Insecure, _ = v.Bool()
	}
	if v, ok := o.Get("expect.status"); ok {
		h.Expect.Status = parseStatus(v)
	}
	if v, ok := o.Get("expect.body_contains"); ok {
		h.Expect.BodyContains, _ = v.String("text")
	}
	if v, ok := o.Get("expect.body_regex"); ok {
		if re, ok := v.String("a regular expression"); ok {
			if c, err := regexp.Compile(re); err != nil {
				v.Errorf("%s", strings.Join(strings.Fields(err.Error()), " "))
			} else {
				h.Expect.BodyRegex = c
			}
		}
	}
	if v, ok := o.Get("expect.json"); ok {
		h.Expect.JSON = parseJSONExpects(v)
	}
	if v, ok := o.Get("expect.headers"); ok {
		h.Expect.Headers = v.Headers()
	}
	h.CertWarn = certWarnOf(o, h.Insecure, h.CertWarn)
	if h.plain(o.Scheme) {
		return plainHTTPOptions[o.Scheme]
	}
	return h
}

// plainHTTPOptions are the options of an http and of an https service that sets none, each
// boxed once and shared: most services set none, and a box of its own was 176 bytes of heap a
// service that the config keeps for the whole run. A boxed value cannot be changed, so sharing
// it changes nothing a reader sees.
var plainHTTPOptions = map[string]any{"http": defaultHTTPOptions("http"), "https": defaultHTTPOptions("https")}

// plain reports whether h are the options of a scheme's service that sets none.
func (h HTTPOptions) plain(scheme string) bool {
	d := defaultHTTPOptions(scheme)
	return h.Method == d.Method && h.Headers == nil && h.Body == "" && h.FollowRedirects == d.FollowRedirects &&
		h.Insecure == d.Insecure && h.CertWarn == d.CertWarn && h.Expect.none()
}

// methodProblem checks an HTTP method: an HTTP token, written in upper case.
func methodProblem(m string) string {
	switch {
	case !httpguts.ValidHeaderFieldName(m):
		return "is not an HTTP method"
	case strings.ToUpper(m) != m:
		return "must be upper case: " + strings.ToUpper(m)
	}
	return ""
}

// parseStatus reads one HTTP status or a list of them.
func parseStatus(v config.Value) []int {
	items, list := v.Each()
	if list && len(items) == 0 {
		v.Errorf("empty list; leave status out to accept any 200-399")
		return nil
	}
	var out []int
	for _, it := range items {
		code, ok := it.Int(math.MinInt, math.MaxInt)
		if !ok {
			continue
		}
		if code < 100 || code > 599 {
			it.Errorf("%d is not an HTTP status (100-599)", code)
			continue
		}
		out = append(out, code)
	}
	return out
}

// parseJSONExpects reads `json: {data.status: UP, items.0.ok: true}`, keeping each value's YAML
// type.
func parseJSONExpects(v config.Value) []JSONExpect {
	ps := v.Pairs("a mapping of dotted paths to values")
	out := make([]JSONExpect, 0, len(ps))
	for _, p := range ps {
		if slices.Contains(strings.Split(p.Name, "."), "") {
			p.Key.Errorf("a dotted path such as data.status has no empty parts")
			continue
		}
		if want, ok := p.Value.Scalar("one value (text, number, true, false or null)"); ok {
			out = append(out, JSONExpect{Path: p.Name, Want: want})
		}
	}
	return out
}

var errTooManyRedirects = errors.New("stopped after " + strconv.Itoa(maxRedirects) + " redirects")

// httpChecker sends one request and judges the response by the service's expectations.
type httpChecker struct {
	url    string
	method string
	header http.Header // shared by every request; the client clones before changing it
	// custom is the request's Host header and body, nil for a service that sets neither.
	custom   *customRequest
	insecure bool
	// redirect is the http.Client's CheckRedirect (see redirectPolicy): a shared func for a
	// service that sets no headers, a closure only for one that does.
	redirect func(*http.Request, []*http.Request) error
	// transportOnly sends every request through the transport, for tests that compare the paths.
	transportOnly bool
	timeout       time.Duration
	// certWarn makes an https service DEGRADED when its certificate expires within it.
	certWarn time.Duration
	// expect is shared by every checker that expects nothing of the response (see noExpect).
	expect *httpExpect
	// secrets are masked in network text before it is quoted and cut; Run masks the rest.
	secrets *text.Secrets

	// A transport shared with every checker of the same timeout and TLS setting (see
	// sharedTransport), with keep-alives off: every check dials afresh, so that a dead listener
	// cannot hide behind a pooled connection. It sends the requests the one-shot path does not
	// (see httpAttempt).
	transport *http.Transport
	// The one-shot path's TLS settings and dialer (nil: httpDialer); tests change them.
	tlsConfig *tls.Config
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)

	// What every check's first request shares, made once rather than per check (each was
	// allocations a check, and the collector's work after them): the URL as http.NewRequest
	// parses it, the address and TLS name the one-shot path dials for it, and the header with
	// the Accept-Encoding the one-shot path adds (nil when it adds none).
	reqURL           *url.URL
	reqAddr, reqName string
	gzipHeader       http.Header
}

func newHTTPChecker(svc config.Service) (*httpChecker, error) {
	opts, err := optionsOf(svc, defaultHTTPOptions)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(svc.URL)
	if err != nil {
		// url.Parse's message repeats the URL, which may hold an expanded secret.
		return nil, errors.New("http: bad url")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("http: url must be http://host/path or https://host/path")
	}
	h := &httpChecker{
		url:      svc.URL,
		method:   opts.Method,
		header:   defaultRequestHeader,
		insecure: opts.Insecure,
		timeout:  svc.Timeout,
		secrets:  svc.Secrets,
	}
	tmpl, err := http.NewRequest(h.method, h.url, nil)
	if err != nil {
		return nil, fmt.Errorf("http: bad method %q", h.method)
	}
	h.method = tmpl.Method // "" is GET
	if len(opts.Headers) > 0 {
		h.header = http.Header{}
	}
	host := ""
	for _, hd := range opts.Headers {
		if !httpguts.ValidHeaderFieldName(hd.Name) {
			return nil, fmt.Errorf("http: bad header name %q", hd.Name)
		}
		if !httpguts.ValidHeaderFieldValue(hd.Value) {
			return nil, fmt.Errorf("http: bad value for header %s", hd.Name)
		}
		if strings.EqualFold(hd.Name, "Host") {
			host = hd.Value
			continue
		}
		h.header.Add(hd.Name, hd.Value)
	}
	if host != "" || opts.Body != "" {
		h.custom = &customRequest{host: host, body: opts.Body}
	}
	if h.header.Get("User-Agent") == "" {
		h.header.Set("User-Agent", "uptty")
	}
	h.reqURL = tmpl.URL
	h.reqAddr, h.reqName = fastAddr(h.reqURL)
	h.gzipHeader = gzipHeaderFor(h.header, h.method)
	h.expect, h.certWarn = newHTTPExpect(opts.Expect), opts.CertWarn
	h.transport = sharedTransport(svc.Timeout, opts.Insecure)
	h.redirect = redirectPolicy(opts.FollowRedirects, configuredNames(opts.Headers))
	h.tlsConfig = httpTLSConfig(opts.Insecure)
	return h, nil
}

// customRequest is what few services set of a request: a Host header, which Go takes from
// Request.Host only, and a body. Out of line, it is 32 bytes of heap less for every other.
type customRequest struct {
	host, body string
}

// hostAndBody returns the Host header and the body a request is sent with, "" for none.
func (c *customRequest) hostAndBody() (host, body string) {
	if c == nil {
		return "", ""
	}
	return c.host, c.body
}

// defaultRequestHeader is the request header of every checker whose service configures no
// headers: one map that all share, as requests never change it (see httpChecker.header), rather
// than one each (0.4 KB of heap a service).
var defaultRequestHeader = http.Header{"User-Agent": {"uptty"}}

// transports holds the transports that checkers share, by what makes them differ.
var transports struct {
	mu sync.Mutex
	m  map[transportKey]*http.Transport
}

type transportKey struct {
	timeout  time.Duration
	insecure bool
}

// sharedTransport returns the transport for checkers with this timeout and TLS setting, made on
// first use. A transport costs ~3 KB once it has been used (its HTTP/2 set-up included): one per
// service was 33 MB at 10,000 services. Sharing changes nothing a check sees: with keep-alives
// off each request still dials its own connection (HTTP/2's too is single-use), and the
// CloseIdleConnections after each check ends only dials that no request waits for any more.
func sharedTransport(timeout time.Duration, insecure bool) *http.Transport {
	k := transportKey{timeout, insecure}
	transports.mu.Lock()
	defer transports.mu.Unlock()
	if t, ok := transports.m[k]; ok {
		return t
	}
	if transports.m == nil {
		transports.m = map[transportKey]*http.Transport{}
	}
	t := newTransport(timeout, insecure)
	transports.m[k] = t
	return t
}

func newTransport(timeout time.Duration, insecure bool) *http.Transport {
	dialer := httpDialer
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// The transport lets a dial outlive the request that asked for it, to pool the
			// connection; ours are never pooled, so bound the dial like the check.
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return stampConn(ctx, conn), nil
		},
		TLSClientConfig:        &tls.Config{InsecureSkipVerify: insecure},
		TLSHandshakeTimeout:    timeout,
		DisableKeepAlives:      true,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 64 << 10, // failure words it: keep them in step
	}
}

// redirectPolicy is the CheckRedirect of a checker whose config sets the headers named secret.
// Their values are secrets (the contract: never in any output), and http.Client takes only
// Authorization and Cookie off a redirect to another host, so the others are taken off here:
// an open redirect or a login page elsewhere got an X-API-Key with it. All of them are taken
// off a redirect from https to http, which would send them unencrypted. No Referer goes anywhere
// either (followRedirects). A checker without such headers shares one of two funcs rather than
// holding a closure of its own.
func redirectPolicy(follow bool, secret []string) func(*http.Request, []*http.Request) error {
	switch {
	case !follow:
		return noRedirects
	case len(secret) == 0:
		return followRedirects
	}
	return func(req *http.Request, via []*http.Request) error {
		if err := followRedirects(req, via); err != nil {
			return err
		}
		if !sameSite(via[0].URL.Hostname(), req.URL.Hostname()) || via[0].URL.Scheme == "https" && req.URL.Scheme == "http" {
			for _, name := range secret {
				req.Header.Del(name)
			}
			if req.Header.Get("User-Agent") == "" {
				req.Header.Set("User-Agent", "uptty") // not Go's, for a configured one taken off
			}
		}
		return nil
	}
}

// noRedirects and followRedirects are the policies of checkers that set no headers. No Referer
// goes anywhere: http.Client writes the previous URL there, whose query values are secrets too
// (?token=), and a monitor comes from no page.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func followRedirects(req *http.Request, via []*http.Request) error {
	switch {
	case len(via) > maxRedirects:
		return errTooManyRedirects
	case req.URL.Scheme != "http" && req.URL.Scheme != "https":
		return redirectSchemeError(req.URL.Scheme)
	}
	req.Header.Del("Referer")
	return nil
}

// sameSite reports whether a redirect to host stays with the service's own host or a subdomain
// of it, the bound http.Client keeps Authorization within.
func sameSite(own, host string) bool {
	own, host = strings.ToLower(own), strings.ToLower(host)
	return host == own || (!strings.ContainsAny(host, ":%") && strings.HasSuffix(host, "."+own))
}

// configuredNames are the names of the headers the config sets, but for Host, which a
// redirect's request does not carry over.
func configuredNames(headers []config.Header) []string {
	var names []string
	for _, hd := range headers {
		if !strings.EqualFold(hd.Name, "Host") {
			names = append(names, hd.Name)
		}
	}
	return names
}

// redirectSchemeError is a redirect to a URL that is not http(s) (ftp://, a custom app
// scheme): said as a redirect, since "unsupported protocol scheme" reads as a config error.
type redirectSchemeError string

func (e redirectSchemeError) Error() string {
	return "redirected to " + text.CleanText(string(e), quotedMax) + "://, not followed: only http and https are"
}

// Check sends the request and judges the response. Latency is the network's time up to the
// first byte of the last response (see phaseRecorder.latency); the body, read only when an
// expectation needs it, is not timed. A request that got no answer is timed from Start.
//
// http.Client follows the redirects; each request goes out through an httpAttempt, on a
// connection of its own, in this goroutine where it can (see http_fast.go).
func (h *httpChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	rec := newPhaseRecorder(res.Start)
	req, err := h.newRequest(ctx)
	if err != nil {
		res.Reason = text.CleanText(err.Error(), reasonMax) // New built the same request: cannot happen
		return res
	}
	a := &httpAttempt{h: h, ctx: ctx, rec: rec, first: req}
	client := &http.Client{Transport: a, CheckRedirect: h.redirect}
	defer func() {
		if a.usedTransport {
			// A dial the transport carries on after a timeout would run for no one: this
			// cancels it.
			h.transport.CloseIdleConnections()
		}
	}()
	resp, err := client.Do(req)
	res.Latency = time.Since(res.Start)
	if d, ok := rec.latency(); ok && err == nil {
		res.Latency = max(d, 1)
	}
	res.Phases = rec.phases()
	if err != nil {
		res.Reason = h.failure(ctx, err, rec)
		res.Facts = failedCertFacts(err, time.Now())
		return res
	}
	// With keep-alives off, closing the body closes the connection without reading the rest.
	defer resp.Body.Close()
	res.Facts = h.facts(resp, time.Now())
	res.StatusCode = resp.StatusCode
	if resp.TLS != nil {
		res.CertExpiry = earliestExpiry(resp.TLS.PeerCertificates)
	}
	res.OK, res.Reason = h.judge(ctx, resp)
	if res.OK {
		res.Warning = certWarning(resp.TLS, h.certWarn, time.Now())
	}
	return res
}

func (h *httpChecker) newRequest(ctx context.Context) (*http.Request, error) {
	host, body := h.custom.hostAndBody()
	if body == "" && h.reqURL != nil {
		// What http.NewRequestWithContext makes of a request without a body, on the URL it
		// parsed once. Host is left empty, which means the URL's host (the same value
		// NewRequest would set): with it set, http.Client copies the URL for every request.
		tmpl := http.Request{Method: h.method, URL: h.reqURL, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h.header, Body: http.NoBody, Host: host}
		return tmpl.WithContext(ctx), nil
	}
	var reader io.Reader = http.NoBody
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, h.method, h.url, reader)
	if err != nil {
		return nil, err
	}
	req.Header = h.header
	if host != "" {
		req.Host = host
	}
	return req, nil
}

func (h *httpChecker) failure(ctx context.Context, err error, rec *phaseRecorder) string {
	msg := innermost(err).Error()
	switch {
	case errors.Is(err, errTooManyRedirects):
		return errTooManyRedirects.Error()
	case errors.As(err, new(redirectSchemeError)):
		return innermost(err).Error()
	case strings.HasPrefix(msg, "net/http: server response headers exceeded"):
		return "response headers over 64 KiB (uptty's limit)"
	case timedOut(ctx, err):
		return timeoutReason(h.timeout)
	case h.secrets.Mask(msg) != msg:
		// A malformed response quoted in the error, holding a secret the server echoed.
		return text.CleanText(h.secrets.Mask(msg), reasonMax)
	case rec.handshakeErr() != nil:
		return handshakeReason(ctx, err, h.timeout)
	}
	return checkErrReason(ctx, err, h.timeout)
}

// judge checks the response against every expectation, the cheap ones first, and reads the
// body only if an expectation needs it.
func (h *httpChecker) judge(ctx context.Context, resp *http.Response) (bool, string) {
	if !h.expect.statusOK(resp.StatusCode) {
		r := statusReason(resp.StatusCode, h.expect.statusText)
		if plainToTLSPort(resp) {
			r += ": the server speaks TLS: use https://"
		}
		return false, r
	}
	for _, want := range h.expect.headers {
		if r := headerMismatch(resp.Header, want, h.secrets); r != "" {
			return false, r
		}
	}
	if !h.expect.readsBody() {
		return true, ""
	}
	r := h.expect.judgeBody(resp.Body, h.secrets)
	if r.err != nil {
		if timedOut(ctx, r.err) {
			return false, timeoutReason(h.timeout)
		}
		return false, "reading body: " + checkErrReason(ctx, r.err, h.timeout)
	}
	return r.reason == "", r.reason
}

// tlsPortAnswers are what web servers answer plain HTTP sent to their TLS port with, in a 400:
// Go's, nginx's, Apache's.
var tlsPortAnswers = []string{"HTTP request to an HTTPS server", "plain HTTP request was sent to HTTPS port",
	"speaking plain HTTP to an SSL-enabled server port"}

// plainToTLSPort reports whether resp is a web server's 400 to plain HTTP sent to its TLS port,
// from the first bytes of its body.
func plainToTLSPort(resp *http.Response) bool {
	if resp.StatusCode != http.StatusBadRequest || resp.Request == nil || resp.Request.URL.Scheme != "http" {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return slices.ContainsFunc(tlsPortAnswers, func(s string) bool { return bytes.Contains(b, []byte(s)) })
}

func headerMismatch(got http.Header, want config.Header, hide *text.Secrets) string {
	values := got.Values(want.Name)
	name := text.CleanText(want.Name, quotedMax)
	if len(values) == 0 {
		return "header " + name + " missing, want " + quote(want.Value)
	}
	v := strings.Join(values, ", ")
	if strings.Contains(v, want.Value) {
		return ""
	}
	return "header " + name + " = " + quote(hide.Mask(v)) + ", want " + quote(want.Value)
}

// facts describe the response: status, where redirects led, and the TLS connection.
func (h *httpChecker) facts(resp *http.Response, now time.Time) []Fact {
	code := strconv.Itoa(resp.StatusCode)
	statusText := text.CleanText(h.secrets.Mask(strings.TrimPrefix(resp.Status, code)), quotedMax)
	if statusText == "" {
		statusText = http.StatusText(resp.StatusCode)
	}
	facts := []Fact{
		{Label: "status", Value: strings.TrimSpace(code + " " + statusText)},
		{Label: "protocol", Value: text.CleanText(resp.Proto, quotedMax)},
	}
	if n := redirectCount(resp); n > 0 {
		facts = append(facts,
			Fact{Label: "redirects", Value: strconv.Itoa(n)},
			Fact{Label: "final URL", Value: text.CleanText(h.secrets.Mask(displayURL(resp.Request.URL)), reasonMax)})
	}
	if cs := resp.TLS; cs != nil {
		facts = append(facts, Fact{Label: "tls", Value: tls.VersionName(cs.Version)})
		if len(cs.PeerCertificates) > 0 {
			facts = append(facts, certFacts(cs.PeerCertificates[0], now)...)
		}
		if h.insecure {
			facts = append(facts, Fact{Label: "insecure", Value: "certificate not verified"})
		}
	}
	return facts
}

func redirectCount(resp *http.Response) int {
	n := 0
	for r := resp.Request; r != nil && r.Response != nil; r = r.Response.Request {
		n++
	}
	return n
}

// displayURL writes u without userinfo, and without its query, which often carries a token.
func displayURL(u *url.URL) string {
	c := *u
	c.User, c.Fragment, c.RawFragment = nil, "", ""
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	return c.String()
}
