// Package track is the pure state machine of a service: check results and timestamps go in
// (Tracker.Observe, Pause, Resume), and its State, outages and uptime come out, as the Status
// the list and `uptty check` show, the Detail the detail view asks for, and the Events history
// stores; a Tracker restores from the Saved state history gives back after a restart. It reads
// no clock and imports nothing of uptty's, so hours of history replay in a test in
// microseconds and the UI and history speak of services without depending on how they are
// checked.
package track

import (
	"strings"
	"time"
)

// Outage is one period of DOWN: from the start of the first failed check of the streak that led
// to DOWN, to the start of the first passing check of the streak that led back to UP.
type Outage struct {
	Start time.Time
	End   time.Time // zero while the outage lasts
	Cause string    // the reason of the first failed check
	// Unwatched is how much of the outage no check covered (uptty not running, the service
	// paused or removed by a reload), as history knew when it restored the outage: part of its
	// duration, written from start to end as clocks write them, but not seen down, and not
	// counted as downtime. Zero for an outage watched throughout.
	Unwatched time.Duration
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

// Standing is what of a service's status its viewers must learn of at once: its state and its
// outage. The rest (latency, samples, a reason's words) only changes how it looks, and a screen
// or a stream may wait for its next tick to show it.
type Standing struct {
	State  State
	Outage Outage
}

// Standing is s's state and outage.
func (s Status) Standing() Standing { return Standing{s.State, s.Outage} }

// Same reports whether a and b stand alike. Outages are compared by their instants: statuses
// decoded from JSON (an attached screen's) carry times in zones of their own.
func (a Standing) Same(b Standing) bool {
	return a.State == b.State && a.Outage.Start.Equal(b.Outage.Start) && a.Outage.End.Equal(b.Outage.End) &&
		a.Outage.Cause == b.Outage.Cause
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

// Bounds on what a tracker keeps, so that a monitor running for months uses constant memory;
// history restores no more than this.
const (
	// SparkCap is how many latency samples a Status carries: one per cell of the widest
	// sparkline.
	SparkCap = 60
	// SampleCap bounds the latency samples: twice the widest sparkline, and enough for p95. At
	// 10,000 services each sample kept costs 40 KB.
	SampleCap = 2 * SparkCap
	RecentCap = 50 // checks, for the detail view
	// OutageCap bounds the outages a tracker keeps: as many as the detail view lists (it reads
	// older ones from history), the open one included. At 100, a flapping service kept 8 KB of
	// outages.
	OutageCap = 20
)

// Sample is one check's latency and whether it passed, for sparklines and percentiles.
type Sample struct {
	Latency time.Duration
	OK      bool
}

// packed is a Sample in four bytes: the latency in microseconds (at most about 35 minutes,
// far beyond any timeout) with the top bit set for a failed check. It keeps a Status and a
// tracker's ring small at 10,000 services.
type packed uint32

const failBit = 1 << 31

// pack packs a sample.
func pack(x Sample) packed {
	us := min(max(x.Latency.Microseconds(), 0), failBit-1)
	p := packed(us)
	if !x.OK {
		p |= failBit
	}
	return p
}

// Sample unpacks p.
func (p packed) Sample() Sample {
	return Sample{Latency: time.Duration(p&^failBit) * time.Microsecond, OK: p&failBit == 0}
}

// Spark is the newest latency samples, oldest first, in a fixed array: copying a Status never
// copies more than SparkCap samples, however long the service has been checked.
type Spark struct {
	n    uint8
	vals [SparkCap]packed
}

// Len returns how many samples there are.
func (s *Spark) Len() int { return int(s.n) }

// At returns the i-th sample, oldest first.
func (s *Spark) At(i int) Sample { return s.vals[i].Sample() }

// Push adds the newest sample, dropping the oldest when full.
func (s *Spark) Push(x Sample) { s.appendPacked(pack(x)) }

// appendPacked adds the newest packed sample, dropping the oldest when full.
func (s *Spark) appendPacked(p packed) {
	if int(s.n) == SparkCap {
		copy(s.vals[:], s.vals[1:])
		s.n--
	}
	s.vals[s.n] = p
	s.n++
}

// Fact is one line of what a check found, such as a status code or a certificate's expiry.
type Fact struct {
	Label string
	Value string
}

// Phase is one timed step of a check.
type Phase struct {
	Name     string
	Duration time.Duration
}

// Check is one check's result as the monitor keeps it for the detail view.
type Check struct {
	Start   time.Time
	Latency time.Duration
	OK      bool
	Reason  string // why it failed; empty when OK
	Warning string // a passing check's warning
	Facts   []Fact
	Phases  []Phase
	// StatusCode and CertExpiry are probe.Result's, for metrics: the HTTP status code (0 for
	// none) and the earliest certificate expiry (zero for none).
	StatusCode int
	CertExpiry time.Time
}

// Detail is what the detail view shows of a service beyond its Status, copied on demand by
// monitor.Monitor.Detail rather than sent with every change.
type Detail struct {
	// Recent are recent checks, oldest first, bounded. Only the newest has its Facts and Phases,
	// the only ones shown.
	Recent []Check
	// Outages are the latest outages (this session's, and history's after a restart), oldest
	// first, bounded; the open one, if any, is last.
	Outages []Outage
	// OutageCount counts outages (over all history after a restart), including those dropped
	// from Outages.
	OutageCount int
	// Checks and Failures count results observed, over all history after a restart.
	Checks, Failures int
	// P50 and P95 are latency percentiles over the recent samples that passed.
	P50, P95 time.Duration
}

// Saved is a service's tracked state as history kept it, what a tracker restores from (Tracker.Restore). It
// must be consistent: an open outage, last in Outages, goes with DOWN (or PAUSED), and DOWN
// with an open outage. History repairs what a crash left disagreeing before handing it over.
type Saved struct {
	State  State
	Since  time.Time
	Reason string
	// Recent are the newest checks, oldest first, at most RecentCap.
	Recent []Check
	// Samples are the newest latencies, oldest first, at most SampleCap.
	Samples []Sample
	// Outages are the newest outages, oldest first, at most OutageCap; an open one is last.
	Outages []Outage
	// OutageCount, Checks and Failures count over all history.
	OutageCount, Checks, Failures int
	// Uptime accounting as in Status; AsOf is zero when nothing was observed.
	AsOf     time.Time
	Observed time.Duration
	Downtime time.Duration
}

// Status is a snapshot of one service's tracked state, what the list and `uptty check` show. It
// is small and of fixed size (a few hundred bytes, whatever the history), shares no memory with
// the tracker it came from, and is sent to the UI at every change; the rest is in Detail.
type Status struct {
	State State
	// Since is when the service entered State.
	Since time.Time
	// Reason explains the state: the failure reason when PENDING or DOWN, the warning when
	// DEGRADED, empty otherwise.
	Reason string
	// LastAt is when the most recent check began, zero before the first; LastLatency and LastOK
	// are its latency and whether it passed.
	LastAt      time.Time
	LastLatency time.Duration
	LastOK      bool
	// Outage is the newest outage: the one going on (End zero), or the last one that ended. Its
	// Start is zero when there was none; see OpenOutage and EndedOutage.
	Outage Outage
	// Spark holds the newest latencies, for the sparkline.
	Spark Spark

	// Uptime accounting as of AsOf: Observed is time covered by checks (from the first check,
	// excluding paused time); Downtime is the part of it inside outages (so a pause during an
	// outage is not downtime). Uptime(now) extends both to now. AsOf is zero before the first
	// check.
	AsOf     time.Time
	Observed time.Duration
	Downtime time.Duration
}

// OpenOutage returns the outage going on, if any.
func (s *Status) OpenOutage() (Outage, bool) {
	return s.Outage, !s.Outage.Start.IsZero() && s.Outage.Open()
}

// EndedOutage returns the last outage that ended, when no outage is going on.
func (s *Status) EndedOutage() (Outage, bool) {
	return s.Outage, !s.Outage.Start.IsZero() && !s.Outage.Open()
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
		if _, open := s.OpenOutage(); open {
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
