package monitor

import (
	"testing"
	"time"

	"github.com/uptty/uptty/probe"
)

// TestMonitorRestore starts a monitor from a status saved before a restart: the snapshot shows
// it before any check, and the first passing check ends the outage that was open.
func TestMonitorRestore(t *testing.T) {
	monLeakCheck(t)
	now := time.Now()
	outageStart := now.Add(-5 * time.Minute)
	saved := Status{
		State: Down, Since: now.Add(-4 * time.Minute), Reason: "connection refused",
		Last:    probe.Result{Start: now.Add(-2 * time.Minute), Reason: "connection refused"},
		Recent:  []probe.Result{{Start: now.Add(-2 * time.Minute), Reason: "connection refused"}},
		Samples: []Sample{{At: now.Add(-9 * time.Minute), Latency: time.Millisecond, OK: true}, {At: now.Add(-2 * time.Minute)}},
		Outage:  &Outage{Start: outageStart, Cause: "connection refused"},
		Outages: []Outage{
			{Start: now.Add(-time.Hour), End: now.Add(-50 * time.Minute), Cause: "status 503"},
			{Start: outageStart, Cause: "connection refused"},
		},
		OutageCount: 2, Checks: 40, Failures: 12,
		AsOf: now.Add(-2 * time.Minute), Observed: 30 * time.Minute, Downtime: 13 * time.Minute,
	}
	svc := monSvc("restored", time.Hour, time.Second, time.Second)
	svc.SuccessThreshold = 1
	targets := []Target{{svc, monScript()}, {monSvc("fresh", time.Hour, time.Second, time.Second), monScript()}}
	var asked []int
	rec := newMonRecorder()
	m := rec.monitor(targets, Options{MinBatchInterval: -1, Restore: func(i int) (Status, bool) {
		asked = append(asked, i)
		return saved, i == 0
	}})

	before := m.Snapshot()
	if len(asked) != 2 {
		t.Errorf("Restore asked for %v, want every service", asked)
	}
	if got := before[0]; got.State != Down || got.Outage == nil || !got.Outage.Start.Equal(outageStart) ||
		got.Checks != 40 || len(got.Samples) != 2 || got.OutageCount != 2 {
		t.Errorf("Snapshot()[0] before Run = %v, outage %v, %d checks, %d samples, %d outages; want DOWN since %v, 40, 2, 2",
			got.State, got.Outage, got.Checks, len(got.Samples), got.OutageCount, outageStart)
	}
	if got := before[1]; got.State != Unknown || got.Checks != 0 {
		t.Errorf("Snapshot()[1] before Run = %v with %d checks, want UNKNOWN with 0", got.State, got.Checks)
	}

	monRun(t, m)
	rec.waitFor(t, "the first check of the restored service", func() bool { return len(rec.results[0]) > 0 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := rec.states[0][0]; got != Up {
		t.Errorf("state reported with the first result = %v, want %v", got, Up)
	}
	var ended *Outage
	for _, e := range rec.events[0] {
		if e.Kind == OutageEnded {
			ended = &e.Outage
		}
	}
	if ended == nil || !ended.Start.Equal(outageStart) || ended.End.IsZero() {
		t.Errorf("events after the first pass = %+v, want the restored outage from %v ended", rec.events[0], outageStart)
	}
}
