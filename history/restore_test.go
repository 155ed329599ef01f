package history

import (
	"fmt"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestRepairDisagreeingHistory: a crash between two history commits can store a state and
// outages that disagree. What Restore hands the tracker must be consistent, so that the tracker
// neither panics on the next check nor leaves an outage ticking under an UP row.
func TestRepairDisagreeingHistory(t *testing.T) {
	t0 := time.Date(2026, 5, 5, 21, 47, 0, 0, time.UTC)
	now := t0.Add(time.Hour)
	pass := track.Check{Start: now.Add(time.Second), Latency: time.Millisecond, OK: true}
	tests := []struct {
		name string
		st   track.Saved
	}{
		{"DOWN with no outage stored", track.Saved{State: track.Down, Since: t0, Reason: "connection refused",
			AsOf: now, Observed: time.Hour, Downtime: time.Hour}},
		{"DOWN with only an ended outage", track.Saved{State: track.Down, Since: t0, Reason: "connection refused",
			Outages: []track.Outage{{Start: t0.Add(-time.Hour), End: t0.Add(-50 * time.Minute), Cause: "timeout"}},
			AsOf:    now, Observed: 2 * time.Hour, Downtime: 70 * time.Minute}},
		{"UP with an open outage", track.Saved{State: track.Up, Since: t0.Add(-time.Hour),
			Outages: []track.Outage{{Start: t0, Cause: "status 503, want 200-399"}},
			AsOf:    now, Observed: 2 * time.Hour, Downtime: time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			repair(&st, now)
			last := st.Outages[len(st.Outages)-1]
			if st.State != track.Down || !last.Open() || !last.Start.Equal(t0) || st.OutageCount < 1 {
				t.Fatalf("repair() = %v, outages %+v, count %d; want DOWN with an outage open since %v",
					st.State, st.Outages, st.OutageCount, t0)
			}
			tr := track.NewTracker(track.Policy{FailureThreshold: 2, SuccessThreshold: 1})
			tr.Restore(st, now)
			if got := tr.Status(now); got.State != track.Down || got.Outage != last {
				t.Fatalf("Restore() = %v, outage %+v; want DOWN with the outage open since %v", got.State, got.Outage, t0)
			}
			tr.Observe(pass)
			got := tr.Status(pass.Start)
			if o, ended := got.EndedOutage(); got.State != track.Up || !ended || !o.End.Equal(pass.Start) {
				t.Errorf("after a pass = %v, outage %+v; want UP with the outage ended at %v", got.State, got.Outage, pass.Start)
			}
			if up, ok := got.Uptime(pass.Start); !ok || up < 0 || up > 1 {
				t.Errorf("Uptime() = %v, %v; want a ratio in [0, 1]", up, ok)
			}
		})
	}
}

// TestRepairLeavesConsistentAlone: a consistent state passes through repair unchanged, a
// PAUSED one with its outage open included.
func TestRepairLeavesConsistentAlone(t *testing.T) {
	t0 := time.Date(2026, 5, 5, 21, 47, 0, 0, time.UTC)
	open := []track.Outage{{Start: t0, Cause: "refused"}}
	ended := []track.Outage{{Start: t0, End: t0.Add(time.Minute), Cause: "refused"}}
	for _, st := range []track.Saved{
		{},
		{State: track.Up, Since: t0, Outages: ended, OutageCount: 1},
		{State: track.Down, Since: t0, Reason: "refused", Outages: open, OutageCount: 1},
		{State: track.Paused, Since: t0, Outages: open, OutageCount: 1},
	} {
		got := st
		repair(&got, t0.Add(time.Hour))
		if got.State != st.State || !got.Since.Equal(st.Since) || len(got.Outages) != len(st.Outages) || got.OutageCount != st.OutageCount {
			t.Errorf("repair(%v with %v) = %v with %v, want it unchanged", st.State, st.Outages, got.State, got.Outages)
		}
	}
}

// TestRestoreUnwatched: a restored outage says how much of it no uptty watched, from coverage:
// the one open when uptty stopped has the stop up to the restart, and keeps it once it ends
// after the restart; one that came and went while uptty ran has none.
func TestRestoreUnwatched(t *testing.T) {
	clk, path := twoHoursThenStop(t)
	clk.Set(t0.Add(3 * time.Hour)) // an hour with no uptty
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("Open again = %v", err)
	}
	defer s.Close()
	unwatched := func(service string) string {
		t.Helper()
		st, err := s.Restore(service)
		if err != nil || len(st.Outages) == 0 {
			t.Fatalf("Restore(%s) = %+v, %v; want its outages", service, st, err)
		}
		o := st.Outages[len(st.Outages)-1]
		return fmt.Sprint(o.Open(), " ", o.Unwatched)
	}
	if got, want := unwatched("spanning"), "true 1h0m0s"; got != want {
		t.Errorf("Restore(spanning) at the restart: open, unwatched = %s, want %s", got, want)
	}
	if got, want := unwatched("api"), "false 0s"; got != want {
		t.Errorf("Restore(api): open, unwatched = %s, want %s", got, want)
	}

	for _, name := range []string{"api", "spanning"} {
		s.Register(name, "", time.Minute)
	}
	checkEvery(s, "spanning", 3*time.Hour, 4*time.Hour, 10*time.Millisecond, [2]time.Duration{3 * time.Hour, 190 * time.Minute})
	s.RecordEvent("spanning", "", track.Event{Kind: track.OutageEnded, At: t0.Add(190 * time.Minute),
		Outage: track.Outage{Start: t0.Add(110 * time.Minute), End: t0.Add(190 * time.Minute), Cause: "refused"}})
	flush(t, s)
	clk.Set(t0.Add(4 * time.Hour))
	if got, want := unwatched("spanning"), "false 1h0m0s"; got != want {
		t.Errorf("Restore(spanning) once ended: open, unwatched = %s, want %s", got, want)
	}
}
