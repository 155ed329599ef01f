package probe

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// testCA is a certificate authority made up for one test, so that TLS tests never depend on the
// machine's roots or on certificates that expire in the repository.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pool   *x509.CertPool // the root's certificate only
	parent *testCA        // nil for a root
}

// leafSpec describes a leaf certificate to issue. Zero times mean "valid from an hour ago for a
// year".
type leafSpec struct {
	cn        string
	dnsNames  []string
	ips       []net.IP
	notBefore time.Time
	notAfter  time.Time
}

func newTestCA(tb testing.TB, cn string) *testCA {
	tb.Helper()
	return newCA(tb, cn, nil)
}

// intermediate issues a CA certificate signed by ca; its pool holds ca's root, so that it
// verifies only with the intermediate presented alongside the leaf.
func (ca *testCA) intermediate(tb testing.TB, cn string) *testCA {
	tb.Helper()
	return newCA(tb, cn, ca)
}

// chain returns leaf followed by the certificates that lead from it to, not including, the
// root; a server presents these.
func (ca *testCA) chain(leaf tls.Certificate) tls.Certificate {
	for c := ca; c.parent != nil; c = c.parent {
		leaf.Certificate = append(leaf.Certificate, c.cert.Raw)
	}
	return leaf
}

func newCA(tb testing.TB, cn string, parent *testCA) *testCA {
	tb.Helper()
	key := newTestKey(tb)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		tb.Fatalf("rand.Int = %v, want nil", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	signer, signerKey, pool := tmpl, key, x509.NewCertPool()
	if parent != nil {
		signer, signerKey, pool = parent.cert, parent.key, parent.pool
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		tb.Fatalf("x509.CreateCertificate(CA) = %v, want nil", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("x509.ParseCertificate(CA) = %v, want nil", err)
	}
	if parent == nil {
		pool.AddCert(cert)
	}
	return &testCA{cert: cert, key: key, pool: pool, parent: parent}
}

// issue signs a leaf for spec and returns it ready for a tls.Config.
func (ca *testCA) issue(tb testing.TB, spec leafSpec) tls.Certificate {
	tb.Helper()
	if spec.notBefore.IsZero() {
		spec.notBefore = time.Now().Add(-time.Hour)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	key := newTestKey(tb)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		tb.Fatalf("rand.Int = %v, want nil", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: spec.cn},
		DNSNames:     spec.dnsNames,
		IPAddresses:  spec.ips,
		NotBefore:    spec.notBefore,
		NotAfter:     spec.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		tb.Fatalf("x509.CreateCertificate(leaf) = %v, want nil", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("x509.ParseCertificate(leaf) = %v, want nil", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// loopbackLeaf is a valid leaf for 127.0.0.1 and localhost.
func (ca *testCA) loopbackLeaf(tb testing.TB) tls.Certificate {
	return ca.issue(tb, leafSpec{
		cn:       "uptty test",
		dnsNames: []string{"localhost"},
		ips:      []net.IP{net.IPv4(127, 0, 0, 1)},
	})
}

func newTestKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("ecdsa.GenerateKey = %v, want nil", err)
	}
	return key
}

// serveTLS accepts TLS connections on a loopback port until the test ends, completing each
// handshake with cert and then closing. It returns the listener's address.
func serveTLS(tb testing.TB, cert tls.Certificate) string {
	tb.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	return serveConns(tb, func(conn net.Conn) {
		// The deadline only guards against a client that stalls mid-handshake.
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_ = tls.Server(conn, cfg).Handshake()
	})
}

// noGoroutineLeaks fails t if goroutines that t started outlive it and its cleanups.
func noGoroutineLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// factOf returns the value of the fact labelled label, "" if there is none.
func factOf(facts []Fact, label string) string {
	for _, f := range facts {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}
