package monitor

import (
	"reflect"
	"testing"
	"time"

	"github.com/uptty/uptty/probe"
)

func TestStatusDeepCopy(t *testing.T) {
	tr := NewTracker(Policy{FailureThreshold: 1})
	facts := []probe.Fact{{Label: "status", Value: "200"}}
	phases := []probe.Phase{{Name: "connect", Duration: 3 * ms}}
	run(tr, script(down(0, "refused"), up(time.Minute), down(2*time.Minute, "reset")))
	tr.Observe(probe.Result{Start: t0.Add(3 * time.Minute), Facts: facts, Phases: phases, Reason: "x"})
	facts[0].Value, phases[0].Duration = "mutated by the checker", time.Hour

	now := t0.Add(time.Hour)
	want := tr.Status(now)
	s := tr.Status(now)
	s.Last.Facts[0].Value = "mutated"
	s.Recent[len(s.Recent)-1].Facts[0].Value = "mutated"
	s.Recent[len(s.Recent)-1].Phases[0].Duration = 0
	s.Samples[0].Latency = 0
	s.Outages[0].Cause = "mutated"
	s.Outage.Cause = "mutated"
	s.LastOutage.Cause = "mutated"
	if got := tr.Status(now); !reflect.DeepEqual(got, want) {
		t.Errorf("Status() after mutating a snapshot = %+v, want %+v", got, want)
	}
	if got := want.Last.Facts[0].Value; got != "200" {
		t.Errorf("Last.Facts[0].Value = %q, want 200 (the tracker must copy what it observes)", got)
	}
	if got := want.Last.Phases[0].Duration; got != 3*ms {
		t.Errorf("Last.Phases[0].Duration = %v, want 3ms", got)
	}
}

func TestStatusLastIsTheResult(t *testing.T) {
	tr := NewTracker(Policy{})
	for i := range 2 * RecentCap {
		tr.Observe(probe.Result{Start: t0.Add(time.Duration(i) * time.Second), OK: true,
			Facts: []probe.Fact{{Label: "n", Value: "1"}}, Phases: []probe.Phase{{Name: "dns"}}})
	}
	last := probe.Result{Start: t0.Add(time.Hour), Latency: 9 * ms, Reason: "refused"}
	tr.Observe(last)
	if got := tr.Status(t0.Add(time.Hour)).Last; !reflect.DeepEqual(got, last) {
		t.Errorf("Status().Last = %#v, want %#v", got, last)
	}
}

func TestBoundedMemory(t *testing.T) {
	tr := NewTracker(Policy{FailureThreshold: 2})
	const n = 10_000
	// fail, fail, pass: an outage every three results.
	for i := range n {
		r := probe.Result{Start: t0.Add(time.Duration(i) * time.Second), Latency: time.Duration(i) * ms, OK: i%3 == 2,
			Facts: []probe.Fact{{Label: "i", Value: "x"}}}
		if !r.OK {
			r.Reason = "refused"
		}
		tr.Observe(r)
	}
	s := tr.Status(t0.Add(n * time.Second))
	checks := []struct {
		name      string
		got, want int
	}{
		{"len(Samples)", len(s.Samples), SampleCap},
		{"len(Recent)", len(s.Recent), RecentCap},
		{"len(Outages)", len(s.Outages), OutageCap},
		{"OutageCount", s.OutageCount, n / 3},
		{"Checks", s.Checks, n},
		{"Failures", s.Failures, n - n/3},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if got, want := s.Samples[0].At, t0.Add((n-SampleCap)*time.Second); !got.Equal(want) {
		t.Errorf("Samples[0].At = %v, want %v (oldest first)", got, want)
	}
	if got, want := s.Recent[RecentCap-1].Start, t0.Add((n-1)*time.Second); !got.Equal(want) {
		t.Errorf("Recent[last].Start = %v, want %v", got, want)
	}
	for i := 1; i < len(s.Outages); i++ {
		if !s.Outages[i-1].Start.Before(s.Outages[i].Start) {
			t.Fatalf("Outages[%d].Start = %v, not after %v", i, s.Outages[i].Start, s.Outages[i-1].Start)
		}
	}
	// The last results are pass (i=9998), fail (i=9999): PENDING, not an outage.
	want := Outage{Start: t0.Add((n - 4) * time.Second), End: t0.Add((n - 2) * time.Second), Cause: "refused"}
	if s.Outage != nil || s.LastOutage == nil || *s.LastOutage != want {
		t.Errorf("Outage, LastOutage = %v, %v, want nil, %v", s.Outage, s.LastOutage, want)
	}
	// Passing latencies are i ms for i = 2, 5, 8... over the last 240 results.
	if s.P50 == 0 || s.P95 <= s.P50 || s.P95 > time.Duration(n)*ms {
		t.Errorf("P50, P95 = %v, %v, want 0 < P50 < P95 < 10s", s.P50, s.P95)
	}
}

// TestRestore checks that a tracker rebuilt from a snapshot, after a gap, goes on exactly like
// one that was paused for the gap.
func TestRestore(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name   string
		policy Policy
		before []step
		paused bool
	}{
		{name: "UP", policy: Policy{FailureThreshold: 2}, before: script(up(0), down(m, "refused"), up(2*m))},
		{name: "PENDING", policy: Policy{FailureThreshold: 3},
			before: script(up(0), down(m, "refused"), down(2*m, "reset"))},
		{name: "DOWN", policy: Policy{FailureThreshold: 2, SuccessThreshold: 2},
			before: script(up(0), down(m, "refused"), down(2*m, "reset"))},
		{name: "DOWN recovering", policy: Policy{FailureThreshold: 1, SuccessThreshold: 3},
			before: script(up(0), down(m, "refused"), up(2*m), up(3*m))},
		{name: "DEGRADED", policy: Policy{Slow: time.Second}, before: script(up(0), upIn(m, 2*time.Second))},
		{name: "PAUSED while DOWN", policy: Policy{FailureThreshold: 1, SuccessThreshold: 2},
			before: script(up(0), down(m, "refused"), up(2*m)), paused: true},
		{name: "PAUSED while PENDING", policy: Policy{FailureThreshold: 3},
			before: script(up(0), down(m, "refused")), paused: true},
		{name: "PAUSED while DEGRADED", policy: Policy{Slow: time.Second},
			before: script(up(0), upIn(m, 2*time.Second)), paused: true},
		{name: "no check yet", policy: Policy{}},
	}
	afters := map[string][]step{
		"then failing": script(down(71*m, "refused"), up(72*m), up(73*m), down(74*m, "reset"),
			down(75*m, "reset"), down(76*m, "reset"), up(77*m), up(78*m), up(79*m)),
		"then passing": script(up(71*m), up(72*m), down(73*m, "reset"), up(74*m), up(75*m), up(76*m)),
	}
	for _, tt := range tests {
		for then, after := range afters {
			t.Run(tt.name+" "+then, func(t *testing.T) { testRestore(t, tt.policy, tt.before, tt.paused, after) })
		}
	}
}

// testRestore runs before, then either snapshots and restores after a gap or pauses for the
// gap, and checks that both trackers go on alike through after.
func testRestore(t *testing.T, policy Policy, before []step, paused bool, after []step) {
	gapFrom, gapTo := 10*time.Minute, 70*time.Minute
	orig := NewTracker(policy)
	run(orig, before)
	snapAt := gapFrom
	if paused {
		run(orig, script(pause(gapFrom)))
		snapAt += 5 * time.Minute
	}
	snap := orig.Status(t0.Add(snapAt))
	if !paused {
		run(orig, script(pause(gapFrom)))
	}
	run(orig, script(resume(gapTo)))

	restored := NewTracker(policy)
	restored.Restore(snap, t0.Add(gapTo))
	if got, want := restored.State(), orig.State(); got != want {
		t.Errorf("State() after Restore = %v, want %v", got, want)
	}
	for i, s := range after {
		run(orig, after[i:i+1])
		run(restored, after[i:i+1])
		now := t0.Add(s.at + 30*time.Second)
		got, want := restored.Status(now), orig.Status(now)
		if got.State != want.State || got.Reason != want.Reason || !reflect.DeepEqual(got.Outages, want.Outages) ||
			got.Observed != want.Observed || got.Downtime != want.Downtime || got.Checks != want.Checks {
			t.Fatalf("after %v: restored Status = %v %q %v %v/%v %d,\nwant %v %q %v %v/%v %d", s.at,
				got.State, got.Reason, got.Outages, got.Downtime, got.Observed, got.Checks,
				want.State, want.Reason, want.Outages, want.Downtime, want.Observed, want.Checks)
		}
	}
}

// TestRestoreDisagreeingHistory: a crash between two history commits can store a state and
// outages that disagree. Restore must neither panic on the next check nor leave an outage
// ticking under an UP row.
func TestRestoreDisagreeingHistory(t *testing.T) {
	t0 := time.Date(2026, 5, 5, 21, 47, 0, 0, time.UTC)
	now := t0.Add(time.Hour)
	pass := probe.Result{Start: now.Add(time.Second), Latency: time.Millisecond, OK: true}
	tests := []struct {
		name string
		st   Status
	}{
		{"DOWN with no outage stored", Status{State: Down, Since: t0, Reason: "connection refused",
			AsOf: now, Observed: time.Hour, Downtime: time.Hour}},
		{"DOWN with only an ended outage", Status{State: Down, Since: t0, Reason: "connection refused",
			Outages: []Outage{{Start: t0.Add(-time.Hour), End: t0.Add(-50 * time.Minute), Cause: "timeout"}},
			AsOf:    now, Observed: 2 * time.Hour, Downtime: 70 * time.Minute}},
		{"UP with an open outage", Status{State: Up, Since: t0.Add(-time.Hour),
			Outages: []Outage{{Start: t0, Cause: "status 503, want 200-399"}},
			AsOf:    now, Observed: 2 * time.Hour, Downtime: time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(Policy{FailureThreshold: 2, SuccessThreshold: 1})
			tr.Restore(tt.st, now)
			if got := tr.Status(now); got.State != Down || got.Outage == nil || got.Outage.Start != t0 {
				t.Fatalf("Restore() = %v, outage %+v; want DOWN with an outage open since %v", got.State, got.Outage, t0)
			}
			tr.Observe(pass)
			got := tr.Status(pass.Start)
			if got.State != Up || got.Outage != nil || got.LastOutage == nil || got.LastOutage.End != pass.Start {
				t.Errorf("after a pass = %v, outage %+v, last %+v; want UP with the outage ended at %v",
					got.State, got.Outage, got.LastOutage, pass.Start)
			}
			if up, ok := got.Uptime(pass.Start); !ok || up < 0 || up > 1 {
				t.Errorf("Uptime() = %v, %v; want a ratio in [0, 1]", up, ok)
			}
		})
	}
}
