package history

import (
	"fmt"
	"testing"
	"time"
)

// bucketWant is what a test expects of one chart bucket.
type bucketWant struct {
	checks, failures int64
	covered, down    time.Duration
	p50              time.Duration // compared within 2.2%; 0 when none passed
}

func (w bucketWant) String() string {
	return fmt.Sprintf("checks %d failures %d covered %v down %v p50 %v", w.checks, w.failures, w.covered, w.down, w.p50)
}

func wantOf(b Bucket) bucketWant {
	return bucketWant{b.Checks, b.Failures, b.Covered, b.Down, b.P50}
}

func checkBuckets(t *testing.T, name string, got []Bucket, want []bucketWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d buckets, want %d", name, len(got), len(want))
	}
	for i, b := range got {
		g, w := wantOf(b), want[i]
		p50ok := near(g.p50.Microseconds(), w.p50.Microseconds())
		g.p50, w.p50 = 0, 0
		if g != w || !p50ok {
			t.Errorf("%s[%d] (%s) = %v, want %v", name, i, b.From.Sub(t0), wantOf(b), want[i])
		}
	}
}

// gappyHistory is two hours of checks a minute (10ms, an outage from 0:30 to 0:45), uptty
// stopped for an hour, then one more hour (20ms, an outage open from 3:50); it returns the
// store reopened after the gap.
func gappyHistory(t *testing.T) *Store {
	t.Helper()
	clk := newClock(t0)
	s, path := openTest(t, Options{Now: clk.Now})
	s.Register("api", "", time.Minute)
	checkEvery(s, "api", 0, 2*time.Hour, 10*time.Millisecond, [2]time.Duration{30 * time.Minute, 45 * time.Minute})
	outageEvents(s, "api", 30*time.Minute, 45*time.Minute)
	flush(t, s)
	clk.Set(t0.Add(2 * time.Hour))
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	clk.Set(t0.Add(3 * time.Hour))
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("Open again = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	s.Register("api", "", time.Minute)
	checkEvery(s, "api", 3*time.Hour, 4*time.Hour, 20*time.Millisecond, [2]time.Duration{230 * time.Minute, 4 * time.Hour})
	outageEvents(s, "api", 230*time.Minute, 0)
	flush(t, s)
	return s
}

func TestChart(t *testing.T) {
	s := gappyHistory(t)
	const m = time.Minute
	tests := []struct {
		name   string
		window time.Duration
		now    time.Duration
		n      int
		want   []bucketWant
	}{
		{"raw, half hours", 4 * time.Hour, 4 * time.Hour, 8, []bucketWant{
			{30, 0, 30 * m, 0, 10 * time.Millisecond},
			{30, 15, 30 * m, 15 * m, 10 * time.Millisecond},
			{30, 0, 30 * m, 0, 10 * time.Millisecond},
			{30, 0, 30 * m, 0, 10 * time.Millisecond},
			{}, {}, // uptty was not running
			{30, 0, 30 * m, 0, 20 * time.Millisecond},
			{30, 10, 30 * m, 10 * m, 20 * time.Millisecond},
		}},
		// Buckets of two hours come from the hourly aggregates, each in the bucket holding
		// its middle: hours 0 and 1 in the third, hour 3 in the last.
		{"hours", 8 * time.Hour, 4*time.Hour + 17*m, 4, []bucketWant{
			{}, {0, 0, 17 * m, 0, 0},
			{120, 15, 103 * m, 15 * m, 10 * time.Millisecond},
			// The newest result, at 3:59, covers two intervals; the open outage is down
			// while covered.
			{60, 10, 61 * m, 11 * m, 20 * time.Millisecond},
		}},
		// Hour 1 sticks out of the window's start; it counts in the first bucket. Hour 0 does
		// not overlap the window.
		{"hour at the edge", 4 * time.Hour, 5*time.Hour + 17*m, 2, []bucketWant{
			{60, 0, 43*m + 17*m, 0, 10 * time.Millisecond}, // 1:17-2:00 and 3:00-3:17
			{60, 10, 44 * m, 11 * m, 20 * time.Millisecond},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(tt.now)
			got, err := s.Chart("api", tt.window, now, tt.n)
			if err != nil {
				t.Fatalf("Chart = %v", err)
			}
			checkBuckets(t, "Chart", got, tt.want)
			width := tt.window / time.Duration(tt.n)
			for i, b := range got {
				if from := now.Add(-tt.window + time.Duration(i)*width); !b.From.Equal(from) || b.To.Sub(b.From) != width {
					t.Errorf("Chart()[%d] spans %v to %v, want %v for %v", i, b.From, b.To, from, width)
				}
			}
		})
	}
}

// TestChartLatencyRange: a bucket's min, p50 and max come from its passing checks only.
func TestChartLatencyRange(t *testing.T) {
	s, _ := openTest(t, Options{Now: newClock(t0.Add(time.Hour)).Now})
	for i := range 30 {
		at := time.Duration(i) * time.Minute
		s.RecordResult("api", result(at, time.Duration(i+1)*time.Millisecond, i%10 != 9, "refused"))
	}
	flush(t, s)
	got, err := s.Chart("api", time.Hour, t0.Add(time.Hour), 2)
	if err != nil {
		t.Fatalf("Chart = %v", err)
	}
	b := got[0]
	if b.Checks != 30 || b.Failures != 3 || b.Passed() != 27 || b.Min != time.Millisecond || b.Max != 29*time.Millisecond ||
		!near(b.P50.Microseconds(), 15_000) {
		t.Errorf("Chart()[0] = %+v, want 30 checks, 3 failures, min 1ms, p50 15ms, max 29ms", b)
	}
	if got[1].Checks != 0 || got[1].Min != 0 || got[1].Covered != time.Minute {
		t.Errorf("Chart()[1] = %+v, want no checks, the last one's reach (a minute) covered", got[1])
	}
}

// TestChartRolledUp: once raw results are rolled up into per-minute aggregates, a chart still
// counts them.
func TestChartRolledUp(t *testing.T) {
	now := t0.Add(2 * time.Hour)
	s, _ := openTest(t, Options{Retention: time.Hour, Now: newClock(now).Now})
	s.Register("api", "", time.Minute)
	checkEvery(s, "api", 0, 2*time.Hour, 5*time.Millisecond, [2]time.Duration{10 * time.Minute, 20 * time.Minute})
	flush(t, s)
	if err := s.Rollup(t0.Add(150 * time.Minute)); err != nil {
		t.Fatalf("Rollup = %v", err)
	}
	if n := scalar[int64](t, s, "SELECT count(*) FROM result WHERE at < ?", t0.Add(90*time.Minute).UnixMilli()); n != 0 {
		t.Fatalf("%d raw results before 1:30 after the rollup, want 0", n)
	}
	got, err := s.Chart("api", 2*time.Hour, now, 4)
	if err != nil {
		t.Fatalf("Chart = %v", err)
	}
	checkBuckets(t, "Chart", got, []bucketWant{
		{30, 10, 30 * time.Minute, 0, 5 * time.Millisecond},
		{30, 0, 30 * time.Minute, 0, 5 * time.Millisecond},
		{30, 0, 30 * time.Minute, 0, 5 * time.Millisecond},
		{30, 0, 30 * time.Minute, 0, 5 * time.Millisecond},
	})
}

func TestChartBounds(t *testing.T) {
	s, _ := openTest(t, Options{})
	now := t0.Add(time.Hour)
	tests := []struct {
		name   string
		window time.Duration
		n      int
		want   int
	}{
		{"no buckets", time.Hour, 0, 0},
		{"negative", time.Hour, -3, 0},
		{"shorter than a millisecond each", time.Millisecond, 10, 0},
		{"capped", 30 * 24 * time.Hour, 1 << 20, MaxBuckets},
		{"unknown service", time.Hour, 6, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Chart("nobody", tt.window, now, tt.n)
			if err != nil || len(got) != tt.want {
				t.Fatalf("Chart(%v, %d) = %d buckets, %v; want %d", tt.window, tt.n, len(got), err, tt.want)
			}
			for i, b := range got {
				if b.Checks != 0 || b.Covered != 0 || !b.To.After(b.From) {
					t.Errorf("Chart()[%d] = %+v, want an empty bucket", i, b)
				}
			}
			if n := len(got); n > 0 && !got[n-1].To.Equal(now) {
				t.Errorf("Chart() ends at %v, want %v", got[n-1].To, now)
			}
		})
	}
}

func TestWindows(t *testing.T) {
	s := gappyHistory(t)
	now := t0.Add(4 * time.Hour)
	got, err := s.Windows("api", now)
	if err != nil {
		t.Fatalf("Windows = %v", err)
	}
	spans := StandardWindows()
	if len(got) != len(spans) {
		t.Fatalf("Windows() = %d windows, want %d", len(got), len(spans))
	}
	for i, d := range spans {
		want, err := s.Uptime("api", d, now)
		if err != nil {
			t.Fatalf("Uptime = %v", err)
		}
		if got[i] != want {
			t.Errorf("Windows()[%d] = %+v, want Uptime(%v) = %+v", i, got[i], d, want)
		}
	}
	if got[0].Incidents != 1 || got[1].Incidents != 2 || got[1].Covered != 3*time.Hour {
		t.Errorf("Windows() = %+v; want 1 incident in 1h, 2 in 24h, 3h covered", got)
	}
}

// BenchmarkChart measures one 100-bucket chart per window over the fixture of
// BenchmarkUptimeWindow (a check every 30s), as rows and packed.
func BenchmarkChart(b *testing.B) {
	for _, packed := range []bool{false, true} {
		b.Run(fmt.Sprint("packed=", packed), func(b *testing.B) { benchChart(b, packed) })
	}
}

func benchChart(b *testing.B, packed bool) {
	path, now := fixture(b)
	if packed {
		packFixture(b, path, now)
	}
	s, err := Open(path, Options{ReadOnly: true, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, w := range StandardWindows() {
		b.Run(fmt.Sprint("window=", w), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Chart(fixtureName(i%fixtureServices), w, now, 100); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("windows", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := s.Windows(fixtureName(i%fixtureServices), now); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
