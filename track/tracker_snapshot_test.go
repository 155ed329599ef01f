package track

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestDetailDeepCopy(t *testing.T) {
	tr := NewTracker(Policy{FailureThreshold: 1})
	facts := []Fact{{Label: "status", Value: "200"}}
	phases := []Phase{{Name: "connect", Duration: 3 * ms}}
	run(tr, script(down(0, "refused"), up(time.Minute), down(2*time.Minute, "reset")))
	tr.Observe(Check{Start: t0.Add(3 * time.Minute), Facts: facts, Phases: phases, Reason: "x"})
	facts[0].Value, phases[0].Duration = "mutated by the checker", time.Hour

	want := tr.Detail()
	d := tr.Detail()
	d.Recent[len(d.Recent)-1].Facts[0].Value = "mutated"
	d.Recent[len(d.Recent)-1].Phases[0].Duration = 0
	d.Outages[0].Cause = "mutated"
	if got := tr.Detail(); !reflect.DeepEqual(got, want) {
		t.Errorf("Detail() after mutating a copy = %+v, want %+v", got, want)
	}
	last := want.Recent[len(want.Recent)-1]
	if got := last.Facts[0].Value; got != "200" {
		t.Errorf("Recent[last].Facts[0].Value = %q, want 200 (the tracker must copy what it observes)", got)
	}
	if got := last.Phases[0].Duration; got != 3*ms {
		t.Errorf("Recent[last].Phases[0].Duration = %v, want 3ms", got)
	}
}

func TestStatusLastIsTheResult(t *testing.T) {
	tr := NewTracker(Policy{})
	for i := range 2 * RecentCap {
		tr.Observe(Check{Start: t0.Add(time.Duration(i) * time.Second), OK: true,
			Facts: []Fact{{Label: "n", Value: "1"}}, Phases: []Phase{{Name: "dns"}}})
	}
	last := Check{Start: t0.Add(time.Hour), Latency: 9 * ms, Reason: "refused"}
	tr.Observe(last)
	s := tr.Status(t0.Add(time.Hour))
	if !s.LastAt.Equal(last.Start) || s.LastLatency != last.Latency || s.LastOK {
		t.Errorf("Status().Last = %v %v %v, want %v %v false", s.LastAt, s.LastLatency, s.LastOK, last.Start, last.Latency)
	}
	want := Check{Start: last.Start, Latency: last.Latency, Reason: "refused", Facts: []Fact{}, Phases: []Phase{}}
	got := tr.Detail().Recent[RecentCap-1]
	if got.Facts == nil {
		got.Facts = []Fact{}
	}
	if got.Phases == nil {
		got.Phases = []Phase{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Detail().Recent[last] = %#v, want %#v (nothing left over from the slot it reused)", got, want)
	}
}

func TestBoundedMemory(t *testing.T) {
	tr := NewTracker(Policy{FailureThreshold: 2})
	const n = 10_000
	// fail, fail, pass: an outage every three results.
	for i := range n {
		r := Check{Start: t0.Add(time.Duration(i) * time.Second), Latency: time.Duration(i) * ms, OK: i%3 == 2,
			Facts: []Fact{{Label: "i", Value: "x"}}}
		if !r.OK {
			r.Reason = "refused"
		}
		tr.Observe(r)
	}
	s, d := tr.Status(t0.Add(n*time.Second)), tr.Detail()
	checks := []struct {
		name      string
		got, want int
	}{
		{"samples", tr.samples.count(), SampleCap},
		{"Spark.Len()", s.Spark.Len(), SparkCap},
		{"len(Recent)", len(d.Recent), RecentCap},
		{"len(Outages)", len(d.Outages), OutageCap},
		{"OutageCount", d.OutageCount, n / 3},
		{"Checks", d.Checks, n},
		{"Failures", d.Failures, n - n/3},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if got, want := s.Spark.At(SparkCap-1), (Sample{Latency: (n - 1) * ms}); got != want {
		t.Errorf("Spark.At(last) = %v, want %v (newest last)", got, want)
	}
	if got, want := d.Recent[RecentCap-1].Start, t0.Add((n-1)*time.Second); !got.Equal(want) {
		t.Errorf("Recent[last].Start = %v, want %v", got, want)
	}
	for i := 1; i < len(d.Outages); i++ {
		if !d.Outages[i-1].Start.Before(d.Outages[i].Start) {
			t.Fatalf("Outages[%d].Start = %v, not after %v", i, d.Outages[i].Start, d.Outages[i-1].Start)
		}
	}
	// The last results are pass (i=9998), fail (i=9999): PENDING, not an outage.
	want := Outage{Start: t0.Add((n - 4) * time.Second), End: t0.Add((n - 2) * time.Second), Cause: "refused"}
	if _, open := s.OpenOutage(); open || s.Outage != want {
		t.Errorf("Outage = %v (open %v), want %v ended", s.Outage, open, want)
	}
	// Passing latencies are i ms for i = 2, 5, 8... over the last 240 results.
	if d.P50 == 0 || d.P95 <= d.P50 || d.P95 > time.Duration(n)*ms {
		t.Errorf("P50, P95 = %v, %v, want 0 < P50 < P95 < 10s", d.P50, d.P95)
	}
}

// savedOf is what history would give back of tr as of now: its Status and Detail, and its
// samples.
func savedOf(tr *Tracker, now time.Time) Saved {
	s, d := tr.Status(now), tr.Detail()
	sv := Saved{State: s.State, Since: s.Since, Reason: s.Reason, Recent: d.Recent, Outages: d.Outages,
		OutageCount: d.OutageCount, Checks: d.Checks, Failures: d.Failures,
		AsOf: s.AsOf, Observed: s.Observed, Downtime: s.Downtime}
	for i := range tr.samples.count() {
		sv.Samples = append(sv.Samples, tr.samples.at(i).Sample())
	}
	return sv
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
	snap := savedOf(orig, t0.Add(snapAt))
	if !paused {
		run(orig, script(pause(gapFrom)))
	}
	run(orig, script(resume(gapTo)))

	restored := NewTracker(policy)
	restored.Restore(snap, t0.Add(gapTo))
	if paused {
		// A pause outlasts the restart, since when it was taken, until the user resumes.
		if st := restored.Status(t0.Add(gapTo)); st.State != Paused || !st.Since.Equal(t0.Add(gapFrom)) {
			t.Fatalf("restored from a PAUSED snapshot: %v since %v, want PAUSED since %v", st.State, st.Since, t0.Add(gapFrom))
		}
		run(restored, script(resume(gapTo)))
	}
	if got, want := restored.State(), orig.State(); got != want {
		t.Errorf("State() after Restore = %v, want %v", got, want)
	}
	for i, s := range after {
		run(orig, after[i:i+1])
		run(restored, after[i:i+1])
		now := t0.Add(s.at + 30*time.Second)
		got, want := savedOf(restored, now), savedOf(orig, now)
		if got.State != want.State || got.Reason != want.Reason || !reflect.DeepEqual(got.Outages, want.Outages) ||
			got.Observed != want.Observed || got.Downtime != want.Downtime || got.Checks != want.Checks {
			t.Fatalf("after %v: restored Status = %v %q %v %v/%v %d,\nwant %v %q %v %v/%v %d", s.at,
				got.State, got.Reason, got.Outages, got.Downtime, got.Observed, got.Checks,
				want.State, want.Reason, want.Outages, want.Downtime, want.Observed, want.Checks)
		}
	}
}

// TestRecentSharesRepeatedText: a service failing for the same reason check after check keeps
// the reason's bytes once, and each recent check still reads back whole.
func TestRecentSharesRepeatedText(t *testing.T) {
	tr := NewTracker(Policy{})
	for i := range RecentCap {
		reason := strings.Clone("status 503, want 200-399") // a fresh string each time, as a checker builds it
		tr.Observe(Check{Start: t0.Add(time.Duration(i) * time.Second), Latency: time.Duration(i) * ms, Reason: reason})
	}
	first, last := tr.text(tr.recent.at(0).text), tr.text(tr.recent.last().text)
	if unsafe.StringData(first) != unsafe.StringData(last) {
		t.Errorf("recent reasons: oldest and newest have their own bytes, want one copy shared")
	}
	d := tr.Detail()
	for i, c := range d.Recent {
		want := Check{Start: t0.Add(time.Duration(i) * time.Second), Latency: time.Duration(i) * ms, Reason: "status 503, want 200-399"}
		if !c.Start.Equal(want.Start) || c.Start.Location() != t0.Location() || c.Latency != want.Latency || c.OK || c.Reason != want.Reason || c.Warning != "" {
			t.Errorf("Detail().Recent[%d] = %+v, want %+v", i, c, want)
		}
	}
}
