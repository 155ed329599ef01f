package monitor

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
)

// TestMonitorNextHoldsLooks: a batch of changes that only move how services look waits for
// the window before the wall clock's next second (lookLead+lookSpan to lookLead before it) that
// begins MinBatchInterval after the last batch or later: it goes out with the first change in
// that window, or at its end, once a second, with no timer firing at MinBatchInterval; a change
// of standing (urgent) is handed out at MinBatchInterval, as every change was before.
func TestMonitorNextHoldsLooks(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const minBatch = 200 * time.Millisecond
		m := NewMonitor([]Target{
			{monSvc("a", time.Hour, time.Second, time.Second), monScript()},
			{monSvc("b", time.Hour, time.Second, time.Second), monScript()},
		}, Options{MinBatchInterval: minBatch})
		change := func(i int, urgent bool) {
			m.mu.Lock()
			m.markDirty(i, urgent)
			m.mu.Unlock()
		}
		type batch struct {
			names []string
			at    time.Time
		}
		got := make(chan batch, 1)
		next := func() {
			go func() {
				b, err := m.Next(context.Background())
				if err != nil {
					t.Errorf("Next() error %v", err)
				}
				got <- batch{slices.Sorted(maps.Keys(b)), time.Now()}
			}()
			fakeclock.Elapse(0)
		}
		want := func(what string, names []string, at time.Duration) {
			t.Helper()
			select {
			case b := <-got:
				if !slices.Equal(b.names, names) || !b.at.Equal(bubbleStart.Add(at)) {
					t.Errorf("%s: batch %v at +%v, want %v at +%v", what, b.names, b.at.Sub(bubbleStart), names, at)
				}
			default:
				t.Fatalf("%s: no batch by +%v, want %v at +%v", what, time.Since(bubbleStart), names, at)
			}
		}
		none := func(what string) {
			t.Helper()
			select {
			case b := <-got:
				t.Fatalf("%s: batch %v at +%v, want none yet", what, b.names, b.at.Sub(bubbleStart))
			default:
			}
		}
		until := func(at time.Duration) { fakeclock.Elapse(bubbleStart.Add(at).Sub(time.Now())) }

		change(0, false)
		next()
		want("the first change", []string{"a"}, 0)

		// The next window of looks: 350-750 ms.
		change(0, false)
		next()
		until(minBatch)
		none("looks changed, MinBatchInterval on, before the window")
		until(300 * time.Millisecond)
		change(1, false)
		fakeclock.Elapse(0)
		none("a change after MinBatchInterval, before the window")
		until(350 * time.Millisecond)
		none("the window's start, no change since")
		until(500 * time.Millisecond)
		change(1, false)
		fakeclock.Elapse(0)
		want("the first change in the window", []string{"a", "b"}, 500*time.Millisecond)

		// A batch at 500 ms: the next window is the next second's, 1.35-1.75 s.
		until(900 * time.Millisecond)
		change(0, false)
		next()
		until(1500*time.Millisecond - time.Millisecond)
		none("looks changed, the next second's window open, no change since")
		until(1750*time.Millisecond - time.Millisecond)
		none("just short of the window's end, lookLead before the second")
		fakeclock.Elapse(time.Millisecond)
		want("looks held until the window's end", []string{"a"}, 1750*time.Millisecond)

		change(0, false)
		next()
		fakeclock.Elapse(50 * time.Millisecond)
		change(1, true)
		fakeclock.Elapse(minBatch - 50*time.Millisecond)
		want("a change of standing", []string{"a", "b"}, 1750*time.Millisecond+minBatch)

		// After a batch at 1.95 s the window is the next second's, 2.35-2.75 s.
		change(0, false)
		next()
		until(2400 * time.Millisecond)
		change(1, false)
		fakeclock.Elapse(0)
		want("the first change in the window after a change of standing", []string{"a", "b"}, 2400*time.Millisecond)
	})
}

// TestMonitorMarkDirtyWakes: a change wakes Next only when Next may hand out a batch or must set
// its timer: the first change since the last batch, a change of standing, a change in the
// window of looks; not the changes of looks before it (at ten results a second, most of them).
func TestMonitorMarkDirtyWakes(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		m := NewMonitor([]Target{
			{monSvc("a", time.Hour, time.Second, time.Second), monScript()},
			{monSvc("b", time.Hour, time.Second, time.Second), monScript()},
		}, Options{MinBatchInterval: 200 * time.Millisecond})
		woken := func(what string, i int, urgent, want bool) {
			t.Helper()
			m.mu.Lock()
			m.markDirty(i, urgent)
			m.mu.Unlock()
			select {
			case <-m.changed:
				if !want {
					t.Errorf("%s at +%v woke Next, want not", what, time.Since(bubbleStart))
				}
			default:
				if want {
					t.Errorf("%s at +%v did not wake Next, want it woken", what, time.Since(bubbleStart))
				}
			}
		}
		woken("the first change", 0, false, true)
		if _, err := m.Next(context.Background()); err != nil { // a batch at +0: the window is 350-750 ms
			t.Fatal(err)
		}
		woken("the first change since the batch", 0, false, true)
		fakeclock.Elapse(250 * time.Millisecond)
		woken("a change of looks before the window", 1, false, false)
		woken("a change of looks before the window, again", 0, false, false)
		fakeclock.Elapse(100 * time.Millisecond)
		woken("a change of looks in the window", 1, false, true)
		woken("a change of standing", 1, true, true)
	})
}

// bubbleStart is where a synctest bubble's fake clock begins.
var bubbleStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
