package track

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// trackerBytes returns the heap per tracker of n trackers that have seen k checks each at
// 10 s, as bench/farm's services see them: every 10th failing with a reason built per check,
// the others passing with a status fact and two phases. With k = SampleCap every ring is full:
// the figure after hours, which a farm run of a minute (6 checks at 10 s) does not show.
func trackerBytes(n, k int) float64 {
	facts := []Fact{{Label: "status", Value: "200 OK"}}
	phases := []Phase{{Name: "connect", Duration: time.Millisecond}, {Name: "response", Duration: 20 * time.Millisecond}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ts := make([]*Tracker, n)
	for i := range ts {
		t := NewTracker(Policy{FailureThreshold: 1, SuccessThreshold: 1})
		for j := range k {
			c := Check{Start: t0.Add(time.Duration(j) * 10 * time.Second), Latency: 21 * time.Millisecond, OK: i%10 != 0, Facts: facts, Phases: phases}
			if !c.OK {
				c.Reason = fmt.Sprint("status ", 503, ", want 200-399")
			}
			t.Observe(c)
		}
		ts[i] = t
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ts)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// TestTrackerBytes guards a tracker's memory with full rings, loosely: it is a heap figure.
func TestTrackerBytes(t *testing.T) {
	if got := trackerBytes(10_000, SampleCap); got > 2700 {
		t.Errorf("trackerBytes(10000, %d) = %.0f B a tracker, want under 2.7 KB", SampleCap, got)
	}
}

// BenchmarkTrackerBytes reports a tracker's heap after a minute of checks at 10 s and with
// every ring full. Run it with -benchtime=1x.
func BenchmarkTrackerBytes(b *testing.B) {
	for _, k := range []int{6, SampleCap} {
		b.Run(fmt.Sprint(k, "checks"), func(b *testing.B) {
			for range b.N {
				b.ReportMetric(trackerBytes(10_000, k), "heap-B/svc")
			}
		})
	}
}

// TestRecentTexts: each recent check reads back its own text, however texts repeat, alternate
// or change with every check, and after far more checks than the ring holds.
func TestRecentTexts(t *testing.T) {
	tests := []struct {
		name string
		text func(i int) string
	}{
		{"none", func(int) string { return "" }},
		{"same", func(int) string { return "timeout" }},
		{"each its own", func(i int) string { return fmt.Sprint("reason ", i) }},
		{"alternating", func(i int) string { return []string{"a", "", "b"}[i%3] }},
		{"runs", func(i int) string { return strings.Repeat("x", 1+i/7%3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(Policy{FailureThreshold: 1, SuccessThreshold: 1})
			total := 3*RecentCap + 7
			for i := range total {
				c := Check{Start: t0.Add(time.Duration(i) * time.Second), Latency: ms, OK: i%2 == 0}
				if c.OK {
					c.Warning = tt.text(i)
				} else {
					c.Reason = tt.text(i)
				}
				tr.Observe(c)
			}
			for j, c := range tr.Detail().Recent {
				i := total - RecentCap + j
				got, want := c.Reason, tt.text(i)
				if c.OK {
					got = c.Warning
				}
				if got != want || !c.Start.Equal(t0.Add(time.Duration(i)*time.Second)) {
					t.Errorf("Detail().Recent[%d] = %q at %v, want %q at %v", j, got, c.Start, want, t0.Add(time.Duration(i)*time.Second))
				}
			}
		})
	}
}
