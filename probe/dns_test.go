package probe

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/uptty/uptty/config"
)

// evilTXT is a TXT string that tries to recolour, retitle and ring the terminal.
const evilTXT = "\x1b[31mred\x1b[0m \x1b]0;owned\x07bell\x07\r\nnext\tline \u202eevil"

// dnsTestServer answers on 127.0.0.1 over UDP and TCP on the same port, by query name:
// a.test (A), loop.test (A 127.0.0.1), dual.test (AAAA ::1 and A 127.0.0.1), six.test (AAAA ::1), cname.test (CNAME then A), txt.test and evil.test (TXT), many.test (7 A),
// big.test (truncated over UDP, whole over TCP), nx.test and *.invalid (NXDOMAIN), refused.test
// (REFUSED) and silent.test (no reply; its name is sent on asked instead). Other names have no
// records.
func dnsTestServer(tb testing.TB) (addr string, asked <-chan string) {
	tb.Helper()
	silent := make(chan string, 16)
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, req *dns.Msg) {
		q := req.Question[0]
		m := new(dns.Msg)
		m.SetReply(req)
		rr := func(s string) {
			r, err := dns.NewRR(s)
			if err != nil {
				panic(err)
			}
			m.Answer = append(m.Answer, r)
		}
		switch q.Name {
		case "a.test.":
			rr("a.test. 60 IN A 192.0.2.1")
		case "loop.test.":
			if q.Qtype == dns.TypeA {
				rr("loop.test. 60 IN A 127.0.0.1")
			}
		case "dual.test.": // IPv6 first, as Go's resolver orders loopback answers
			if q.Qtype == dns.TypeAAAA {
				rr("dual.test. 60 IN AAAA ::1")
			} else if q.Qtype == dns.TypeA {
				rr("dual.test. 60 IN A 127.0.0.1")
			}
		case "six.test.":
			if q.Qtype == dns.TypeAAAA {
				rr("six.test. 60 IN AAAA ::1")
			}
		case "cname.test.":
			rr("cname.test. 60 IN CNAME a.test.")
			rr("a.test. 60 IN A 192.0.2.1")
		case "txt.test.":
			rr(`txt.test. 60 IN TXT "v=spf1 " "-all"`)
		case "evil.test.":
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
				Txt: []string{dnsEscape(evilTXT)},
			})
		case "many.test.":
			for i := range 7 {
				rr("many.test. 60 IN A 192.0.2." + string(rune('1'+i)))
			}
		case "big.test.":
			if w.RemoteAddr().Network() == "udp" {
				m.Truncated = true
			} else {
				rr("big.test. 60 IN A 192.0.2.99")
			}
		case "oversized.test.":
			// Over UDP, an answer far over the 1232 bytes asked for, not truncated (TC) as it
			// should be; over TCP, a short one.
			if w.RemoteAddr().Network() == "udp" {
				for range 40 {
					rr(`oversized.test. 60 IN TXT "` + strings.Repeat("x", 200) + `"`)
				}
			} else {
				rr("oversized.test. 60 IN A 192.0.2.98")
			}
		case "nx.test.":
			m.Rcode = dns.RcodeNameError
		case "refused.test.":
			m.Rcode = dns.RcodeRefused
		case "silent.test.":
			select {
			case silent <- q.Name:
			default: // nobody is listening: a resolver retrying
			}
			return
		default:
			if strings.HasSuffix(q.Name, ".invalid.") {
				m.Rcode = dns.RcodeNameError
			}
		}
		_ = w.WriteMsg(m)
	})

	var pc net.PacketConn
	var ln net.Listener
	for try := 0; ln == nil; try++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			tb.Fatalf("net.ListenPacket = %v, want nil", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			if try == 10 {
				tb.Fatalf("net.Listen(tcp, udp's port) = %v, want nil", err)
			}
		}
	}
	udp := &dns.Server{PacketConn: pc, Handler: mux}
	tcp := &dns.Server{Listener: ln, Handler: mux}
	done := make(chan error, 2)
	for _, srv := range []*dns.Server{udp, tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { done <- srv.ActivateAndServe() }()
		select {
		case <-started:
		case err := <-done:
			tb.Fatalf("dns.Server.ActivateAndServe = %v, want it serving", err)
		}
	}
	tb.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
		<-done
		<-done
	})
	return pc.LocalAddr().String(), silent
}

// dnsEscape writes s the way miekg/dns keeps TXT strings: bytes outside printable ASCII as \DDD.
func dnsEscape(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func mustDNSChecker(tb testing.TB, svc config.Service) *dnsChecker {
	tb.Helper()
	c, err := newDNSChecker(svc)
	if err != nil {
		tb.Fatalf("newDNSChecker(%q) = %v, want nil", svc.URL, err)
	}
	return c.(*dnsChecker)
}

func TestDNSURL(t *testing.T) {
	tests := []struct {
		url, server, name, qtype string
	}{
		{"dns:example.com", "", "example.com.", "A"},
		{"dns:example.com?type=MX", "", "example.com.", "MX"},
		{"dns:///example.com?type=aaaa", "", "example.com.", "AAAA"},
		{"dns:///example.com.", "", "example.com.", "A"},
		{"dns://192.0.2.53/example.com?type=TXT", "192.0.2.53:53", "example.com.", "TXT"},
		{"dns://192.0.2.53:5353/example.com", "192.0.2.53:5353", "example.com.", "A"},
		{"dns://[2001:db8::1]/example.com?TYPE=NS", "[2001:db8::1]:53", "example.com.", "NS"},
		{"dns://ns1.example.net/example.com?type=SOA", "ns1.example.net:53", "example.com.", "SOA"},
		{"dns:///_sip._tcp.example.com?type=SRV;class=IN", "", "_sip._tcp.example.com.", "SRV"},
		{"dns:///192.0.2.1?type=PTR", "", "1.2.0.192.in-addr.arpa.", "PTR"},
		{"dns:///1.2.0.192.in-addr.arpa?type=PTR", "", "1.2.0.192.in-addr.arpa.", "PTR"},
		{"dns:///example.com?type=caa", "", "example.com.", "CAA"},
		{"dns:///example.com?type=CNAME", "", "example.com.", "CNAME"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c := mustDNSChecker(t, config.Service{URL: tt.url})
			got := [...]string{c.server, c.name, dns.TypeToString[c.qtype]}
			want := [...]string{tt.server, tt.name, tt.qtype}
			if got != want {
				t.Errorf("newDNSChecker(%q) = %q, want %q", tt.url, got, want)
			}
		})
	}
}

func TestDNSURLInvalid(t *testing.T) {
	tests := []struct {
		svc  config.Service
		want string
	}{
		{config.Service{URL: "dns://192.0.2.53"}, "missing the name"},
		{config.Service{URL: "dns:///example.com?type=AXFR"}, `unknown query type "AXFR"`},
		{config.Service{URL: "dns:///bad..name"}, "empty label"},
		{config.Service{URL: "http://example.com"}, "not a dns: URL"},
		{config.Service{URL: "dns:///example.com", Options: DNSOptions{Rcode: "NOPE"}}, `unknown rcode "NOPE"`},
	}
	for _, tt := range tests {
		t.Run(tt.svc.URL, func(t *testing.T) {
			_, err := newDNSChecker(tt.svc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("newDNSChecker(%q) = %v, want an error containing %q", tt.svc.URL, err, tt.want)
			}
		})
	}
}

func TestDNSCheck(t *testing.T) {
	noGoroutineLeaks(t)
	addr, _ := dnsTestServer(t)
	closed := dnsRefusedAddr(t)
	tests := []struct {
		name     string
		url      string
		expect   DNSOptions
		ok       bool
		reason   string
		answers  string
		protocol string
	}{
		{"A", "/a.test", DNSOptions{}, true, "", "192.0.2.1", "udp"},
		{"A contains", "/a.test?type=A", DNSOptions{AnswerContains: "192.0.2.1"}, true, "", "192.0.2.1", "udp"},
		{"A lacks", "/a.test", DNSOptions{AnswerContains: "1.2.3.4"}, false, `no answer contains "1.2.3.4"`, "192.0.2.1", "udp"},
		{"CNAME chain", "/cname.test", DNSOptions{AnswerContains: "192.0.2.1"}, true, "", "CNAME a.test., 192.0.2.1", "udp"},
		{"TXT", "/txt.test?type=TXT", DNSOptions{AnswerContains: "V=SPF1 -ALL"}, true, "", "v=spf1 -all", "udp"},
		{"many", "/many.test", DNSOptions{AnswerContains: "192.0.2.7"}, true, "",
			"192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4, 192.0.2.5 (+2 more)", "udp"},
		{"truncated", "/big.test", DNSOptions{}, true, "", "192.0.2.99", "tcp"},
		{"over the UDP size, not truncated", "/oversized.test", DNSOptions{}, true, "", "192.0.2.98", "tcp"},
		{"NXDOMAIN", "/nx.test", DNSOptions{}, false, "rcode NXDOMAIN, want NOERROR", "none", "udp"},
		{"NXDOMAIN wanted", "/nx.test", DNSOptions{Rcode: "nxdomain"}, true, "", "none", "udp"},
		{"REFUSED", "/refused.test", DNSOptions{}, false, "rcode REFUSED, want NOERROR", "none", "udp"},
		{"silent", "/silent.test", DNSOptions{}, false, "timeout after 200ms", "", "udp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "dns://" + addr + tt.url
			timeout := caseTimeout(tt.reason, 200*time.Millisecond)
			c := mustDNSChecker(t, config.Service{URL: url, Timeout: timeout, Options: tt.expect})
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			r := c.Check(ctx)
			if r.OK != tt.ok || r.Reason != tt.reason {
				t.Errorf("Check(%q) = %v %q, want %v %q", url, r.OK, r.Reason, tt.ok, tt.reason)
			}
			if got := factOf(r.Facts, "answers"); got != tt.answers {
				t.Errorf("Check(%q) answers = %q, want %q", url, got, tt.answers)
			}
			if got, want := factOf(r.Facts, "server"), addr+" over "+tt.protocol; got != want {
				t.Errorf("Check(%q) server = %q, want %q", url, got, want)
			}
			if r.Start.IsZero() || r.Latency <= 0 {
				t.Errorf("Check(%q) Start, Latency = %v, %v, want both set", url, r.Start, r.Latency)
			}
		})
	}
	t.Run("refused port", func(t *testing.T) {
		url := "dns://" + closed + "/a.test"
		r := mustDNSChecker(t, config.Service{URL: url, Timeout: time.Second}).Check(t.Context())
		if r.OK || r.Reason != "connection refused" {
			t.Errorf("Check(%q) = %v %q, want false %q", url, r.OK, r.Reason, "connection refused")
		}
	})
}

// TestDNSServerByName: a server given by a name that resolves to IPv6 then IPv4, listening on
// IPv4 only, answers: each address is tried in turn, as a TCP dial tries them, rather than the
// first alone being refused.
func TestDNSServerByName(t *testing.T) {
	noGoroutineLeaks(t)
	addr, _ := dnsTestServer(t)
	_, port, _ := net.SplitHostPort(addr)
	_, closedPort, _ := net.SplitHostPort(dnsRefusedAddr(t))
	tests := []struct {
		server     string
		ok         bool
		reason     string
		serverFact string
	}{
		{"dual.test:" + port, true, "", "dual.test:" + port + " (127.0.0.1) over udp"},
		{"six.test:" + port, false, "connection refused", "six.test:" + port + " (::1) over udp"},
		{"dual.test:" + closedPort, false, "connection refused", ""},
		{"nx.test:" + port, false, "no such host", "nx.test:" + port + " over udp"},
	}
	for _, tt := range tests {
		t.Run(tt.server, func(t *testing.T) {
			url := "dns://" + tt.server + "/a.test"
			c := mustDNSChecker(t, config.Service{URL: url, Timeout: 2 * time.Second})
			c.resolver = icmpResolver(addr)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			r := c.Check(ctx)
			if r.OK != tt.ok || r.Reason != tt.reason {
				t.Errorf("Check(%q) = %v %q, want %v %q", url, r.OK, r.Reason, tt.ok, tt.reason)
			}
			if got := factOf(r.Facts, "server"); tt.serverFact != "" && got != tt.serverFact {
				t.Errorf("Check(%q) server = %q, want %q", url, got, tt.serverFact)
			}
		})
	}
}

// dnsRefusedAddr is a loopback UDP address nothing listens on, so a query gets ICMP port
// unreachable, which Linux reports as a refused connection.
func dnsRefusedAddr(tb testing.TB) string {
	tb.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("net.ListenPacket = %v, want nil", err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

func TestDNSFactsClean(t *testing.T) {
	addr, _ := dnsTestServer(t)
	url := "dns://" + addr + "/evil.test?type=TXT"
	c := mustDNSChecker(t, config.Service{URL: url, Timeout: time.Second,
		Options: DNSOptions{AnswerContains: "bell"}})
	r := c.Check(t.Context())
	if !r.OK {
		t.Fatalf("Check(%q) = %v %q, want true", url, r.OK, r.Reason)
	}
	want := "red bell next line evil"
	if got := factOf(r.Facts, "answers"); got != want {
		t.Errorf("Check(%q) answers = %q, want %q", url, got, want)
	}
	for _, f := range r.Facts {
		if strings.ContainsFunc(f.Value, func(r rune) bool { return r < ' ' || r == 0x7f || r == 0x202e }) {
			t.Errorf("Check(%q) fact %s = %q, want no control characters", url, f.Label, f.Value)
		}
	}
}

func TestDNSCancel(t *testing.T) {
	noGoroutineLeaks(t)
	addr, asked := dnsTestServer(t)
	url := "dns://" + addr + "/silent.test"
	c := mustDNSChecker(t, config.Service{URL: url, Timeout: time.Minute})
	checkCanceled(t, c, url, asked)
}

func TestSystemNameserver(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatalf("os.WriteFile(%s) = %v, want nil", p, err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"first of two", write("two", "# comment\nsearch lan\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"), "192.0.2.53:53"},
		{"ipv6", write("v6", "nameserver 2001:db8::53\n"), "[2001:db8::53]:53"},
		{"none listed", write("empty", "search lan\n"), dnsFallback},
		{"missing file", filepath.Join(dir, "missing"), dnsFallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := systemNameserver(tt.path); got != tt.want {
				t.Errorf("systemNameserver(%s) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestUnescapeTXT(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a\"b`, `a"b`},
		{`back\\slash`, `back\slash`},
		{`\027[31m`, "\x1b[31m"},
		{`\237\149\156`, "\xed\x95\x9c"},
		{`\999`, "999"},
		{`tail\`, `tail\`},
		{`\1`, "1"},
	}
	for _, tt := range tests {
		if got := unescapeTXT(tt.in); got != tt.want {
			t.Errorf("unescapeTXT(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkDNSCheck(b *testing.B) {
	addr, _ := dnsTestServer(b)
	c := mustDNSChecker(b, config.Service{URL: "dns://" + addr + "/a.test", Timeout: time.Second})
	benchChecks(b, c)
}

func TestParseDNSURL(t *testing.T) {
	tests := []struct {
		in   string
		want dnsTarget
		err  string
	}{
		{"dns:example.com", dnsTarget{Name: "example.com", Type: "A"}, ""},
		{"dns:example.com?type=mx", dnsTarget{Name: "example.com", Type: "MX"}, ""},
		{"dns:example.com?TYPE=TXT;CLASS=in", dnsTarget{Name: "example.com", Type: "TXT"}, ""},
		{"dns:///example.com.", dnsTarget{Name: "example.com.", Type: "A"}, ""},
		{"dns://9.9.9.9/example.com?type=AAAA", dnsTarget{Server: "9.9.9.9:53", Name: "example.com", Type: "AAAA"}, ""},
		{"dns://[2620:fe::fe]:5353/example.com", dnsTarget{Server: "[2620:fe::fe]:5353", Name: "example.com", Type: "A"}, ""},
		{"dns:4.3.2.1.in-addr.arpa?type=PTR", dnsTarget{Name: "4.3.2.1.in-addr.arpa", Type: "PTR"}, ""},
		{"dns:my%20host", dnsTarget{}, `name "my host" has a space, slash or control character`},
		{"dns://9.9.9.9", dnsTarget{}, "missing the name to look up: write dns:name?type=A or dns://server/name?type=A"},
		{"https://example.com", dnsTarget{}, "not a dns: URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDNSURL(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("parseDNSURL(%q) = %+v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseDNSURL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}
