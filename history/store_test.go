package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// storyPolicy is the policy of the story's service.
var storyPolicy = track.Policy{FailureThreshold: 2, SuccessThreshold: 1}

// story records ten minutes of a service that goes down, recovers, degrades and goes down
// again, still down at the end: real results observed by a real Tracker, recorded as the
// monitor records them. It returns the tracker as it stands after the last result.
func story(s *Store) *track.Tracker {
	const svc, grp = "Checkout API", "payments"
	s.Register(svc, grp, time.Minute)
	const refused, s503, s502 = "connection refused", "status 503, want 200-399", "status 502, want 200-399"
	tr := track.NewTracker(storyPolicy)
	for _, r := range []track.Check{
		result(0, 100*time.Millisecond, true, ""),
		result(1*time.Minute, 110*time.Millisecond, true, ""),
		result(2*time.Minute, 3*time.Second, false, refused),
		result(3*time.Minute, 3*time.Second, false, "timeout after 3s"),
		result(4*time.Minute, 90*time.Millisecond, true, ""),
		result(5*time.Minute, 95*time.Millisecond, true, "certificate expires in 3d"),
		result(6*time.Minute, 20*time.Millisecond, false, s503),
		result(7*time.Minute, 20*time.Millisecond, false, s503),
		result(8*time.Minute, 25*time.Millisecond, false, s502),
	} {
		evs := tr.Observe(r) // first: the state recorded is the one the result left
		s.Record(svc, grp, r, evs)
	}
	return tr
}

// checkStory checks what Restore gives after story, as of t0+9m.
func checkStory(t *testing.T, st track.Saved) {
	t.Helper()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	checks := []struct {
		name      string
		got, want any
	}{
		{"State", st.State, track.Down},
		{"Since", st.Since.UTC(), at(7 * time.Minute)},
		{"Reason", st.Reason, "status 502, want 200-399"},
		{"len(Samples)", len(st.Samples), 9},
		{"Samples[0]", fmt.Sprint(st.Samples[0].Latency, st.Samples[0].OK), "100ms true"},
		{"Samples[8]", fmt.Sprint(st.Samples[8].Latency, st.Samples[8].OK), "25ms false"},
		{"len(Recent)", len(st.Recent), 9},
		{"Recent[0].Start", st.Recent[0].Start.UTC(), at(0)},
		{"Recent[5].Warning", st.Recent[5].Warning, "certificate expires in 3d"},
		{"Recent[2].Reason", st.Recent[2].Reason, "connection refused"},
		{"Recent[8].Start", st.Recent[8].Start.UTC(), at(8 * time.Minute)},
		{"len(Outages)", len(st.Outages), 2},
		{"Outages[0]", outageText(st.Outages[0]), "2m0s-4m0s connection refused"},
		{"Outages[1]", outageText(st.Outages[1]), "6m0s-open status 503, want 200-399"},
		{"OutageCount", st.OutageCount, 2},
		{"Checks", st.Checks, 9},
		{"Failures", st.Failures, 5},
		{"AsOf", st.AsOf.UTC(), at(9 * time.Minute)},
		{"Observed", st.Observed, 9 * time.Minute},
		{"Downtime", st.Downtime, 5 * time.Minute}, // 2m-4m, 6m-9m
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Restore().%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func outageText(o track.Outage) string {
	end := "open"
	if !o.Open() {
		end = o.End.Sub(t0).String()
	}
	return fmt.Sprintf("%v-%s %s", o.Start.Sub(t0), end, o.Cause)
}

func outageTexts(list []track.Outage) []string {
	var out []string
	for _, o := range list {
		out = append(out, outageText(o))
	}
	return out
}

// TestRoundTrip: a tracker restored from what history saved of another shows what that one
// showed, and goes on as it would have: real Tracker, Store, Restore, Tracker.
func TestRoundTrip(t *testing.T) {
	now := t0.Add(9 * time.Minute)
	s, _ := openTest(t, Options{Now: newClock(now).Now})
	orig := story(s)
	flush(t, s)
	saved, err := s.Restore("Checkout API")
	if err != nil {
		t.Fatalf("Restore = %v", err)
	}
	restored := track.NewTracker(storyPolicy)
	restored.Restore(saved, now)
	if got, want := restored.Status(now), orig.Status(now); !sameStatus(got, want) {
		t.Errorf("restored Status() = %+v,\nwant %+v", got, want)
	}
	got, want := restored.Detail(), orig.Detail()
	if fmt.Sprint(outageTexts(got.Outages)) != fmt.Sprint(outageTexts(want.Outages)) || got.Checks != want.Checks || got.Failures != want.Failures ||
		got.OutageCount != want.OutageCount || got.P50 != want.P50 || got.P95 != want.P95 || len(got.Recent) != len(want.Recent) {
		t.Errorf("restored Detail() = %+v,\nwant %+v", got, want)
	}
	for k := range min(len(got.Recent), len(want.Recent)) {
		g, w := got.Recent[k], want.Recent[k]
		if !g.Start.Equal(w.Start) || g.Latency != w.Latency || g.OK != w.OK || g.Reason != w.Reason || g.Warning != w.Warning {
			t.Errorf("restored Recent[%d] = %+v, want %+v", k, g, w)
		}
	}
	// Both go on alike: the next pass ends the outage at the same instant in both.
	next := result(10*time.Minute, 30*time.Millisecond, true, "")
	orig.Observe(next)
	restored.Observe(next)
	later := t0.Add(11 * time.Minute)
	if got, want := restored.Status(later), orig.Status(later); got.State != want.State || outageText(got.Outage) != outageText(want.Outage) {
		t.Errorf("after a pass: restored %v %+v, want %v %+v", got.State, got.Outage, want.State, want.Outage)
	}
}

// sameStatus compares statuses the way a screen does, times by instant.
func sameStatus(a, b track.Status) bool {
	return a.State == b.State && a.Since.Equal(b.Since) && a.Reason == b.Reason && a.LastAt.Equal(b.LastAt) &&
		a.LastLatency == b.LastLatency && a.LastOK == b.LastOK && a.Outage.Start.Equal(b.Outage.Start) &&
		a.Outage.End.Equal(b.Outage.End) && a.Outage.Cause == b.Outage.Cause && a.Spark == b.Spark &&
		a.AsOf.Equal(b.AsOf) && a.Observed == b.Observed && a.Downtime == b.Downtime
}

func TestRestore(t *testing.T) {
	clk := newClock(t0.Add(9 * time.Minute))
	s, path := openTest(t, Options{Now: clk.Now})
	story(s)
	flush(t, s)
	st, err := s.Restore("Checkout API")
	if err != nil {
		t.Fatalf("Restore = %v", err)
	}
	checkStory(t, st)

	t.Run("after a restart", func(t *testing.T) {
		if err := s.Close(); err != nil {
			t.Fatalf("Close = %v", err)
		}
		clk.Set(t0.Add(time.Hour)) // uptty was not running for 51 minutes: a gap
		s2, err := Open(path, Options{Now: clk.Now})
		if err != nil {
			t.Fatalf("Open again = %v", err)
		}
		defer s2.Close()
		st, err := s2.Restore("Checkout API")
		if err != nil {
			t.Fatalf("Restore = %v", err)
		}
		checkStory(t, st)

		// The first passing check after the restart ends the outage that was open.
		s2.RecordResult("Checkout API", result(time.Hour, 30*time.Millisecond, true, ""))
		s2.RecordEvent("Checkout API", "payments", track.Event{Kind: track.OutageEnded, At: t0.Add(time.Hour),
			Outage: track.Outage{Start: t0.Add(6 * time.Minute), End: t0.Add(time.Hour), Cause: "status 503, want 200-399"}})
		flush(t, s2)
		in, err := s2.Incidents(time.Time{}, "")
		if err != nil {
			t.Fatalf("Incidents = %v", err)
		}
		if len(in) != 2 || in[0].End == nil || in[0].Duration != 54*time.Minute {
			t.Errorf("Incidents() = %+v, want 2, the newest ended after 54m", in)
		}
	})
}

// TestRestoreLimits: Restore loads no more than a tracker keeps, the newest of each.
func TestRestoreLimits(t *testing.T) {
	const pairs = max(track.OutageCap, track.SampleCap) + 2 // a failure and a pass each: one outage per pair
	end := t0.Add(2 * pairs * time.Second)
	s, _ := openTest(t, Options{Now: newClock(end).Now})
	s.Register("API", "", time.Second)
	tr := track.NewTracker(track.Policy{FailureThreshold: 1})
	for k := range 2 * pairs {
		r := track.Check{Start: t0.Add(time.Duration(k) * time.Second), Latency: time.Duration(k+1) * time.Millisecond,
			OK: k%2 == 1, Reason: "refused"}
		if r.OK {
			r.Reason = ""
		}
		s.Record("API", "", r, tr.Observe(r))
	}
	flush(t, s)
	st, err := s.Restore("API")
	if err != nil {
		t.Fatalf("Restore = %v", err)
	}
	newest := t0.Add((2*pairs - 1) * time.Second)
	if n := len(st.Samples); n != track.SampleCap || st.Samples[n-1].Latency != 2*pairs*time.Millisecond {
		t.Errorf("Samples = %d, newest %v; want the %d newest", n, st.Samples[n-1], track.SampleCap)
	}
	if n := len(st.Recent); n != track.RecentCap || !st.Recent[n-1].Start.Equal(newest) {
		t.Errorf("Recent = %d, newest at %v; want the %d newest, up to %v", n, st.Recent[n-1].Start, track.RecentCap, newest)
	}
	if n := len(st.Outages); n != track.OutageCap || st.OutageCount != pairs || st.Outages[n-1].Open() {
		t.Errorf("Outages = %d, OutageCount %d; want %d, %d, the newest ended", n, st.OutageCount, track.OutageCap, pairs)
	}
}

func TestRestoreUnknownService(t *testing.T) {
	s, _ := openTest(t, Options{})
	st, err := s.Restore("nobody")
	if err != nil || st.State != track.Unknown || st.Samples != nil || !st.AsOf.IsZero() {
		t.Errorf("Restore(nobody) = %+v, %v; want the zero Status", st, err)
	}
}

func TestMemory(t *testing.T) {
	clk := newClock(t0.Add(9 * time.Minute))
	a, err := Open("", Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("Open(\"\") = %v", err)
	}
	defer a.Close()
	b, err := Open("", Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("Open(\"\") again = %v", err)
	}
	defer b.Close()
	story(a)
	flush(t, a)
	st, err := a.Restore("Checkout API")
	if err != nil {
		t.Fatalf("Restore = %v", err)
	}
	checkStory(t, st)
	if st, err := b.Restore("Checkout API"); err != nil || st.Checks != 0 {
		t.Errorf("second in-memory store Restore = %d checks, %v; want 0: stores must not share", st.Checks, err)
	}
	if a.Path() != "" {
		t.Errorf("Path() = %q, want \"\"", a.Path())
	}
}

func TestQueueFull(t *testing.T) {
	s, _ := openTest(t, Options{QueueSize: 8})
	release := holdWriter(t, s)
	for i := range 8 + 5 {
		s.RecordResult("api", result(time.Duration(i)*time.Second, time.Millisecond, true, ""))
	}
	err := s.Err()
	if err == nil || !strings.Contains(err.Error(), "5 writes dropped") {
		t.Errorf("Err() with a full queue = %v, want 5 writes dropped", err)
	}
	release()
	flush(t, s)
	if got, want := s.Stats(), (Stats{Written: 8, Dropped: 5}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err() once the writer caught up = %v, want nil", err)
	}
}

func TestDiskFull(t *testing.T) {
	s, path := openTest(t, Options{})
	// SQLite's own page limit fails writes exactly as a full disk does (SQLITE_FULL).
	execWriter(t, s, "PRAGMA max_page_count = 1")
	long := strings.Repeat("x", 200)
	release := holdWriter(t, s) // so that the results are committed together, and fail together
	for i := range 500 {
		s.RecordResult(fmt.Sprint("svc", i%5), result(time.Duration(i)*time.Second, time.Millisecond, false, long))
	}
	release()
	err := s.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "full") {
		t.Fatalf("Flush on a full disk = %v, want an error naming %s and the full disk", err, path)
	}
	if got := s.Err(); got == nil || got.Error() != err.Error() {
		t.Errorf("Err() = %v, want %v", got, err)
	}
	execWriter(t, s, "PRAGMA max_page_count = 1000000")
	s.RecordResult("svc0", result(time.Hour, time.Millisecond, true, ""))
	if err := s.Flush(context.Background()); err != nil {
		t.Errorf("Flush once there is room = %v, want nil", err)
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err() once there is room = %v, want nil", err)
	}
	if st, _ := s.Restore("svc0"); st.Checks != 1 || len(st.Recent) != 1 || !st.Recent[0].Start.Equal(t0.Add(time.Hour)) {
		t.Errorf("Restore(svc0) = %d checks, the last %v; want 1 at %v: the ones before are lost, the store recovered",
			st.Checks, st.Recent, t0.Add(time.Hour))
	}
	if got := s.Stats(); got.Failed != 500 {
		t.Errorf("Stats().Failed = %d, want 500", got.Failed)
	}
}

func TestClosed(t *testing.T) {
	s, _ := openTest(t, Options{})
	s.RecordResult("api", result(0, time.Millisecond, true, ""))
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	s.RecordResult("api", result(time.Second, time.Millisecond, true, "")) // must not panic
	s.RecordEvent("api", "", track.Event{Kind: track.StateChanged})
	if err := s.Flush(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("Close twice = %v, want ErrClosed", err)
	}
	if got := s.Stats().Written; got != 1 {
		t.Errorf("Stats().Written = %d, want 1: Close commits what is queued", got)
	}
}

func TestFlushContext(t *testing.T) {
	s, _ := openTest(t, Options{})
	release := holdWriter(t, s)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Flush(canceled) while the writer is busy = %v, want context.Canceled", err)
	}
}

// TestConcurrent records from many goroutines while rollups run and the store closes: nothing
// races, nothing panics, and every write is either committed or counted as dropped.
func TestConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{Retention: time.Minute, QueueSize: 64, rollupChunk: 3, Now: newClock(t0.Add(time.Hour)).Now})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const writers, each = 4, 200
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				s.RecordResult(fmt.Sprint("svc", g), result(time.Duration(i)*time.Second, time.Millisecond, i%3 != 0, "refused"))
				if i%50 == 0 {
					s.Rollup(t0.Add(time.Hour))
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	st := s.Stats()
	if st.Written+st.Dropped != writers*each || st.Failed != 0 {
		t.Errorf("Stats() = %+v, want written + dropped = %d and none failed", st, writers*each)
	}
	s, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := uint64(hourChecks(t, s)); got != st.Written {
		t.Errorf("hourly aggregates count %d checks, want the %d written", got, st.Written)
	}
	if got := uint64(minuteChecks(t, s)) + scalar[uint64](t, s, "SELECT count(*) FROM result"); got != st.Written {
		t.Errorf("minutes and raw results count %d checks, want the %d written", got, st.Written)
	}
}

func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(empty file) = %v, want a new history in it", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}

// TestUnsaved fills the database (SQLite's page limit fails a commit exactly as a full disk
// does) and frees it again: the store says how long history was not saved and when it resumed,
// which the monitor prints at exit, and the error meanwhile says since when.
func TestUnsaved(t *testing.T) {
	start := time.Date(2026, 11, 25, 21, 46, 53, 0, time.UTC)
	clk := newClock(start)
	s, _ := openTest(t, Options{Now: clk.Now})
	s.RecordResult("api", result(0, time.Millisecond, true, ""))
	flush(t, s)
	if got := s.Unsaved(); got != "" {
		t.Errorf("Unsaved() while saving = %q, want \"\"", got)
	}
	execWriter(t, s, "PRAGMA max_page_count = 1")
	long := strings.Repeat("x", 2000)
	for i := range 3 {
		clk.Set(start.Add(time.Duration(i) * time.Second))
		s.RecordResult("api", result(time.Duration(i+1)*time.Second, time.Millisecond, false, long))
		s.Flush(context.Background())
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "cannot be written since 21:46:53, history is not being saved") {
		t.Errorf("Err() on a full disk = %v, want …cannot be written since 21:46:53…", err)
	}
	if got := s.Unsaved(); got != "" {
		t.Errorf("Unsaved() while not saving = %q, want \"\" (Err tells it)", got)
	}
	execWriter(t, s, "PRAGMA max_page_count = 1000000")
	clk.Set(start.Add(9 * time.Second))
	s.RecordResult("api", result(time.Minute, time.Millisecond, true, ""))
	flush(t, s)
	want := "history: not saved for 9s (disk full), resumed at 21:47:02"
	if got := s.Unsaved(); got != want {
		t.Errorf("Unsaved() once saving resumed = %q, want %q", got, want)
	}
	// A second stretch adds up.
	execWriter(t, s, "PRAGMA max_page_count = 1")
	clk.Set(start.Add(time.Minute))
	s.RecordResult("api", result(2*time.Minute, time.Millisecond, false, long))
	s.Flush(context.Background())
	execWriter(t, s, "PRAGMA max_page_count = 1000000")
	clk.Set(start.Add(time.Minute + 3*time.Second))
	s.RecordResult("api", result(3*time.Minute, time.Millisecond, true, ""))
	flush(t, s)
	want = "history: not saved for 12s in 2 stretches (last: disk full), last resumed at 21:47:56"
	if got := s.Unsaved(); got != want {
		t.Errorf("Unsaved() after two stretches = %q, want %q", got, want)
	}
}
