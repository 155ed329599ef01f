package monitor

import (
	"strings"
	"time"

	"github.com/uptty/uptty/probe"
)

// Outage is one period of DOWN: from the start of the first failed check of the streak that led
// to DOWN, to the start of the first passing check of the streak that led back to UP.
type Outage struct {
	Start time.Time
	End   time.Time // zero while the outage lasts
	Cause string    // the reason of the first failed check
}

// Open reports whether the outage is still going on.
func (o Outage) Open() bool { return o.End.IsZero() }

// Duration is how long the outage lasted, or has lasted by now if it is still open.
func (o Outage) Duration(now time.Time) time.Duration {
	if o.Open() {
		return now.Sub(o.Start)
	}
	return o.End.Sub(o.Start)
}

// Sample is one check's latency, kept for sparklines and percentiles.
type Sample struct {
	At      time.Time
	Latency time.Duration
	OK      bool
}

// EventKind says what an Event records.
type EventKind uint8

// The kinds of event a Tracker emits.
const (
	StateChanged  EventKind = iota + 1 // From -> To at At
	OutageStarted                      // Outage.Start is set, Outage.End is zero
	OutageEnded                        // Outage has both Start and End
)

// Event is a state change or an outage boundary. Trackers emit them so that history can store
// them and later rebuild a tracker's state from them.
type Event struct {
	Kind   EventKind
	At     time.Time
	From   State
	To     State
	Reason string
	Outage Outage
}

// Status is a snapshot of one service's tracked state, safe to hand to another goroutine: it
// shares no memory with the tracker it came from.
type Status struct {
	State State
	// Since is when the service entered State.
	Since time.Time
	// Reason explains the state: the failure reason when PENDING or DOWN, the warning when
	// DEGRADED, empty otherwise.
	Reason string
	// Last is the most recent result; its Start is zero before the first check.
	Last probe.Result
	// Outage is the outage going on now, if any.
	Outage *Outage
	// LastOutage is the most recent outage that has ended, if any.
	LastOutage *Outage
	// Outages are the latest outages (this session's, and history's after a restart), oldest
	// first, bounded; the open one, if any, is last.
	Outages []Outage
	// Samples are recent latencies, oldest first, bounded.
	Samples []Sample
	// Recent are recent results for the detail view, oldest first, bounded.
	Recent []probe.Result
	// P50 and P95 are latency percentiles over Samples that passed.
	P50, P95 time.Duration
	// Checks and Failures count results observed, over all history after a restart.
	Checks, Failures int
	// OutageCount counts outages (over all history after a restart), including those dropped
	// from Outages.
	OutageCount int

	// Uptime accounting as of AsOf: Observed is time covered by checks (from the first check,
	// excluding paused time); Downtime is the part of it inside outages (so a pause during an
	// outage is not downtime). Uptime(now) extends both to now. AsOf is zero before the first
	// check.
	AsOf     time.Time
	Observed time.Duration
	Downtime time.Duration
}

// Uptime returns the time-weighted fraction of observed time that was not inside an outage, as
// of now. ok is false until some time has been observed (before the first check, or when the
// only check was followed by a pause).
func (s Status) Uptime(now time.Time) (ratio float64, ok bool) {
	if s.AsOf.IsZero() {
		return 0, false
	}
	observed, down := s.Observed, s.Downtime
	if s.State != Paused && now.After(s.AsOf) {
		extra := now.Sub(s.AsOf)
		observed += extra
		if s.Outage != nil {
			down += extra
		}
	}
	if observed <= 0 {
		return 0, false
	}
	return min(max(1-float64(down)/float64(observed), 0), 1), true
}

// State is where a service stands. Every service is in exactly one state.
type State uint8

// The states, as in the contract. The zero value is Unknown.
const (
	Unknown  State = iota // no check has finished yet
	Up                    // the last check passed and the success threshold is met
	Degraded              // passing, but a soft bound is breached
	Pending               // failing, fewer than failure_threshold consecutive failures so far
	Down                  // failure_threshold consecutive failures
	Paused                // checks paused by the user
)

var stateWords = [...]string{"UNKNOWN", "UP", "DEGRADED", "PENDING", "DOWN", "PAUSED"}

// String returns the state's word as shown on screen: UP, DOWN...
func (s State) String() string {
	if int(s) < len(stateWords) {
		return stateWords[s]
	}
	return "UNKNOWN"
}

// Lower returns the state word in lower case, as used in JSON output.
func (s State) Lower() string { return strings.ToLower(s.String()) }

// States lists every state in display order.
func States() []State { return []State{Down, Pending, Degraded, Up, Unknown, Paused} }
