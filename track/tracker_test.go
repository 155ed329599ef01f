package track

import (
	"math"
	"reflect"
	"testing"
	"time"
)

const ms = time.Millisecond

// t0 is the fake start of every script: 21:00 in Seoul, so that outages cross local midnight.
var t0 = time.Date(2026, 5, 5, 21, 0, 0, 0, time.FixedZone("KST", 9*3600))

// step is one scripted input to a tracker, at an offset from t0.
type step struct {
	at  time.Duration
	op  byte // 'r' result, 'p' pause, 'u' resume
	res Check
}

func up(at time.Duration) step {
	return step{at: at, op: 'r', res: Check{OK: true, Latency: 87 * ms}}
}

func upIn(at, latency time.Duration) step {
	return step{at: at, op: 'r', res: Check{OK: true, Latency: latency}}
}

func warned(at time.Duration, warning string) step {
	return step{at: at, op: 'r', res: Check{OK: true, Latency: 87 * ms, Warning: warning}}
}

func down(at time.Duration, reason string) step {
	return step{at: at, op: 'r', res: Check{Latency: 3 * time.Second, Reason: reason}}
}

// slowWords stands in for probe.SlowReason, whose wording probe tests: here only where the
// tracker puts it matters, and track's tests build for every OS without the checkers.
func slowWords(latency, slow time.Duration) string {
	return "slow: " + latency.String() + " > " + slow.String()
}

func pause(at time.Duration) step  { return step{at: at, op: 'p'} }
func resume(at time.Duration) step { return step{at: at, op: 'u'} }

// every repeats f from from (included) to to (excluded).
func every(from, to, interval time.Duration, f func(time.Duration) step) []step {
	var steps []step
	for at := from; at < to; at += interval {
		steps = append(steps, f(at))
	}
	return steps
}

func failing(reason string) func(time.Duration) step {
	return func(at time.Duration) step { return down(at, reason) }
}

func script(parts ...any) []step {
	var steps []step
	for _, p := range parts {
		switch p := p.(type) {
		case step:
			steps = append(steps, p)
		case []step:
			steps = append(steps, p...)
		}
	}
	return steps
}

func run(tr *Tracker, steps []step) []Event {
	var evs []Event
	for _, s := range steps {
		at := t0.Add(s.at)
		switch s.op {
		case 'r':
			s.res.Start = at
			evs = append(evs, tr.Observe(s.res)...)
		case 'p':
			evs = append(evs, tr.Pause(at)...)
		case 'u':
			evs = append(evs, tr.Resume(at)...)
		}
	}
	return evs
}

func span(from, to time.Duration, cause string) Outage {
	o := Outage{Start: t0.Add(from), Cause: cause}
	if to >= 0 {
		o.End = t0.Add(to)
	}
	return o
}

func TestTrackerStates(t *testing.T) {
	std := Policy{FailureThreshold: 2, SuccessThreshold: 1}
	tests := []struct {
		name        string
		policy      Policy
		steps       []step
		state       State
		since       time.Duration
		reason      string
		outages     []Outage
		checks, bad int
	}{
		{name: "no result is UNKNOWN", policy: std, state: Unknown, since: -1},
		{name: "UNKNOWN to UP", policy: std, steps: script(up(0)), state: Up, checks: 1},
		{name: "UNKNOWN to PENDING", policy: std, steps: script(down(0, "refused")),
			state: Pending, reason: "refused", checks: 1, bad: 1},
		{name: "PENDING to UP is no outage", policy: std,
			steps: script(up(0), down(time.Minute, "refused"), up(2*time.Minute)),
			state: Up, since: 2 * time.Minute, checks: 3, bad: 1},
		{name: "flapping below threshold for hours", policy: Policy{FailureThreshold: 3},
			steps: every(0, 5*time.Hour, 30*time.Second, func(at time.Duration) step {
				if at/(30*time.Second)%3 == 2 {
					return up(at)
				}
				return down(at, "timeout after 3s")
			}),
			state: Up, since: 5*time.Hour - 30*time.Second, checks: 600, bad: 400},
		{name: "threshold 1 goes DOWN at once", policy: Policy{FailureThreshold: 1},
			steps: script(up(0), down(time.Minute, "refused")),
			state: Down, since: time.Minute, reason: "refused",
			outages: []Outage{span(time.Minute, -1, "refused")}, checks: 2, bad: 1},
		{name: "threshold 3: outage from the first failure", policy: Policy{FailureThreshold: 3},
			steps: script(up(0), down(10*time.Second, "status 503, want 200-399"),
				down(20*time.Second, "timeout after 3s"), down(30*time.Second, "refused")),
			state: Down, since: 30 * time.Second, reason: "refused",
			outages: []Outage{span(10*time.Second, -1, "status 503, want 200-399")}, checks: 4, bad: 3},
		{name: "recovering stays DOWN", policy: Policy{FailureThreshold: 1, SuccessThreshold: 3},
			steps: script(down(0, "refused"), up(time.Minute), up(2*time.Minute)),
			state: Down, reason: "refused", outages: []Outage{span(0, -1, "refused")}, checks: 3, bad: 1},
		{name: "success threshold 3 with a failure in the middle",
			policy: Policy{FailureThreshold: 1, SuccessThreshold: 3},
			steps: script(down(0, "refused"), up(time.Minute), up(2*time.Minute),
				down(3*time.Minute, "reset"), up(4*time.Minute), up(5*time.Minute), up(6*time.Minute)),
			state: Up, since: 6 * time.Minute, outages: []Outage{span(0, 4*time.Minute, "refused")},
			checks: 7, bad: 2},
		{name: "DEGRADED by warning", policy: std,
			steps: script(up(0), warned(time.Minute, "certificate expires in 9d")),
			state: Degraded, since: time.Minute, reason: "certificate expires in 9d", checks: 2},
		{name: "DEGRADED by slow", policy: Policy{Slow: 800 * ms, SlowReason: slowWords},
			steps: script(upIn(0, 800*ms), upIn(time.Minute, 1240*ms)),
			state: Degraded, since: time.Minute, reason: "slow: 1.24s > 800ms", checks: 2},
		{name: "slow and warned", policy: Policy{Slow: time.Second, SlowReason: slowWords},
			steps: script(step{op: 'r', res: Check{OK: true, Latency: 1500 * ms, Warning: "expires in 2d"}}),
			state: Degraded, reason: "expires in 2d; slow: 1.5s > 1s", checks: 1},
		{name: "slow without wording", policy: Policy{Slow: 800 * ms},
			steps: script(upIn(0, 900*ms)), state: Degraded, reason: "slow", checks: 1},
		{name: "DEGRADED back to UP", policy: Policy{Slow: 800 * ms, SlowReason: slowWords},
			steps: script(upIn(0, 2*time.Second), upIn(time.Minute, 80*ms)),
			state: Up, since: time.Minute, checks: 2},
		{name: "DOWN recovers to DEGRADED", policy: Policy{FailureThreshold: 1, Slow: 800 * ms, SlowReason: slowWords},
			steps: script(down(0, "refused"), upIn(time.Minute, 900*ms)),
			state: Degraded, since: time.Minute, reason: "slow: 900ms > 800ms",
			outages: []Outage{span(0, time.Minute, "refused")}, checks: 2, bad: 1},
		{name: "PAUSED", policy: std, steps: script(down(0, "refused"), pause(time.Minute)),
			state: Paused, since: time.Minute, checks: 1, bad: 1},
		{name: "resumed keeps the streak", policy: std,
			steps: script(down(0, "refused"), pause(time.Minute), resume(time.Hour), down(time.Hour+time.Second, "reset")),
			state: Down, since: time.Hour + time.Second, reason: "reset",
			outages: []Outage{span(0, -1, "refused")}, checks: 2, bad: 2},
		{name: "result while paused is ignored", policy: std,
			steps: script(up(0), pause(time.Minute), down(2*time.Minute, "refused"), resume(time.Hour)),
			state: Up, since: time.Hour, checks: 1},
		{name: "result in flight across a pause is ignored", policy: std,
			steps: script(up(0), pause(time.Minute), resume(time.Hour), down(time.Minute-time.Second, "refused")),
			state: Up, since: time.Hour, checks: 1},
		{name: "thresholds below 1 count as 1", policy: Policy{},
			steps: script(down(0, ""), up(time.Minute)),
			state: Up, since: time.Minute, outages: []Outage{span(0, time.Minute, "check failed")}, checks: 2, bad: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(tt.policy)
			run(tr, tt.steps)
			s := tr.Status(t0.Add(6 * time.Hour))
			if tr.State() != tt.state || s.State != tt.state {
				t.Errorf("State() = %v, Status.State = %v, want %v", tr.State(), s.State, tt.state)
			}
			wantSince := t0.Add(tt.since)
			if tt.since < 0 {
				wantSince = time.Time{}
			}
			if !s.Since.Equal(wantSince) {
				t.Errorf("Since = %v, want %v", s.Since, wantSince)
			}
			if s.Reason != tt.reason {
				t.Errorf("Reason = %q, want %q", s.Reason, tt.reason)
			}
			d := tr.Detail()
			if !reflect.DeepEqual(d.Outages, tt.outages) {
				t.Errorf("Outages = %v, want %v", d.Outages, tt.outages)
			}
			if d.Checks != tt.checks || d.Failures != tt.bad {
				t.Errorf("Checks, Failures = %d, %d, want %d, %d", d.Checks, d.Failures, tt.checks, tt.bad)
			}
			var newest Outage
			if n := len(tt.outages); n > 0 {
				newest = tt.outages[n-1]
			}
			if s.Outage != newest {
				t.Errorf("Outage = %v, want %v", s.Outage, newest)
			}
		})
	}
}

func TestOutageAcrossMidnight(t *testing.T) {
	tr := NewTracker(Policy{FailureThreshold: 2, SuccessThreshold: 1})
	// 21:00 to 21:47 up, 21:47:00 to 00:07:30 failing, 00:08:00 up again, checked every 30s.
	run(tr, script(
		every(0, 47*time.Minute, 30*time.Second, up),
		every(47*time.Minute, 3*time.Hour+8*time.Minute, 30*time.Second, failing("status 503, want 200-399")),
		up(3*time.Hour+8*time.Minute),
	))
	s := tr.Status(t0.Add(4 * time.Hour))
	o, ok := s.EndedOutage()
	if !ok {
		t.Fatalf("EndedOutage() = none, want an outage")
	}
	wantStart := time.Date(2026, 5, 5, 21, 47, 0, 0, t0.Location())
	wantEnd := time.Date(2026, 5, 6, 0, 8, 0, 0, t0.Location())
	if !o.Start.Equal(wantStart) || !o.End.Equal(wantEnd) || o.Cause != "status 503, want 200-399" {
		t.Errorf("LastOutage = %v, want %v to %v, status 503", o, wantStart, wantEnd)
	}
	if got := o.Duration(t0.Add(5 * time.Hour)); got != 2*time.Hour+21*time.Minute {
		t.Errorf("Duration() = %v, want 2h21m", got)
	}
	if s.Downtime != 2*time.Hour+21*time.Minute || s.Observed != 4*time.Hour {
		t.Errorf("Observed, Downtime = %v, %v, want 4h, 2h21m", s.Observed, s.Downtime)
	}
}

func TestTrackerEvents(t *testing.T) {
	tr := NewTracker(Policy{FailureThreshold: 2, SuccessThreshold: 2})
	sec := time.Second
	got := run(tr, script(up(0), up(sec), down(2*sec, "refused"), down(3*sec, "reset"), up(4*sec),
		down(5*sec, "timeout"), up(6*sec), up(7*sec), warned(8*sec, "expiring"), pause(9*sec), resume(10*sec)))
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	want := []Event{
		{Kind: StateChanged, At: at(0), From: Unknown, To: Up},
		{Kind: StateChanged, At: at(2 * sec), From: Up, To: Pending, Reason: "refused"},
		{Kind: StateChanged, At: at(3 * sec), From: Pending, To: Down, Reason: "reset"},
		{Kind: OutageStarted, At: at(3 * sec), Outage: Outage{Start: at(2 * sec), Cause: "refused"}},
		{Kind: OutageEnded, At: at(7 * sec), Outage: Outage{Start: at(2 * sec), End: at(6 * sec), Cause: "refused"}},
		{Kind: StateChanged, At: at(7 * sec), From: Down, To: Up},
		{Kind: StateChanged, At: at(8 * sec), From: Up, To: Degraded, Reason: "expiring"},
		{Kind: StateChanged, At: at(9 * sec), From: Degraded, To: Paused},
		{Kind: StateChanged, At: at(10 * sec), From: Paused, To: Degraded, Reason: "expiring"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events = \n%v\nwant\n%v", got, want)
	}
	if evs := tr.Pause(at(11 * sec)); len(evs) != 1 {
		t.Errorf("Pause() = %v, want one event", evs)
	}
	if evs := tr.Pause(at(12 * sec)); evs != nil {
		t.Errorf("Pause() twice = %v, want nil", evs)
	}
	if evs := NewTracker(Policy{}).Resume(at(0)); evs != nil {
		t.Errorf("Resume() unpaused = %v, want nil", evs)
	}
}

func TestUptime(t *testing.T) {
	m, one := time.Minute, Policy{FailureThreshold: 1}
	tests := []struct {
		name   string
		policy Policy
		steps  []step
		now    time.Duration
		want   float64
		down   time.Duration
	}{
		{name: "1h with a 6m outage", policy: one, now: 60 * m, want: 0.9, down: 6 * m,
			steps: script(every(0, 30*m, 10*time.Second, up), every(30*m, 36*m, 10*time.Second, failing("refused")),
				every(36*m, 60*m, 10*time.Second, up))},
		{name: "open outage counts up to now", policy: one, now: 60 * m, want: 0.9, down: 6 * m,
			steps: script(up(0), down(54*m, "refused"))},
		{name: "threshold 3 books the pending time", policy: Policy{FailureThreshold: 3, SuccessThreshold: 3},
			now: 60 * m, want: 0.9, down: 6 * m,
			steps: script(every(0, 30*m, m, up), every(30*m, 36*m, m, failing("refused")),
				every(36*m, 60*m, m, up))},
		{name: "a pending streak is no downtime", policy: Policy{FailureThreshold: 3}, now: 60 * m, want: 1,
			steps: script(up(0), down(30*m, "refused"), down(31*m, "refused"), up(32*m))},
		{name: "paused time is not observed", policy: one, now: 90 * m, want: 0.9, down: 6 * m,
			steps: script(up(0), down(30*m, "refused"), up(36*m), pause(40*m), resume(70*m), up(80*m))},
		{name: "paused inside an outage is not downtime", policy: one, now: 90 * m, want: 0.9, down: 6 * m,
			steps: script(up(0), down(30*m, "refused"), pause(33*m), resume(63*m), down(64*m, "refused"), up(66*m))},
		{name: "paused inside a pending streak", policy: Policy{FailureThreshold: 2}, now: 90 * m, want: 0.9, down: 6 * m,
			steps: script(up(0), down(30*m, "refused"), pause(31*m), resume(61*m), down(62*m, "refused"), up(66*m))},
		{name: "paused now: the clock stops", policy: one, now: 600 * m, want: 0.9, down: 6 * m,
			steps: script(up(0), down(54*m, "refused"), pause(60*m))},
		{name: "all down", policy: one, now: 60 * m, want: 0, down: 60 * m,
			steps: script(down(0, "refused"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(tt.policy)
			run(tr, tt.steps)
			now := t0.Add(tt.now)
			s := tr.Status(now)
			got, ok := s.Uptime(now)
			if !ok || math.Abs(got-tt.want) > 1e-12 || s.Downtime != tt.down {
				t.Errorf("Uptime() = %v, %v (downtime %v), want %v, true (downtime %v)", got, ok, s.Downtime, tt.want, tt.down)
			}
			// A snapshot extended live must agree with a fresh one.
			for _, later := range []time.Duration{0, time.Second, 7 * m, 30 * time.Hour} {
				old, _ := tr.Status(now.Add(-time.Minute)).Uptime(now.Add(later))
				fresh, _ := tr.Status(now.Add(later)).Uptime(now.Add(later))
				if math.Abs(old-fresh) > 1e-12 {
					t.Errorf("Status(now-1m).Uptime(now+%v) = %v, want %v as from Status(now+%v)", later, old, fresh, later)
				}
			}
		})
	}
}

func TestUptimeUnknown(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "no check"},
		{name: "paused before any check", steps: script(pause(0), resume(time.Minute), pause(2*time.Minute))},
		{name: "one check then paused", steps: script(up(0), pause(0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(Policy{})
			run(tr, tt.steps)
			if got, ok := tr.Status(t0.Add(time.Hour)).Uptime(t0.Add(2 * time.Hour)); ok {
				t.Errorf("Uptime() = %v, true, want ok false", got)
			}
		})
	}
}
