package monitor

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/track"
)

// TestCatchUpPacesABacklog drives catchUp alone as the scheduler does: checks due every gap,
// a wake-up stalled by late, then every check started as soon as startAt allows, the
// scheduler sleeping until wakeAt (and, when it waits to catch up, waking wakeLate after it, as
// on a loaded machine). The
// backlog must leave at no more than catchUpRate times the rate it came due (plus the burst),
// no check may be later than the stall, and the stream must be caught up within
// late/(catchUpRate-1) and the burst, a pause and a late wake-up: credit for wake-ups a few
// milliseconds late is kept.
func TestCatchUpPacesABacklog(t *testing.T) {
	const window = 100 * time.Millisecond
	for _, tt := range []struct{ gap, late, wakeLate time.Duration }{
		{time.Millisecond, 122 * time.Millisecond, 0}, // 10,000 services every 10 s
		{time.Millisecond, 122 * time.Millisecond, 8 * time.Millisecond},
		{10 * time.Millisecond, time.Second, 0}, // 1,000 every 10 s
		{10 * time.Millisecond, time.Second, 12 * time.Millisecond},
		{time.Millisecond, 10 * time.Second, 0},            // a whole interval: every service due at once
		{200 * time.Microsecond, 50 * time.Millisecond, 0}, // the start-up round's pace
	} {
		t.Run(fmt.Sprint(tt.gap, tt.late, tt.wakeLate), func(t *testing.T) {
			t0 := time.Unix(1_000_000, 0)
			var c catchUp
			c.started(t0, t0)
			n := int((tt.late + 5*time.Second) / tt.gap)
			due := func(k int) time.Time { return t0.Add(time.Duration(k+1) * tt.gap) }
			now := t0.Add(tt.late)
			starts := make([]time.Time, 0, n)
			var latest, caughtUp time.Duration
			for k := 0; k < n; k++ {
				if at := c.wakeAt(due(k)); at.After(now) {
					now = at // the scheduler sleeps until then
					if at.After(due(k)) {
						now = at.Add(tt.wakeLate)
					}
				}
				c.started(due(k), now)
				starts = append(starts, now)
				late := now.Sub(due(k))
				latest = max(latest, late)
				if late > 0 {
					caughtUp = now.Sub(t0.Add(tt.late))
				}
			}
			mean := float64(window) / float64(tt.gap)
			peak := 0
			for i, j := 0, 0; i < len(starts); i++ {
				for starts[i].Sub(starts[j]) >= window {
					j++
				}
				peak = max(peak, i-j+1)
			}
			t.Logf("every %v, %v late (wake-ups %v late): peak %d per %v (mean %.0f, %.2fx), latest %v, caught up after %v", tt.gap, tt.late, tt.wakeLate, peak, window, mean, float64(peak)/mean, latest, caughtUp)
			if float64(peak) > 2*mean {
				t.Errorf("peak %d checks per %v, want at most twice the mean %.0f", peak, window, mean)
			}
			if latest > tt.late {
				t.Errorf("latest check %v late, want at most the stall %v", latest, tt.late)
			}
			if limit := time.Duration(float64(tt.late)/(catchUpRate-1)) + catchUpBurst + catchUpPause + tt.wakeLate + tt.gap; caughtUp > limit {
				t.Errorf("caught up %v after the wake-up, want within %v", caughtUp, limit)
			}
		})
	}
}

// TestCatchUpLeavesOnTimeChecksAlone: checks started at their due time, or ahead of it with one
// that is due (StartAhead), are never held, whatever their spacing.
func TestCatchUpLeavesOnTimeChecksAlone(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	var c catchUp
	now := t0
	for k, gap := range []time.Duration{0, time.Microsecond, 10 * time.Second, time.Millisecond, 0, 5 * time.Millisecond} {
		due := now.Add(gap)
		if at := c.startAt(due); !at.Equal(due) {
			t.Fatalf("check %d due at +%v: startAt = +%v, want its due time", k, due.Sub(t0), at.Sub(t0))
		}
		now = due
		c.started(due, now)
		// Three more started with it, up to 21 ms ahead of their time, 7 ms apart.
		for a := 1; a <= 3; a++ {
			c.started(now.Add(time.Duration(a)*7*time.Millisecond), now)
		}
		now = now.Add(21 * time.Millisecond)
	}
}

// TestMonitorCatchUpAfterStalls runs services at 10 s in a bubble whose scheduler is held off
// for 150 ms (its OnResult blocks, as a process off the CPU would) every 1.3 s of the steady
// state, and counts the checks started per 100 ms: the checks due during each stall start
// within twice the mean rate on the wake-up, none later than the stall, and none is lost.
func TestMonitorCatchUpAfterStalls(t *testing.T) {
	const (
		every, window = 10 * time.Second, 100 * time.Millisecond
		stall, apart  = 150 * time.Millisecond, 1300 * time.Millisecond
	)
	for _, tt := range []struct {
		n     int
		ahead time.Duration
	}{{1000, 0}, {10_000, 0}, {10_000, 20 * time.Millisecond}} {
		t.Run(fmt.Sprint(tt.n, "/ahead=", tt.ahead), func(t *testing.T) {
			monBubble(t, func(t *testing.T) {
				targets := make([]Target, tt.n)
				for i := range targets {
					targets[i] = Target{monSvc(fmt.Sprintf("api-%d.example.com", i), every, every, every), monBusy(20 * time.Millisecond)}
				}
				from, to := every, 4*every
				t0 := time.Now()
				stallAt := t0.Add(from)
				stalls := 0
				var mu sync.Mutex
				counts := make([]int, (to-from)/window)
				checks := make([]int, tt.n)
				var latest time.Duration
				m := NewMonitor(targets, Options{
					StartAhead: tt.ahead,
					OnResult: func(string, track.Check, []track.Event) {
						// The scheduler's goroutine: nothing else touches stallAt.
						if now := time.Now(); !now.Before(stallAt) && now.Before(t0.Add(to-time.Second)) {
							stallAt = now.Add(apart)
							stalls++
							<-time.After(stall)
						}
					},
				})
				m.trace = func(i int, due, start time.Time) {
					mu.Lock()
					defer mu.Unlock()
					if d := start.Sub(t0); d >= from && d < to {
						counts[(d-from)/window]++
						checks[i]++
						latest = max(latest, start.Sub(due))
					}
				}
				monRun(t, m)
				fakeclock.Elapse(to + time.Second)
				mu.Lock()
				defer mu.Unlock()
				total := 0
				for _, c := range counts {
					total += c
				}
				peak, mean := slices.Max(counts), float64(total)/float64(len(counts))
				t.Logf("%d services at %v, %d stalls of %v: peak %d per %v (mean %.1f, %.2fx), latest start %v late", tt.n, every, stalls, stall, peak, window, mean, float64(peak)/mean, latest)
				if stalls < 10 {
					t.Fatalf("%d stalls, want at least 10", stalls)
				}
				if float64(peak) > 2*mean {
					t.Errorf("peak checks per %v = %d, want at most twice the mean %.1f", window, peak, mean)
				}
				if latest > stall+window {
					t.Errorf("latest check started %v late, want within %v", latest, stall+window)
				}
				if lo, hi := slices.Min(checks), slices.Max(checks); lo < 2 || hi > 4 {
					t.Errorf("checks per service over %v: %d to %d, want 3 each (±1 at the edges)", to-from, lo, hi)
				}
			})
		})
	}
}
