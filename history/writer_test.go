package history

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/track"
)

// TestWriterBatchWait: the writer commits a trickle of results once, with the first result
// queued commitDelay after the first of them or later (on that result's wake-up, not a timer's
// of its own), or commitSlack after that if none comes; it is not woken by each result (nothing
// is committed half-way through the wait), and a Flush ends the wait at once rather than after it.
func TestWriterBatchWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := Open("", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		synctest.Wait() // the writer's start-up
		base := s.commits.Load()
		start := time.Now()
		result := func() {
			s.RecordResult("a", track.Check{Start: time.Now(), Latency: time.Millisecond, OK: true})
			synctest.Wait()
		}
		commits := func(what string, want uint64, written uint64) {
			t.Helper()
			if got := s.commits.Load() - base; got != want {
				t.Errorf("commits %s (+%v) = %d, want %d", what, time.Since(start), got, want)
			}
			if got := s.Stats().Written; got != written {
				t.Errorf("results written %s = %d, want %d", what, got, written)
			}
		}
		for range 3 {
			result()
			fakeclock.Elapse(10 * time.Millisecond)
		}
		commits("after the first of 3 results", 0, 0)
		fakeclock.Elapse(commitDelay - 30*time.Millisecond)
		commits("commitDelay after the first, no result since", 0, 0)
		result()
		commits("with the first result commitDelay on", 1, 4)

		result()
		fakeclock.Elapse(commitDelay + commitSlack - time.Millisecond)
		commits("a result alone, just short of commitDelay and commitSlack", 1, 4)
		fakeclock.Elapse(time.Millisecond)
		commits("a result alone, commitDelay and commitSlack on", 2, 5)

		s.RecordResult("a", track.Check{Start: time.Now(), Latency: time.Millisecond, OK: true})
		before := time.Now()
		if err := s.Flush(context.Background()); err != nil {
			t.Fatalf("Flush = %v", err)
		}
		if waited := time.Since(before); waited >= commitDelay {
			t.Errorf("Flush behind a result waited %v, want less than the batch's %v", waited, commitDelay)
		}
		if got := s.Stats().Written; got != 6 {
			t.Errorf("results written after Flush = %d, want 6", got)
		}
	})
}

// TestWriterBatchFull: a batch's worth of results (batchFull) is committed at once, not after
// commitDelay, so that at a thousand results a second or more the writer commits as often as
// before the wait grew to a second.
func TestWriterBatchFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := Open("", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		synctest.Wait() // the writer's start-up
		base := s.commits.Load()
		start := time.Now()
		for i := range batchFull {
			s.RecordResult("a", track.Check{Start: start.Add(time.Duration(i) * time.Millisecond), Latency: time.Millisecond, OK: true})
		}
		synctest.Wait()
		// Committed before any time passed, not at the end of the batch's wait. Mostly in one
		// commit; now and then (about 1 run in 1,000 under -count) the writer woke while the
		// loop was still queueing and committed part of them, and the rest waited for the
		// timer: what a commit holds is the writer's to choose, what this checks is that a
		// batch's worth does not wait.
		if got := s.commits.Load() - base; got < 1 {
			t.Errorf("commits of %d results queued at once, before any time passed = %d, want 1", batchFull, got)
		}
		fakeclock.Elapse(commitDelay + commitSlack)
		if got := s.Stats().Written; got != batchFull {
			t.Errorf("results written = %d, want %d", got, batchFull)
		}

		// The writer already waiting with the first of them: those it holds count too.
		base = s.commits.Load()
		s.RecordResult("a", track.Check{Start: start.Add(time.Hour), Latency: time.Millisecond, OK: true})
		synctest.Wait()
		for i := 1; i < batchFull; i++ {
			s.RecordResult("a", track.Check{Start: start.Add(time.Hour + time.Duration(i)*time.Millisecond), Latency: time.Millisecond, OK: true})
		}
		synctest.Wait()
		if got := s.commits.Load() - base; got < 1 {
			t.Errorf("commits once the writer waiting with 1 result had %d more queued = %d, want 1", batchFull-1, got)
		}
	})
}
