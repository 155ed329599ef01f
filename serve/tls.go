package serve

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"sync/atomic"
	"time"
)

// Certificate is serve's TLS certificate and key, read from their files, which Reload reads
// again: a renewed certificate (certbot, cert-manager) is taken on SIGHUP without a restart,
// and new connections get it while those open keep theirs.
type Certificate struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// LoadCertificate reads a PEM certificate (its chain after it) and its private key. An error
// says which file is wrong: unreadable, not PEM, or a key that is not the certificate's.
func LoadCertificate(certFile, keyFile string) (*Certificate, error) {
	c := &Certificate{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again. On an error the certificate in use stays.
func (c *Certificate) Reload() error {
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("--tls-cert %s, --tls-key %s: %w", c.certFile, c.keyFile, err)
	}
	if pair.Leaf == nil && len(pair.Certificate) > 0 {
		pair.Leaf, _ = x509.ParseCertificate(pair.Certificate[0]) // LoadX509KeyPair parsed it already
	}
	c.cur.Store(&pair)
	return nil
}

// NotAfter is when the certificate in use expires, for the log.
func (c *Certificate) NotAfter() time.Time {
	if p := c.cur.Load(); p.Leaf != nil {
		return p.Leaf.NotAfter
	}
	return time.Time{}
}

// Reachable is the URL raw (https://HOST:PORT, HOST an address of this machine) with a host
// the certificate is valid for: localhost in place of a loopback address the certificate does
// not name, when it names localhost; else raw as it is. uptty attach checks the name it is
// given against the certificate, so a hint that names 127.0.0.1 would not work.
func (c *Certificate) Reachable(raw string) string {
	leaf := c.cur.Load().Leaf
	u, err := url.Parse(raw)
	if leaf == nil || err != nil || leaf.VerifyHostname(u.Hostname()) == nil {
		return raw
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() || leaf.VerifyHostname("localhost") != nil {
		return raw
	}
	u.Host = net.JoinHostPort("localhost", u.Port())
	return u.String()
}

// Config is the server's TLS configuration: TLS 1.2 at least, and the certificate read last.
// HTTP/1.1 only: an event stream is a connection of its own, so that --max-streams and the
// write deadline that drops a client who stopped reading apply per client as over plain HTTP.
func (c *Certificate) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cur.Load(), nil
		},
	}
}
