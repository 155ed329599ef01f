package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestEndToEndKindsInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // registered first: runs after every server stopped
	bin := buildBinary(t)
	dir := t.TempDir()

	ca := newKindsCA(t, hostileText+"Kinds CA")
	// Half a day over 3d, so that the whole days left read 3 for the whole test.
	tlsSoon := serveTLS(t, ca.leaf(t, hostileText+"soon.test", time.Now().Add(3*24*time.Hour+12*time.Hour),
		hostileText+"evil.test"))
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // simulated latency, not a wait for a condition
		case <-time.After(150 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	var nx atomic.Bool
	dnsAddr := startDNS(t, kindsDNS(func(string) bool { return nx.Load() }))

	cfg := writeConfig(t, fmt.Sprintf(`
defaults: {interval: 1s, timeout: 800ms, retry_interval: 300ms, failure_threshold: 2}
services:
  - {name: Cert soon, url: "tls://%s"}
  - {name: Resolver, url: "dns://%s/status.test?type=TXT", expect: {answer_contains: all systems go}}
  - {name: Disk check, command: [sh, -c, 'printf "\033]2;PWNED\007\033[2J\033[H\033[31mdisk full\033[0m on /var\033]0;PWNED\033\\\\\n"; exit 1']}
  - {name: Slow API, url: "%s/", slow: 50ms}
`, tlsSoon, dnsAddr, slow.URL))

	s := startTmux(t, 100, 30, []string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + dir,
		"LANG=C.UTF-8", "SSL_CERT_FILE=" + ca.pemFile(t)}, bin, "--config", cfg)
	clean := func(screen string) {
		t.Helper()
		if strings.Contains(screen, "PWNED") || strings.Contains(screen, "]2;") {
			t.Fatalf("hostile text reached the screen:\n%s", screen)
		}
	}
	screen := s.waitFor("every row settled", 15*time.Second, func(sc string) bool {
		return rowState(lineWith(sc, "Cert soon")) == "DEGRADED" && rowState(lineWith(sc, "Resolver")) == "UP" &&
			rowState(lineWith(sc, "Disk check")) == "DOWN" && rowState(lineWith(sc, "Slow API")) == "DEGRADED"
	})
	clean(screen)
	// DEGRADED rows say why in the outage column.
	if row := lineWith(screen, "Cert soon"); !strings.HasSuffix(row, "cert expires in 3d11h") {
		t.Errorf("row %q = %q, want it to end with %q", "Cert soon", row, "cert expires in 3d11h")
	}
	if row := lineWith(screen, "Slow API"); !regexp.MustCompile(`slow: \d+(ms|\.\d+s) > 50ms$`).MatchString(row) {
		t.Errorf("row %q = %q, want it to end with %q", "Slow API", row, "slow: …ms > 50ms")
	}
	if title := s.title(); !strings.HasPrefix(title, "uptty: ") || !strings.Contains(title, "1 DOWN") ||
		!strings.Contains(title, "2 DEGRADED") || strings.Contains(title, "PWNED") {
		t.Errorf("pane title = %q, want uptty's counts (1 DOWN, 2 DEGRADED) and nothing from the network", title)
	}

	// Each detail view shows its kind's facts, cleaned. The cursor starts on the first row.
	// Keys go one at a time, each awaited: keys that arrive together read as one ("jj").
	press := func(key, what string, match func(sc string) bool) {
		t.Helper()
		s.tmux("send-keys", "-t", s.name, key)
		clean(s.waitFor(what, 5*time.Second, match))
	}
	selected := func(row string) func(string) bool {
		return func(sc string) bool { return strings.HasPrefix(strings.TrimSpace(lineWith(sc, row)), ">") }
	}
	inList := func(sc string) bool { return strings.Contains(sc, "STATE") && strings.Contains(sc, "NAME") }
	facts := func(what string, timeout time.Duration, want map[string]string) {
		t.Helper()
		for label, text := range want {
			clean(findInDetail(s, what+": "+label+" "+text, timeout, func(sc string) bool {
				return strings.Contains(factLine(sc, label), text)
			}))
		}
	}
	press("Enter", "the detail view of Cert soon", func(sc string) bool { return detailState(sc) != "" })
	facts("Cert soon", 5*time.Second, map[string]string{"Reason": "cert expires in 3d", "subject": "soon.test",
		"names": "localhost, evil.test, 127.0.0.1", "issuer": "Kinds CA"})
	press("Escape", "the list again", inList)
	press("j", "Resolver selected", selected("Resolver"))
	press("j", "Disk check selected", selected("Disk check"))
	press("Enter", "the detail view of Disk check", func(sc string) bool { return detailState(sc) != "" })
	facts("Disk check", 5*time.Second, map[string]string{"Reason": "disk full on /var", "output": "disk full on /var", "exit code": "1"})
	press("Escape", "the list again", inList)
	press("k", "Resolver selected", selected("Resolver"))
	press("Enter", "the detail view of Resolver", func(sc string) bool { return detailState(sc) != "" })
	facts("Resolver", 5*time.Second, map[string]string{"answers": "all systems go", "rcode": "NOERROR", "server": dnsAddr + " over udp"})

	// The resolver starts answering NXDOMAIN: DOWN with its reason, then back UP. The detail
	// view follows live.
	nx.Store(true)
	facts("Resolver down", 10*time.Second, map[string]string{"State": "DOWN", "Reason": "rcode NXDOMAIN, want NOERROR",
		"rcode": "NXDOMAIN", "answers": "none"})
	nx.Store(false)
	facts("Resolver up again", 10*time.Second, map[string]string{"State": "UP", "answers": "all systems go"})
	press("Escape", "the list again", inList)
	if row := lineWith(s.screen(), "Resolver"); rowState(row) != "UP" || !strings.Contains(row, "last down") {
		t.Errorf("row %q = %q, want UP with its last outage", "Resolver", row)
	}
	if title := s.title(); strings.Contains(title, "PWNED") {
		t.Errorf("pane title = %q, want nothing from the network", title)
	}

	s.tmux("send-keys", "-t", s.name, "q")
	if status := s.exitStatus(10 * time.Second); status != "0" {
		t.Errorf("uptty exit status after q = %s, want 0", status)
	}
}

// pageRange is the detail view's "first-last/total" line count, at the end of its footer.
var pageRange = regexp.MustCompile(`(\d+)-(\d+)/(\d+)\s*$`)

// findInDetail pages through the detail view, from where it is to its end and round again
// from the top, until match finds what it wants or timeout passes. The view may be longer than
// the screen, and what it holds depends on what else the UI shows.
func findInDetail(s *tmuxSession, what string, timeout time.Duration, match func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.screen()
		if match(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out after %v waiting for %s; screen:\n%s", timeout, what, screen)
		}
		footer := lastLine(screen)
		key := "NPage"
		if m := pageRange.FindStringSubmatch(footer); m == nil || m[2] == m[3] {
			key = "Home"
		}
		s.tmux("send-keys", "-t", s.name, key)
		// A page that does not move (the view fits, or is at the top already) is polled again.
		moved := time.After(time.Second)
		tick := time.NewTicker(50 * time.Millisecond)
	poll:
		for {
			select {
			case <-moved:
				break poll
			case <-tick.C:
				if sc := s.screen(); lastLine(sc) != footer || match(sc) {
					break poll
				}
			}
		}
		tick.Stop()
	}
}

func lastLine(screen string) string {
	screen = strings.TrimRight(screen, "\n ")
	return screen[strings.LastIndexByte(screen, '\n')+1:]
}

// factLine is the screen line that starts with label, as the detail view writes "label  value".
func factLine(screen, label string) string {
	for _, line := range strings.Split(screen, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), label+" ") {
			return line
		}
	}
	return ""
}

// rowState is the state word a row starts with, after the selection mark.
func rowState(row string) string {
	f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(row), ">"))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// detailState is the state word on the detail view's State line.
func detailState(screen string) string {
	if f := strings.Fields(lineWith(screen, "State ")); len(f) > 1 && f[0] == "State" {
		return f[1]
	}
	return ""
}

// kindsCA is a certificate authority made up for one test, trusted by the binary through
// SSL_CERT_FILE.
type kindsCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newKindsCA(t *testing.T, cn string) *kindsCA {
	t.Helper()
	key := newKindsKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          kindsSerial(t),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("x509.CreateCertificate(CA) = %v, want nil", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("x509.ParseCertificate(CA) = %v, want nil", err)
	}
	return &kindsCA{cert: cert, key: key}
}

// leaf issues a certificate for 127.0.0.1, localhost and names, named cn, valid until notAfter.
func (ca *kindsCA) leaf(t *testing.T, cn string, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key := newKindsKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: kindsSerial(t),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     append([]string{"localhost"}, names...),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatalf("x509.CreateCertificate(leaf) = %v, want nil", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// pemFile writes the CA's certificate where SSL_CERT_FILE can point.
func (ca *kindsCA) pemFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newKindsKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey = %v, want nil", err)
	}
	return key
}

func kindsSerial(t *testing.T) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatalf("rand.Int = %v, want nil", err)
	}
	return n
}

// serveTLS completes a TLS handshake with cert on every connection, then hangs up.
func serveTLS(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	return serveConns(t, func(c net.Conn) { _ = tls.Server(c, cfg).Handshake() })
}

// serveConns accepts connections on 127.0.0.1 and hands each to handle, which has 5s; the
// connection is closed after. Every goroutine has ended when the test's cleanup returns.
func serveConns(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				handle(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// closedPort is a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
