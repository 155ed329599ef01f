package monitor

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
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

		fakeclock.Elapse(5 * time.Second) // two failures: the outage has begun
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
		// A reload back to the first names: gone is new again, UNKNOWN until its first check
		// (which here never ends), whatever it was before.
		slow := monFunc(func(ctx context.Context) probe.Result { <-ctx.Done(); return probe.Result{} })
		<-m.Reconfigure([]Target{down, {Service: gone.Service, Checker: slow}})
		synctest.Wait()
		if st := m.Snapshot()["gone"].State; st != track.Unknown {
			t.Errorf("gone re-added = %v, want UNKNOWN until its first check", st)
		}
	})
}

// TestReconfigureInterval: a shorter interval brings the next check to at most one new interval
// from the reload (to the service's slot on it), and the checks after it keep to the new
// interval.
func TestReconfigureInterval(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		var log reloadLog
		svc := monSvc("a", time.Minute, time.Second, time.Second)
		m := NewMonitor([]Target{{Service: svc, Checker: monFunc(reloadPass)}}, Options{OnResult: log.onResult})
		runReload(t, m)
		synctest.Wait()
		if n := len(log.checks("a")); n != 1 {
			t.Fatalf("first checks = %d, want 1", n)
		}
		fakeclock.Elapse(10 * time.Second)
		before := len(log.checks("a"))
		reload := time.Now()
		svc.Interval = 5 * time.Second
		<-m.Reconfigure([]Target{{Service: svc, Checker: monFunc(reloadPass)}})
		fakeclock.Elapse(16 * time.Second)
		got := log.checks("a")[before:]
		if len(got) < 3 {
			t.Fatalf("checks after the reload = %v, want at least 3 in 16s", got)
		}
		if d := got[0].Sub(reload); d < 0 || d > 5*time.Second {
			t.Errorf("first check %v after the reload, want within the new interval, 5s", d)
		}
		for k := 1; k < len(got); k++ {
			if d := got[k].Sub(got[k-1]); d != 5*time.Second {
				t.Errorf("checks %d and %d %v apart, want 5s", k-1, k, d)
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

// TestReconfigureMissesNoTick: 1,000 services at 10 s, reloaded with a new checker each (the
// same settings) between two rounds: every service is still checked on its grid, none late,
// none skipped, none twice.
func TestReconfigureMissesNoTick(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n = 1000
		var log reloadLog
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{Service: monSvc(fmt.Sprintf("s%04d", i), 10*time.Second, time.Second, time.Second),
				Checker: monFunc(reloadPass)}
		}
		m := NewMonitor(targets, Options{OnResult: log.onResult})
		runReload(t, m)
		start := time.Now()
		fakeclock.Elapse(15 * time.Second)
		again := make([]Target, n)
		for i, tg := range targets {
			again[i] = Target{Service: tg.Service, Checker: monFunc(reloadPass)}
		}
		<-m.Reconfigure(again)
		// To start+29s: three rounds in all; a check's result reaches OnResult up to
		// resultDelay after it.
		fakeclock.Elapse(14*time.Second + resultDelay)
		end := start.Add(29 * time.Second)
		for _, tg := range targets {
			// The first round checks every service at once; then each keeps its own grid (a
			// phase from its name): a check every 10 s exactly, across the reload, up to the end.
			got := log.checks(tg.Service.Name)
			if len(got) < 3 {
				t.Fatalf("%s: %d checks in 29s, want at least 3: %v", tg.Service.Name, len(got), got)
			}
			if d := got[1].Sub(got[0]); d <= 0 || d > 10*time.Second {
				t.Fatalf("%s: its grid's first check %v after the first round's, want within 10s", tg.Service.Name, d)
			}
			for k := 2; k < len(got); k++ {
				if d := got[k].Sub(got[k-1]); d != 10*time.Second {
					t.Fatalf("%s: checks %v apart across the reload, want 10s (first at %v)", tg.Service.Name, d, got[0].Sub(start))
				}
			}
			if next := got[len(got)-1].Add(10 * time.Second); !next.After(end) {
				t.Fatalf("%s: no check at %v, on its grid before the end", tg.Service.Name, next.Sub(start))
			}
		}
	})
}

// TestReconfigureNewTakeFreeSlots: 100 services at 10 s, then a reload keeping them and adding
// 100 more: the kept ones stay on their grids, and the new ones take the free slots of the 200 in
// between, so that after the reload no two services are checked within a quarter slot (12.5 ms)
// of each other.
func TestReconfigureNewTakeFreeSlots(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n, every = 100, 10 * time.Second
		var log reloadLog
		targets := make([]Target, 2*n)
		for i := range targets {
			targets[i] = Target{Service: monSvc(fmt.Sprintf("s%04d", i), every, time.Second, time.Second),
				Checker: monFunc(reloadPass)}
		}
		m := NewMonitor(targets[:n], Options{OnResult: log.onResult})
		runReload(t, m)
		start := time.Now()
		fakeclock.Elapse(15 * time.Second)
		<-m.Reconfigure(targets)
		fakeclock.Elapse(25 * time.Second) // to start+40s
		var phases []time.Duration
		for i, tg := range targets {
			got := log.checks(tg.Service.Name)
			var last time.Time
			for _, c := range got {
				if c.Sub(start) >= 28*time.Second && c.Sub(start) < 38*time.Second {
					if !last.IsZero() {
						t.Fatalf("%s: two checks in one interval after the reload: %v", tg.Service.Name, got)
					}
					last = c
				}
			}
			if last.IsZero() {
				t.Fatalf("%s: no check from 28s to 38s: %v", tg.Service.Name, got)
			}
			if i < n { // kept: on the grid it had before the reload
				if d := last.Sub(got[1]); d%every != 0 {
					t.Errorf("%s: check at %v, %v after its first grid check, want a multiple of %v", tg.Service.Name, last.Sub(start), d, every)
				}
			}
			phases = append(phases, time.Duration(last.UnixNano()%int64(every)))
		}
		slices.Sort(phases)
		quarter := every / (2 * n) / 4
		for k := range phases {
			next := phases[(k+1)%len(phases)]
			if k == len(phases)-1 {
				next += every
			}
			if d := next - phases[k]; d < quarter {
				t.Errorf("checks at %v and %v of the interval, %v apart, want at least %v", phases[k], next, d, quarter)
			}
		}
	})
}

// BenchmarkReconfigure is the time the scheduler takes to apply a reload of 1,000 services
// (all kept, new checkers), from Reconfigure to its channel closing.
func BenchmarkReconfigure(b *testing.B) {
	const n = 1000
	targets := make([]Target, n)
	for i := range targets {
		targets[i] = Target{Service: monSvc(fmt.Sprintf("s%04d", i), time.Hour, time.Second, time.Second),
			Checker: monFunc(reloadPass)}
	}
	m := NewMonitor(targets, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = m.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-m.Reconfigure(targets) // after the first round is under way
	b.ResetTimer()
	for b.Loop() {
		<-m.Reconfigure(targets)
	}
}

// reloadStarts runs n services at every in a bubble for 15 s, reloads to the targets reload
// gives them, and returns the checks started in each 100 ms of the 10 s from the reload, and
// for each service kept (id < n) its due times from the first grid check on.
func reloadStarts(t *testing.T, n int, every time.Duration, reload func([]Target) []Target) (counts []int, dues [][]time.Time, reloadAt time.Time) {
	const window = 100 * time.Millisecond
	monBubble(t, func(t *testing.T) {
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{Service: monSvc(fmt.Sprintf("s%04d", i), every, time.Second, time.Second), Checker: monBusy(20 * time.Millisecond)}
		}
		var mu sync.Mutex
		dues = make([][]time.Time, n)
		seen := make([]bool, n)
		counts = make([]int, 10*time.Second/window)
		m := NewMonitor(targets, Options{})
		var late int
		var lateMost time.Duration
		m.trace = func(i int, due, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if d := at.Sub(reloadAt); !reloadAt.IsZero() && d >= 0 && d < 10*time.Second {
				counts[d/window]++
			}
			if i >= n {
				return
			}
			if !seen[i] { // the start-up round's
				seen[i] = true
				return
			}
			dues[i] = append(dues[i], due)
			if !at.Equal(due) {
				late++
				lateMost = max(lateMost, at.Sub(due))
			}
		}
		monRun(t, m)
		fakeclock.Elapse(15 * time.Second)
		mu.Lock()
		reloadAt = time.Now()
		mu.Unlock()
		<-m.Reconfigure(reload(targets))
		fakeclock.Elapse(10*time.Second + resultDelay)
		mu.Lock()
		defer mu.Unlock()
		if late > 0 {
			t.Errorf("%d checks of kept services started late, up to %v", late, lateMost)
		}
	})
	return counts, dues, reloadAt
}

// TestReconfigureAddsWithoutABurst: a reload adding 1,000 services to 1,000 at 10 s starts the
// new ones' first checks spread as the start-up round's are (within a second or two, at most
// twice its mean rate in any 100 ms), not all in the same millisecond; then each joins its slot.
// The kept services keep their due times.
func TestReconfigureAddsWithoutABurst(t *testing.T) {
	const n, every, window = 1000, 10 * time.Second, 100 * time.Millisecond
	counts, dues, _ := reloadStarts(t, n, every, func(kept []Target) []Target {
		all := slices.Clone(kept)
		for i := range n {
			all = append(all, Target{Service: monSvc(fmt.Sprintf("new%04d", i), every, time.Second, time.Second), Checker: monBusy(20 * time.Millisecond)})
		}
		return all
	})
	round := max(time.Second, time.Duration(n)*time.Second/startRate)
	inRound := 0
	for _, c := range counts[:round/window] {
		inRound += c
	}
	mean := float64(inRound) / float64(round/window)
	peak := slices.Max(counts)
	t.Logf("reload adding %d to %d at %v: peak %d starts per %v, the round's mean %.1f (%.2fx)", n, n, every, peak, window, mean, float64(peak)/mean)
	if inRound < n {
		t.Errorf("%d checks started in the %v after the reload, want every new service's first (%d)", inRound, round, n)
	}
	if float64(peak) > 2*mean {
		t.Errorf("peak %d starts per %v after the reload, want at most twice the round's mean %.1f", peak, window, mean)
	}
	// After the round, the new services are in their slots: the stream is even again.
	steady := counts[2*time.Second/window:]
	total := 0
	for _, c := range steady {
		total += c
	}
	if m := float64(total) / float64(len(steady)); float64(slices.Max(steady)) > 2*m {
		t.Errorf("after the round: peak %d starts per %v, want at most twice the mean %.1f", slices.Max(steady), window, m)
	}
	reloadKeptOnGrid(t, dues, every)
}

// reloadKeptOnGrid checks that every kept service's due times stay a whole number of intervals
// apart across the reload, none skipped.
func reloadKeptOnGrid(t *testing.T, dues [][]time.Time, every time.Duration) {
	t.Helper()
	for i, d := range dues {
		if len(d) < 2 {
			t.Fatalf("kept %d: %d grid checks, want at least 2", i, len(d))
		}
		for k := 1; k < len(d); k++ {
			if gap := d[k].Sub(d[k-1]); gap != every {
				t.Fatalf("kept %d: due times %v apart across the reload, want %v", i, gap, every)
			}
		}
	}
}

// TestReconfigureIntervalsWithoutABurst: a reload that changes the interval of half of 2,000
// services at 10 s (to 5 s and to 20 s) moves each to a slot of its new interval without a
// burst; the other half keep their due times.
func TestReconfigureIntervalsWithoutABurst(t *testing.T) {
	const n, every, window = 2000, 10 * time.Second, 100 * time.Millisecond
	for _, to := range []time.Duration{5 * time.Second, 20 * time.Second} {
		t.Run(to.String(), func(t *testing.T) {
			counts, dues, _ := reloadStarts(t, n, every, func(kept []Target) []Target {
				all := slices.Clone(kept)
				for i := range all {
					if i%2 == 1 {
						all[i].Service.Interval = to
					}
				}
				return all
			})
			total := 0
			for _, c := range counts {
				total += c
			}
			mean, peak := float64(total)/float64(len(counts)), slices.Max(counts)
			t.Logf("reload moving %d of %d from %v to %v: peak %d starts per %v, mean %.1f (%.2fx)", n/2, n, every, to, peak, window, mean, float64(peak)/mean)
			if float64(peak) > 2*mean {
				t.Errorf("peak %d starts per %v after the reload, want at most twice the mean %.1f", peak, window, mean)
			}
			var unchanged [][]time.Time
			for i, d := range dues {
				if i%2 == 0 {
					unchanged = append(unchanged, d)
				}
			}
			reloadKeptOnGrid(t, unchanged, every)
		})
	}
}
