package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/text"
)

func TestCheckErrReason(t *testing.T) {
	dial := func(err error) error {
		return &url.Error{Op: "Get", URL: "http://u:secret@host/", Err: &net.OpError{
			Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}}
	}
	expired, cancelled := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelled()
	stopped, stop := context.WithCancel(context.Background())
	stop()
	live := context.Background()
	past := &x509.Certificate{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)}
	future := &x509.Certificate{NotBefore: time.Now().Add(time.Hour), NotAfter: time.Now().Add(48 * time.Hour)}

	tests := []struct {
		name    string
		ctx     context.Context
		err     error
		timeout time.Duration
		want    string
	}{
		{"refused", live, dial(syscall.ECONNREFUSED), time.Second, "connection refused"},
		{"reset", live, dial(syscall.ECONNRESET), time.Second, "connection reset"},
		{"net unreachable", live, dial(syscall.ENETUNREACH), time.Second, "network unreachable"},
		{"host unreachable", live, dial(syscall.EHOSTUNREACH), time.Second, "host unreachable"},
		{"eof", live, fmt.Errorf("read: %w", io.EOF), time.Second, "server closed the connection"},
		{"unexpected eof", live, io.ErrUnexpectedEOF, time.Second, "server closed the connection"},
		{"no such host", live, &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, time.Second, "no such host"},
		{"dns other", live, &net.DNSError{Err: "server misbehaving", Name: "x"}, time.Second, "dns lookup failed: server misbehaving"},
		{"dns our own port", live, &net.DNSError{Err: "read udp 127.0.0.1:46631->127.0.0.53:53: read: connection refused", Name: "x"}, time.Second, "dns lookup failed: connection refused"},
		{"dns own timeout", live, &net.DNSError{Err: "i/o timeout", IsTimeout: true}, time.Second, "dns lookup timed out"},
		{"deadline error", live, fmt.Errorf("get: %w", context.DeadlineExceeded), 2 * time.Second, "timeout after 2s"},
		{"ctx expired", expired, errors.New("whatever broke"), 1500 * time.Millisecond, "timeout after 1.5s"},
		{"ctx expired ms", expired, dial(syscall.ECONNRESET), 500 * time.Millisecond, "timeout after 500ms"},
		{"minutes", expired, nil, 90 * time.Second, "timeout after 1m30s"},
		{"no timeout known", expired, nil, 0, "timeout"},
		{"canceled", stopped, errors.New("use of closed network connection"), time.Second, "canceled"},
		{"unknown authority", live, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, time.Second, "certificate signed by unknown authority"},
		{"expired cert", live, x509.CertificateInvalidError{Cert: past, Reason: x509.Expired}, time.Second, "certificate expired"},
		{"cert not yet valid", live, x509.CertificateInvalidError{Cert: future, Reason: x509.Expired}, time.Second, "certificate not valid yet"},
		{"wrong name", live, x509.HostnameError{Certificate: past, Host: "api.example.com"}, time.Second, "certificate not valid for api.example.com"},
		{"wrong name escapes", live, x509.HostnameError{Certificate: past, Host: "a\x1b[2Jb"}, time.Second, "certificate not valid for ab"},
		{"innermost only", live, &url.Error{Op: "Get", URL: "http://u:secret@h/", Err: errors.New("weird \x1b[31mthing\n")}, time.Second, "weird thing"},
		{"tls prefix dropped", live, errors.New("tls: first record does not look like a TLS handshake"), time.Second, "first record does not look like a TLS handshake"},
		{"server speaks first", live, fmt.Errorf("readLoopPeekFailLocked: %w", nil), time.Second, "server sent data before the request"},
		{"long", live, errors.New(strings.Repeat("x", 300)), time.Second, strings.Repeat("x", reasonMax-1) + text.Ellipsis},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkErrReason(tt.ctx, tt.err, tt.timeout); got != tt.want {
				t.Errorf("checkErrReason(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestHandshakeReason(t *testing.T) {
	live := context.Background()
	tests := []struct {
		err  error
		want string
	}{
		{tls.AlertError(40), "tls handshake failed: remote error: handshake failure"},
		{io.EOF, "tls handshake failed: server closed the connection"},
		{errors.New("tls: server selected unsupported protocol version 301"), "tls handshake failed: server selected unsupported protocol version 301"},
		{x509.UnknownAuthorityError{}, "certificate signed by unknown authority"},
		{context.DeadlineExceeded, "timeout after 3s"},
	}
	for _, tt := range tests {
		if got := handshakeReason(live, tt.err, 3*time.Second); got != tt.want {
			t.Errorf("handshakeReason(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestExpiryText(t *testing.T) {
	now := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	tests := []struct {
		notAfter time.Time
		want     string
	}{
		{now.Add(38*24*time.Hour + time.Hour), "expires 2027-01-02 (in 38d)"},
		{now.Add(5*time.Hour + 30*time.Minute), "expires 2026-11-25 (in 5h30m)"},
		{now.Add(-50 * time.Hour), "expired 2026-11-23 (2d ago)"},
	}
	for _, tt := range tests {
		if got := expiryText(tt.notAfter, now); got != tt.want {
			t.Errorf("expiryText(%v) = %q, want %q", tt.notAfter, got, tt.want)
		}
	}
}

func TestSlowReason(t *testing.T) {
	tests := []struct {
		latency, slow time.Duration
		want          string
	}{
		{1240 * time.Millisecond, 800 * time.Millisecond, "slow: 1.24s > 800ms"},
		{1500 * time.Millisecond, time.Second, "slow: 1.50s > 1s"},
		{900 * time.Millisecond, 1500 * time.Millisecond / 2, "slow: 900ms > 750ms"},
	}
	for _, tt := range tests {
		if got := SlowReason(tt.latency, tt.slow); got != tt.want {
			t.Errorf("SlowReason(%v, %v) = %q, want %q", tt.latency, tt.slow, got, tt.want)
		}
	}
}

// deadlinePassed is a check's context in the instant after its deadline and before its timer
// has marked it done: the connection's deadline, set to the same instant, can end a read first.
type deadlinePassed struct{ context.Context }

func (deadlinePassed) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

// TestReasonAtTheDeadline: a read cut by the deadline can surface as whatever the half-read
// answer looked like (a status line "HTTP/1" that bufio hands over without the timeout), before
// the context says it is done. Past the check's deadline the reason is the timeout, whatever
// the error.
func TestReasonAtTheDeadline(t *testing.T) {
	ctx := deadlinePassed{context.Background()}
	if ctx.Err() != nil {
		t.Fatal("the test's context must not be done yet")
	}
	for _, err := range []error{errors.New(`malformed HTTP response "HTTP/1"`), io.ErrUnexpectedEOF} {
		if got, want := checkErrReason(ctx, err, 3*time.Second), "timeout after 3s"; got != want {
			t.Errorf("checkErrReason(past the deadline, %v) = %q, want %q", err, got, want)
		}
	}
	if got := checkErrReason(context.Background(), errors.New(`malformed HTTP response "HTTP/1"`), 3*time.Second); got != `malformed HTTP response "HTTP/1"` {
		t.Errorf("checkErrReason(before any deadline) = %q, want the error", got)
	}
}
