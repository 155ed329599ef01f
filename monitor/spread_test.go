package monitor

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/probe"
)

// TestMonitorEvenStream runs 100, 1,000 and 10,000 services at 10 s on fake checkers for a
// minute of fake time, every 10th failing (retried every 5 s, a second stream on top of the
// first), and counts the checks started in each 100 ms window of the steady state (after the
// first interval): the peak must stay within twice the mean, so that the monitor never makes its
// own bursts, which queue on a busy machine's CPU and inflate every latency it reports. Run
// with -v for the figures.
func TestMonitorEvenStream(t *testing.T) {
	const retry, window = 5 * time.Second, 100 * time.Millisecond
	tests := []struct {
		n     int
		every []time.Duration // service i's interval is every[i%len(every)]
	}{
		{100, []time.Duration{10 * time.Second}},
		{1000, []time.Duration{10 * time.Second}},
		{10_000, []time.Duration{10 * time.Second}},
		// Intervals that differ: each shares its own out, on grids that do not line up.
		{1000, []time.Duration{10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 7 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n, "x", tt.every), func(t *testing.T) {
			longest := slices.Max(tt.every)
			from, to := 2*longest, 2*longest+max(4*longest, time.Minute)
			peak, mean := evenStream(t, tt.n, tt.every, retry, window, from, to)
			t.Logf("%d services at %v, every 10th failing (retried at %v): checks started per %v, peak %d, mean %.1f, peak/mean %.2f", tt.n, tt.every, retry, window, peak, mean, float64(peak)/mean)
			if float64(peak) > 2*mean {
				t.Errorf("peak checks per %v = %d, want at most twice the mean %.1f", window, peak, mean)
			}
		})
	}
}

// evenStream runs n services at the intervals every in a bubble, every 10th failing and retried at retry, and
// returns the most checks started in one window between from and to after the start, and the
// mean per window.
func evenStream(t *testing.T, n int, every []time.Duration, retry, window, from, to time.Duration) (peak int, mean float64) {
	monBubble(t, func(t *testing.T) {
		targets := make([]Target, n)
		fail := monFunc(func(context.Context) probe.Result { return probe.Result{Reason: "refused"} })
		for i := range targets {
			iv := every[i%len(every)]
			targets[i] = Target{monSvc(fmt.Sprintf("api-%d.example.com", i), iv, iv, min(retry, iv)), monBusy(20 * time.Millisecond)}
			if i%10 == 9 {
				targets[i].Checker = fail
			}
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
		fakeclock.Elapse(to + time.Second)
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

// monPhases returns the scheduler's view of targets when a monitor of them starts: each
// service's slot (offset, width) on its interval.
func monPhases(targets []Target) []svcState {
	return newScheduler(NewMonitor(targets, Options{})).svcs
}

// monOnGrid reports whether due is a point of the grid of sv's slot.
func monOnGrid(sv svcState, due time.Time) bool {
	return gridAt(sv.offset, sv.interval, due).Equal(due)
}

func TestGridAt(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	const every = 10 * time.Second
	tests := []struct {
		offset int64
		now    time.Time
	}{
		{hashOffset("api", every), t0},
		{hashOffset("api", every), t0.Add(3 * time.Second)},
		{hashOffset("db", every), t0},
		{hashOffset("db", every), t0.Add(time.Hour + time.Nanosecond)},
		{0, t0},
		{int64(every) - 1, t0},
		{hashOffset("old", every), time.Unix(0, 5)}, // before the first grid point after the epoch
	}
	for _, tt := range tests {
		got := gridAt(tt.offset, every, tt.now)
		if got.Before(tt.now) || got.Sub(tt.now) >= every {
			t.Errorf("gridAt(%d, %v, %v) = %v, want within one interval at or after now", tt.offset, every, tt.now, got)
		}
		if past := got.UnixNano() - tt.offset; past%int64(every) != 0 {
			t.Errorf("gridAt(%d, %v, %v) = %v, %v past the grid, want on it", tt.offset, every, tt.now, got, time.Duration(past%int64(every)))
		}
		// The same offset gives the same grid whenever it is asked: after a restart or a reload.
		if later := gridAt(tt.offset, every, tt.now.Add(37*time.Second)); later.Sub(got)%every != 0 {
			t.Errorf("gridAt(%d) 37s later = %v, %v after, want a multiple of %v", tt.offset, later, later.Sub(got), every)
		}
	}
	if a, b := hashOffset("api", every), hashOffset("db", every); a == b {
		t.Errorf("hashOffset(api) = hashOffset(db) = %v, want the names spread", a)
	}
}

// TestSlotOffsets: the services of one interval take one slot each of interval/n, each the free
// one nearest its hash; the order of the config does not change them; kept offsets keep their
// slots, and new names fill the others.
func TestSlotOffsets(t *testing.T) {
	const every = 10 * time.Second
	names := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("svc-%05d", i))
		}
		return out
	}
	for _, n := range []int{1, 2, 7, 100, 1000, 10_000} {
		all := names(0, n)
		offsets, width := slotOffsets(every, nil, all)
		if want := every / time.Duration(n); width != want {
			t.Errorf("slotOffsets(%d names) width = %v, want %v", n, width, want)
		}
		// One per slot: sorted, consecutive offsets are a slot apart.
		sorted := slices.Sorted(slices.Values(offsets))
		for k := 1; k < len(sorted); k++ {
			if d := sorted[k] - sorted[k-1]; d != int64(width) {
				t.Fatalf("slotOffsets(%d names): offsets %d and %d are %v apart, want one slot (%v)", n, k-1, k, time.Duration(d), width)
			}
		}
		// Stable whatever the order of the config.
		rev := slices.Clone(all)
		slices.Reverse(rev)
		again, _ := slotOffsets(every, nil, rev)
		for k := range all {
			if again[n-1-k] != offsets[k] {
				t.Fatalf("slotOffsets(%d names) reversed: %s at %d, want %d as in config order", n, all[k], again[n-1-k], offsets[k])
			}
		}
		if n < 100 {
			continue
		}
		// Near the hash: none more than 2√n slots from it.
		for k, name := range all {
			d := (offsets[k] - hashOffset(name, every) + int64(every)) % int64(every)
			if d = min(d, int64(every)-d); float64(d) > 2*math.Sqrt(float64(n))*float64(width) {
				t.Errorf("slotOffsets(%d names): %s %v from its hash, want within 2√n slots (%v)", n, name, time.Duration(d), 2*math.Sqrt(float64(n))*float64(width))
			}
		}
		// One service more moves the others by a few slots at most, not a cascade.
		more, _ := slotOffsets(every, nil, names(0, n+1))
		for k := range all {
			d := (more[k] - offsets[k] + int64(every)) % int64(every)
			if d = min(d, int64(every)-d); d > 3*int64(width) {
				t.Errorf("slotOffsets(%d names + 1): %s moved %v, want at most 3 slots", n, all[k], time.Duration(d))
			}
		}
		// A reload adding n/10 names keeps the n offsets and gives the new ones free slots of
		// interval/(n+n/10), as slotOffsets numbers them.
		added, w2 := slotOffsets(every, offsets, names(n, n+n/10))
		base := int64(hash64(every.String()) % uint64(w2))
		slot := func(o int64) int64 {
			return ((o-base+int64(every))%int64(every) + int64(w2)/2) / int64(w2) % int64(n+n/10)
		}
		taken := map[int64]bool{}
		for _, o := range offsets {
			taken[slot(o)] = true
		}
		for k, o := range added {
			if taken[slot(o)] {
				t.Fatalf("slotOffsets(%d kept, %d new): new %d at %d, a taken slot", n, n/10, k, o)
			}
			taken[slot(o)] = true
		}
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
		fakeclock.Elapse(every)
	})
	return counts, last
}
