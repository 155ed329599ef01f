package monitor

import (
	"fmt"
	"slices"
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

// TestMonitorStartupRound starts services at 10 s and counts the checks of the first round
// started in each 100 ms: every service is checked within about two seconds (a row has a
// state soon after the start), but never faster than the start-up rate (startRate), so that
// 10,000 services do not open 10,000 connections in one second. Run with -v for the figures.
func TestMonitorStartupRound(t *testing.T) {
	const every, window = 10 * time.Second, 100 * time.Millisecond
	for _, n := range []int{100, 1000, 10_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			counts, last := startupRound(t, n, every, window)
			peak := slices.Max(counts)
			limit := (min(n, startRate)*int(window) + int(time.Second) - 1) / int(time.Second)
			t.Logf("%d services at %v: first round over %v, peak %d checks per %v (limit %d)", n, every, last, peak, window, limit)
			if peak > limit+1 {
				t.Errorf("peak checks started per %v = %d, want at most %d", window, peak, limit)
			}
			if want := max(time.Second, time.Duration(n)*time.Second/startRate); last >= want {
				t.Errorf("last first check started %v after the start, want within %v", last, want)
			}
		})
	}
}

// startupRound runs n services at every in a bubble and returns the first checks started in
// each window from the start, and when the last of them started.
func startupRound(t *testing.T, n int, every, window time.Duration) (counts []int, last time.Duration) {
	monBubble(t, func(t *testing.T) {
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprintf("api-%d.example.com", i), every, every, every), monBusy(20 * time.Millisecond)}
		}
		var mu sync.Mutex
		seen := make([]bool, n)
		counts = make([]int, every/window)
		t0 := time.Now()
		m := NewMonitor(targets, Options{})
		m.trace = func(i int, _, start time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if d := start.Sub(t0); !seen[i] && d < every {
				seen[i] = true
				counts[d/window]++
				last = max(last, d)
			}
		}
		monRun(t, m)
		time.Sleep(every)
	})
	return counts, last
}
