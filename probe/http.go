package probe

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
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
	// secretMin is the shortest header value redacted from results: shorter ones ("1", "yes")
	// would blot out ordinary words and are unlikely to be secrets.
	secretMin = 6
)

var errTooManyRedirects = errors.New("stopped after " + strconv.Itoa(maxRedirects) + " redirects")

// httpChecker sends one request and judges the response by the service's expectations.
type httpChecker struct {
	url      string
	method   string
	header   http.Header // shared by every request; the client clones before changing it
	host     string      // a configured Host header, which Go takes from Request.Host only
	body     string
	insecure bool
	timeout  time.Duration
	expect   httpExpect
	secrets  secrets

	// One transport per checker, with keep-alives off: every check dials afresh, so that a
	// dead listener cannot hide behind a pooled connection.
	transport *http.Transport
	client    *http.Client
}

func newHTTPChecker(svc config.Service) (*httpChecker, error) {
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
		method:   cmp.Or(svc.Method, http.MethodGet),
		header:   http.Header{},
		body:     svc.Body,
		insecure: svc.Insecure,
		timeout:  svc.Timeout,
	}
	if _, err := http.NewRequest(h.method, h.url, nil); err != nil {
		return nil, fmt.Errorf("http: bad method %q", h.method)
	}
	h.secrets = secretsOf(u, svc.Headers)
	for _, hd := range svc.Headers {
		if !httpguts.ValidHeaderFieldName(hd.Name) {
			return nil, fmt.Errorf("http: bad header name %q", hd.Name)
		}
		if !httpguts.ValidHeaderFieldValue(hd.Value) {
			return nil, fmt.Errorf("http: bad value for header %s", hd.Name)
		}
		if strings.EqualFold(hd.Name, "Host") {
			h.host = hd.Value
			continue
		}
		h.header.Add(hd.Name, hd.Value)
	}
	if h.header.Get("User-Agent") == "" {
		h.header.Set("User-Agent", "uptty")
	}
	if h.expect, err = newHTTPExpect(svc.Expect, h.secrets); err != nil {
		return nil, err
	}
	h.transport = newTransport(svc.Timeout, svc.Insecure)
	h.client = &http.Client{Transport: h.transport, CheckRedirect: redirectPolicy(svc.FollowRedirects)}
	return h, nil
}

// secrets are the configured header values, URL password and query values (?token=${TOKEN}),
// which never appear in a result: a server may echo them back in its body or headers.
type secrets []string

// secretsOf collects the secrets of a service's URL and headers.
func secretsOf(u *url.URL, headers []config.Header) secrets {
	var ss secrets
	if p, ok := u.User.Password(); ok {
		ss.add(p)
	}
	for _, values := range u.Query() {
		for _, v := range values {
			ss.add(v)
		}
	}
	for _, hd := range headers {
		ss.add(hd.Value)
	}
	return ss
}

// add remembers a value, and its last word too, which is the credential of "Bearer <token>" and
// the like. Longer secrets go first, so that a whole value is hidden before its parts.
func (ss *secrets) add(v string) {
	words := strings.Fields(v)
	if len(words) == 0 {
		return
	}
	for _, s := range []string{v, words[len(words)-1]} {
		if len(s) >= secretMin && !slices.Contains(*ss, s) {
			*ss = append(*ss, s)
		}
	}
	slices.SortStableFunc(*ss, func(a, b string) int { return len(b) - len(a) })
}

// hide replaces every secret in s. It must see text before CleanText caps it, since a capped
// secret would no longer match.
func (ss secrets) hide(s string) string {
	for _, secret := range ss {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "•••")
		}
	}
	return s
}

func newTransport(timeout time.Duration, insecure bool) *http.Transport {
	dialer := &net.Dialer{KeepAlive: -1}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// The transport lets a dial outlive the request that asked for it, to pool the
			// connection; ours are never pooled, so bound the dial like the check.
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			return dialer.DialContext(ctx, network, addr)
		},
		TLSClientConfig:        &tls.Config{InsecureSkipVerify: insecure},
		TLSHandshakeTimeout:    timeout,
		DisableKeepAlives:      true,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 64 << 10, // failure words it: keep them in step
	}
}

func redirectPolicy(follow bool) func(*http.Request, []*http.Request) error {
	return func(_ *http.Request, via []*http.Request) error {
		switch {
		case !follow:
			return http.ErrUseLastResponse
		case len(via) > maxRedirects:
			return errTooManyRedirects
		}
		return nil
	}
}

// Check sends the request and judges the response. Latency runs to the response headers of the
// last request; the body, read only when an expectation needs it, is not timed.
func (h *httpChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	rec := newPhaseRecorder(res.Start)
	req, err := h.newRequest(rec.withTrace(ctx))
	if err != nil {
		res.Reason = text.CleanText(err.Error(), reasonMax) // New built the same request: cannot happen
		return res
	}
	// A dial the transport carries on after a timeout would run for no one: this cancels it.
	defer h.transport.CloseIdleConnections()
	resp, err := h.client.Do(req)
	res.Latency = time.Since(res.Start)
	res.Phases = rec.phases()
	if err != nil {
		res.Reason = h.failure(ctx, err, rec)
		res.Facts = failedCertFacts(err, time.Now())
		return h.secrets.redact(res)
	}
	// With keep-alives off, closing the body closes the connection without reading the rest.
	defer resp.Body.Close()
	res.Facts = h.facts(resp, time.Now())
	res.OK, res.Reason = h.judge(ctx, resp)
	if res.OK {
		res.Warning = certWarning(resp.TLS, h.expect.certWarn, time.Now())
	}
	return h.secrets.redact(res)
}

func (h *httpChecker) newRequest(ctx context.Context) (*http.Request, error) {
	var body io.Reader = http.NoBody
	if h.body != "" {
		body = strings.NewReader(h.body)
	}
	req, err := http.NewRequestWithContext(ctx, h.method, h.url, body)
	if err != nil {
		return nil, err
	}
	req.Header = h.header
	if h.host != "" {
		req.Host = h.host
	}
	return req, nil
}

func (h *httpChecker) failure(ctx context.Context, err error, rec *phaseRecorder) string {
	msg := innermost(err).Error()
	switch {
	case errors.Is(err, errTooManyRedirects):
		return errTooManyRedirects.Error()
	case strings.HasPrefix(msg, "net/http: server response headers exceeded"):
		return "response headers over 64 KiB (uptty's limit)"
	case timedOut(ctx, err):
		return timeoutReason(h.timeout)
	case h.secrets.hide(msg) != msg:
		// A malformed response quoted in the error, holding a secret the server echoed.
		return text.CleanText(h.secrets.hide(msg), reasonMax)
	case rec.handshakeErr() != nil:
		return handshakeReason(ctx, err, h.timeout)
	}
	return checkErrReason(ctx, err, h.timeout)
}

// judge checks the response against every expectation, the cheap ones first, and reads the
// body only if an expectation needs it.
func (h *httpChecker) judge(ctx context.Context, resp *http.Response) (bool, string) {
	if !h.expect.statusOK(resp.StatusCode) {
		return false, statusReason(resp.StatusCode, h.expect.statusText)
	}
	for _, want := range h.expect.headers {
		if r := headerMismatch(resp.Header, want, h.secrets); r != "" {
			return false, r
		}
	}
	if !h.expect.readsBody() {
		return true, ""
	}
	r := h.expect.judgeBody(resp.Body)
	if r.err != nil {
		if timedOut(ctx, r.err) {
			return false, timeoutReason(h.timeout)
		}
		return false, "reading body: " + checkErrReason(ctx, r.err, h.timeout)
	}
	return r.reason == "", r.reason
}

func headerMismatch(got http.Header, want config.Header, hide secrets) string {
	values := got.Values(want.Name)
	name := text.CleanText(want.Name, quotedMax)
	if len(values) == 0 {
		return "header " + name + " missing, want " + quote(want.Value)
	}
	v := strings.Join(values, ", ")
	if strings.Contains(v, want.Value) {
		return ""
	}
	return "header " + name + " = " + quote(hide.hide(v)) + ", want " + quote(want.Value)
}

// facts describe the response: status, where redirects led, and the TLS connection.
func (h *httpChecker) facts(resp *http.Response, now time.Time) []Fact {
	code := strconv.Itoa(resp.StatusCode)
	statusText := text.CleanText(h.secrets.hide(strings.TrimPrefix(resp.Status, code)), quotedMax)
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
			Fact{Label: "final URL", Value: text.CleanText(h.secrets.hide(displayURL(resp.Request.URL)), reasonMax)})
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

// redact hides every secret in what a result shows.
func (ss secrets) redact(res Result) Result {
	if len(ss) == 0 {
		return res
	}
	res.Reason, res.Warning = ss.hide(res.Reason), ss.hide(res.Warning)
	for i := range res.Facts {
		res.Facts[i].Value = ss.hide(res.Facts[i].Value)
	}
	return res
}
