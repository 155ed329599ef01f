package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/miekg/dns"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// hostileText is what a remote end might send to retitle the window ("PWNED"), clear the
// screen and recolour it; only the words around it may ever reach the screen.
const hostileText = "\x1b]2;PWNED\x07\x1b[2J\x1b[31m"

// kindsDNS answers up.test A with 127.0.0.7, status.test TXT with a hostile text, and every
// other name with NXDOMAIN; nxdomain(name) makes a name answer NXDOMAIN for now.
func kindsDNS(nxdomain func(name string) bool) dns.HandlerFunc {
	return func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		hdr := dns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: dns.ClassINET, Ttl: 60}
		switch {
		case nxdomain(q.Name):
			m.Rcode = dns.RcodeNameError
		case q.Name == "up.test." && q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IPv4(127, 0, 0, 7)})
		case q.Name == "status.test." && q.Qtype == dns.TypeTXT:
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{hostileText + "all systems go" + hostileText}})
		default:
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	}
}

// startDNS serves h on a UDP port of 127.0.0.1 until the test ends.
func startDNS(t *testing.T, h dns.HandlerFunc) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	srv := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: func() { close(started) }}
	go func() { done <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("dns server: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("dns server did not start within 5s")
	}
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})
	return pc.LocalAddr().String()
}

// hostileHealth is a health server that fails the "hostile" service with a message full of
// escape sequences.
type hostileHealth struct{ *health.Server }

func (h hostileHealth) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if req.GetService() == "hostile" {
		return nil, status.Error(codes.Internal, hostileText+"db down"+hostileText)
	}
	return h.Server.Check(ctx, req)
}

// startGRPC serves grpc.health.v1 with svc.up SERVING, svc.down NOT_SERVING and hostile failing.
func startGRPC(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := health.NewServer()
	hs.SetServingStatus("svc.up", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("svc.down", healthpb.HealthCheckResponse_NOT_SERVING)
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, hostileHealth{hs})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return ln.Addr().String()
}

// startWS accepts WebSocket upgrades and waits for the client's close.
func startWS(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		_, _, _ = c.Read(r.Context()) // answers the client's close frame
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/feed"
}

// startHostileWS answers every upgrade with a line that is not HTTP at all, full of escape
// sequences.
func startHostileWS(t *testing.T) string {
	t.Helper()
	return serveConns(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		fmt.Fprint(c, hostileText+"SSH-2.0-evil"+hostileText+"\r\n")
	})
}

// runBinary runs the built binary with only env (and PATH) and returns its exit code and output.
func runBinary(t *testing.T, bin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("run %s %v: %v", bin, args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// wantService is what `uptty check` must report for one service: its state and its error,
// exactly or (errRE) as a pattern.
type wantService struct {
	state, err, errRE string
	icmp              bool // skipped where this machine cannot ping
}

func TestCheckEveryKind(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // registered first: runs after every server stopped
	bin := buildBinary(t)
	dir := t.TempDir()

	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	t.Cleanup(ok.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // simulated latency, not a wait for a condition
		case <-time.After(150 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	open := serveConns(t, func(net.Conn) {})
	refused := closedPort(t)

	ca := newKindsCA(t, "uptty kinds CA")
	stranger := newKindsCA(t, hostileText+"Evil CA")
	now := time.Now()
	tlsValid := serveTLS(t, ca.leaf(t, "valid.test", now.Add(365*24*time.Hour)))
	// Half a day over 3d, so that the whole days left read 3 whenever the check runs.
	tlsSoon := serveTLS(t, ca.leaf(t, "soon.test", now.Add(3*24*time.Hour+12*time.Hour)))
	tlsStranger := serveTLS(t, stranger.leaf(t, hostileText+"stranger.test", now.Add(365*24*time.Hour)))
	dnsAddr := startDNS(t, kindsDNS(func(string) bool { return false }))
	grpcAddr := startGRPC(t)

	cfg := writeConfig(t, fmt.Sprintf(`
defaults: {interval: 5s, timeout: 2s, retry_interval: 100ms, failure_threshold: 2}
services:
  - {name: HTTP ok, url: "%[1]s/"}
  - {name: HTTP 503, url: "%[2]s/"}
  - {name: HTTP slow, url: "%[3]s/", slow: 50ms}
  - {name: TCP open, url: "tcp://%[4]s"}
  - {name: TCP refused, url: "tcp://%[5]s"}
  - {name: TLS valid, url: "tls://%[6]s"}
  - {name: TLS expiring, url: "tls://%[7]s"}
  - {name: TLS untrusted, url: "tls://%[8]s"}
  - {name: TLS insecure, url: "tls://%[8]s", insecure: true, expect: {cert_warn: 0s}}
  - {name: TLS insecure expiring, url: "tls://%[7]s", insecure: true}
  - {name: TLS insecure warned, url: "tls://%[7]s", insecure: true, expect: {cert_warn: 7d}}
  - {name: DNS A, url: "dns://%[9]s/up.test?type=A", expect: {answer_contains: 127.0.0.7}}
  - {name: DNS NXDOMAIN, url: "dns://%[9]s/gone.test?type=A"}
  - {name: DNS TXT, url: "dns://%[9]s/status.test?type=TXT", expect: {answer_contains: all systems go}}
  - {name: ICMP loopback, url: "icmp://127.0.0.1", count: 2}
  - {name: gRPC serving, url: "grpc://%[10]s/svc.up"}
  - {name: gRPC not serving, url: "grpc://%[10]s/svc.down"}
  - {name: gRPC hostile, url: "grpc://%[10]s/hostile"}
  - {name: WS ok, url: "%[11]s"}
  - {name: WS hostile, url: "ws://%[12]s/feed"}
  - {name: Command ok, command: [sh, -c, "exit 0"]}
  - {name: Command hostile, command: [sh, -c, 'printf "\033]2;PWNED\007\033[2J\033[31mdisk full\033[0m\n"; exit 1']}
`, ok.URL, broken.URL, slow.URL, open, refused, tlsValid, tlsSoon, tlsStranger, dnsAddr, grpcAddr,
		startWS(t), startHostileWS(t)))

	want := map[string]wantService{
		"HTTP ok":       {state: "up"},
		"HTTP 503":      {state: "down", err: "status 503, want 200-399"},
		"HTTP slow":     {state: "degraded", errRE: `^slow: \d+(ms|\.\d+s) > 50ms$`},
		"TCP open":      {state: "up"},
		"TCP refused":   {state: "down", err: "connection refused"},
		"TLS valid":     {state: "up"},
		"TLS expiring":  {state: "degraded", err: "cert expires in 3d11h"},
		"TLS untrusted": {state: "down", err: "certificate signed by unknown authority"},
		"TLS insecure":  {state: "up"},
		// insecure: the certificate is not checked, so its expiry degrades only if asked to
		"TLS insecure expiring": {state: "up"},
		"TLS insecure warned":   {state: "degraded", err: "cert expires in 3d11h"},
		"DNS A":                 {state: "up"},
		"DNS NXDOMAIN":          {state: "down", err: "rcode NXDOMAIN, want NOERROR"},
		"DNS TXT":               {state: "up"},
		"ICMP loopback":         {state: "up", icmp: true},
		"gRPC serving":          {state: "up"},
		"gRPC not serving":      {state: "down", err: "status NOT_SERVING"},
		"gRPC hostile":          {state: "down", err: "internal: db down"},
		"WS ok":                 {state: "up"},
		"WS hostile":            {state: "down", err: `not an HTTP response: "SSH-2.0-evil"`},
		"Command ok":            {state: "up"},
		"Command hostile":       {state: "down", err: "disk full"},
	}
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(dir, ".state"), "SSL_CERT_FILE=" + ca.pemFile(t)}

	code, stdout, stderr := runBinary(t, bin, env, "check", "-c", cfg, "--json")
	if code != 1 {
		t.Errorf("uptty check --json exit code = %d, want 1 (some down); stderr %q", code, stderr)
	}
	t.Logf("uptty check --json:\n%s", stdout)
	assertNoEscapes(t, "check --json", stdout+stderr)
	var got struct {
		Services []struct{ Name, State, Error string } `json:"services"`
		Summary  map[string]int                        `json:"summary"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("check --json printed invalid JSON: %v\n%s", err, stdout)
	}
	if len(got.Services) != len(want) {
		t.Fatalf("check --json listed %d services, want %d:\n%s", len(got.Services), len(want), stdout)
	}
	skipped := 0
	for _, s := range got.Services {
		t.Run(s.Name, func(t *testing.T) {
			w, ok := want[s.Name]
			if !ok {
				t.Fatalf("unexpected service %q", s.Name)
			}
			if w.icmp && s.State == "down" && (strings.HasPrefix(s.Error, "icmp not permitted") || strings.HasPrefix(s.Error, "icmp socket")) {
				skipped++
				t.Skipf("this machine cannot ping: %s", s.Error)
			}
			if s.State != w.state {
				t.Errorf("state of %q = %q (error %q), want %q", s.Name, s.State, s.Error, w.state)
			}
			switch {
			case w.errRE != "":
				if !regexp.MustCompile(w.errRE).MatchString(s.Error) {
					t.Errorf("error of %q = %q, want it to match %s", s.Name, s.Error, w.errRE)
				}
			case s.Error != w.err:
				t.Errorf("error of %q = %q, want %q", s.Name, s.Error, w.err)
			}
		})
	}
	wantSummary := map[string]int{"up": -skipped, "degraded": 0, "down": skipped}
	for _, w := range want {
		wantSummary[w.state]++
	}
	for k, v := range wantSummary {
		if got.Summary[k] != v {
			t.Errorf("summary[%q] = %d, want %d", k, got.Summary[k], v)
		}
	}

	// The table, to a pipe: plain text, each reason on its service's line.
	code, stdout, stderr = runBinary(t, bin, env, "check", "-c", cfg)
	if code != 1 {
		t.Errorf("uptty check exit code = %d, want 1; stderr %q", code, stderr)
	}
	t.Logf("uptty check:\n%s", stdout)
	assertNoEscapes(t, "check table", stdout+stderr)
	for name, w := range want {
		line := lineWith(stdout, name+" ")
		if line == "" {
			t.Errorf("check table has no line for %q:\n%s", name, stdout)
			continue
		}
		if !w.icmp && !strings.HasPrefix(line, strings.ToUpper(w.state)) {
			t.Errorf("check table line %q, want it to start with %s", line, strings.ToUpper(w.state))
		}
		if w.err != "" && !strings.HasSuffix(line, w.err) {
			t.Errorf("check table line %q, want it to end with %q", line, w.err)
		}
	}
}

// assertNoEscapes fails if out holds a control byte, a JSON-escaped one, or the hostile title.
func assertNoEscapes(t *testing.T, what, out string) {
	t.Helper()
	for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u009d", `\u001b`, `\u0007`, "PWNED", "]2;"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s output contains %q:\n%s", what, bad, out)
		}
	}
}
