package monitor

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// reloadLog is what a monitor reported, by service name.
type reloadLog struct {
	mu      sync.Mutex
	results map[string][]time.Time // when each recorded check began
}

func (l *reloadLog) onResult(name string, c track.Check, _ []track.Event) {
	if c.Start.IsZero() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.results == nil {
		l.results = map[string][]time.Time{}
	}
	l.results[name] = append(l.results[name], c.Start)
}

func (l *reloadLog) checks(name string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.results[name]...)
}

func reloadFail(context.Context) probe.Result { return probe.Result{Reason: "refused"} }
func reloadPass(context.Context) probe.Result { return probe.Result{OK: true} }

// runReload runs m in the bubble until the test's end.
func runReload(t *testing.T, m *Monitor) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = m.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// TestReconfigureKeepsAddsRemoves: a service that stays keeps its outage; a new one is checked
// at once; a removed one disappears, and its check in flight across the reload is dropped.
func TestReconfigureKeepsAddsRemoves(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		var log reloadLog
		release := make(chan struct{})
		hung := monFunc(func(ctx context.Context) probe.Result {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return probe.Result{OK: true}
		})
		down := Target{Service: monSvc("down", 10*time.Second, 5*time.Second, 2*time.Second), Checker: monFunc(reloadFail)}
		gone := Target{Service: monSvc("gone", 10*time.Second, time.Minute, 2*time.Second), Checker: hung}
		m := NewMonitor([]Target{down, gone}, Options{OnResult: log.onResult})
		runReload(t, m)

		time.Sleep(5 * time.Second) // fake time: two failures, the outage has begun
		synctest.Wait()
		before := m.Snapshot()["down"]
		o, open := before.OpenOutage()
		if before.State != track.Down || !open {
			t.Fatalf("before the reload: down is %v (open outage %v), want DOWN with an open outage", before.State, open)
		}

		fresh := Target{Service: monSvc("fresh", 10*time.Second, 5*time.Second, 2*time.Second), Checker: monFunc(reloadPass)}
		at := time.Now()
		<-m.Reconfigure([]Target{down, fresh})
		close(release) // the removed service's check ends after the reload
		synctest.Wait()

		snap := m.Snapshot()
		if _, ok := snap["gone"]; ok {
			t.Errorf("Snapshot() after removing gone still has it")
		}
		if _, ok := m.Detail("gone"); ok {
			t.Errorf("Detail(gone) after its removal: ok, want not found")
		}
		after := snap["down"]
		o2, open2 := after.OpenOutage()
		if after.State != track.Down || !open2 || !o2.Start.Equal(o.Start) {
			t.Errorf("down after the reload = %v, outage from %v (open %v), want DOWN, outage from %v", after.State, o2.Start, open2, o.Start)
		}
		if got := log.checks("gone"); len(got) != 0 {
			t.Errorf("gone's check in flight across its removal was recorded: %v", got)
		}
		got := log.checks("fresh")
		if len(got) == 0 || !got[0].Equal(at) {
			t.Fatalf("fresh's checks = %v, want the first at %v, right after the reload", got, at)
		}
		if snap["fresh"].State != track.Up {
			t.Errorf("fresh = %v, want UP", snap["fresh"].State)
		}
		// A reload back to the first config: gone is new again, checked at once, UNKNOWN first.
		<-m.Reconfigure([]Target{down, gone})
		if st := m.Snapshot()["gone"].State; st != track.Unknown {
			t.Errorf("gone re-added = %v, want UNKNOWN until its first check", st)
		}
	})
}

// TestReconfigureInterval: a longer interval applies after the check already due; a shorter one
// brings the next check to at most one new interval from the reload.
func TestReconfigureInterval(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		var log reloadLog
		svc := monSvc("a", time.Minute, time.Second, time.Second)
		m := NewMonitor([]Target{{Service: svc, Checker: monFunc(reloadPass)}}, Options{OnResult: log.onResult})
		runReload(t, m)
		synctest.Wait()
		start := time.Now()
		if n := len(log.checks("a")); n != 1 {
			t.Fatalf("first checks = %d, want 1", n)
		}
		time.Sleep(10 * time.Second)
		svc.Interval = 5 * time.Second
		<-m.Reconfigure([]Target{{Service: svc, Checker: monFunc(reloadPass)}})
		time.Sleep(12 * time.Second)
		synctest.Wait()
		got := log.checks("a")
		want := []time.Time{start, start.Add(15 * time.Second), start.Add(20 * time.Second)}
		if len(got) != len(want) {
			t.Fatalf("checks = %v, want %v", got, want)
		}
		for k := range want {
			if !got[k].Equal(want[k]) {
				t.Errorf("check %d at %v, want %v", k, got[k].Sub(start), want[k].Sub(start))
			}
		}
	})
}

// TestReconfigurePauseKept: a paused service stays paused across a reload, and Pause and Resume
// find services by name after ids moved.
func TestReconfigurePauseKept(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		a := Target{Service: monSvc("a", time.Minute, time.Second, time.Second), Checker: monFunc(reloadPass)}
		b := Target{Service: monSvc("b", time.Minute, time.Second, time.Second), Checker: monFunc(reloadPass)}
		m := NewMonitor([]Target{a}, Options{})
		runReload(t, m)
		synctest.Wait()
		m.Pause("a")
		synctest.Wait()
		<-m.Reconfigure([]Target{b, a})
		synctest.Wait()
		snap := m.Snapshot()
		if snap["a"].State != track.Paused || snap["b"].State != track.Up {
			t.Fatalf("after the reload a = %v, b = %v, want PAUSED and UP", snap["a"].State, snap["b"].State)
		}
		m.Pause("b")
		m.Resume("a")
		synctest.Wait()
		snap = m.Snapshot()
		if snap["a"].State != track.Up || snap["b"].State != track.Paused {
			t.Errorf("after Pause(b), Resume(a): a = %v, b = %v, want UP and PAUSED", snap["a"].State, snap["b"].State)
		}
	})
}
