package probe

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 6455 defines Sec-WebSocket-Accept with SHA-1
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

const (
	// wsGUID is RFC 6455's key suffix for Sec-WebSocket-Accept.
	wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	// wsReadMax bounds everything read from a WebSocket server in one check: the response head
	// and whatever frames come before its close frame.
	wsReadMax = 256 << 10
	// wsCloseWait bounds the wait for the server's close frame; the check has passed by then.
	wsCloseWait = time.Second
	// wsCloseNormal is the status code of a normal closure.
	wsCloseNormal = 1000
	// wsOpClose is the opcode of a close frame.
	wsOpClose = 0x8
)

// KindWS is the kind of ws:// and wss:// services: a WebSocket handshake.
const KindWS config.Kind = "ws"

var wsKind = kind{
	spec: config.KindSpec{
		Kind:     KindWS,
		Schemes:  []string{"ws", "wss"},
		Keys:     []config.Key{{Name: "headers"}, {Name: "insecure"}},
		CheckURL: config.CheckWebURL,
		Parse:    parseWS,
	},
	new: newWSChecker,
}

// WSOptions are a ws(s) service's options.
type WSOptions struct {
	Headers  []config.Header // sent with the upgrade request; values are secrets
	Insecure bool            // wss: skip certificate verification
	// CertWarn makes a wss service DEGRADED when its certificate expires within it: always the
	// default 14d, since cert_warn is not a ws key; 0 for ws and for an insecure wss.
	CertWarn time.Duration
}

func defaultWSOptions(scheme string) WSOptions {
	if scheme == "wss" {
		return WSOptions{CertWarn: defaultCertWarn}
	}
	return WSOptions{}
}

// Brief says when certificates are not verified.
func (w WSOptions) Brief() config.Brief { return certBrief(config.Brief{}, 0, w.Insecure) }

func parseWS(o *config.Options) any {
	w := defaultWSOptions(o.Scheme)
	if v, ok := o.Get("headers"); ok {
		w.Headers = v.Headers()
		for _, hd := range w.Headers {
			o.Secret(hd.Value)
		}
	}
	if v, ok := o.Get("insecure"); ok {
		w.Insecure, _ = v.Bool()
	}
	w.CertWarn = certWarnOf(o, w.Insecure, w.CertWarn)
	return w
}

// wsChecker performs a WebSocket opening handshake (RFC 6455), by hand over net/http's request
// writer and response parser rather than with a WebSocket library: all the check needs is the
// handshake and a close frame, every step must end when ctx does, and wss:// must go through the
// very TLS path and certificate judgement that tls:// uses. coder/websocket v1.8.15 cannot end
// the close with ctx: its Close waits for the server's close frame on a 5s timer of its own,
// which a concurrent CloseNow waits out too, and CloseNow alone sends no close frame, so the
// server would see an abnormal closure (TestWSLibraryCloseIgnoresDeadline shows both).
type wsChecker struct {
	addr    string   // host:port, with the scheme's default port
	request *url.URL // http(s) form of the target, for the request line and Host
	headers []config.Header
	timeout time.Duration
	certs   *certPolicy // nil for ws://
}

// newWSChecker builds the checker for a ws:// or wss:// service.
func newWSChecker(svc config.Service) (Checker, error) {
	u, err := url.Parse(svc.URL)
	if err != nil {
		// url.Parse's message repeats the URL, which may hold an expanded secret.
		return nil, errors.New("ws: bad url")
	}
	if u.Hostname() == "" {
		return nil, errors.New("ws: url must be ws://host[:port]/path or wss://host[:port]/path")
	}
	req := *u
	req.Fragment, req.RawFragment = "", ""
	req.Host = u.Host // without the user info
	port := u.Port()
	opts, err := optionsOf(svc, defaultWSOptions)
	if err != nil {
		return nil, err
	}
	c := &wsChecker{headers: opts.Headers, timeout: svc.Timeout, request: &req}
	switch u.Scheme {
	case "ws":
		req.Scheme = "http"
		if port == "" {
			port = "80"
		}
	case "wss":
		req.Scheme = "https"
		if port == "" {
			port = "443"
		}
		c.certs = &certPolicy{host: u.Hostname(), insecure: opts.Insecure, warn: opts.CertWarn}
	default:
		return nil, errors.New("ws: url must be ws://host[:port]/path or wss://host[:port]/path")
	}
	c.addr = net.JoinHostPort(u.Hostname(), port)
	return c, nil
}

// Check connects, upgrades and closes. Latency ends when the response to the upgrade arrives.
// A server that echoes the request back may show its secrets: Run masks them.
func (c *wsChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	rec := newPhaseRecorder(res.Start)
	conn, err := c.dial(ctx, rec, &res)
	if conn == nil {
		res.Latency = time.Since(res.Start)
		res.Phases = rec.phases()
		if err != nil {
			res.Reason = dialReason(ctx, err, c.timeout)
		}
		return res
	}
	defer conn.Close()
	// dial put ctx's deadline on conn; a cancellation needs one put there too.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	var nonce [16 + 4]byte // the handshake key, then the close frame's mask
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:16])
	rec.begin(&rec.firstByte, false)
	resp, br, err := c.handshake(conn, key)
	rec.end(&rec.firstByte)
	res.Latency = time.Since(res.Start)
	res.Phases = rec.phases()
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			err = ctx.Err() // rather than the deadline that cancellation put on conn
		}
		res.OK, res.Warning = false, ""
		res.Reason = checkErrReason(ctx, err, c.timeout)
		return res
	}
	res.Facts = append(res.Facts, Fact{Label: "status", Value: text.CleanText(resp.Status, quotedMax)})
	res.StatusCode = resp.StatusCode
	if reason := upgradeProblem(resp, key); reason != "" {
		res.OK, res.Warning, res.Reason = false, "", reason
		return res
	}
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "" {
		res.Facts = append(res.Facts, Fact{Label: "subprotocol", Value: text.CleanText(p, quotedMax)})
	}
	res.OK = true
	closeWS(ctx, conn, br, [4]byte(nonce[16:]))
	return res
}

// dial connects and, for wss://, completes the TLS handshake and judges the certificate into
// res. It returns a nil connection when the check has failed already, with an error unless
// the certificate was the fault (judge said why in res).
func (c *wsChecker) dial(ctx context.Context, rec *phaseRecorder, res *Result) (net.Conn, error) {
	if c.certs == nil {
		return dialTCP(ctx, rec, c.addr)
	}
	cfg := c.certs.config()
	// Offered so that a server speaking HTTP/2 too answers in HTTP/1.1, the upgrade's protocol.
	cfg.NextProtos = []string{"http/1.1"}
	conn, err := dialTLS(ctx, rec, c.addr, cfg)
	if err != nil {
		return nil, err
	}
	c.certs.judge(res, conn.ConnectionState(), time.Now())
	if !res.OK {
		_ = conn.Close()
		return nil, nil
	}
	return conn, nil
}

// handshake sends the upgrade request with the configured headers and reads the response head.
func (c *wsChecker) handshake(conn net.Conn, key string) (*http.Response, *bufio.Reader, error) {
	req := &http.Request{
		Method:     http.MethodGet,
		URL:        c.request,
		Host:       c.request.Host,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header, len(c.headers)+5),
	}
	for _, h := range c.headers {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	if u := c.request.User; u != nil && req.Header.Get("Authorization") == "" {
		pass, _ := u.Password()
		req.SetBasicAuth(u.Username(), pass)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "uptty")
	}
	// After the configured headers, so that they cannot break the handshake itself.
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	bw := bufio.NewWriterSize(conn, 1024)
	if err := req.Write(bw); err != nil {
		return nil, nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(&wsCapped{r: conn, left: wsReadMax}, 4096)
	// Anything but HTTP is named by its first line, which ReadResponse would quote raw.
	if head, err := br.Peek(5); err == nil && string(head) != "HTTP/" {
		line, _ := br.ReadSlice('\n')
		return nil, nil, errors.New("not an HTTP response: " + quote(string(line)))
	}
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, nil, err
	}
	return resp, br, nil
}

// errWSReadMax is what stops a read past wsReadMax: said as the limit, where the io.EOF of an
// io.LimitedReader would read as the server closing the connection.
var errWSReadMax = errors.New("response head over " + strconv.Itoa(wsReadMax>>10) + " KiB (uptty's limit)")

// wsCapped reads at most left bytes from r, then fails with errWSReadMax.
type wsCapped struct {
	r    io.Reader
	left int64
}

func (c *wsCapped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errWSReadMax
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// upgradeProblem says what is wrong with a response to an upgrade request, if anything.
func upgradeProblem(resp *http.Response, key string) string {
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return statusReason(resp.StatusCode, "101")
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		return "upgraded to " + quote(resp.Header.Get("Upgrade")) + ", want websocket"
	}
	if resp.Header.Get("Sec-WebSocket-Accept") != wsAccept(key) {
		return "bad Sec-WebSocket-Accept in response"
	}
	return ""
}

// wsAccept is the Sec-WebSocket-Accept that answers key.
func wsAccept(key string) string {
	sum := sha1.Sum([]byte(key + wsGUID)) //nolint:gosec // as RFC 6455 requires
	return base64.StdEncoding.EncodeToString(sum[:])
}

// closeWS sends a close frame (normal closure) and waits briefly for the server's, so that the
// server sees a clean close rather than a reset. The check has passed already: failures here
// do not matter.
func closeWS(ctx context.Context, conn net.Conn, br *bufio.Reader, mask [4]byte) {
	frame := [8]byte{0x88, 0x80 | 2, mask[0], mask[1], mask[2], mask[3]}
	binary.BigEndian.PutUint16(frame[6:], wsCloseNormal)
	frame[6] ^= mask[0]
	frame[7] ^= mask[1]
	if _, err := conn.Write(frame[:]); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, wsCloseWait)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		op, err := skipFrame(br)
		if err != nil || op == wsOpClose {
			return
		}
	}
}

// skipFrame reads one frame and returns its opcode.
func skipFrame(br *bufio.Reader) (byte, error) {
	var head [2]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return 0, err
	}
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			return 0, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			return 0, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if head[1]&0x80 != 0 {
		n += 4 // a masking key, which servers must not send but may
	}
	if n > wsReadMax {
		return 0, errors.New("websocket frame too large")
	}
	if _, err := br.Discard(int(n)); err != nil {
		return 0, err
	}
	return head[0] & 0x0f, nil
}
