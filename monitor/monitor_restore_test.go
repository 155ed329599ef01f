package monitor

import (
	"context"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestMonitorRestore starts a monitor from a status saved before a restart: the snapshot shows
// it before any check, and the first passing check ends the outage that was open.
func TestMonitorRestore(t *testing.T) {
	monLeakCheck(t)
	now := time.Now()
	outageStart := now.Add(-5 * time.Minute)
	saved := track.Saved{
		State: track.Down, Since: now.Add(-4 * time.Minute), Reason: "connection refused",
		Recent:  []track.Check{{Start: now.Add(-2 * time.Minute), Reason: "connection refused"}},
		Samples: []track.Sample{{Latency: time.Millisecond, OK: true}, {}},
		Outages: []track.Outage{
			{Start: now.Add(-time.Hour), End: now.Add(-50 * time.Minute), Cause: "status 503"},
			{Start: outageStart, Cause: "connection refused"},
		},
		OutageCount: 2, Checks: 40, Failures: 12,
		AsOf: now.Add(-2 * time.Minute), Observed: 30 * time.Minute, Downtime: 13 * time.Minute,
	}
	svc := monSvc("restored", time.Hour, time.Second, time.Second)
	svc.SuccessThreshold = 1
	targets := []Target{{svc, monScript()}, {monSvc("fresh", time.Hour, time.Second, time.Second), monScript()}}
	var asked []string
	rec := newMonRecorder()
	m := rec.monitor(targets, Options{MinBatchInterval: -1, Restore: func(name string) (track.Saved, bool) {
		asked = append(asked, name)
		return saved, name == "restored"
	}})

	before := m.Snapshot()
	if len(asked) != 2 {
		t.Errorf("Restore asked for %v, want every service", asked)
	}
	got := before["restored"]
	detail, _ := m.Detail("restored")
	if o, open := got.OpenOutage(); got.State != track.Down || !open || !o.Start.Equal(outageStart) ||
		detail.Checks != 40 || got.Spark.Len() != 2 || detail.OutageCount != 2 {
		t.Errorf("Snapshot()[restored] before Run = %v, outage %v, %d checks, %d samples, %d outages; want DOWN since %v, 40, 2, 2",
			got.State, got.Outage, detail.Checks, got.Spark.Len(), detail.OutageCount, outageStart)
	}
	fresh, _ := m.Detail("fresh")
	if got := before["fresh"]; got.State != track.Unknown || fresh.Checks != 0 {
		t.Errorf("Snapshot()[fresh] before Run = %v with %d checks, want UNKNOWN with 0", got.State, fresh.Checks)
	}

	monRun(t, m)
	rec.waitFor(t, "the first check of the restored service", func() bool { return len(rec.results[0]) > 0 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var ended *track.Outage
	entered := track.Unknown
	for _, e := range rec.events[0] {
		if e.Kind == track.StateChanged && entered == track.Unknown {
			entered = e.To
		}
		if e.Kind == track.OutageEnded {
			ended = &e.Outage
		}
	}
	if entered != track.Up {
		t.Errorf("state entered with the first result = %v, want %v", entered, track.Up)
	}
	if ended == nil || !ended.Start.Equal(outageStart) || ended.End.IsZero() {
		t.Errorf("events after the first pass = %+v, want the restored outage from %v ended", rec.events[0], outageStart)
	}
}

// TestMonitorRestoreLater restores after NewMonitor, as the live screen does once its first
// frame is drawn: the restored service comes out of Next, as a change, with its state.
func TestMonitorRestoreLater(t *testing.T) {
	monLeakCheck(t)
	now := time.Now()
	saved := track.Saved{State: track.Down, Since: now.Add(-4 * time.Minute), Reason: "connection refused",
		Outages: []track.Outage{{Start: now.Add(-5 * time.Minute), Cause: "connection refused"}}, OutageCount: 1}
	targets := []Target{{monSvc("restored", time.Hour, time.Second, time.Second), monScript()},
		{monSvc("fresh", time.Hour, time.Second, time.Second), monScript()}}
	m := NewMonitor(targets, Options{MinBatchInterval: -1})
	if got := m.Snapshot()["restored"].State; got != track.Unknown {
		t.Fatalf("Snapshot()[restored] before Restore = %v, want UNKNOWN", got)
	}
	m.Restore(func(name string) (track.Saved, bool) { return saved, name == "restored" })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	changed, err := m.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := changed["restored"]; !ok || st.State != track.Down || len(changed) != 1 {
		t.Errorf("Next() after Restore = %v, want only restored, DOWN", changed)
	}
	if got := m.Snapshot()["fresh"].State; got != track.Unknown {
		t.Errorf("Snapshot()[fresh] after Restore = %v, want UNKNOWN", got)
	}
}

// TestMonitorRestorePaused: a service paused before a restart stays PAUSED and unchecked,
// since the time it was paused, until it is resumed; the others start as usual.
func TestMonitorRestorePaused(t *testing.T) {
	monLeakCheck(t)
	now := time.Now()
	pausedAt := now.Add(-20 * time.Minute)
	saved := track.Saved{State: track.Paused, Since: pausedAt,
		Recent:  []track.Check{{Start: now.Add(-21 * time.Minute), Latency: time.Millisecond, OK: true}},
		Samples: []track.Sample{{Latency: time.Millisecond, OK: true}}, Checks: 10,
		AsOf: pausedAt, Observed: 10 * time.Minute}
	// The paused service comes first: unpaused, its first check would be the first of the round.
	targets := []Target{{monSvc("maintained", time.Hour, time.Second, time.Second), monScript()},
		{monSvc("other", time.Hour, time.Second, time.Second), monScript()}}
	rec := newMonRecorder()
	m := rec.monitor(targets, Options{MinBatchInterval: -1, Restore: func(name string) (track.Saved, bool) {
		return saved, name == "maintained"
	}})
	if st := m.Snapshot()["maintained"]; st.State != track.Paused || !st.Since.Equal(pausedAt) {
		t.Fatalf("Snapshot()[maintained] before Run = %v since %v, want PAUSED since %v", st.State, st.Since, pausedAt)
	}
	monRun(t, m)
	rec.waitFor(t, "the other service's first check", func() bool { return len(rec.results[1]) > 0 })
	rec.mu.Lock()
	checked := len(rec.results[0])
	rec.mu.Unlock()
	if checked != 0 {
		t.Errorf("the restored paused service was checked %d times before its resume, want 0", checked)
	}
	if st := m.Snapshot()["maintained"]; st.State != track.Paused || !st.Since.Equal(pausedAt) {
		t.Errorf("Snapshot()[maintained] while running = %v since %v, want PAUSED since %v", st.State, st.Since, pausedAt)
	}
	m.Resume("maintained")
	rec.waitFor(t, "a check after the resume", func() bool { return len(rec.results[0]) > 0 })
	if st := m.Snapshot()["maintained"]; st.State != track.Up {
		t.Errorf("Snapshot()[maintained] after resume and a passing check = %v, want UP", st.State)
	}
}
