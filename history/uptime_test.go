package history

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// checkEvery records a result a minute for service over [from, to), failing inside the
// failing spans, with the latency given.
func checkEvery(s *Store, service string, from, to time.Duration, latency time.Duration, failing ...[2]time.Duration) {
	for at := from; at < to; at += time.Minute {
		ok := true
		for _, f := range failing {
			if at >= f[0] && at < f[1] {
				ok = false
			}
		}
		s.RecordResult(service, result(at, latency, ok, "refused"))
	}
}

func outageEvents(s *Store, service string, start, end time.Duration) {
	o := track.Outage{Start: t0.Add(start), Cause: "refused"}
	s.RecordEvent(service, "", track.Event{Kind: track.OutageStarted, At: t0.Add(start), Outage: o})
	if end > 0 {
		o.End = t0.Add(end)
		s.RecordEvent(service, "", track.Event{Kind: track.OutageEnded, At: t0.Add(end), Outage: o})
	}
}

// twoHoursThenStop runs a store for two hours from t0, a check a minute of two services: api
// with an outage from 30 to 45 minutes, spanning with one still open when the store closes at
// two hours (it ends after a restart, in the tests that reopen it). It returns the clock, at
// two hours, and the file.
func twoHoursThenStop(t *testing.T) (*clock, string) {
	clk := newClock(t0)
	s, path := openTest(t, Options{Now: clk.Now})
	for _, name := range []string{"api", "spanning"} {
		s.Register(name, "", time.Minute)
	}
	checkEvery(s, "api", 0, 2*time.Hour, 10*time.Millisecond, [2]time.Duration{30 * time.Minute, 45 * time.Minute})
	outageEvents(s, "api", 30*time.Minute, 45*time.Minute)
	checkEvery(s, "spanning", 0, 2*time.Hour, 10*time.Millisecond, [2]time.Duration{110 * time.Minute, 2 * time.Hour})
	outageEvents(s, "spanning", 110*time.Minute, 0)
	flush(t, s)
	clk.Set(t0.Add(2 * time.Hour))
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	return clk, path
}

// TestUptimeGaps runs uptty for two hours, stops it for an hour, runs it again for an hour, and
// asks for uptime over windows that cover some or all of that, the gap counted neither way.
func TestUptimeGaps(t *testing.T) {
	clk, path := twoHoursThenStop(t)

	clk.Set(t0.Add(3 * time.Hour))
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("Open again = %v", err)
	}
	defer s.Close()
	for _, name := range []string{"api", "spanning"} {
		s.Register(name, "", time.Minute)
	}
	checkEvery(s, "api", 3*time.Hour, 4*time.Hour, 10*time.Millisecond, [2]time.Duration{230 * time.Minute, 4 * time.Hour})
	outageEvents(s, "api", 230*time.Minute, 0)
	checkEvery(s, "spanning", 3*time.Hour, 4*time.Hour, 10*time.Millisecond, [2]time.Duration{3 * time.Hour, 190 * time.Minute})
	s.RecordEvent("spanning", "", track.Event{Kind: track.OutageEnded, At: t0.Add(190 * time.Minute),
		Outage: track.Outage{Start: t0.Add(110 * time.Minute), End: t0.Add(190 * time.Minute), Cause: "refused"}})
	flush(t, s)
	now := t0.Add(4 * time.Hour)

	tests := []struct {
		service       string
		window        time.Duration
		covered, down time.Duration
		incidents     int
		mttr          time.Duration
		checks, fails int64
	}{
		{"api", time.Hour, time.Hour, 10 * time.Minute, 1, 0, 60, 10},
		{"api", 30 * time.Minute, 30 * time.Minute, 10 * time.Minute, 1, 0, 30, 10},
		{"api", 4 * time.Hour, 3 * time.Hour, 25 * time.Minute, 2, 15 * time.Minute, 180, 25},
		{"api", 24 * time.Hour, 3 * time.Hour, 25 * time.Minute, 2, 15 * time.Minute, 180, 25},
		{"api", 90 * time.Minute, time.Hour, 10 * time.Minute, 1, 0, 60, 10}, // starts in the gap
		// 10 minutes down before the stop, 10 after the restart; the hour between is a gap.
		{"spanning", 4 * time.Hour, 3 * time.Hour, 20 * time.Minute, 1, 80 * time.Minute, 180, 20},
		{"spanning", time.Hour, time.Hour, 10 * time.Minute, 1, 80 * time.Minute, 60, 10},
		{"nobody", time.Hour, 0, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		w, err := s.Uptime(tt.service, tt.window, now)
		if err != nil {
			t.Fatalf("Uptime(%s, %v) = %v", tt.service, tt.window, err)
		}
		up := 0.0
		if tt.covered > 0 {
			up = 1 - float64(tt.down)/float64(tt.covered)
		}
		var mtbf time.Duration
		if tt.incidents > 0 {
			mtbf = (tt.covered - tt.down) / time.Duration(tt.incidents)
		}
		got := []any{w.Covered, w.Down, w.Coverage, w.Incidents, w.MTTR, w.MTBF, w.Checks, w.Failures}
		want := []any{tt.covered, tt.down, float64(tt.covered) / float64(tt.window), tt.incidents, tt.mttr, mtbf, tt.checks, tt.fails}
		if !slices.Equal(got, want) || math.Abs(w.Up-up) > 1e-9 {
			t.Errorf("Uptime(%s, %v) = %v up %v;\nwant %v up %v (covered, down, coverage, incidents, MTTR, MTBF, checks, failures)",
				tt.service, tt.window, got, w.Up, want, up)
		}
	}
}

// TestCoverageRule checks how far results reach: up to the next result, at most two
// intervals, and no further than a pause.
func TestCoverageRule(t *testing.T) {
	m := func(n float64) time.Duration { return time.Duration(n * float64(time.Minute)) }
	tests := []struct {
		name    string
		results []float64 // minutes
		pause   float64   // minutes; 0 for none
		want    time.Duration
	}{
		{"steady", []float64{0, 1, 2, 3}, 0, m(5)},
		{"late check joins", []float64{0, 1, 3}, 0, m(5)},
		{"gap", []float64{0, 1, 4.5}, 0, m(3) + m(2)},
		{"late result before the run", []float64{5, 4, 6}, 0, m(4)},
		{"pause", []float64{0, 1, 2}, 2.5, m(2.5)},
		{"pause and resume", []float64{0, 1, 2, 6, 7}, 2.5, m(2.5) + m(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, Options{Now: newClock(t0.Add(time.Hour)).Now})
			s.Register("api", "", time.Minute)
			for i, at := range tt.results {
				if tt.pause > 0 && (i == 0 || tt.results[i-1] < tt.pause) && at > tt.pause {
					s.RecordEvent("api", "", track.Event{Kind: track.StateChanged, At: t0.Add(m(tt.pause)), From: track.Up, To: track.Paused})
				}
				s.RecordResult("api", result(m(at), time.Millisecond, true, ""))
			}
			if tt.pause > 0 && tt.results[len(tt.results)-1] < tt.pause {
				s.RecordEvent("api", "", track.Event{Kind: track.StateChanged, At: t0.Add(m(tt.pause)), From: track.Up, To: track.Paused})
			}
			flush(t, s)
			w, err := s.Uptime("api", time.Hour, t0.Add(time.Hour))
			if err != nil || w.Covered != tt.want {
				t.Errorf("Uptime().Covered after results at %v = %v, %v; want %v", tt.results, w.Covered, err, tt.want)
			}
		})
	}
}

func TestUptimePercentiles(t *testing.T) {
	s, _ := openTest(t, Options{Now: newClock(t0.Add(3 * time.Hour)).Now})
	// 1ms to 200ms, one a second, over an hour boundary; failures at 10s are left out.
	for i := range 200 {
		at := 50*time.Minute + time.Duration(i)*20*time.Second
		s.RecordResult("api", result(at, time.Duration(i+1)*time.Millisecond, true, ""))
		s.RecordResult("api", result(at+time.Second, 10*time.Second, false, "timeout"))
	}
	flush(t, s)
	// From 0:10, so that the first hour comes from raw results, the next ones from aggregates.
	w, err := s.Uptime("api", 170*time.Minute, t0.Add(3*time.Hour))
	if err != nil {
		t.Fatalf("Uptime = %v", err)
	}
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{{"P50", w.P50, 100 * time.Millisecond}, {"P95", w.P95, 190 * time.Millisecond}, {"P99", w.P99, 198 * time.Millisecond}} {
		if !near(c.got.Microseconds(), c.want.Microseconds()) {
			t.Errorf("Uptime().%s = %v, want %v within 2.2%%", c.name, c.got, c.want)
		}
	}
	if w.Checks != 400 || w.Failures != 200 {
		t.Errorf("Uptime() checks, failures = %d, %d; want 400, 200", w.Checks, w.Failures)
	}
}

// TestUptimeLiveCoverage: a live store saves its services' coverage once a minute with the
// hours (flushMemory), but what it has committed counts at once: ten minutes checked, the last
// two in an open outage, read before any minute's save, is ten minutes covered and two down, not
// the first result's minute and none down (the detail view said 100% uptime, one incident,
// while the row said 80%).
func TestUptimeLiveCoverage(t *testing.T) {
	clk := newClock(t0.Add(10 * time.Minute))
	s, _ := openTest(t, Options{Now: clk.Now})
	s.Register("api", "", time.Minute)
	checkEvery(s, "api", 0, 5*time.Minute, 10*time.Millisecond)
	execWriter(t, s, "SELECT 1") // committed: the run begins, and is saved as it is then
	checkEvery(s, "api", 5*time.Minute, 10*time.Minute, 10*time.Millisecond, [2]time.Duration{8 * time.Minute, 10 * time.Minute})
	outageEvents(s, "api", 8*time.Minute, 0)
	execWriter(t, s, "SELECT 1") // committed, the run lengthened in memory only
	w, err := s.Uptime("api", time.Hour, t0.Add(10*time.Minute))
	if err != nil {
		t.Fatalf("Uptime = %v", err)
	}
	if w.Covered != 10*time.Minute || w.Down != 2*time.Minute || w.Incidents != 1 {
		t.Errorf("Uptime: covered %v, down %v, %d incidents; want 10m0s, 2m0s, 1", w.Covered, w.Down, w.Incidents)
	}
}
