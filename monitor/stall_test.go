package monitor

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// TestMonitorGridSurvivesStalls runs 1,000 services at 1 s (every 10th failing, retried every
// second) in a bubble whose scheduler is held off (its OnResult blocks, as a process stopped or
// off the CPU would) for 1.5 s, 3 s or 10 s, once or again and again. Once it has caught up,
// the services must be back on their own grids, not collapsed onto the moment it woke: every
// check due on its service's grid (a pass's) or on the retry grid half a slot after it (a
// failure's), started at its due time, and the stream even again (peak per 100 ms within
// twice the mean).
func TestMonitorGridSurvivesStalls(t *testing.T) {
	const n, every, window = 1000, time.Second, 100 * time.Millisecond
	for _, tt := range []struct {
		stall time.Duration
		times int
	}{{1500 * time.Millisecond, 1}, {3 * time.Second, 1}, {10 * time.Second, 1}, {1500 * time.Millisecond, 5}, {3 * time.Second, 5}} {
		t.Run(fmt.Sprint(tt.stall, "x", tt.times), func(t *testing.T) {
			monBubble(t, func(t *testing.T) {
				targets := make([]Target, n)
				fail := monFunc(func(context.Context) probe.Result { return probe.Result{Reason: "refused"} })
				for i := range targets {
					targets[i] = Target{monSvc(fmt.Sprintf("svc-%d", i), every, every, every), monBusy(20 * time.Millisecond)}
					if i%10 == 9 {
						targets[i].Checker = fail
					}
				}
				phases := monPhases(targets)
				t0 := time.Now()
				// Stalls from 5 s on, 2 s of steady state between them.
				stallAt, stalls := t0.Add(5*time.Second), 0
				var lastEnd time.Time
				m := NewMonitor(targets, Options{OnResult: func(string, track.Check, []track.Event) {
					if now := time.Now(); stalls < tt.times && !now.Before(stallAt) {
						stalls++
						<-time.After(tt.stall)
						lastEnd = time.Now()
						stallAt = lastEnd.Add(2 * time.Second)
					}
				}})
				type call struct {
					id         int
					due, start time.Time
				}
				var mu sync.Mutex
				var calls []call
				m.trace = func(i int, due, start time.Time) {
					mu.Lock()
					calls = append(calls, call{i, due, start})
					mu.Unlock()
				}
				monRun(t, m)
				end := 5*time.Second + time.Duration(tt.times)*(3*tt.stall+2*time.Second) + 10*time.Second
				fakeclock.Elapse(end)
				mu.Lock()
				defer mu.Unlock()
				if stalls != tt.times {
					t.Fatalf("%d stalls, want %d", stalls, tt.times)
				}
				// Stalls back to back leave a backlog that catching up takes
				// backlog/(catchUpRate-1) to clear, at most 2.5 times the stalls' total;
				// the last 5 s are the steady state measured.
				from, to := t0.Add(end-5*time.Second), t0.Add(end-time.Second)
				counts := make([]int, to.Sub(from)/window)
				offGrid, late := 0, 0
				var worst time.Duration
				// The peak over the stalls and their catching up, for the log.
				whole := make([]int, (end-2*time.Second)/window)
				for _, c := range calls {
					if d := c.start.Sub(t0) - 2*time.Second; d >= 0 && d < end-2*time.Second {
						whole[d/window]++
					}
				}
				for _, c := range calls {
					if c.start.Before(from) || !c.start.Before(to) {
						continue
					}
					counts[c.start.Sub(from)/window]++
					sv := phases[c.id]
					grid := gridAt(sv.offset, sv.interval, c.due)
					if c.id%10 == 9 {
						grid = gridAt(sv.offset+int64(sv.width/2), sv.interval, c.due)
					}
					if !grid.Equal(c.due) {
						offGrid++
					}
					if d := c.start.Sub(c.due); d != 0 {
						late++
						worst = max(worst, d)
					}
				}
				total := 0
				for _, c := range counts {
					total += c
				}
				peak, mean := slices.Max(counts), float64(total)/float64(len(counts))
				t.Logf("%d stall(s) of %v: peak %d per %v on the wake-ups; after, peak %d (mean %.1f, %.2fx), %d of %d checks off their grid, %d late (worst %v)", tt.times, tt.stall, slices.Max(whole), window, peak, mean, float64(peak)/mean, offGrid, total, late, worst)
				if total < 4*n*9/10 {
					t.Errorf("%d checks in the 4 s measured, want about %d", total, 4*n)
				}
				if offGrid > 0 || late > 0 {
					t.Errorf("%d checks off their service's grid, %d late, want none once caught up", offGrid, late)
				}
				if float64(peak) > 2*mean {
					t.Errorf("peak %d per %v after the stalls, want at most twice the mean %.1f", peak, window, mean)
				}
			})
		})
	}
}
