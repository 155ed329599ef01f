package monitor

import (
	"context"
	"sync"
	"time"

	"github.com/uptty/uptty/track"
)

// CheckAll checks every target as `uptty check` does, concurrently, with at most concurrency
// checks in flight (the config's, already defaulted), and returns the statuses in target
// order. Each target is checked once if it passes; if it fails, again every retry_interval
// (from the start of one check to the next) until a check passes or failure_threshold
// consecutive failures make it DOWN; when ctx is done first, its status is the one so far: a
// check that ctx cut short is not counted, so a target with no check finished is UNKNOWN, with
// the reason "interrupted" (not checked because uptty was stopped, not skipped). A target that
// is waiting to retry holds no slot, so failing services do not hold up the rest.
func CheckAll(ctx context.Context, targets []Target, concurrency int) []track.Status {
	sem := make(slots, slotsFor(concurrency))
	out := make([]track.Status, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		// Taking the slot before starting the goroutine bounds the goroutines as well as the
		// checks, but for those waiting to retry.
		if !sem.acquire(ctx) {
			out[i] = track.NewTracker(policyOf(t.Service)).Status(time.Now())
			continue
		}
		wg.Go(func() { out[i] = checkOnce(ctx, t, sem, true) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		for i := range out {
			if out[i].State == track.Unknown {
				out[i].Reason = interrupted
			}
		}
	}
	return out
}

// interrupted is the reason of a target CheckAll was stopped before judging.
const interrupted = "interrupted"

// checkOnce checks one target for CheckAll with a shared semaphore; held says the caller
// already holds a slot for the first check.
func checkOnce(ctx context.Context, t Target, sem slots, held bool) track.Status {
	_, _, retry := cadence(t.Service)
	tr := track.NewTracker(policyOf(t.Service))
	var buf track.Check
	limit := t.Service.FailureThreshold
	for fails := 0; ; {
		if !held && !sem.acquire(ctx) {
			break
		}
		held = false
		r := runCheck(ctx, t)
		sem.release()
		if ctx.Err() != nil {
			// Cut short by the caller, not failed: judging it would report a service that was
			// never seen failing as PENDING ("canceled") instead of UNKNOWN.
			break
		}
		tr.Observe(checkOf(&r, &buf))
		if r.OK {
			break
		}
		// Counting here too keeps the loop finite whatever the tracker decides.
		if fails++; fails >= limit || tr.State() == track.Down {
			break
		}
		if !waitUntil(ctx, r.Start.Add(retry)) {
			break
		}
	}
	return tr.Status(time.Now())
}

// waitUntil waits until t; it reports false if ctx is done first.
func waitUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
