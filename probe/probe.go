// Package probe checks services once: the Checker interface, one registry of kinds (Kinds, New)
// with one file per kind, and the one runner, Run, that bounds every check by its timeout and
// masks and cleans its result. Tracking state over many checks is package track's; scheduling
// them is package monitor's.
package probe

import (
	"context"
	"time"
)

// Checker checks one service once. A target that is down is not an error: it is a Result with
// OK false and a Reason. Check must return by the time ctx is done (the caller sets the timeout)
// and must be safe to call from several goroutines, though the monitor never overlaps two checks
// of the same service.
type Checker interface {
	Check(ctx context.Context) Result
}

// Result is the outcome of one check.
type Result struct {
	// Start is when the check began (after any wait for a concurrency slot).
	Start time.Time
	// Latency is the time from Start to the response (for HTTP: response headers received).
	Latency time.Duration
	// OK reports whether the check passed every expectation.
	OK bool
	// Reason says why a check failed: short, single-line, already sanitized. Empty when OK.
	Reason string
	// Warning is a soft problem on a passing check (certificate expiring soon); it makes the
	// service DEGRADED. Short, single-line, sanitized.
	Warning string
	// Facts are kind-specific details for the detail view (status code, certificate issuer, DNS
	// answers...), in display order, already sanitized.
	Facts []Fact
	// Phases split Latency into steps (DNS, connect, TLS, first byte) where the kind knows them.
	Phases []Phase
	// StatusCode is the final response's HTTP status code (http and ws kinds); 0 when no
	// response came or the kind has none. Metrics read it rather than parse a Fact.
	StatusCode int
	// CertExpiry is the earliest expiry of the certificates the server presented (https, tls,
	// wss); zero when there was no TLS handshake.
	CertExpiry time.Time
}

// Fact is one labelled detail of a check result.
type Fact struct {
	Label string
	Value string
}

// Phase is one timed step of a check.
type Phase struct {
	Name     string
	Duration time.Duration
}
