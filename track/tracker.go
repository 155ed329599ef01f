package track

import (
	"cmp"
	"slices"
	"time"
)

// failedReason stands in for the reason of a failed result that gave none.
const failedReason = "check failed"

// Policy is what the tracker needs from a service's config.
type Policy struct {
	FailureThreshold int           // consecutive failures before DOWN (>=1)
	SuccessThreshold int           // consecutive successes before UP again after DOWN (>=1)
	Slow             time.Duration // if > 0, a passing check slower than this is DEGRADED
	// SlowReason words the reason of a check slower than Slow ("slow: 1.24s > 1s"); nil says
	// "slow". It is a function so that the wording of durations stays with the text helpers
	// while this package imports nothing of uptty's, and it is called only when the reason is
	// read, so that a steadily slow service costs no allocation per check.
	SlowReason func(latency, slow time.Duration) string
}

// Tracker turns one service's check results into its state, outages and uptime. It is a pure
// state machine: its only clock is the results' Start and the now arguments, so hours of
// history can be replayed in a test in microseconds. It is not safe for concurrent use; the
// monitor owns it and hands out Status snapshots.
type Tracker struct {
	policy Policy

	state  State
	since  time.Time
	before State // the state to return to when PAUSED ends
	// reason is the latest failure reason while failing, the warning while passing. slowBy is
	// the latency of a passing check over Policy.Slow: the slow text is built only when read,
	// so that a steadily slow service costs no allocation per check.
	reason string
	slowBy time.Duration

	fails, passes int // current streaks; passes only counts while DOWN
	// The streak of failures that may become an outage: where it began, why, and how much
	// observed time there was then, to book the time before DOWN was declared as downtime.
	streakStart    time.Time
	streakCause    string
	streakObserved time.Duration
	// The streak of passes that may end an outage, likewise.
	recoverStart    time.Time
	recoverObserved time.Duration

	open                          bool // outages.last() is the outage going on now
	outageCount, checks, failures int

	// Uptime accounting, advanced at every result, pause and resume. Time while paused, and
	// before the first check, is not observed.
	started   bool
	asOf      time.Time
	observed  time.Duration
	downtime  time.Duration
	resumedAt time.Time // results that began before this were in flight across a pause

	samples ring[packed]
	recent  ring[keptCheck]
	outages ring[Outage]
	// texts are the texts of the recent checks, each once for a run of checks that have it
	// (see keepCheck), so that a recent check is 16 bytes, not 32 with a string of its own
	// that was empty for most checks: 0.8 KB a service, 8 MB at 10,000.
	texts   ring[keptText]
	textSeq uint32 // the seq of the newest text
	// lastStart and lastLatency are the newest check's, exactly: the recent ring keeps them
	// compact. lastFacts and lastPhases are its facts and phases, kept apart so that the ring
	// holds no slices: 50 checks' worth of facts and phases were most of a service's memory.
	lastStart   time.Time
	lastLatency time.Duration
	lastFacts   []Fact
	lastPhases  []Phase
	// lastCode and lastExpiry are the newest check's StatusCode and CertExpiry, for metrics.
	lastCode   int
	lastExpiry time.Time
}

// NewTracker returns a tracker in state UNKNOWN. Thresholds below 1 count as 1.
func NewTracker(p Policy) *Tracker {
	p.FailureThreshold = max(p.FailureThreshold, 1)
	p.SuccessThreshold = max(p.SuccessThreshold, 1)
	return &Tracker{
		policy: p,
		// A service checked hourly takes days to fill its rings, and most services never keep
		// an outage: the rings start small.
		samples: newRing[packed](SampleCap, 16),
		recent:  newRing[keptCheck](RecentCap, 8),
		outages: newRing[Outage](OutageCap, 2),
		texts:   newRing[keptText](RecentCap, 1),
	}
}

// State returns the current state.
func (t *Tracker) State() State { return t.state }

// Observe feeds one check's result, whose Start is taken as the time it happened, and returns
// what changed, in order; nil when nothing did. The tracker keeps copies of r's facts and
// phases, never r's slices. A result is ignored while paused, and so is one that began before
// the last Resume: it was in flight when checks were paused.
func (t *Tracker) Observe(r Check) []Event {
	if t.state == Paused || r.Start.Before(t.resumedAt) {
		return nil
	}
	if t.started {
		t.advance(r.Start)
	} else {
		t.started, t.asOf = true, r.Start
	}
	t.record(r)
	if r.OK {
		return t.pass(r)
	}
	return t.fail(r)
}

// Pause stops the service's clock: the state becomes PAUSED until Resume, results are ignored,
// and the paused time counts neither as observed time nor as downtime. An open outage stays
// open across a pause; its Duration, which is wall-clock time, includes the pause.
func (t *Tracker) Pause(now time.Time) []Event {
	if t.state == Paused {
		return nil
	}
	t.advance(now)
	t.before = t.state
	return t.moveTo(Paused, now, nil)
}

// Resume returns to the state from before Pause, with Since set to now, and keeps the streaks
// it had: a service that was PENDING needs only the remaining failures to go DOWN.
func (t *Tracker) Resume(now time.Time) []Event {
	if t.state != Paused {
		return nil
	}
	t.advance(now)
	t.resumedAt = now
	return t.moveTo(t.before, now, nil)
}

// Status returns a snapshot as of now that shares no memory with the tracker. It does not
// change the tracker. A now before the last result is taken as the last result's time.
func (t *Tracker) Status(now time.Time) Status {
	s := Status{State: t.state, Since: t.since, Reason: t.reasonText()}
	if t.started {
		s.AsOf, s.Observed, s.Downtime = t.asOf, t.observed, t.downtime
		if now.After(t.asOf) {
			s.AsOf = now
			if t.state != Paused {
				s.Observed += now.Sub(t.asOf)
				if t.open {
					s.Downtime += now.Sub(t.asOf)
				}
			}
		}
	}
	if t.recent.count() > 0 {
		s.LastAt, s.LastLatency, s.LastOK = t.lastStart, t.lastLatency, t.recent.last().ok()
	}
	n := t.samples.count()
	for i := max(n-SparkCap, 0); i < n; i++ {
		s.Spark.appendPacked(*t.samples.at(i)) // never full before the last: nothing shifts
	}
	if t.outages.count() > 0 {
		s.Outage = *t.outages.last()
	}
	return s
}

// Detail returns what the detail view shows beyond Status: a copy that shares no memory with
// the tracker.
func (t *Tracker) Detail() Detail {
	d := Detail{Recent: t.copyRecent(), OutageCount: t.outageCount, Checks: t.checks, Failures: t.failures}
	if n := t.outages.count(); n > 0 {
		d.Outages = make([]Outage, n)
		for i := range n {
			d.Outages[i] = *t.outages.at(i)
		}
	}
	d.P50, d.P95 = percentiles(&t.samples)
	return d
}

// Last returns the newest check with a copy of its Phases and without its Facts, which a
// metrics scrape has no use for; ok is false before the first check.
func (t *Tracker) Last() (c Check, ok bool) {
	if t.recent.count() == 0 {
		return Check{}, false
	}
	c = t.check(t.recent.last(), time.Local)
	c.Start, c.Latency = t.lastStart, t.lastLatency
	c.Phases, c.StatusCode, c.CertExpiry = slices.Clone(t.lastPhases), t.lastCode, t.lastExpiry
	return c, true
}

// OutageCount counts the outages, over all history after a restart.
func (t *Tracker) OutageCount() int { return t.outageCount }

// Restore replaces the tracker's state with one saved by history before a restart, so that the
// service shows what it showed before. s must be consistent (see Saved). The time from s.AsOf
// to now is a gap, uptty not running, and counts neither up nor down; results that began
// before now are ignored. A PAUSED snapshot stays PAUSED, since the time it was paused: a pause
// taken for maintenance must outlast a restart of uptty, or checks and pages would start again
// in the middle of the work; Resume then returns to the state its recent results tell. Streaks
// are recounted from s.Recent; where they reach back past a pause, their share of observed
// time is approximate.
func (t *Tracker) Restore(s Saved, now time.Time) {
	*t = *NewTracker(t.policy)
	for _, c := range s.Recent {
		t.keepCheck(c)
	}
	for _, x := range s.Samples {
		*t.samples.push() = pack(x)
	}
	for _, o := range s.Outages {
		*t.outages.push() = o
	}
	t.open = t.outages.count() > 0 && t.outages.last().Open()
	t.outageCount = max(s.OutageCount, t.outages.count())
	t.checks, t.failures = s.Checks, s.Failures
	t.started, t.observed, t.downtime = !s.AsOf.IsZero(), s.Observed, s.Downtime
	t.asOf, t.resumedAt = now, now

	t.state, t.since, t.reason = s.State, s.Since, s.Reason
	standing := t.state // the state the streaks below belong to: the one Resume returns to
	if t.state == Paused {
		t.before = t.underlying(s.Recent)
		standing = t.before
	}
	// observedAt estimates the observed time at an earlier instant, as if there was no pause
	// other than the one going on in s.
	clock := s.AsOf
	if s.State == Paused {
		clock = s.Since
	}
	observedAt := func(at time.Time) time.Duration {
		return min(max(s.Observed-clock.Sub(at), 0), s.Observed)
	}
	fails, first := trailing(s.Recent, false)
	switch standing {
	case Pending:
		t.fails = min(max(fails, 1), t.policy.FailureThreshold-1)
		t.streakStart, t.streakCause = t.since, t.reason
		if fails > 0 {
			t.streakStart, t.streakCause = first.Start, cmp.Or(first.Reason, failedReason)
		}
		t.streakObserved = observedAt(t.streakStart)
	case Down:
		t.fails = fails
		if passes, first := trailing(s.Recent, true); passes > 0 {
			t.passes = min(passes, t.policy.SuccessThreshold-1)
			t.recoverStart, t.recoverObserved = first.Start, observedAt(first.Start)
		}
	}
}

// underlying is the state a paused service was in, as far as its recent results tell, and
// sets the reason to go with it.
func (t *Tracker) underlying(recent []Check) State {
	if len(recent) == 0 {
		return Unknown
	}
	if t.open {
		t.reason = t.outages.last().Cause
		for _, r := range slices.Backward(recent) {
			if !r.OK {
				t.reason = cmp.Or(r.Reason, failedReason)
				break
			}
		}
		return Down
	}
	last := recent[len(recent)-1]
	if !last.OK {
		t.reason = cmp.Or(last.Reason, failedReason)
		return Pending
	}
	t.reason = last.Warning
	if t.policy.Slow > 0 && last.Latency > t.policy.Slow {
		t.slowBy = last.Latency
	}
	if t.reason != "" || t.slowBy > 0 {
		return Degraded
	}
	return Up
}

// trailing counts the newest results whose OK is ok, and returns the first (oldest) of them.
func trailing(recent []Check, ok bool) (n int, first Check) {
	for i := len(recent) - 1; i >= 0 && recent[i].OK == ok; i-- {
		n, first = n+1, recent[i]
	}
	return n, first
}

// advance books the time from asOf to to, which never goes backwards.
func (t *Tracker) advance(to time.Time) {
	if !t.started || !to.After(t.asOf) {
		return
	}
	if t.state != Paused {
		d := to.Sub(t.asOf)
		t.observed += d
		if t.open {
			t.downtime += d
		}
	}
	t.asOf = to
}

// record counts the result and keeps it in the bounded rings.
func (t *Tracker) record(r Check) {
	t.checks++
	if !r.OK {
		t.failures++
	}
	*t.samples.push() = pack(Sample{Latency: r.Latency, OK: r.OK})
	t.keepCheck(r)
}

// keptCheck is a Check in the recent ring, in 16 bytes rather than 120: without facts and
// phases, which only the newest check shows (Tracker.lastFacts); its start in Unix
// nanoseconds, its latency and OK packed as a Sample, and the seq of its one text in
// Tracker.texts: the reason of a failed check or the warning of a passing one (a Check has
// only one of them).
type keptCheck struct {
	start  int64
	sample packed
	text   uint32 // 0 for none
}

// keptText is a text of recent checks and its seq, which counts the texts kept (0 is never
// one).
type keptText struct {
	seq  uint32
	text string
}

// noStart stands for a zero Start, whose Unix nanoseconds are out of range.
const noStart = -1 << 63

func (k *keptCheck) ok() bool { return k.sample&failBit == 0 }

// check unpacks k; its Start is to the nanosecond, in loc (the newest check's time zone: a
// tracker's checks all come from one clock).
func (t *Tracker) check(k *keptCheck, loc *time.Location) Check {
	s := k.sample.Sample()
	c := Check{Latency: s.Latency, OK: s.OK}
	if k.start != noStart {
		c.Start = time.Unix(0, k.start).In(loc)
	}
	if c.OK {
		c.Warning = t.text(k.text)
	} else {
		c.Reason = t.text(k.text)
	}
	return c
}

// text returns the text whose seq is seq, "" for none. Every recent check's text is there:
// a check adds at most one text, and texts holds as many as recent holds checks.
func (t *Tracker) text(seq uint32) string {
	if seq == 0 {
		return ""
	}
	for i := t.texts.count() - 1; i >= 0; i-- {
		if x := t.texts.at(i); x.seq == seq {
			return x.text
		}
	}
	return ""
}

// keepCheck copies a check into the recent ring, and its facts and phases, the only ones the
// detail view shows, into the tracker's own slices, reused from check to check. A check whose
// text is the newest text shares it, so that a service failing for the same reason check after
// check keeps that reason's bytes once, not once a check.
func (t *Tracker) keepCheck(c Check) {
	k := keptCheck{start: noStart, sample: pack(Sample{Latency: c.Latency, OK: c.OK})}
	if !c.Start.IsZero() {
		k.start = c.Start.UnixNano()
	}
	text := c.Reason
	if c.OK {
		text = c.Warning
	}
	if text != "" {
		if t.texts.count() > 0 && t.texts.last().text == text {
			k.text = t.texts.last().seq
		} else {
			// After 2^32 texts the seq wraps, skipping 0; the last RecentCap seqs stay distinct.
			if t.textSeq++; t.textSeq == 0 {
				t.textSeq = 1
			}
			*t.texts.push() = keptText{seq: t.textSeq, text: text}
			k.text = t.textSeq
		}
	}
	*t.recent.push() = k
	t.lastStart, t.lastLatency = c.Start, c.Latency
	t.lastFacts = append(t.lastFacts[:0], c.Facts...)
	t.lastPhases = append(t.lastPhases[:0], c.Phases...)
	t.lastCode, t.lastExpiry = c.StatusCode, c.CertExpiry
}

func (t *Tracker) pass(r Check) []Event {
	t.fails = 0
	var evs []Event
	if t.state == Down && t.open {
		t.passes++
		if t.passes == 1 {
			t.recoverStart, t.recoverObserved = r.Start, t.observed
		}
		if t.passes < t.policy.SuccessThreshold {
			return nil
		}
		t.passes = 0
		o := t.outages.last()
		o.End = t.recoverStart
		t.open = false
		// The outage ended at the first pass of the streak, not now: give back the time since.
		t.downtime -= t.observed - t.recoverObserved
		evs = append(make([]Event, 0, 2), Event{Kind: OutageEnded, At: r.Start, Outage: *o})
	}
	t.reason, t.slowBy = r.Warning, 0
	if t.policy.Slow > 0 && r.Latency > t.policy.Slow {
		t.slowBy = r.Latency
	}
	to := Up
	if t.reason != "" || t.slowBy > 0 {
		to = Degraded
	}
	return t.moveTo(to, r.Start, evs)
}

func (t *Tracker) fail(r Check) []Event {
	t.passes = 0
	t.fails++
	t.reason, t.slowBy = r.Reason, 0
	if t.reason == "" {
		t.reason = failedReason
	}
	if t.fails == 1 {
		t.streakStart, t.streakCause, t.streakObserved = r.Start, t.reason, t.observed
	}
	if t.state == Down {
		return nil
	}
	if t.fails < t.policy.FailureThreshold {
		return t.moveTo(Pending, r.Start, nil)
	}
	o := Outage{Start: t.streakStart, Cause: t.streakCause}
	*t.outages.push() = o
	t.open = true
	t.outageCount++
	// The outage began at the streak's first failure: book the time since then as downtime.
	t.downtime += t.observed - t.streakObserved
	evs := t.moveTo(Down, r.Start, make([]Event, 0, 2))
	return append(evs, Event{Kind: OutageStarted, At: r.Start, Outage: o})
}

// moveTo enters state to at at, appending a StateChanged event if that is a change.
func (t *Tracker) moveTo(to State, at time.Time, evs []Event) []Event {
	if to == t.state {
		return evs
	}
	from := t.state
	t.state, t.since = to, at
	return append(evs, Event{Kind: StateChanged, At: at, From: from, To: to, Reason: t.reasonText()})
}

// reasonText is Status.Reason: why the service is in its state, empty when UP.
func (t *Tracker) reasonText() string {
	switch t.state {
	case Pending, Down:
		return t.reason
	case Degraded:
		if t.slowBy == 0 {
			return t.reason
		}
		slow := "slow"
		if t.policy.SlowReason != nil {
			slow = t.policy.SlowReason(t.slowBy, t.policy.Slow)
		}
		if t.reason == "" {
			return slow
		}
		return t.reason + "; " + slow
	}
	return ""
}

// SetPolicy changes the thresholds from the next result on, as a config reload does; the
// state, streaks and outages stay. Thresholds below 1 count as 1.
func (t *Tracker) SetPolicy(p Policy) {
	p.FailureThreshold = max(p.FailureThreshold, 1)
	p.SuccessThreshold = max(p.SuccessThreshold, 1)
	t.policy = p
}
