package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/uptty/uptty/text"
)

const (
	// reasonMax is the widest a Reason or Warning may be, in cells.
	reasonMax = 120
	// quotedMax is the widest a piece of network or config text quoted in a reason may be.
	quotedMax = 60
)

// checkErrReason turns an error from a check into a short, single-line reason: "timeout after
// 2s", "connection refused", "no such host"... timeout is the configured check timeout, which
// words the reason when ctx's deadline ends the check, since the caller owns the deadline.
func checkErrReason(ctx context.Context, err error, timeout time.Duration) string {
	return classify(ctx, err, timeout, false)
}

// handshakeReason is checkErrReason for an error that came out of a TLS handshake: reasons that
// do not already say so are prefixed "tls handshake failed: ".
func handshakeReason(ctx context.Context, err error, timeout time.Duration) string {
	return classify(ctx, err, timeout, true)
}

func classify(ctx context.Context, err error, timeout time.Duration, handshake bool) string {
	if timedOut(ctx, err) {
		return timeoutReason(timeout)
	}
	if r := certReason(err); r != "" {
		return r
	}
	r := errnoReason(err)
	if r == "" {
		r = notTLSReason(err)
	}
	var netErr net.Error
	if r == "" && errors.As(err, &netErr) && netErr.Timeout() {
		// The transport's own bounds (dial, TLS handshake) are set to the check's timeout.
		return timeoutReason(timeout)
	}
	if r == "" && ctx.Err() != nil {
		// The error is whatever the cancellation broke, not the cause.
		return "canceled"
	}
	if r == "" {
		r = otherReason(err)
	}
	if handshake {
		r = "tls handshake failed: " + r
	}
	return text.CleanText(r, reasonMax)
}

// timedOut reports whether the check's deadline ended it. Past the deadline it did, even
// before ctx's timer says so: the connection's deadline is the same instant and can cut a read
// first, and what was read by then (half a status line, which bufio hands over without the
// timeout) is not what went wrong.
func timedOut(ctx context.Context, err error) bool {
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return true
	}
	return errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)
}

// timeoutReason words a timeout: "timeout after 2s". A zero timeout (a caller that did not say)
// leaves the duration out.
func timeoutReason(timeout time.Duration) string {
	if timeout <= 0 {
		return "timeout"
	}
	return "timeout after " + text.FormatSetting(timeout)
}

// certReason names certificate verification failures, "" for other errors.
func certReason(err error) string {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	switch {
	case errors.As(err, &unknown):
		return "certificate signed by unknown authority"
	case errors.As(err, &host):
		return "certificate not valid for " + text.CleanText(host.Host, quotedMax)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		if invalid.Cert != nil && time.Now().Before(invalid.Cert.NotBefore) {
			return "certificate not valid yet"
		}
		return "certificate expired"
	case errors.As(err, &invalid):
		return text.CleanText(strings.TrimPrefix(invalid.Error(), "x509: "), reasonMax)
	}
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) {
		return text.CleanText(strings.TrimPrefix(innermost(verify.Err).Error(), "x509: "), reasonMax)
	}
	return ""
}

// errnoReason names the common socket and protocol failures, "" for others.
func errnoReason(err error) string {
	var dnsErr *net.DNSError
	var alert tls.AlertError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	case errors.Is(err, syscall.ECONNABORTED):
		return "connection aborted"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE):
		return "server closed the connection"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host"
	case errors.As(err, &dnsErr) && dnsErr.IsTimeout:
		// The resolver's own timeout, not the check's: that one is caught before.
		return "dns lookup timed out"
	case errors.As(err, &dnsErr):
		return "dns lookup failed: " + text.CleanText(steadyText(dnsErr.Err), reasonMax)
	case errors.As(err, &alert):
		return "remote error: " + strings.TrimPrefix(alert.Error(), "tls: ")
	}
	return ""
}

// notTLSReason names a plain port behind a TLS URL (https://, tls://, wss://, grpcs://) in the
// same words for every kind, "" for other errors. crypto/tls says "first record does not look
// like a TLS handshake", and net/http, when the answer was HTTP, "server gave HTTP response to
// HTTPS client": two wordings for one mistake, the first of them in the protocol's terms.
func notTLSReason(err error) string {
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &record) && bytes.HasPrefix(record.RecordHeader[:], []byte("HTTP/")),
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the server answered in plain HTTP, not TLS"
	case errors.As(err, &record) && record.Conn != nil:
		// Conn is set for the first record only: the server's opening bytes were not TLS.
		return "the server does not speak TLS"
	}
	return ""
}

// steadyText is the last part of a resolver's message: "read udp 127.0.0.1:46631->
// 127.0.0.53:53: read: connection refused" becomes "connection refused". The parts before it
// name our own ephemeral port, which would make one cause read differently on every check.
func steadyText(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}

// otherReason is the innermost error's message, which names the failure without the wrapping
// (the URL, the operation) that would repeat what the screen already shows or leak secrets.
func otherReason(err error) string {
	msg := innermost(err).Error()
	switch {
	case strings.HasPrefix(msg, "readLoopPeekFailLocked"):
		// net/http's words for bytes that came before the request was sent: a server that
		// speaks first, such as SSH or SMTP, is not HTTP.
		return "server sent data before the request"
	case msg == "http: server closed idle connection":
		return "server closed the connection"
	}
	for _, prefix := range []string{"tls: ", "net/http: ", "http: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	if msg == "" {
		msg = "check failed"
	}
	return text.CleanText(msg, reasonMax)
}

// innermost unwraps err as far as a single chain goes.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// statusReason words an unexpected HTTP status: "status 503, want 200-399".
func statusReason(code int, want string) string {
	return "status " + strconv.Itoa(code) + ", want " + want
}

// quote cleans s, caps it and quotes it Go style, so a reason shows exactly what was compared.
func quote(s string) string {
	return strconv.Quote(text.CleanText(s, quotedMax))
}

// SlowReason words why a passing check slower than the service's slow bound made it DEGRADED:
// "slow: 1.24s > 1s". It is track.Policy's SlowReason.
func SlowReason(latency, slow time.Duration) string {
	return "slow: " + text.FormatLatency(latency) + " > " + text.FormatSetting(slow)
}
