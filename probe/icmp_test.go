package probe

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/uptty/uptty/config"
)

func mustICMPChecker(tb testing.TB, svc config.Service) *icmpChecker {
	tb.Helper()
	c, err := newICMPChecker(svc)
	if err != nil {
		tb.Fatalf("newICMPChecker(%q) = %v, want nil", svc.URL, err)
	}
	return c.(*icmpChecker)
}

// pingOrSkip checks once and skips the test when this machine lets nobody ping.
func pingOrSkip(tb testing.TB, c *icmpChecker) Result {
	tb.Helper()
	r := c.Check(context.Background())
	skipIfNotPermitted(tb, r)
	return r
}

// skipIfNotPermitted skips the test when r says this machine lets nobody ping; in CI, which
// enables ping sockets (.ci/run), it fails instead, so that a skip cannot hide the ICMP tests.
func skipIfNotPermitted(tb testing.TB, r Result) {
	tb.Helper()
	if r.Reason != icmpNotPermitted {
		return
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s: CI must run the ICMP tests (.ci/run enables ping sockets)", r.Reason)
	}
	tb.Skip(r.Reason)
}

// icmpResolver sends every lookup to the DNS server at addr, so that no test leaves the machine.
// Its connections close when their lookup is abandoned: Go's resolver would otherwise wait out
// its own 5s timeout on a silent server, long after the test that started it.
func icmpResolver(addr string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err == nil {
			context.AfterFunc(ctx, func() { conn.Close() })
		}
		return conn, err
	}}
}

func TestICMPURL(t *testing.T) {
	tests := []struct {
		svc          config.Service
		host         string
		count        int
		interval     time.Duration
		wantErrorHas string
	}{
		{svc: config.Service{URL: "icmp://127.0.0.1", Timeout: 10 * time.Second}, host: "127.0.0.1", count: 3, interval: 200 * time.Millisecond},
		{svc: config.Service{URL: "icmp://example.com/", Options: ICMPOptions{Count: 5}, Timeout: 500 * time.Millisecond}, host: "example.com", count: 5, interval: 100 * time.Millisecond},
		{svc: config.Service{URL: "icmp://[::1]", Options: ICMPOptions{Count: 1}, Timeout: time.Second}, host: "::1", count: 1, interval: 200 * time.Millisecond},
		{svc: config.Service{URL: "icmp://example.com:80"}, wantErrorHas: "no ports or paths"},
		{svc: config.Service{URL: "icmp://example.com/x"}, wantErrorHas: "no ports or paths"},
		{svc: config.Service{URL: "icmp://"}, wantErrorHas: "no host"},
		{svc: config.Service{URL: "tcp://example.com"}, wantErrorHas: `scheme "tcp"`},
		{svc: config.Service{URL: "icmp://example.com", Options: ICMPOptions{Count: 3, MaxLoss: 1.5}}, wantErrorHas: "max_loss 1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.svc.URL, func(t *testing.T) {
			got, err := newICMPChecker(tt.svc)
			if tt.wantErrorHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrorHas) {
					t.Errorf("newICMPChecker(%q) = %v, want an error containing %q", tt.svc.URL, err, tt.wantErrorHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("newICMPChecker(%q) = %v, want nil", tt.svc.URL, err)
			}
			c := got.(*icmpChecker)
			if c.host != tt.host || c.count != tt.count || c.interval != tt.interval {
				t.Errorf("newICMPChecker(%q) = %q %d %v, want %q %d %v", tt.svc.URL,
					c.host, c.count, c.interval, tt.host, tt.count, tt.interval)
			}
		})
	}
}

func TestICMPLoopback(t *testing.T) {
	noGoroutineLeaks(t)
	tests := []struct {
		url   string
		count int
	}{
		{"icmp://127.0.0.1", 1},
		{"icmp://127.0.0.1", 3},
		{"icmp://[::1]", 2},
	}
	for _, tt := range tests {
		t.Run(tt.url+"/"+string(rune('0'+tt.count)), func(t *testing.T) {
			if strings.Contains(tt.url, "::1") && !hasIPv6Loopback() {
				t.Skip("no IPv6 loopback")
			}
			c := mustICMPChecker(t, config.Service{URL: tt.url, Timeout: 5 * time.Second,
				Options: ICMPOptions{Count: tt.count, MaxLoss: 0.66}})
			c.interval = 10 * time.Millisecond // loopback answers at once; keep the test quick
			r := pingOrSkip(t, c)
			if !r.OK {
				t.Fatalf("Check(%q) = %v %q, want true", tt.url, r.OK, r.Reason)
			}
			if got, want := factOf(r.Facts, "loss"), "0/"+string(rune('0'+tt.count)); got != want {
				t.Errorf("Check(%q) loss = %q, want %q", tt.url, got, want)
			}
			if got := factOf(r.Facts, "rtt min/avg/max"); !strings.HasSuffix(got, " ms") || strings.Count(got, "/") != 2 {
				t.Errorf("Check(%q) rtt = %q, want min/avg/max ms", tt.url, got)
			}
			if r.Latency <= 0 || r.Latency > 5*time.Second {
				t.Errorf("Check(%q) Latency = %v, want the mean round trip", tt.url, r.Latency)
			}
		})
	}
}

func TestICMPByName(t *testing.T) {
	noGoroutineLeaks(t)
	dnsAddr, _ := dnsTestServer(t)
	c := mustICMPChecker(t, config.Service{URL: "icmp://loop.test", Options: ICMPOptions{Count: 1}, Timeout: 5 * time.Second})
	c.resolver = icmpResolver(dnsAddr)
	r := pingOrSkip(t, c)
	if !r.OK {
		t.Fatalf("Check(icmp://loop.test) = %v %q, want true", r.OK, r.Reason)
	}
	if got := factOf(r.Facts, "address"); got != "127.0.0.1" {
		t.Errorf("Check(icmp://loop.test) address = %q, want 127.0.0.1", got)
	}
	if len(r.Phases) != 1 || r.Phases[0].Name != PhaseDNS || r.Phases[0].Duration <= 0 {
		t.Errorf("Check(icmp://loop.test) phases = %v, want one dns phase", r.Phases)
	}
}

// TestICMPConcurrent runs checks side by side: on raw sockets each one sees every reply, so
// each must count only its own.
func TestICMPConcurrent(t *testing.T) {
	c := mustICMPChecker(t, config.Service{URL: "icmp://127.0.0.1", Options: ICMPOptions{Count: 3}, Timeout: 5 * time.Second})
	c.interval = 10 * time.Millisecond
	pingOrSkip(t, c)
	results := make(chan Result, 4)
	for range 4 {
		go func() { results <- c.Check(context.Background()) }()
	}
	for range 4 {
		if r := <-results; !r.OK || factOf(r.Facts, "loss") != "0/3" {
			t.Errorf("Check(icmp://127.0.0.1) = %v %q loss %q, want true loss 0/3", r.OK, r.Reason, factOf(r.Facts, "loss"))
		}
	}
}

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestICMPFailures(t *testing.T) {
	noGoroutineLeaks(t)
	dnsAddr, _ := dnsTestServer(t)
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		ctx     context.Context
		want    string
	}{
		{"no such host", "icmp://nonexistent.invalid", 5 * time.Second, context.Background(), "no such host"},
		{"resolver silent", "icmp://silent.test", 100 * time.Millisecond, context.Background(), "timeout after 100ms"},
		{"deadline passed", "icmp://127.0.0.1", 2 * time.Second, expired, "timeout after 2s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustICMPChecker(t, config.Service{URL: tt.url, Timeout: tt.timeout})
			c.resolver = icmpResolver(dnsAddr)
			r := c.Check(tt.ctx)
			skipIfNotPermitted(t, r)
			if r.OK || r.Reason != tt.want {
				t.Errorf("Check(%q) = %v %q, want false %q", tt.url, r.OK, r.Reason, tt.want)
			}
		})
	}
}

func TestICMPNotPermitted(t *testing.T) {
	tests := []struct {
		name      string
		ping, raw error
		want      string
	}{
		{"neither allowed", syscall.EACCES, syscall.EPERM, icmpNotPermitted},
		{"no ping sockets, raw broken", syscall.EPROTONOSUPPORT, syscall.EPROTONOSUPPORT, "icmp socket: protocol not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustICMPChecker(t, config.Service{URL: "icmp://127.0.0.1", Timeout: time.Second})
			var tried []string
			c.listen = func(network, _ string) (*icmp.PacketConn, error) {
				tried = append(tried, network)
				if strings.HasPrefix(network, "udp") {
					return nil, os.NewSyscallError("socket", tt.ping)
				}
				return nil, os.NewSyscallError("socket", tt.raw)
			}
			r := c.Check(context.Background())
			if r.OK || r.Reason != tt.want {
				t.Errorf("Check = %v %q, want false %q", r.OK, r.Reason, tt.want)
			}
			if got := strings.Join(tried, ","); got != "udp4,ip4:icmp" {
				t.Errorf("Check tried sockets %s, want udp4,ip4:icmp", got)
			}
		})
	}
}

func TestICMPVerdict(t *testing.T) {
	tests := []struct {
		count          int
		maxLoss        float64
		received, sent int
		ok             bool
		reason         string
	}{
		{3, 0.66, 3, 3, true, ""},
		{3, 0.66, 1, 3, true, ""},
		{3, 0.66, 0, 3, false, "loss 3/3, want at most 66%"},
		{3, 0, 2, 3, false, "loss 1/3, want at most 0%"},
		{4, 0.5, 2, 4, true, ""},
		{3, 1.0 / 3, 1, 3, false, "loss 2/3, want at most 33%"},
		{3, 1.0 / 3, 2, 3, true, ""},
		{3, 0.6, 1, 3, false, "loss 2/3, want at most 60%"},
		{3, 0.66, 0, 1, false, "timeout after 1s"},
		{1, 0, 1, 1, true, ""},
	}
	for _, tt := range tests {
		c := &icmpChecker{count: tt.count, maxLoss: tt.maxLoss, timeout: time.Second}
		ok, reason := c.verdict(tt.received, tt.sent)
		if ok != tt.ok || reason != tt.reason {
			t.Errorf("verdict(count %d, max %g, got %d of %d sent) = %v %q, want %v %q",
				tt.count, tt.maxLoss, tt.received, tt.sent, ok, reason, tt.ok, tt.reason)
		}
	}
}

func TestICMPFacts(t *testing.T) {
	us := time.Microsecond
	tests := []struct {
		rtts  []time.Duration
		count int
		want  string
	}{
		{nil, 3, "loss 3/3"},
		{[]time.Duration{50 * us, 70 * us, 90 * us}, 3, "loss 0/3; rtt min/avg/max 0.05/0.07/0.09 ms"},
		{[]time.Duration{12340 * us}, 2, "loss 1/2; rtt min/avg/max 12.34/12.34/12.34 ms"},
	}
	for _, tt := range tests {
		var parts []string
		for _, f := range icmpFacts(tt.rtts, tt.count) {
			parts = append(parts, f.Label+" "+f.Value)
		}
		if got := strings.Join(parts, "; "); got != tt.want {
			t.Errorf("icmpFacts(%v, %d) = %q, want %q", tt.rtts, tt.count, got, tt.want)
		}
	}
}

func TestICMPMatch(t *testing.T) {
	self := netip.MustParseAddr("192.0.2.7")
	reply := func(typ icmp.Type, id, seq int, token uint64) []byte {
		m := icmp.Message{Type: typ, Body: &icmp.Echo{ID: id, Seq: seq, Data: binary.BigEndian.AppendUint64(nil, token)}}
		b, err := m.Marshal(nil)
		if err != nil {
			t.Fatalf("Marshal = %v, want nil", err)
		}
		return b
	}
	from := &net.IPAddr{IP: self.AsSlice()}
	tests := []struct {
		name string
		raw  bool
		b    []byte
		from net.Addr
		seq  int
		ok   bool
	}{
		{"raw reply", true, reply(ipv4.ICMPTypeEchoReply, 77, 2, 42), from, 2, true},
		{"raw, other ID", true, reply(ipv4.ICMPTypeEchoReply, 78, 2, 42), from, 0, false},
		{"raw, our own request", true, reply(ipv4.ICMPTypeEcho, 77, 2, 42), from, 0, false},
		{"other check's token", true, reply(ipv4.ICMPTypeEchoReply, 77, 1, 43), from, 0, false},
		{"other source", true, reply(ipv4.ICMPTypeEchoReply, 77, 1, 42), &net.IPAddr{IP: net.IPv4(192, 0, 2, 8)}, 0, false},
		{"ping socket rewrote ID", false, reply(ipv4.ICMPTypeEchoReply, 5000, 1, 42), &net.UDPAddr{IP: self.AsSlice()}, 1, true},
		{"garbage", false, []byte{0, 1}, from, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pinger{ip: self, raw: tt.raw, id: 77, token: 42}
			seq, ok := p.match(tt.b, tt.from)
			if seq != tt.seq || ok != tt.ok {
				t.Errorf("match(%s) = %d %v, want %d %v", tt.name, seq, ok, tt.seq, tt.ok)
			}
		})
	}
}

func BenchmarkICMPCheck(b *testing.B) {
	c := mustICMPChecker(b, config.Service{URL: "icmp://127.0.0.1", Options: ICMPOptions{Count: 1}, Timeout: 5 * time.Second})
	pingOrSkip(b, c)
	benchChecks(b, c)
}
