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
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// selfSigned writes a self-signed certificate for the loopback addresses (its own CA) and its
// key into dir as NAME.pem and NAME-key.pem, and returns their paths.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "uptty " + name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

func TestServeTLSFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    serveOptions
		wantErr string
	}{
		{args: []string{"serve", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--max-streams", "10"},
			want: serveOptions{tlsCert: "c.pem", tlsKey: "k.pem", maxStreams: 10}},
		{args: []string{"serve", "--tls-cert", "c.pem"}, wantErr: "--tls-cert and --tls-key go together"},
		{args: []string{"serve", "--tls-key", "k.pem"}, wantErr: "--tls-cert and --tls-key go together"},
		{args: []string{"serve", "--max-streams", "-1"}, wantErr: "--max-streams -1: want at least 1"},
		{args: []string{"serve", "--ca", "ca.pem"}, wantErr: "--ca goes with 'attach'"},
		{args: []string{"check", "--tls-cert", "c.pem"}, wantErr: "--tls-cert goes with 'serve'"},
		{args: []string{"attach", "h:1", "--tls-key", "k.pem"}, wantErr: "--tls-key goes with 'serve'"},
		{args: []string{"attach", "h:1", "--max-streams", "3"}, wantErr: "--max-streams goes with 'serve'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseArgs(%q) error = %v, want %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.serve != tt.want {
				t.Errorf("parseArgs(%q) = %+v, %v; want %+v", tt.args, got.serve, err, tt.want)
			}
		})
	}
	got, err := parseArgs([]string{"attach", "https://127.0.0.1:1", "--ca", "ca.pem"})
	if err != nil || got.serve.ca != "ca.pem" {
		t.Errorf("parseArgs(attach --ca ca.pem) = %+v, %v; want ca ca.pem", got.serve, err)
	}
}

// TestServeTLSRefuses: a certificate or key that cannot be used is exit status 2, said before
// anything starts, as any other fault of serve's command line.
func TestServeTLSRefuses(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.db")
	cfg := writeConfig(t, "history: {path: "+hist+"}\nservices:\n  - {name: Good, url: \""+up.URL+"\"}\n")
	cert, key := selfSigned(t, dir, "one")
	_, otherKey := selfSigned(t, dir, "two")
	for _, tt := range []struct {
		name      string
		cert, key string
		wantErr   string
	}{
		{"missing cert", filepath.Join(dir, "nope.pem"), key, "--tls-cert " + filepath.Join(dir, "nope.pem")},
		{"a key that is not the certificate's", cert, otherKey, "private key does not match public key"},
		{"key and cert swapped", key, cert, "--tls-cert " + key},
		// TLS hides the token on the wire; it does not replace it.
		{"all interfaces over TLS without a token", cert, key, "--listen :0 is reachable from other machines: set UPTTY_TOKEN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			listen := "127.0.0.1:0"
			if strings.Contains(tt.name, "all interfaces") {
				listen = ":0"
			}
			code, stdout, stderr := runCLI(t, "serve", "-c", cfg, "--listen", listen, "--tls-cert", tt.cert, "--tls-key", tt.key)
			if code != exitUsage || !strings.Contains(stderr, tt.wantErr) || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("uptty serve %s = %d, stdout %q, stderr %q; want 2 saying %q in one line", tt.name, code, stdout, stderr, tt.wantErr)
			}
			if _, err := os.Stat(hist); err == nil {
				t.Errorf("uptty serve %s created the history file", tt.name)
			}
		})
	}
}

// TestServeTLSEndToEnd: `uptty serve --tls-cert --tls-key` answers over https (TLS 1.2 at
// least), `uptty attach https://… --ca` shows its rows, attach without the CA says why in one
// line, and SIGHUP takes a renewed certificate for new connections.
func TestServeTLSEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir, "serve")
	cfg := writeConfig(t, fmt.Sprintf("history: {path: \"\"}\ndefaults: {interval: 1s}\nservices:\n  - {name: Checkout, url: \"%s\"}\n", up.URL))
	cmd := exec.Command(bin, "serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json",
		"--tls-cert", certFile, "--tls-key", keyFile)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs, done := readLogs(stderr)
	exited := make(chan struct{})
	go func() { <-done; cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	start := logs.waitFor(t, "the start", msgIs("serving"))
	if start["scheme"] != "https" {
		t.Errorf("start log = %v, want scheme https", start)
	}
	addr := start["listen"].(string)

	// get fetches /healthz trusting caFile, with TLS versions from min to max; it returns the
	// certificate the server presented.
	get := func(caFile string, minV, maxV uint16) (*x509.Certificate, error) {
		pool := x509.NewCertPool()
		pem, _ := os.ReadFile(caFile)
		pool.AppendCertsFromPEM(pem)
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: minV, MaxVersion: maxV}, DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Get("https://" + addr + "/healthz")
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("healthz = %s", resp.Status)
		}
		return resp.TLS.PeerCertificates[0], nil
	}
	first, err := get(certFile, tls.VersionTLS12, 0)
	if err != nil {
		t.Fatalf("GET https://%s/healthz: %v", addr, err)
	}
	if _, err := get(certFile, tls.VersionTLS10, tls.VersionTLS11); err == nil {
		t.Errorf("a TLS 1.1 client was served, want TLS 1.2 at least")
	}

	code, _, errOut := runCLI(t, "attach", "https://"+addr)
	if code != exitUsage || !strings.Contains(errOut, "not signed by an authority this machine trusts; pass --ca FILE") ||
		strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("attach without --ca = %d, %q; want 2 and one line saying to pass --ca", code, errOut)
	}

	s := startTmux(t, 100, 12, nil, bin, "attach", "https://"+addr, "--ca", certFile)
	s.waitFor("Checkout UP over TLS", 30*time.Second, func(screen string) bool { return strings.Contains(lineWith(screen, "Checkout"), "UP") })
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("uptty attach exit status after q = %s, want 0", code)
	}

	// A renewed certificate, put in place of the old one, is served after SIGHUP.
	renewed, renewedKey := selfSigned(t, dir, "renewed")
	os.Rename(renewed, certFile)
	os.Rename(renewedKey, keyFile)
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, "the certificate reloaded", msgIs("TLS certificate reloaded"))
	second, err := get(certFile, tls.VersionTLS12, 0)
	if err != nil {
		t.Fatalf("GET after SIGHUP: %v", err)
	}
	if second.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Errorf("after SIGHUP the server presents the old certificate")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	<-exited
}
