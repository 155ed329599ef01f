package monitor

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// schedDrain pops everything and returns the ids in pop order.
func schedDrain(s *schedule) []int {
	var ids []int
	for s.len() > 0 {
		ids = append(ids, s.pop().id)
	}
	return ids
}

func TestSchedule(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	type op struct {
		remove bool
		id, ms int
	}
	tests := []struct {
		name string
		ops  []op
		want []int
	}{
		{"empty", nil, nil},
		{"in due order", []op{{id: 2, ms: 30}, {id: 0, ms: 10}, {id: 1, ms: 20}}, []int{0, 1, 2}},
		{"ties by id", []op{{id: 3, ms: 5}, {id: 1, ms: 5}, {id: 2, ms: 5}, {id: 0, ms: 9}}, []int{1, 2, 3, 0}},
		{"move earlier", []op{{id: 0, ms: 10}, {id: 1, ms: 20}, {id: 2, ms: 30}, {id: 2, ms: 1}}, []int{2, 0, 1}},
		{"move later", []op{{id: 0, ms: 10}, {id: 1, ms: 20}, {id: 2, ms: 30}, {id: 0, ms: 40}}, []int{1, 2, 0}},
		{"remove root", []op{{id: 0, ms: 10}, {id: 1, ms: 20}, {id: 2, ms: 30}, {remove: true, id: 0}}, []int{1, 2}},
		{"remove leaf", []op{{id: 0, ms: 10}, {id: 1, ms: 20}, {id: 2, ms: 30}, {remove: true, id: 2}}, []int{0, 1}},
		{"remove absent", []op{{id: 1, ms: 20}, {remove: true, id: 0}}, []int{1}},
		{"remove then set", []op{{id: 0, ms: 10}, {remove: true, id: 0}, {id: 0, ms: 50}, {id: 1, ms: 20}}, []int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSchedule(4)
			for _, o := range tt.ops {
				if o.remove {
					s.remove(o.id)
				} else {
					s.set(o.id, at(o.ms))
				}
			}
			if got := schedDrain(s); !slices.Equal(got, tt.want) {
				t.Errorf("pop order = %v, want %v", got, tt.want)
			}
			for id := range 4 {
				if s.has(id) {
					t.Errorf("has(%d) after draining = true, want false", id)
				}
			}
		})
	}
}

// TestScheduleRandom checks the heap against a plain map under a long random mix of operations.
func TestScheduleRandom(t *testing.T) {
	const n = 200
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	s := newSchedule(n)
	ref := map[int]time.Time{}
	for step := range 20000 {
		id := rng.IntN(n)
		switch rng.IntN(4) {
		case 0:
			_, want := ref[id]
			if got := s.remove(id); got != want {
				t.Fatalf("step %d: remove(%d) = %v, want %v", step, id, got, want)
			}
			delete(ref, id)
		case 1:
			if len(ref) == 0 {
				continue
			}
			got := s.pop()
			wantID, wantDue := -1, time.Time{}
			for id, due := range ref {
				if wantID < 0 || due.Before(wantDue) || due.Equal(wantDue) && id < wantID {
					wantID, wantDue = id, due
				}
			}
			if got.id != wantID || !got.due.Equal(wantDue) {
				t.Fatalf("step %d: pop() = %d@%v, want %d@%v", step, got.id, got.due, wantID, wantDue)
			}
			delete(ref, wantID)
		default:
			due := t0.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
			s.set(id, due)
			ref[id] = due
		}
		if s.len() != len(ref) {
			t.Fatalf("step %d: len() = %d, want %d", step, s.len(), len(ref))
		}
	}
}

func TestSchedulePeek(t *testing.T) {
	s := newSchedule(2)
	if _, ok := s.peek(); ok {
		t.Errorf("peek() on empty ok = true, want false")
	}
	due := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	s.set(1, due)
	if got, ok := s.peek(); !ok || got.id != 1 || !got.due.Equal(due) {
		t.Errorf("peek() = %d@%v %v, want 1@%v true", got.id, got.due, ok, due)
	}
}

func TestMonitorFirstChecksSpread(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n = 300
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprint("svc", i), 10*time.Second, 2*time.Second, time.Second), monBusy(time.Millisecond)}
		}
		rec := newMonRecorder()
		m := rec.monitor(targets, Options{})
		before := time.Now()
		monRun(t, m)
		rec.waitFor(t, "a first result from every service", func() bool { return len(rec.results) == n })

		rec.mu.Lock()
		defer rec.mu.Unlock()
		due0 := rec.calls[0][0].due
		var last time.Time
		for i := range n {
			c, r := rec.calls[i][0], rec.results[i][0]
			offset := time.Duration(int64(i) * int64(time.Second) / n)
			if got := c.due.Sub(due0); got != offset {
				t.Errorf("service %d: first due - first due of service 0 = %v, want %v", i, got, offset)
			}
			if !c.start.Equal(before.Add(offset)) {
				t.Errorf("service %d: first start %v, want at its slot %v", i, c.start.Sub(before), offset)
			}
			if !r.OK {
				t.Errorf("service %d: first result OK = false (%s), want true", i, r.Reason)
			}
			if end := r.Start.Add(r.Latency); end.After(last) {
				last = end
			}
		}
		if got, want := last.Sub(before), time.Second; got > want {
			t.Errorf("last first result after %v, want within %v", got, want)
		}
	})
}

func TestMonitorHungTargetsDoNotDelayOthers(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const hungN, healthyN, checks = 20, 20, 5
		const every = 200 * time.Millisecond
		started := make(chan struct{}, hungN)
		var targets []Target
		for i := range hungN {
			targets = append(targets, Target{monSvc(fmt.Sprint("hung", i), time.Hour, time.Hour, time.Hour), monHung(started)})
		}
		for i := range healthyN {
			targets = append(targets, Target{monSvc(fmt.Sprint("ok", i), every, every, every), monBusy(time.Millisecond)})
		}
		rec := newMonRecorder()
		monRun(t, rec.monitor(targets, Options{}))
		phases := monPhases(targets)
		for range hungN {
			select {
			case <-started:
			case <-time.After(monWait):
				t.Fatalf("hung checks not all started within %v", monWait)
			}
		}
		rec.waitFor(t, fmt.Sprint(checks, " results from every healthy service"), func() bool {
			for i := hungN; i < hungN+healthyN; i++ {
				if len(rec.results[i]) < checks {
					return false
				}
			}
			return true
		})

		rec.mu.Lock()
		defer rec.mu.Unlock()
		if got := len(rec.results[0]); got != 0 {
			t.Errorf("hung service results = %d, want 0", got)
		}
		for i := hungN; i < hungN+healthyN; i++ {
			calls := rec.calls[i]
			for k, c := range calls {
				if late := c.start.Sub(c.due); late != 0 {
					t.Errorf("service %d check %d: start - due = %v, want 0", i, k, late)
				}
				if k > 0 && (!monOnGrid(phases[i], c.due) || !c.due.After(calls[k-1].due)) {
					t.Errorf("service %d check %d: due %v after first, want later, on its grid of %v", i, k, c.due.Sub(calls[0].due), every)
				}
			}
		}
	})
}

// monScript is a target whose checks pass or fail in the order given, then pass.
func monScript(outcomes ...bool) probe.Checker {
	var n atomic.Int32
	return monFunc(func(context.Context) probe.Result {
		if k := int(n.Add(1)) - 1; k < len(outcomes) && !outcomes[k] {
			return probe.Result{Reason: "scripted failure"}
		}
		return probe.Result{OK: true}
	})
}

func TestMonitorRetryInterval(t *testing.T) {
	const every, retry = 500 * time.Millisecond, 50 * time.Millisecond
	tests := []struct {
		name      string
		threshold int
		script    []bool
		want      []track.State // the states entered, in order
	}{
		{"pending and back", 3, []bool{false, false, true, true}, []track.State{track.Pending, track.Up}},
		{"down and back", 2, []bool{false, false, false, true, true}, []track.State{track.Pending, track.Down, track.Up}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			monBubble(t, func(t *testing.T) {
				svc := monSvc("svc", every, every, retry)
				svc.FailureThreshold = tt.threshold
				rec := newMonRecorder()
				targets := []Target{{svc, monScript(tt.script...)}}
				monRun(t, rec.monitor(targets, Options{}))
				sv := monPhases(targets)[0]
				// Retries keep to a grid of retry half a slot after the service's own.
				onRetryGrid := func(due time.Time) bool {
					return gridAt(sv.offset+int64(sv.width/2), retry, due).Equal(due)
				}
				n := len(tt.script)
				rec.waitFor(t, fmt.Sprint(n, " results"), func() bool { return len(rec.results[0]) >= n })

				rec.mu.Lock()
				defer rec.mu.Unlock()
				calls, results := rec.calls[0], rec.results[0]
				for k := 1; k < n; k++ {
					prev, due := results[k-1], calls[k].due
					if !prev.OK {
						// A retry after a retry comes exactly retry later; the first, after a
						// check off that grid, at its point nearest retry later.
						after := due.Sub(calls[k-1].due)
						exact := onRetryGrid(calls[k-1].due)
						if !onRetryGrid(due) || exact && after != retry || after < retry/2 || after > retry+retry/2 {
							t.Errorf("check %d after a failure: due %v after the failed one's due, want %v on its retry grid", k, after, retry)
						}
						continue
					}
					if !monOnGrid(sv, due) || !due.After(prev.Start) || due.Sub(prev.Start) > every {
						t.Errorf("check %d after a pass: due %v after the first and %v after the pass, want the next point of its grid of %v", k, due.Sub(calls[0].due), due.Sub(prev.Start), every)
					}
				}
				var got []track.State
				for _, e := range rec.events[0] {
					if e.Kind == track.StateChanged {
						got = append(got, e.To)
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("states entered = %v, want %v", got, tt.want)
				}
			})
		})
	}
}

func TestMonitorStablePhase(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n, checks, every = 4, 8, 100 * time.Millisecond
		targets := make([]Target, n)
		for i := range targets {
			// The checks take a third of the interval: scheduling from their end would drift.
			targets[i] = Target{monSvc(fmt.Sprint("svc", i), every, every, every), monBusy(every / 3)}
		}
		rec := newMonRecorder()
		monRun(t, rec.monitor(targets, Options{}))
		phases := monPhases(targets)
		rec.waitFor(t, fmt.Sprint(checks, " results from every service"), func() bool {
			for i := range n {
				if len(rec.results[i]) < checks {
					return false
				}
			}
			return true
		})

		rec.mu.Lock()
		defer rec.mu.Unlock()
		for i := range n {
			calls := rec.calls[i]
			for k, c := range calls {
				if late := c.start.Sub(c.due); late != 0 {
					t.Errorf("service %d check %d: start - due = %v, want 0", i, k, late)
				}
				if k > 0 && (!monOnGrid(phases[i], c.due) || !c.due.After(calls[k-1].due)) {
					t.Errorf("service %d check %d: due %v after the first, want later, on its grid of %v", i, k, c.due.Sub(calls[0].due), every)
				}
			}
		}
	})
}

func TestMonitorConcurrencyBound(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n, limit = 40, 4
		var inFlight, most atomic.Int32
		check := monFunc(func(ctx context.Context) probe.Result {
			monRaise(&most, inFlight.Add(1))
			defer inFlight.Add(-1)
			return monBusy(20 * time.Millisecond).Check(ctx)
		})
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprint("svc", i), 100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond), check}
		}
		rec := newMonRecorder()
		monRun(t, rec.monitor(targets, Options{Concurrency: limit}))
		rec.waitFor(t, "two results from every service", func() bool {
			for i := range n {
				if len(rec.results[i]) < 2 {
					return false
				}
			}
			return true
		})
		if got := most.Load(); got > limit {
			t.Errorf("most checks in flight = %d, want at most %d", got, limit)
		}
	})
}

// len returns how many services are scheduled.
func (s *schedule) len() int { return len(s.items) }

// has reports whether id is scheduled.
func (s *schedule) has(id int) bool { return s.pos[id] >= 0 }

// TestMonitorStartAhead: 100 services at 1 s, their slots 10 ms apart, with a StartAhead of
// 20 ms: checks start in groups with a check that is due, none late, none more
// than 20 ms early, at most 1+maxAhead together, and every service stays on its grid (each due
// time a whole number of intervals after its first).
func TestMonitorStartAhead(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n, every = 100, time.Second
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprint("svc", i), every, every/2, every), monBusy(time.Millisecond)}
		}
		rec := newMonRecorder()
		stop := monRun(t, rec.monitor(targets, Options{StartAhead: 20 * time.Millisecond}))
		fakeclock.Elapse(4 * every)
		stop()

		rec.mu.Lock()
		defer rec.mu.Unlock()
		groups := map[time.Time]int{}
		checks := 0
		for i := range n {
			calls := rec.calls[i]
			if len(calls) < 3 {
				t.Fatalf("service %d: %d checks in 4 intervals, want at least 3", i, len(calls))
			}
			for k, c := range calls {
				if early := c.due.Sub(c.start); early < 0 || early > 20*time.Millisecond {
					t.Errorf("service %d, check %d: started %v before it was due, want 0 to 20ms", i, k, early)
				}
				if k > 1 { // after the first round, on the service's grid
					if d := c.due.Sub(calls[1].due); d%every != 0 {
						t.Errorf("service %d, check %d: due %v after its first grid check, want a multiple of %v", i, k, d, every)
					}
				}
				if k > 0 { // the first round's starts are the start-up spread's
					groups[c.start]++
					checks++
				}
			}
		}
		most := 0
		for _, g := range groups {
			most = max(most, g)
		}
		t.Logf("%d checks after the first round started at %d instants, at most %d together", checks, len(groups), most)
		if most > 1+maxAhead {
			t.Errorf("checks started together = %d at most, want at most %d", most, 1+maxAhead)
		}
		if len(groups) > checks/2 {
			t.Errorf("%d checks started at %d instants, want at most half as many: in groups", checks, len(groups))
		}
	})
}

// TestMonitorStartAheadSparse: where checks are sparse (100 services every 10 s, a check due
// every 100 ms or so), a StartAhead of 20 ms would rarely find a second check to start: the
// window widens to twice the mean gap, at most a fiftieth of a service's interval (200 ms
// here), so that checks still start in groups of up to 1+maxAhead; none starts late or more
// than a fiftieth of its interval early, and each service is checked once a slot, a whole
// interval after its check before, though its checks (1 ms) are over before they are due.
// Services every second beside them keep their own bound, 20 ms, and are passed over. (A
// failing service's retries are bounded by its retry interval: TestSetAheadRetrying.)
func TestMonitorStartAheadSparse(t *testing.T) {
	for _, fast := range []int{0, 10} {
		t.Run(fmt.Sprintf("%d every second", fast), func(t *testing.T) {
			monBubble(t, func(t *testing.T) { startAheadSparse(t, 100, fast) })
		})
	}
}

func startAheadSparse(t *testing.T, n, fast int) {
	const every = 10 * time.Second
	targets := make([]Target, 0, n+fast)
	for i := range n {
		// The retry interval is config's default, 5 s: a passing service's checks are on its
		// interval's grid, and their bound is the interval's.
		targets = append(targets, Target{monSvc(fmt.Sprint("svc", i), every, every/2, 5*time.Second), monBusy(time.Millisecond)})
	}
	for i := range fast {
		targets = append(targets, Target{monSvc(fmt.Sprint("fast", i), time.Second, time.Second/2, time.Second), monBusy(time.Millisecond)})
	}
	rec := newMonRecorder()
	stop := monRun(t, rec.monitor(targets, Options{StartAhead: 20 * time.Millisecond}))
	fakeclock.Elapse(5 * every)
	stop()

	rec.mu.Lock()
	defer rec.mu.Unlock()
	groups := map[time.Time]int{}
	checks, widened := 0, 0
	for i, svc := range targets {
		interval, bound := svc.Service.Interval, svc.Service.Interval/50
		calls := rec.calls[i]
		if want := int(5*every/interval) - 1; len(calls) < want || len(calls) > want+2 {
			t.Fatalf("%s: %d checks in %v, want %d to %d: once a slot", svc.Service.Name, len(calls), 5*every, want, want+2)
		}
		for k, c := range calls {
			early := c.due.Sub(c.start)
			if early < 0 || early > bound {
				t.Errorf("%s, check %d: started %v before it was due, want 0 to %v", svc.Service.Name, k, early, bound)
			}
			if k > 1 {
				if d := c.due.Sub(calls[k-1].due); d != interval {
					t.Errorf("%s, check %d: due %v after the one before, want %v", svc.Service.Name, k, d, interval)
				}
			}
			if k > 0 {
				groups[c.start]++
				checks++
				if early > 20*time.Millisecond {
					widened++
				}
			}
		}
	}
	most := 0
	for _, g := range groups {
		most = max(most, g)
	}
	t.Logf("%d checks after the first round started at %d instants, at most %d together; %d more than 20 ms early", checks, len(groups), most, widened)
	if most > 1+maxAhead {
		t.Errorf("checks started together = %d at most, want at most %d", most, 1+maxAhead)
	}
	if len(groups)*3 > checks*2 {
		t.Errorf("%d checks started at %d instants, want at most two thirds as many: in groups", checks, len(groups))
	}
}

// TestMonitorIdleWorkers: 300 checks in flight at once need 300 workers; once they are done at
// most maxIdleWorkers stay to wait for the next check, and none once they have waited workerIdle
// for one.
func TestMonitorIdleWorkers(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n = 300
		release := make(chan struct{})
		var inFlight atomic.Int32
		blocked := monFunc(func(ctx context.Context) probe.Result {
			inFlight.Add(1)
			select {
			case <-release:
				return probe.Result{OK: true}
			case <-ctx.Done():
				return probe.Result{Reason: "cancelled"}
			}
		})
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprint("svc", i), time.Hour, time.Minute, time.Hour), blocked}
		}
		m := NewMonitor(targets, Options{})
		monRun(t, m)
		fakeclock.Elapse(2 * time.Second) // the first round's spread
		if got := inFlight.Load(); got != n {
			t.Fatalf("checks in flight after the first round = %d, want %d", got, n)
		}
		if got := workers(); got != n {
			t.Errorf("workers with %d checks in flight = %d, want %d", n, got, n)
		}
		close(release)
		synctest.Wait()
		if got := workers(); got > maxIdleWorkers {
			t.Errorf("workers once every check is done = %d, want at most %d", got, maxIdleWorkers)
		}
		// Paused, so that no service's grid brings a check within workerIdle (300 hourly
		// slots are 12 s apart).
		for _, tg := range targets {
			m.Pause(tg.Service.Name)
		}
		synctest.Wait()
		fakeclock.Elapse(workerIdle)
		if got := workers(); got != 0 {
			t.Errorf("workers after %v without a check = %d, want 0", workerIdle, got)
		}
	})
}

// TestMonitorIdleWorkersEnd: the workers a burst left behind end once the steady state needs
// fewer of them, even though checks keep coming. 100 checks held in flight at once leave
// maxIdleWorkers waiting; then every service is checked each 10 s and each check returns at
// once, so a few workers do all the work, and the others, never handed a check, end
// after workerIdle. Handing each check to the longest waiting worker kept all 64 busy enough
// never to end.
func TestMonitorIdleWorkersEnd(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n = 100
		release := make(chan struct{})
		var inFlight atomic.Int32
		check := monFunc(func(ctx context.Context) probe.Result {
			select {
			case <-release:
				return probe.Result{OK: true}
			default:
			}
			inFlight.Add(1)
			select {
			case <-release:
				return probe.Result{OK: true}
			case <-ctx.Done():
				return probe.Result{Reason: "cancelled"}
			}
		})
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprint("svc", i), 10*time.Second, 5*time.Second, 10*time.Second), check}
		}
		m := NewMonitor(targets, Options{})
		monRun(t, m)
		fakeclock.Elapse(time.Second) // the first round's spread
		if got := inFlight.Load(); got != n {
			t.Fatalf("checks in flight in the first round = %d, want %d", got, n)
		}
		close(release)
		synctest.Wait()
		if got := workers(); got != maxIdleWorkers {
			t.Fatalf("workers once the first round is done = %d, want %d", got, maxIdleWorkers)
		}
		fakeclock.Elapse(workerIdle + 2*time.Second)
		if got := workers(); got > 1+maxAhead {
			t.Errorf("workers after %v of checks that return at once = %d, want at most %d (the checks started together)", workerIdle, got, 1+maxAhead)
		}
	})
}

// workers counts the goroutines running scheduler.worker.
func workers() int {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Count(buf, []byte("monitor.(*scheduler).worker("))
}

// TestSchedulerSteadyResultWaits: a steady result (a pass of a service that is UP) waits for the
// scheduler's next wake-up, the next check's start, when that comes within steadyDelay, rather
// than waking the scheduler for itself; a result that may change the service's standing (its
// first check, a failure, the pass after it) is seen at once, as every result was.
func TestSchedulerSteadyResultWaits(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n, every, takes = 10, time.Second, 10 * time.Millisecond
		var checks atomic.Int32
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprint("s", i), every, every, every), monBusy(takes)}
		}
		busy := monBusy(takes)
		targets[0].Checker = monFunc(func(ctx context.Context) probe.Result {
			r := busy.Check(ctx)
			if checks.Add(1) == 4 {
				return probe.Result{Reason: "scripted failure"}
			}
			return r
		})
		type seen struct {
			ok        bool
			start, at time.Time
		}
		var mu sync.Mutex
		var got []seen
		m := NewMonitor(targets, Options{OnResult: func(name string, c track.Check, _ []track.Event) {
			if name == "s0" && !c.Start.IsZero() {
				mu.Lock()
				got = append(got, seen{c.OK, c.Start, time.Now()})
				mu.Unlock()
			}
		}})
		stop := monRun(t, m)
		fakeclock.Elapse(7 * every)
		stop()
		mu.Lock()
		defer mu.Unlock()
		if len(got) < 6 {
			t.Fatalf("results of s0 = %d, want 6 or more", len(got))
		}
		long := 0 // steady results that waited longer than any other may
		for k, s := range got {
			waited := s.at.Sub(s.start) - takes
			steady := k > 0 && s.ok && got[k-1].ok
			switch {
			case steady && (waited <= 0 || waited > steadyDelay):
				t.Errorf("steady result %d seen %v after its check, want at the next check's start, within %v", k+1, waited, steadyDelay)
			case steady && waited > resultDelay:
				long++
			case !steady && waited > resultDelay:
				t.Errorf("result %d (ok %v, the one before ok %v) seen %v after its check, want within %v", k+1, s.ok, k > 0 && got[k-1].ok, waited, resultDelay)
			}
		}
		if long < 3 {
			t.Errorf("steady results seen at the next check's start, %v after their own: %d, want 3 or more", every/n-takes, long)
		}
	})
}

// TestSteadyWait: a steady result waits for the scheduler up to steadyDelay, no longer than the
// monitor's MinBatchInterval, and not past the batch of looks lookLead before the next second;
// from then to the second (when screens draw and serve's streams send) no longer than any result.
func TestSteadyWait(t *testing.T) {
	at := func(ms int) time.Time { return bubbleStart.Add(time.Duration(ms) * time.Millisecond) }
	for _, c := range []struct {
		now      time.Time
		minBatch time.Duration
		want     time.Duration
	}{
		{at(0), 200 * time.Millisecond, steadyDelay},
		{at(400), 200 * time.Millisecond, steadyDelay},
		{at(600), 200 * time.Millisecond, 150 * time.Millisecond},
		{at(720), 200 * time.Millisecond, resultDelay},
		{at(750), 200 * time.Millisecond, resultDelay},
		{at(990), 200 * time.Millisecond, resultDelay},
		{at(1100), 100 * time.Millisecond, 100 * time.Millisecond},
		{at(1100), -1, resultDelay},
	} {
		if got := steadyWait(c.now, c.minBatch); got != c.want {
			t.Errorf("steadyWait(+%v, MinBatchInterval %v) = %v, want %v", c.now.Sub(bubbleStart), c.minBatch, got, c.want)
		}
	}
}

// TestNextDueAfterStartAhead: a check started ahead of its slot (StartAhead) may be over before
// the slot's time comes, most of all against a fast target; the next check is still a whole
// interval after that slot, not the same slot again. The bench farm at 100 services every 10 s
// with a 200 ms StartAhead sent 1,149 requests for 550 checks due.
func TestNextDueAfterStartAhead(t *testing.T) {
	phase := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	sv := svcState{phase: phase, interval: 10 * time.Second}
	due := phase.Add(50 * time.Second)
	for _, finished := range []time.Duration{-150 * time.Millisecond, -time.Millisecond, 0, 2 * time.Millisecond, 3 * time.Second} {
		if got, want := sv.nextDue(due, probe.Result{OK: true}, due.Add(finished)), due.Add(10*time.Second); !got.Equal(want) {
			t.Errorf("finished %v after its due time: next due %v after it, want %v", finished, got.Sub(due), want.Sub(due))
		}
	}
}

// TestSetAheadRetrying: a service on its retries' grid (its last check failed) may start early
// by a fiftieth of its retry interval, on its interval's grid by a fiftieth of the interval,
// within twice the mean gap between checks and never less than StartAhead.
func TestSetAheadRetrying(t *testing.T) {
	targets := make([]Target, 100)
	for i := range targets {
		targets[i] = Target{monSvc(fmt.Sprint("svc", i), 10*time.Second, 5*time.Second, 5*time.Second), monBusy(time.Millisecond)}
	}
	s := newScheduler(NewMonitor(targets, Options{StartAhead: 20 * time.Millisecond}))
	sv := &s.svcs[0]
	if got, want := s.aheadOf(sv), 200*time.Millisecond; got != want {
		t.Errorf("passing: ahead %v, want %v", got, want)
	}
	sv.retrying = true // as finish marks a failed check
	if got, want := s.aheadOf(sv), 100*time.Millisecond; got != want {
		t.Errorf("failing: ahead %v, want %v", got, want)
	}
	sv.retrying = false
	if got, want := s.aheadOf(sv), 200*time.Millisecond; got != want {
		t.Errorf("passing again: ahead %v, want %v", got, want)
	}
	if s := newScheduler(NewMonitor(targets, Options{})); s.aheadOf(&s.svcs[0]) != 0 || s.ahead != 0 {
		t.Errorf("StartAhead off: ahead %v, window %v, want none", s.aheadOf(&s.svcs[0]), s.ahead)
	}
}
