package probe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

const (
	dnsResolvConf  = "/etc/resolv.conf"
	dnsFallback    = "127.0.0.1:53"
	dnsUDPSize     = 1232 // the DNS flag day 2020 EDNS0 size: large answers without IP fragmentation
	dnsShownMax    = 5    // answers listed in Facts; the rest are counted
	dnsAnswerWidth = 100  // runes kept of one answer in Facts
)

// KindDNS is the kind of dns: services (RFC 4501 URLs).
const KindDNS config.Kind = "dns"

var dnsKind = kind{
	spec: config.KindSpec{
		Kind:     KindDNS,
		Schemes:  []string{"dns"},
		Keys:     []config.Key{{Name: "expect.rcode"}, {Name: "expect.answer_contains"}},
		CheckURL: func(u *url.URL) error { _, err := dnsURL(u); return err },
		Parse:    parseDNS,
	},
	new: newDNSChecker,
}

// DNSOptions are a dns service's expectations.
type DNSOptions struct {
	Rcode          string // the response code wanted, upper case (default NOERROR)
	AnswerContains string // an answer record must contain this text; "" checks none
}

func defaultDNSOptions(string) DNSOptions { return DNSOptions{Rcode: "NOERROR"} }

// rcodes are the DNS response codes a reply header can carry.
func rcodes() []string {
	return []string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"}
}

func parseDNS(o *config.Options) any {
	d := defaultDNSOptions(o.Scheme)
	if v, ok := o.Get("expect.rcode"); ok {
		if s, ok := v.String("a DNS response code such as NOERROR"); ok {
			up := strings.ToUpper(s)
			if !slices.Contains(rcodes(), up) {
				msg := "unknown response code " + config.Quote(s)
				if best := config.Closest(up, rcodes()); best != "" {
					msg += "; did you mean " + best + "?"
				} else {
					msg += "; known: " + strings.Join(rcodes(), ", ")
				}
				v.Errorf("%s", msg)
			} else {
				d.Rcode = up
			}
		}
	}
	if v, ok := o.Get("expect.answer_contains"); ok {
		d.AnswerContains, _ = v.String("text")
	}
	return d
}

// dnsChecker sends one DNS query and compares the response code and answers with expectations.
type dnsChecker struct {
	server   string // host:port; "" asks the system resolver's first nameserver
	name     string // fully qualified query name
	qtype    uint16
	rcode    int
	contains string // as configured; "" checks no answer text
	lowered  string // contains in lower case: names and hex digits match in any case
	timeout  time.Duration
	// resolvConf is read on every check without a server, so a laptop that changes networks
	// follows its resolver. Tests point it elsewhere.
	resolvConf string
	// resolver looks up a server given by name; tests send it to their own DNS server.
	resolver *net.Resolver
}

// newDNSChecker builds the checker for a dns: URL (RFC 4501) as parseDNSURL reads it:
// dns:name, dns:///name, dns://server/name or dns://server:port/name, with ?type=T (default A).
func newDNSChecker(svc config.Service) (Checker, error) {
	c := &dnsChecker{timeout: svc.Timeout, resolvConf: dnsResolvConf, resolver: net.DefaultResolver}
	if err := c.parseURL(svc.URL); err != nil {
		return nil, err
	}
	opts, err := optionsOf(svc, defaultDNSOptions)
	if err != nil {
		return nil, err
	}
	c.rcode = dns.RcodeSuccess
	if want := opts.Rcode; want != "" {
		rc, ok := dns.StringToRcode[strings.ToUpper(want)]
		if !ok {
			return nil, fmt.Errorf("dns: unknown rcode %q (NOERROR, NXDOMAIN, SERVFAIL, REFUSED...)", want)
		}
		c.rcode = rc
	}
	c.contains = opts.AnswerContains
	c.lowered = strings.ToLower(c.contains)
	return c, nil
}

func (c *dnsChecker) parseURL(raw string) error {
	t, err := parseDNSURL(raw)
	if err != nil {
		return fmt.Errorf("dns: %w", err)
	}
	c.server, c.qtype = t.Server, dns.StringToType[t.Type]
	name := t.Name
	if c.qtype == dns.TypePTR {
		if arpa, err := dns.ReverseAddr(name); err == nil {
			name = arpa // dns:///192.0.2.1?type=PTR asks for 1.2.0.192.in-addr.arpa.
		}
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return fmt.Errorf("dns: %q is not a domain name", name)
	}
	c.name = dns.Fqdn(name)
	return nil
}

// Check sends the query over UDP, again over TCP if the answer was truncated.
func (c *dnsChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	server := c.server
	if server == "" {
		server = systemNameserver(c.resolvConf)
	}
	m := new(dns.Msg)
	m.SetQuestion(c.name, c.qtype)
	m.SetEdns0(dnsUDPSize, false)

	var st udpStamp
	r, network, via, err := c.exchangeAny(ctx, m, server, &st)
	res.Latency = time.Since(res.Start)
	if d, ok := st.latency(); ok && err == nil && network == "udp" {
		res.Latency = max(d, 1)
	}
	shown := server
	if via != "" {
		shown += " (" + via + ")"
	}
	res.Facts = append(res.Facts, Fact{Label: "server", Value: shown + " over " + network})
	if err != nil {
		res.Reason = checkErrReason(ctx, err, c.timeout)
		return res
	}
	rcode := dnsRcodeText(r.Rcode)
	texts := make([]string, len(r.Answer))
	for i, rr := range r.Answer {
		texts[i] = dnsAnswerText(rr)
	}
	res.Facts = append(res.Facts,
		Fact{Label: "rcode", Value: rcode},
		Fact{Label: "answers", Value: c.answersFact(r.Answer, texts)})
	switch {
	case r.Rcode != c.rcode:
		res.Reason = fmt.Sprintf("rcode %s, want %s", rcode, dnsRcodeText(c.rcode))
	case c.contains != "" && !anyContains(texts, c.lowered):
		res.Reason = "no answer contains " + quote(c.contains)
	default:
		res.OK = true
	}
	return res
}

// exchangeAny is exchange with a server given by name tried at each of its addresses in turn
// until one answers, as net.Dialer tries them for a connection: over UDP nothing refuses the
// "connection", so the first address (often an IPv6 one where only IPv4 listens) would be
// the only one tried. Each address but the last gets a share of the time left, as net.Dialer
// gives it. via is the address that answered (or the last tried), "" for a server given by
// address; the error is the first address's, as net.Dialer reports.
func (c *dnsChecker) exchangeAny(ctx context.Context, m *dns.Msg, server string, st *udpStamp) (r *dns.Msg, network, via string, err error) {
	host, port, splitErr := net.SplitHostPort(server)
	if _, ipErr := netip.ParseAddr(host); splitErr != nil || ipErr == nil {
		r, network, err = c.exchange(ctx, m, server, st)
		return r, network, "", err
	}
	ips, err := c.resolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) == 0 {
		err = &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	if err != nil {
		return nil, "udp", "", err
	}
	var first error
	for i, ip := range ips {
		via = ip.Unmap().String()
		actx, cancel := c.addrContext(ctx, len(ips)-i)
		*st = udpStamp{}
		r, network, err = c.exchange(actx, m, net.JoinHostPort(via, port), st)
		cancel()
		if err == nil || ctx.Err() != nil {
			break
		}
		first = cmp.Or(first, err)
	}
	if err != nil {
		err = cmp.Or(first, err)
	}
	return r, network, via, err
}

// addrContext is ctx for one of left addresses: as net.Dialer shares a dial's time, the time
// left (to ctx's deadline, else the check's timeout) split evenly, but at least 2s (all of it if
// less is left); the last address gets all that is left.
func (c *dnsChecker) addrContext(ctx context.Context, left int) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(cmp.Or(c.timeout, 10*time.Second))
	}
	if left <= 1 {
		return context.WithDeadline(ctx, deadline)
	}
	remaining := time.Until(deadline)
	const saneMinimum = 2 * time.Second
	share := remaining / time.Duration(left)
	if share < saneMinimum {
		share = min(remaining, saneMinimum)
	}
	return context.WithTimeout(ctx, share)
}

// exchange sends the query over UDP, and over TCP if the answer was truncated. st gets the clocks
// of the UDP exchange where the socket can tell (stampUDP).
func (c *dnsChecker) exchange(ctx context.Context, m *dns.Msg, server string, st *udpStamp) (*dns.Msg, string, error) {
	r, err := c.exchangeOver(ctx, "udp", m, server, st)
	var oversized *oversizedAnswer
	if (r != nil && r.Truncated) || errors.As(err, &oversized) {
		r, err = c.exchangeOver(ctx, "tcp", m, server, nil)
		return r, "tcp", err
	}
	return r, "udp", err
}

// udpStamp is when a UDP query went to the kernel (the clock read just before the write call)
// and when the kernel received the datagram read last, the answer (a socket receive timestamp).
type udpStamp struct{ wrote, rx time.Time }

// latency is the wait for the answer by those clocks, on Linux the network's time alone: not
// the socket's set-up, and not the wait for a CPU once the answer has arrived, which on a busy
// machine is often milliseconds. ok is false when a clock is missing or the two do not fit
// (see arrival).
func (s *udpStamp) latency() (time.Duration, bool) {
	if s.wrote.IsZero() || s.rx.IsZero() {
		return 0, false
	}
	now := time.Now()
	at, ok := arrival(s.wrote, now, now.Round(0), s.rx)
	if !ok {
		return 0, false
	}
	return at.Sub(s.wrote), true
}

func (c *dnsChecker) exchangeOver(ctx context.Context, network string, m *dns.Msg, server string, st *udpStamp) (*dns.Msg, error) {
	// Without Timeout the library caps every read at 2s whatever the context allows; the
	// context's deadline still wins when it is sooner.
	timeout := c.timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client := &dns.Client{Net: network, Timeout: timeout}
	conn, err := client.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if st != nil {
		conn.Conn = stampUDP(conn.Conn, st)
	}
	if _, ok := conn.Conn.(net.PacketConn); ok {
		whole := &wholeDatagrams{Conn: conn.Conn, buf: datagramBufs.Get().(*[]byte)}
		defer datagramBufs.Put(whole.buf)
		conn.Conn = whole
	}
	// The library honours only the context's deadline; closing the socket honours cancellation.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	r, _, err := client.ExchangeWithConnContext(ctx, m, conn)
	return r, err
}

// answersFact lists the first few answers, each with its type when that differs from the
// question's (a CNAME on the way to an A record).
func (c *dnsChecker) answersFact(rrs []dns.RR, texts []string) string {
	if len(rrs) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, rr := range rrs[:min(len(rrs), dnsShownMax)] {
		if i > 0 {
			b.WriteString(", ")
		}
		if t := rr.Header().Rrtype; t != c.qtype {
			b.WriteString(dns.TypeToString[t] + " ")
		}
		b.WriteString(text.CleanText(texts[i], dnsAnswerWidth))
	}
	if n := len(rrs) - dnsShownMax; n > 0 {
		fmt.Fprintf(&b, " (+%d more)", n)
	}
	return b.String()
}

func anyContains(texts []string, want string) bool {
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), want) {
			return true
		}
	}
	return false
}

// dnsAnswerText is a record's data without its owner, TTL, class and type. TXT strings are
// decoded from the library's \DDD escapes so that what is matched and shown is the real text.
func dnsAnswerText(rr dns.RR) string {
	if txt, ok := rr.(*dns.TXT); ok {
		var b strings.Builder
		for _, s := range txt.Txt {
			b.WriteString(unescapeTXT(s))
		}
		return b.String()
	}
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

// unescapeTXT undoes miekg/dns's presentation escapes: \DDD (decimal byte) and \c.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		if i+3 < len(s) && isDigits(s[i+1:i+4]) {
			if n, err := strconv.Atoi(s[i+1 : i+4]); err == nil && n < 256 {
				b = append(b, byte(n))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func dnsRcodeText(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(rc)
}

// systemNameserver is the first nameserver in resolvConf, or the local resolver when the file
// is missing or lists none (as the C library does).
func systemNameserver(resolvConf string) string {
	cfg, err := dns.ClientConfigFromFile(resolvConf)
	if err != nil || len(cfg.Servers) == 0 {
		return dnsFallback
	}
	port := cfg.Port
	if port == "" {
		port = "53"
	}
	return net.JoinHostPort(cfg.Servers[0], port)
}

// dnsTarget is a dns: service URL taken apart (RFC 4501).
type dnsTarget struct {
	// Server is host:port of the DNS server to ask (port 53 unless given); "" means the system
	// resolver.
	Server string
	// Name is the name to look up, as written (no trailing dot is added).
	Name string
	// Type is the query type in upper case: A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, CAA or PTR.
	Type string
}

// parseDNSURL takes apart a dns: URL: dns:name?type=T, dns:///name, dns://server[:port]/name.
// Query keys and values are case-insensitive and may be separated by ; (as RFC 4501 writes
// them) or &; the keys are type (default A) and class (IN only).
func parseDNSURL(raw string) (dnsTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return dnsTarget{}, err
	}
	if !strings.EqualFold(u.Scheme, "dns") {
		return dnsTarget{}, errors.New("not a dns: URL")
	}
	return dnsURL(u)
}

// dnsURL takes apart a parsed dns: URL; its errors are the config loader's messages.
func dnsURL(u *url.URL) (dnsTarget, error) {
	const form = "dns:name?type=A or dns://server/name?type=A"
	t := dnsTarget{Type: "A"}
	name := u.Opaque
	if name == "" {
		name = strings.TrimPrefix(u.EscapedPath(), "/")
		if u.Host != "" {
			host, port := u.Hostname(), u.Port()
			if host == "" {
				return t, errors.New("missing server host: write " + form)
			}
			if port == "" {
				port = "53"
			} else if err := config.CheckPort(port); err != nil {
				return t, err
			}
			t.Server = net.JoinHostPort(host, port)
		}
	}
	name, err := url.PathUnescape(name)
	if err != nil {
		return t, errors.New("invalid name: " + err.Error())
	}
	if name == "" {
		return t, errors.New("missing the name to look up: write " + form)
	}
	if msg := dnsNameProblem(name); msg != "" {
		return t, errors.New(msg)
	}
	t.Name = name
	if u.User != nil || u.Fragment != "" {
		return t, errors.New("user info and fragments are not used: write " + form)
	}
	seen := map[string]bool{}
	for _, part := range strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == ';' || r == '&' }) {
		k, v, _ := strings.Cut(part, "=")
		k, v = strings.ToLower(k), strings.ToUpper(v)
		if seen[k] {
			return t, errors.New("query key " + config.Quote(k) + " given twice")
		}
		seen[k] = true
		switch k {
		case "type":
			if !isQueryType(v) {
				return t, errors.New("unknown query type " + config.Quote(v) + "; supported: " + dnsQueryTypes)
			}
			t.Type = v
		case "class":
			if v != "IN" {
				return t, errors.New("only class=IN is supported")
			}
		default:
			return t, errors.New("unknown query key " + config.Quote(k) + "; supported: type, class")
		}
	}
	return t, nil
}

const dnsQueryTypes = "A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, CAA, PTR"

func isQueryType(t string) bool {
	switch t {
	case "A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "CAA", "PTR":
		return true
	}
	return false
}

// dnsNameProblem checks the shape of a domain name: labels of 1 to 63 characters, at most 253
// in all, no spaces or control characters. "." alone is the root.
func dnsNameProblem(name string) string {
	if name == "." {
		return ""
	}
	trimmed := strings.TrimSuffix(name, ".")
	if len(trimmed) > 253 {
		return "name is longer than 253 characters"
	}
	for _, label := range strings.Split(trimmed, ".") {
		if label == "" || len(label) > 63 {
			return "name " + config.Quote(name) + " has an empty label or one longer than 63 characters"
		}
		for _, c := range label {
			if c <= ' ' || c == 0x7f || c == '/' {
				return "name " + config.Quote(name) + " has a space, slash or control character"
			}
		}
	}
	return ""
}

// oversizedAnswer is a UDP answer larger than the EDNS0 size the query asked for, from a
// server that should have truncated it (TC) instead: it is asked again over TCP, as for TC.
type oversizedAnswer struct{ size, room int }

func (e *oversizedAnswer) Error() string {
	return fmt.Sprintf("answer over UDP of %d bytes, more than the %d asked for", e.size, e.room)
}

// datagramBufs hold a whole datagram, the largest UDP allows.
var datagramBufs = sync.Pool{New: func() any { b := make([]byte, dns.MaxMsgSize); return &b }}

// wholeDatagrams reads each datagram whole, so that one larger than the buffer the DNS library
// reads into (the EDNS0 size asked for) is told apart from a malformed one: the kernel would
// cut it to the buffer, and the cut message fail to parse ("dns: overflowing header size").
// It stays a net.PacketConn, as the library tells datagram sockets by that.
type wholeDatagrams struct {
	net.Conn
	buf *[]byte
}

func (c *wholeDatagrams) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(*c.buf)
	if err != nil {
		return 0, err
	}
	if n > len(p) {
		return 0, &oversizedAnswer{size: n, room: len(p)}
	}
	return copy(p, (*c.buf)[:n]), nil
}

func (c *wholeDatagrams) ReadFrom(p []byte) (int, net.Addr, error) {
	return c.Conn.(net.PacketConn).ReadFrom(p)
}

func (c *wholeDatagrams) WriteTo(p []byte, addr net.Addr) (int, error) {
	return c.Conn.(net.PacketConn).WriteTo(p, addr)
}
