package probe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

const (
	icmpDefaultTimeout = 10 * time.Second
	icmpMaxInterval    = 200 * time.Millisecond
	// icmpNotPermitted names every way to let uptty ping, since the user cannot guess which
	// one their system lacks.
	icmpNotPermitted = `icmp not permitted: run as root, grant CAP_NET_RAW (setcap cap_net_raw+ep uptty), ` +
		`or allow ping sockets with sysctl net.ipv4.ping_group_range="0 2147483647"`
)

// KindICMP is the kind of icmp://host services: ping.
const KindICMP config.Kind = "icmp"

var icmpKind = kind{
	spec: config.KindSpec{
		Kind:    KindICMP,
		Schemes: []string{"icmp"},
		Keys:    []config.Key{{Name: "count"}, {Name: "expect.max_loss"}},
		CheckURL: func(u *url.URL) error {
			const form = "icmp://host"
			if err := config.CheckHostURL(u, form, false); err != nil {
				return err
			}
			return config.NoPath(u, form)
		},
		Parse: parseICMP,
	},
	new: newICMPChecker,
}

// ICMPOptions are an icmp service's options.
type ICMPOptions struct {
	Count   int     // echo requests per check, 1 to 100 (default 3)
	MaxLoss float64 // the highest loss ratio that passes, 0 to 1 (default 0.66)
}

func defaultICMPOptions(string) ICMPOptions { return ICMPOptions{Count: 3, MaxLoss: 0.66} }

func parseICMP(o *config.Options) any {
	p := defaultICMPOptions(o.Scheme)
	if v, ok := o.Get("count"); ok {
		if n, ok := v.Int(1, 100); ok {
			p.Count = n
		}
	}
	if v, ok := o.Get("expect.max_loss"); ok {
		if l, ok := v.Fraction("a loss such as 66% or 0.66"); ok {
			p.MaxLoss = l
		}
	}
	return p
}

// icmpChecker pings a host: Count echo requests a short interval apart, then the loss ratio and
// round trips of the replies that came back before the deadline.
type icmpChecker struct {
	host     string
	count    int
	maxLoss  float64
	timeout  time.Duration
	interval time.Duration
	// resolver and listen are the network's doors; tests swap them for ones that stay on the
	// machine or that refuse.
	resolver *net.Resolver
	listen   func(network, address string) (*icmp.PacketConn, error)
}

// newICMPChecker builds the checker for icmp://host (a name, an IPv4 or an [IPv6] address).
func newICMPChecker(svc config.Service) (Checker, error) {
	u, err := url.Parse(svc.URL)
	if err != nil {
		return nil, fmt.Errorf("icmp: %w", err)
	}
	host := u.Hostname()
	switch {
	case u.Scheme != "icmp":
		return nil, fmt.Errorf("icmp: scheme %q, want icmp", u.Scheme)
	case host == "":
		return nil, fmt.Errorf("icmp: no host in %q (write icmp://host)", svc.URL)
	case u.Port() != "" || u.Path != "" && u.Path != "/" || u.RawQuery != "":
		return nil, fmt.Errorf("icmp: %q has more than a host: ping has no ports or paths", svc.URL)
	}
	opts, err := optionsOf(svc, defaultICMPOptions)
	if err != nil {
		return nil, err
	}
	if l := opts.MaxLoss; l < 0 || l > 1 {
		return nil, fmt.Errorf("icmp: max_loss %g, want 0..1", l)
	}
	if opts.Count < 1 {
		return nil, fmt.Errorf("icmp: count %d, want 1..100", opts.Count)
	}
	c := &icmpChecker{
		host:     host,
		count:    opts.Count,
		maxLoss:  opts.MaxLoss,
		timeout:  svc.Timeout,
		resolver: net.DefaultResolver,
		listen:   icmp.ListenPacket,
	}
	if c.timeout <= 0 {
		c.timeout = icmpDefaultTimeout
	}
	c.interval = min(icmpMaxInterval, c.timeout/time.Duration(c.count))
	return c, nil
}

// Check resolves the host, then pings it with an unprivileged ping socket where the kernel
// allows one, a raw socket otherwise.
func (c *icmpChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	// The checker waits for late replies until the deadline, so it must have one of its own
	// when the caller gives none.
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	fail := func(reason string) Result {
		res.Latency = time.Since(res.Start)
		res.Reason = reason
		return res
	}

	ip, looked, err := c.resolve(ctx)
	if looked {
		res.Phases = []Phase{{Name: PhaseDNS, Duration: time.Since(res.Start)}}
	}
	if err != nil {
		return fail(checkErrReason(ctx, err, c.timeout))
	}
	res.Facts = append(res.Facts, Fact{Label: "address", Value: ip.String()})
	p, reason := c.open(ip)
	if reason != "" {
		return fail(reason)
	}
	defer p.conn.Close()
	// Closing the socket is what interrupts a read when the caller cancels.
	stop := context.AfterFunc(ctx, func() { p.conn.Close() })
	defer stop()

	rtts, sent, err := p.run(ctx, c.count, c.interval)
	if err != nil && ctx.Err() == nil {
		return fail(checkErrReason(ctx, err, c.timeout))
	}
	res.OK, res.Reason = c.verdict(len(rtts), sent)
	if !res.OK && errors.Is(ctx.Err(), context.Canceled) {
		res.Reason = "canceled"
	}
	res.Facts = append(res.Facts, icmpFacts(rtts, c.count)...)
	if len(rtts) > 0 {
		res.Latency = meanRTT(rtts)
	} else {
		res.Latency = time.Since(res.Start)
	}
	return res
}

// verdict judges a run: up when few enough echoes were lost; a run the deadline cut short
// before every request was sent reads as a timeout. Loss is compared in whole percents, as
// people write it, so that the default 66% lets 2 of 3 echoes (66.7%) go missing.
func (c *icmpChecker) verdict(received, sent int) (ok bool, reason string) {
	lost := c.count - received
	maxPct := int(math.Round(c.maxLoss * 100))
	if lost*100/c.count <= maxPct {
		return true, ""
	}
	if sent < c.count {
		return false, timeoutReason(c.timeout)
	}
	return false, fmt.Sprintf("loss %d/%d, want at most %d%%", lost, c.count, maxPct)
}

// resolve returns the address to ping; looked says whether that took a name lookup.
func (c *icmpChecker) resolve(ctx context.Context) (ip netip.Addr, looked bool, err error) {
	if ip, err := netip.ParseAddr(c.host); err == nil {
		return ip.Unmap(), false, nil
	}
	ips, err := c.resolver.LookupNetIP(ctx, "ip", c.host)
	if err != nil {
		return netip.Addr{}, true, err
	}
	// IPv4 first: hosts with both are far likelier to answer pings over IPv4.
	for _, ip := range ips {
		if ip.Unmap().Is4() {
			return ip.Unmap(), true, nil
		}
	}
	if len(ips) == 0 {
		return netip.Addr{}, true, &net.DNSError{Err: "no such host", Name: c.host, IsNotFound: true}
	}
	return ips[0], true, nil
}

// open tries a ping socket, then a raw one. reason is set when neither can be had.
func (c *icmpChecker) open(ip netip.Addr) (*pinger, string) {
	p := &pinger{ip: ip, v6: ip.Is6(), token: rand.Uint64()}
	ping, raw, wildcard := "udp4", "ip4:icmp", "0.0.0.0"
	if p.v6 {
		ping, raw, wildcard = "udp6", "ip6:ipv6-icmp", "::"
	}
	conn, err := c.listen(ping, wildcard)
	if err == nil {
		p.conn, p.dst = conn, &net.UDPAddr{IP: ip.AsSlice(), Zone: ip.Zone()}
		return p, ""
	}
	conn, rawErr := c.listen(raw, wildcard)
	if rawErr == nil {
		// Every raw socket sees every echo reply on the host, so replies carry our own ID.
		p.conn, p.dst, p.raw = conn, &net.IPAddr{IP: ip.AsSlice(), Zone: ip.Zone()}, true
		p.id = int(uint16(p.token))
		return p, ""
	}
	if errors.Is(rawErr, os.ErrPermission) {
		return nil, icmpNotPermitted
	}
	return nil, text.CleanText("icmp socket: "+innermost(rawErr).Error(), reasonMax)
}

// pinger is one check's socket and the marks that tell its replies from any other's.
type pinger struct {
	conn  *icmp.PacketConn
	dst   net.Addr
	ip    netip.Addr
	v6    bool
	raw   bool
	id    int    // echo ID on raw sockets; ping sockets pick their own
	token uint64 // the payload, so a reply to another check is never counted
}

// run sends count echo requests interval apart and collects round trips until every request
// is answered or ctx ends. sent counts the requests that went out.
func (p *pinger) run(ctx context.Context, count int, interval time.Duration) (rtts []time.Duration, sent int, err error) {
	deadline, _ := ctx.Deadline()
	sentAt := make([]time.Time, count)
	seen := make([]bool, count)
	buf := make([]byte, 1500)
	next := time.Now()
	for len(rtts) < count && ctx.Err() == nil {
		now := time.Now()
		if !now.Before(deadline) {
			break
		}
		if sent < count && !now.Before(next) {
			if err := p.send(sent); err != nil {
				return rtts, sent, err
			}
			sentAt[sent] = time.Now()
			sent++
			next = now.Add(interval)
			continue
		}
		wake := deadline
		if sent < count && next.Before(wake) {
			wake = next
		}
		if err := p.conn.SetReadDeadline(wake); err != nil {
			return rtts, sent, err
		}
		n, from, err := p.conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			return rtts, sent, err
		}
		if seq, ok := p.match(buf[:n], from); ok && seq < sent && !seen[seq] {
			seen[seq] = true
			rtts = append(rtts, time.Since(sentAt[seq]))
		}
	}
	return rtts, sent, nil
}

func (p *pinger) send(seq int) error {
	var typ icmp.Type = ipv4.ICMPTypeEcho
	if p.v6 {
		typ = ipv6.ICMPTypeEchoRequest
	}
	data := binary.BigEndian.AppendUint64(nil, p.token)
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: p.id, Seq: seq, Data: data}}
	// For ICMPv6 the kernel fills in the checksum, which needs no pseudo-header from us.
	b, err := msg.Marshal(nil)
	if err != nil {
		return err
	}
	_, err = p.conn.WriteTo(b, p.dst)
	return err
}

// match returns the sequence number of an echo reply to this pinger. Ping sockets rewrite the
// ID, so there the source and the payload are what identify a reply.
func (p *pinger) match(b []byte, from net.Addr) (seq int, ok bool) {
	proto, want := 1, icmp.Type(ipv4.ICMPTypeEchoReply)
	if p.v6 {
		proto, want = 58, ipv6.ICMPTypeEchoReply
	}
	msg, err := icmp.ParseMessage(proto, b)
	if err != nil || msg.Type != want {
		return 0, false
	}
	echo, ok := msg.Body.(*icmp.Echo)
	if !ok || p.raw && echo.ID != p.id || len(echo.Data) < 8 || binary.BigEndian.Uint64(echo.Data) != p.token {
		return 0, false
	}
	if icmpSource(from) != p.ip.WithZone("") {
		return 0, false
	}
	return echo.Seq, echo.Seq >= 0
}

func icmpSource(a net.Addr) netip.Addr {
	var ip netip.Addr
	switch a := a.(type) {
	case *net.UDPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case *net.IPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	}
	return ip.Unmap()
}

// icmpFacts reads like ping's summary: loss 0/3, rtt min/avg/max 0.05/0.07/0.09 ms.
func icmpFacts(rtts []time.Duration, count int) []Fact {
	facts := []Fact{{Label: "loss", Value: fmt.Sprintf("%d/%d", count-len(rtts), count)}}
	if len(rtts) == 0 {
		return facts
	}
	lo, hi := rtts[0], rtts[0]
	for _, d := range rtts {
		lo, hi = min(lo, d), max(hi, d)
	}
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }
	return append(facts, Fact{Label: "rtt min/avg/max", Value: ms(lo) + "/" + ms(meanRTT(rtts)) + "/" + ms(hi) + " ms"})
}

func meanRTT(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}
