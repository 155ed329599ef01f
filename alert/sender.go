package alert

import (
	"context"
	"errors"
	"net"
	"net/url"
	"syscall"
	"time"

	"github.com/uptty/uptty/text"
)

// Sender delivers an alert to one destination. Send returns nil once the destination has taken
// the alert, or an error whose text is a short single-line reason ("webhook: status 500") that
// never holds the destination's URL, which may carry a token. Send honours ctx.
type Sender interface {
	// Name identifies the sender in hooks and listings: the config's alerts[].name.
	Name() string
	// Send delivers one alert.
	Send(ctx context.Context, a Alert) error
}

const (
	// defaultTimeout bounds one delivery attempt when a sender sets none.
	defaultTimeout = 10 * time.Second
	// reasonMax bounds the width of an error reason.
	reasonMax = 120
)

// orDefault is d, or defaultTimeout when d is not positive.
func orDefault(d time.Duration) time.Duration {
	if d <= 0 {
		return defaultTimeout
	}
	return d
}

// sendError is a failed delivery's reason, already short and clean, and how long the
// destination asked to be left alone before the next attempt (Retry-After; 0 for no ask).
type sendError struct {
	msg        string
	retryAfter time.Duration
}

// retryAfter is how long the destination that refused with err asked to wait; 0 for no ask.
func retryAfter(err error) time.Duration {
	var se *sendError
	if errors.As(err, &se) {
		return se.retryAfter
	}
	return 0
}

func (e *sendError) Error() string { return e.msg }

// failure makes the error for a failed attempt: prefix ("webhook") and a reason. It tells our
// own timeout (attempt's deadline passed while parent was still live) from the caller giving up.
func failure(prefix string, parent, attempt context.Context, err error, timeout time.Duration) error {
	return &sendError{msg: prefix + ": " + reason(parent, attempt, err, timeout)}
}

// reason is the short cause of err, without any URL in it.
func reason(parent, attempt context.Context, err error, timeout time.Duration) string {
	switch {
	case parent.Err() != nil:
		if errors.Is(parent.Err(), context.DeadlineExceeded) {
			return "deadline exceeded"
		}
		return "canceled"
	case attempt.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return "timeout after " + text.FormatSetting(timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return "no such host"
		}
		return "dns: " + text.CleanText(dnsErr.Err, reasonMax)
	}
	// url.Error writes the URL; its cause alone is what we want.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	return text.CleanText(err.Error(), reasonMax)
}
