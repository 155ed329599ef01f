package monitor

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// monTimed records when each of its checks began, then checks with inner.
type monTimed struct {
	mu     sync.Mutex
	starts []time.Time
	inner  probe.Checker
}

func (c *monTimed) Check(ctx context.Context) probe.Result {
	c.mu.Lock()
	c.starts = append(c.starts, time.Now())
	c.mu.Unlock()
	return c.inner.Check(ctx)
}

func TestCheckOnce(t *testing.T) {
	const retry = 20 * time.Millisecond
	tests := []struct {
		name      string
		threshold int
		script    []bool
		want      track.State
		checks    int
	}{
		{"up at once", 2, []bool{true}, track.Up, 1},
		{"fails then passes", 3, []bool{false, true}, track.Up, 2},
		{"down after the threshold", 3, []bool{false, false, false, true}, track.Down, 3},
		{"down at once with threshold 1", 1, []bool{false, true}, track.Down, 1},
	}
	for _, tt := range tests {
		// In the bubble the gaps measured inside the checker are the monitor's waits, not the
		// machine's scheduling between probe.Run's stopwatch and the checker.
		t.Run(tt.name, func(t *testing.T) {
			monBubble(t, func(t *testing.T) {
				svc := monSvc("svc", time.Second, time.Second, retry)
				svc.FailureThreshold = tt.threshold
				c := &monTimed{inner: monScript(tt.script...)}
				got := checkOnce(context.Background(), Target{svc, c}, make(slots, 1), false)
				if got.State != tt.want || got.Spark.Len() != tt.checks || len(c.starts) != tt.checks {
					t.Errorf("CheckOnce() = %v after %d checks (%d calls), want %v after %d", got.State, got.Spark.Len(), len(c.starts), tt.want, tt.checks)
				}
				if _, open := got.OpenOutage(); tt.want == track.Down && (!open || got.Reason != "scripted failure") {
					t.Errorf("CheckOnce() outage %v, reason %q; want an open outage, %q", got.Outage, got.Reason, "scripted failure")
				}
				for k := 1; k < len(c.starts); k++ {
					if gap := c.starts[k].Sub(c.starts[k-1]); gap < retry {
						t.Errorf("check %d began %v after the one before, want at least %v", k, gap, retry)
					}
				}
			})
		})
	}
}

func TestCheckAll(t *testing.T) {
	monLeakCheck(t)
	const n, limit = 12, 3
	var inFlight, most atomic.Int32
	targets := make([]Target, n)
	for i := range targets {
		// Odd targets fail: their retry waits must not hold a slot.
		pass := i%2 == 0
		targets[i] = Target{monSvc(fmt.Sprint("svc", i), time.Second, time.Second, 10*time.Millisecond), monFunc(func(ctx context.Context) probe.Result {
			monRaise(&most, inFlight.Add(1))
			defer inFlight.Add(-1)
			r := monBusy(10 * time.Millisecond).Check(ctx)
			if !pass {
				r = probe.Result{Reason: "refused"}
			}
			return r
		})}
	}
	got := CheckAll(context.Background(), targets, limit)
	if len(got) != n {
		t.Fatalf("CheckAll() returned %d statuses, want %d", len(got), n)
	}
	for i, s := range got {
		want, checks := track.Up, 1
		if i%2 == 1 {
			want, checks = track.Down, 2
		}
		if s.State != want || s.Spark.Len() != checks {
			t.Errorf("CheckAll()[%d] = %v after %d checks, want %v after %d", i, s.State, s.Spark.Len(), want, checks)
		}
	}
	if m := most.Load(); m > limit {
		t.Errorf("most checks in flight = %d, want at most %d", m, limit)
	}
}

// TestCheckAllCancelled: a check cut short by ctx is no verdict. Interrupting `uptty check`
// once reported hung services PENDING with the reason "canceled", as if they had failed.
func TestCheckAllCancelled(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const hung = 4
		started := make(chan struct{}, hung)
		targets := make([]Target, hung, hung+1)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprint("hung", i), time.Hour, time.Hour, time.Hour), monHung(started)}
		}
		// Fails once, then waits an hour to retry: its failure is a verdict, kept.
		targets = append(targets, Target{monSvc("failed once", time.Hour, time.Hour, time.Hour), monScript(false)})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan []track.Status, 1)
		go func() { done <- CheckAll(ctx, targets, len(targets)) }()
		for range hung {
			select {
			case <-started:
			case <-time.After(monWait):
				t.Fatalf("checks not started within %v", monWait)
			}
		}
		synctest.Wait() // "failed once" has failed and waits to retry
		cancel()
		select {
		case got := <-done:
			for i, s := range got[:hung] {
				if s.State != track.Unknown || s.Reason != interrupted || s.Spark.Len() != 0 {
					t.Errorf("CheckAll(cancelled)[%d] = %v %q after %d checks, want UNKNOWN %q with no check", i, s.State, s.Reason, s.Spark.Len(), interrupted)
				}
			}
			if s := got[hung]; s.State != track.Pending || s.Reason != "scripted failure" {
				t.Errorf("CheckAll(cancelled)[failed once] = %v %q, want PENDING %q", s.State, s.Reason, "scripted failure")
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("CheckAll did not return within 2s of cancel")
		}
	})
}

// TestPolicyOfWordsSlow: the monitor hands its trackers probe's wording of a slow check.
func TestPolicyOfWordsSlow(t *testing.T) {
	tr := track.NewTracker(policyOf(config.Service{FailureThreshold: 1, SuccessThreshold: 1, Slow: 800 * time.Millisecond}))
	now := time.Now()
	tr.Observe(track.Check{Start: now, Latency: 1240 * time.Millisecond, OK: true})
	if got, want := tr.Status(now).Reason, "slow: 1.24s > 800ms"; got != want {
		t.Errorf("Status().Reason = %q, want %q", got, want)
	}
}
