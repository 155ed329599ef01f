package monitor

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestMonitorEvenStream runs 1,000 services at 10 s on fake checkers for a minute of fake time
// and counts the checks started in each 100 ms window of the steady state (after the first
// interval): the peak must stay within twice the mean, so that the monitor never makes its own
// bursts, which queue on a busy machine's CPU and inflate every latency it reports. Run with -v
// for the figures.
func TestMonitorEvenStream(t *testing.T) {
	const n, every, window = 1000, 10 * time.Second, 100 * time.Millisecond
	const from, to = every, 6 * every
	peak, mean := evenStream(t, n, every, window, from, to)
	t.Logf("%d services at %v: checks started per %v, peak %d, mean %.1f, peak/mean %.2f", n, every, window, peak, mean, float64(peak)/mean)
	if float64(peak) > 2*mean {
		t.Errorf("peak checks per %v = %d, want at most twice the mean %.1f", window, peak, mean)
	}
}

// evenStream runs n services at every in a bubble and returns the most checks started in one
// window between from and to after the start, and the mean per window.
func evenStream(t *testing.T, n int, every, window, from, to time.Duration) (peak int, mean float64) {
	monBubble(t, func(t *testing.T) {
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprintf("api-%d.example.com", i), every, every, every), monBusy(20 * time.Millisecond)}
		}
		var mu sync.Mutex
		counts := make([]int, (to-from)/window)
		t0 := time.Now()
		m := NewMonitor(targets, Options{})
		m.trace = func(_ int, _, start time.Time) {
			if d := start.Sub(t0); d >= from && d < to {
				mu.Lock()
				counts[(d-from)/window]++
				mu.Unlock()
			}
		}
		monRun(t, m)
		time.Sleep(to + every)
		mu.Lock()
		defer mu.Unlock()
		total := 0
		for _, c := range counts {
			total += c
			peak = max(peak, c)
		}
		mean = float64(total) / float64(len(counts))
	})
	return peak, mean
}

// monOnGrid reports whether due is a point of the grid of the service named name checked every
// interval.
func monOnGrid(name string, every time.Duration, due time.Time) bool {
	return gridPhase(name, every, due).Equal(due)
}

func TestGridPhase(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	const every = 10 * time.Second
	tests := []struct {
		name string
		now  time.Time
	}{
		{"api", t0},
		{"api", t0.Add(3 * time.Second)},
		{"db", t0},
		{"db", t0.Add(time.Hour + time.Nanosecond)},
		{"", t0},
		{"old", time.Unix(0, 5)}, // before the first grid point after the epoch
	}
	for _, tt := range tests {
		got := gridPhase(tt.name, every, tt.now)
		if got.Before(tt.now) || got.Sub(tt.now) >= every {
			t.Errorf("gridPhase(%q, %v, %v) = %v, want within one interval at or after now", tt.name, every, tt.now, got)
		}
		// The same name keeps its phase whenever it is asked: after a restart or a reload.
		if later := gridPhase(tt.name, every, tt.now.Add(37*time.Second)); later.Sub(got)%every != 0 {
			t.Errorf("gridPhase(%q) 37s later = %v, %v after, want a multiple of %v", tt.name, later, later.Sub(got), every)
		}
		if !monOnGrid(tt.name, every, got) {
			t.Errorf("gridPhase(%q, %v, %v) = %v, not on its own grid", tt.name, every, tt.now, got)
		}
	}
	if a, b := gridPhase("api", every, t0), gridPhase("db", every, t0); a.Equal(b) {
		t.Errorf("gridPhase(api) = gridPhase(db) = %v, want the names spread", a)
	}
}
