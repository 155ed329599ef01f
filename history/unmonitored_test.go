package history

import (
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestUnmonitoredStops: an open outage of a service nothing checks any more lasts, as
// MarkUnmonitored reads it, until its service was last watched, however late it is read: where
// a reload removed it (Stopped), or where uptty stopped (Close), not up to the clock.
func TestUnmonitoredStops(t *testing.T) {
	clk := newClock(t0)
	s, path := openTest(t, Options{Now: clk.Now})
	s.Register("removed", "", 10*time.Second)
	s.Register("left", "", 10*time.Second)
	for _, name := range []string{"removed", "left"} {
		down := result(0, time.Millisecond, false, "connection refused")
		s.Record(name, "", down, []track.Event{{Kind: track.OutageStarted, At: t0, Outage: track.Outage{Start: t0, Cause: "connection refused"}}})
		s.RecordResult(name, result(10*time.Second, time.Millisecond, false, "connection refused"))
	}
	s.Stopped("removed", t0.Add(15*time.Second)) // removed by a reload 5 s after its last check
	flush(t, s)
	clk.Set(t0.Add(22 * time.Second)) // uptty stops 12 s after the last check of "left"
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	clk.Set(t0.Add(3 * time.Hour))
	r, err := Open(path, Options{ReadOnly: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, err := r.Incidents(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"removed": 15 * time.Second, "left": 22 * time.Second}
	for _, in := range list {
		if in.Duration != 3*time.Hour {
			t.Errorf("%s read as monitored: %v, want 3h to now", in.Service, in.Duration)
		}
		in.MarkUnmonitored()
		if !in.Unmonitored || in.End != nil || in.Duration != want[in.Service] || in.WrittenDuration() != want[in.Service] {
			t.Errorf("%s unmonitored: %v (unmonitored %v, end %v), want open, %v", in.Service, in.Duration, in.Unmonitored, in.End, want[in.Service])
		}
		delete(want, in.Service)
	}
	if len(want) > 0 {
		t.Errorf("missing incidents of %v", want)
	}
}
