package monitor

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
)

// TestMonitorNextHoldsLooks: a batch of changes that only move how services look waits past
// MinBatchInterval for the next change (handed out with it at once) or until lookLead before
// the wall clock's next second it may go out at, with no timer firing at MinBatchInterval; a
// change of standing (urgent) is handed out at MinBatchInterval, as every change was before.
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
		want := func(what string, names []string, at time.Time) {
			t.Helper()
			select {
			case b := <-got:
				if !slices.Equal(b.names, names) || !b.at.Equal(at) {
					t.Errorf("%s: batch %v at +%v, want %v at +%v", what, b.names, b.at.Sub(bubbleStart), names, at.Sub(bubbleStart))
				}
			default:
				t.Fatalf("%s: no batch by +%v, want %v at +%v", what, time.Since(bubbleStart), names, at.Sub(bubbleStart))
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

		change(0, false)
		next()
		want("the first change", []string{"a"}, bubbleStart)

		change(0, false)
		next()
		fakeclock.Elapse(minBatch)
		none("looks changed within MinBatchInterval, no change since")
		fakeclock.Elapse(300 * time.Millisecond)
		none("looks changed, 500 ms on, no change since")
		change(1, false)
		fakeclock.Elapse(0)
		want("the next change after MinBatchInterval", []string{"a", "b"}, bubbleStart.Add(500*time.Millisecond))

		change(0, false)
		next()
		fakeclock.Elapse(250*time.Millisecond - time.Millisecond)
		none("looks changed, just short of lookLead before the second")
		fakeclock.Elapse(time.Millisecond)
		want("looks held until lookLead before the second", []string{"a"}, bubbleStart.Add(750*time.Millisecond))

		change(0, false)
		next()
		fakeclock.Elapse(time.Second - time.Millisecond)
		none("looks changed within MinBatchInterval of lookLead before the second")
		fakeclock.Elapse(time.Millisecond)
		want("looks held until lookLead before the second after", []string{"a"}, bubbleStart.Add(1750*time.Millisecond))

		last := time.Now()
		change(0, false)
		next()
		fakeclock.Elapse(50 * time.Millisecond)
		change(1, true)
		fakeclock.Elapse(minBatch - 50*time.Millisecond)
		want("a change of standing", []string{"a", "b"}, last.Add(minBatch))
	})
}

// bubbleStart is where a synctest bubble's fake clock begins.
var bubbleStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// TestMonitorNextConcurrentCallers: Next's alarm is the monitor's, kept from one call to the
// next (a timerfd in the binary); a second caller at the same time waits on a timer of its own.
// Both are handed their batches at MinBatchInterval, and the shared alarm is handed back.
func TestMonitorNextConcurrentCallers(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const minBatch = 200 * time.Millisecond
		m := NewMonitor([]Target{
			{monSvc("a", time.Hour, time.Second, time.Second), monScript()},
			{monSvc("b", time.Hour, time.Second, time.Second), monScript()},
		}, Options{MinBatchInterval: minBatch})
		change := func(i int) {
			m.mu.Lock()
			m.markDirty(i, true)
			m.mu.Unlock()
		}
		got := make(chan time.Time, 2)
		next := func() {
			go func() {
				if _, err := m.Next(context.Background()); err != nil {
					t.Errorf("Next() error %v", err)
				}
				got <- time.Now()
			}()
		}
		change(0)
		next()
		fakeclock.Elapse(0)
		if at := <-got; !at.Equal(bubbleStart) {
			t.Fatalf("first batch at +%v, want at once", at.Sub(bubbleStart))
		}
		change(0)
		next()
		next()
		fakeclock.Elapse(minBatch)
		change(1)
		fakeclock.Elapse(minBatch)
		for i := range 2 {
			select {
			case at := <-got:
				if want := bubbleStart.Add(time.Duration(i+1) * minBatch); !at.Equal(want) {
					t.Errorf("batch %d at +%v, want +%v", i+2, at.Sub(bubbleStart), want.Sub(bubbleStart))
				}
			default:
				t.Fatalf("batch %d: none by +%v", i+2, time.Since(bubbleStart))
			}
		}
		shared := m.batchAlarm
		if shared == nil {
			t.Fatal("no shared alarm after Next waited on one")
		}
		change(0)
		next()
		fakeclock.Elapse(minBatch)
		<-got
		if m.batchAlarm != shared {
			t.Error("Next made a second shared alarm")
		}
		if !m.batchAlarmMu.TryLock() {
			t.Fatal("the shared alarm was not handed back")
		}
		m.batchAlarmMu.Unlock()
	})
}
