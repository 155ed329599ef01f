package serve

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// certFor writes a self-signed certificate for names and ips, and its key, into a new directory.
func certFor(t *testing.T, names []string, ips []net.IP) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "uptty test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: names, IPAddresses: ips,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

// TestReachable: the URL a second uptty is told to attach to names a host the certificate is
// valid for, else attach fails on the name however right its --ca.
func TestReachable(t *testing.T) {
	loopback := []net.IP{net.IPv4(127, 0, 0, 1)}
	for _, tc := range []struct {
		name  string
		names []string
		ips   []net.IP
		url   string
		want  string
	}{
		{"ip named", nil, loopback, "https://127.0.0.1:9870", "https://127.0.0.1:9870"},
		{"localhost only", []string{"localhost"}, nil, "https://127.0.0.1:9870", "https://localhost:9870"},
		{"localhost only, v6", []string{"localhost"}, nil, "https://[::1]:9870", "https://localhost:9870"},
		{"another name", []string{"mon.example.com"}, nil, "https://127.0.0.1:9870", "https://127.0.0.1:9870"},
		{"not loopback", []string{"localhost"}, nil, "https://192.0.2.1:9870", "https://192.0.2.1:9870"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cert, err := LoadCertificate(certFor(t, tc.names, tc.ips))
			if err != nil {
				t.Fatal(err)
			}
			if got := cert.Reachable(tc.url); got != tc.want {
				t.Errorf("Reachable(%s) = %s, want %s", tc.url, got, tc.want)
			}
		})
	}
}
