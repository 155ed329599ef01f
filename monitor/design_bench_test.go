//go:build unix

package monitor

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// BenchmarkSchedulerDesign puts the monitor's design, one scheduler goroutine over a heap
// starting a goroutine per check in flight, beside the common one, a goroutine and a ticker per
// service sending results to one collector, doing the same work: 10,000 services checked every
// second by a checker that returns at once, each check run by runCheck and fed to a Tracker.
// Each op runs for a few seconds; run it with -benchtime=1x. CPU, allocations and checks are
// taken together at the end of the window, before the GC that heap-MB needs and before
// shutdown, so neither is in the per-check figures.
func BenchmarkSchedulerDesign(b *testing.B) {
	const n, every, runFor = 10000, time.Second, 4 * time.Second
	noop := monFunc(func(context.Context) probe.Result { return probe.Result{OK: true} })
	targets := make([]Target, n)
	for i := range targets {
		targets[i] = Target{monSvc(fmt.Sprint("svc", i), every, every, every), noop}
	}
	designs := []struct {
		name  string
		setup designSetup
	}{
		{"heap-scheduler", heapDesign},
		{"goroutine-per-service", tickerDesign},
	}
	for _, d := range designs {
		b.Run(d.name, func(b *testing.B) { benchDesign(b, targets, runFor, d.setup) })
	}
}

// designSetup builds a design's state for targets, outside the measured window, and returns the
// function that runs it until ctx is done and every goroutine it started has ended. The design
// reports each check to rec.
type designSetup func(targets []Target, rec *designRec) (run func(ctx context.Context))

// designRec collects what both designs report: finished checks and how late each started.
type designRec struct {
	checks atomic.Int64
	mu     sync.Mutex
	late   []time.Duration
}

// trace records a check that was due at due and started at start. Both designs call it from
// the goroutine that ran the check, so both pay for the same lock.
func (r *designRec) trace(_ int, due, start time.Time) {
	r.mu.Lock()
	r.late = append(r.late, start.Sub(due))
	r.mu.Unlock()
}

// designSample is what one op measured.
type designSample struct {
	cpu                          time.Duration
	mallocs, ctxsw               uint64
	checks                       int64
	heapInuse, heap0, goroutines uint64
	stackInuse                   uint64 // goroutine stacks are not in the heap
}

func benchDesign(b *testing.B, targets []Target, runFor time.Duration, setup designSetup) {
	opt := goleak.IgnoreCurrent()
	var sum designSample
	var late []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rec := &designRec{late: make([]time.Duration, 0, len(targets)*int(runFor/time.Second+2))}
		s := runDesign(targets, runFor, setup, rec)
		sum.cpu += s.cpu
		sum.mallocs += s.mallocs
		sum.ctxsw += s.ctxsw
		sum.checks += s.checks
		sum.heapInuse = max(sum.heapInuse, s.heapInuse)
		sum.heap0 = max(sum.heap0, s.heap0)
		sum.stackInuse = max(sum.stackInuse, s.stackInuse)
		sum.goroutines = max(sum.goroutines, s.goroutines)
		late = append(late, rec.late...)
	}
	b.StopTimer()
	goleak.VerifyNone(b, opt)

	c := float64(sum.checks)
	if c == 0 || len(late) == 0 {
		b.Fatal("no checks finished")
	}
	slices.Sort(late)
	b.ReportMetric(float64(sum.cpu.Nanoseconds())/1000/c, "cpu-µs/check")
	b.ReportMetric(float64(sum.mallocs)/c, "allocs/check")
	b.ReportMetric(float64(sum.ctxsw)/c, "ctxsw/check")
	b.ReportMetric(float64(sum.heapInuse)/(1<<20), "heap-MB")
	b.ReportMetric((float64(sum.heapInuse)-float64(sum.heap0))/(1<<20), "heap-run-MB")
	b.ReportMetric(float64(sum.stackInuse)/(1<<20), "stack-MB")
	b.ReportMetric(float64(sum.goroutines), "goroutines")
	b.ReportMetric(float64(late[len(late)/2].Microseconds())/1000, "late-p50-ms")
	b.ReportMetric(float64(late[len(late)*99/100].Microseconds())/1000, "late-p99-ms")
	b.ReportMetric(c/float64(b.N), "checks")
}

// runDesign runs one design for runFor and measures it. heap0 is the heap in use once the
// design is set up, trackers included, so that heap-run-MB is what running it added. goroutines is the most the design had
// at once above the count before it started, sampled every 10ms by this goroutine so that the
// sampler adds none.
func runDesign(targets []Target, runFor time.Duration, setup designSetup, rec *designRec) designSample {
	var s designSample
	var ms runtime.MemStats
	run := setup(targets, rec)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	s.heap0 = ms.HeapInuse
	g0 := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	cpu0, mallocs0 := usage()
	csw0 := ctxSwitches()
	wg.Go(func() { run(ctx) })

	end := time.Now().Add(runFor)
	tick := time.NewTicker(10 * time.Millisecond)
	for now := time.Now(); now.Before(end); now = <-tick.C {
		s.goroutines = max(s.goroutines, uint64(max(runtime.NumGoroutine()-g0, 0)))
	}
	tick.Stop()
	cpu1, mallocs1 := usage()
	s.ctxsw = ctxSwitches() - csw0
	s.checks = rec.checks.Load()
	s.cpu, s.mallocs = cpu1-cpu0, mallocs1-mallocs0

	runtime.GC()
	runtime.ReadMemStats(&ms)
	s.heapInuse, s.stackInuse = ms.HeapInuse, ms.StackInuse
	cancel()
	wg.Wait()
	return s
}

// ctxSwitches returns the process's context switches so far, voluntary and not: a proxy for
// how often its threads wake up.
func ctxSwitches() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return uint64(ru.Nvcsw + ru.Nivcsw)
}

// heapDesign is the real Monitor, as uptty runs it.
func heapDesign(targets []Target, rec *designRec) func(context.Context) {
	m := NewMonitor(targets, Options{OnResult: func(_ string, r track.Check, _ []track.Event) {
		if !r.Start.IsZero() {
			rec.checks.Add(1)
		}
	}})
	m.trace = rec.trace
	return func(ctx context.Context) { _ = m.Run(ctx) }
}

// tickerDesign is the common design at its simplest: per service a goroutine that waits for its
// place in the first second, as the monitor spreads first checks, checks, then checks on every
// tick of its own ticker; one collector goroutine owns the trackers and observes every result.
// It has no retry interval, pause or concurrency bound: they would only add to its cost.
func tickerDesign(targets []Target, rec *designRec) func(context.Context) {
	trackers := make([]*track.Tracker, len(targets))
	for i, t := range targets {
		trackers[i] = track.NewTracker(policyOf(t.Service))
	}
	return func(ctx context.Context) {
		results := make(chan outcome, min(len(targets), 256))
		var wg sync.WaitGroup
		defer wg.Wait() // every service goroutine sees ctx done and returns
		t0 := time.Now()
		for i, t := range targets {
			interval, timeout, _ := cadence(t.Service)
			spread := int64(min(time.Second, interval))
			first := t0.Add(time.Duration(int64(i) * spread / int64(len(targets))))
			wg.Go(func() { tickerService(ctx, i, t, first, interval, timeout, results, rec) })
		}
		// The lock stands for the one a UI reading snapshots would need, as the monitor has.
		var mu sync.Mutex
		var buf track.Check
		for {
			select {
			case <-ctx.Done():
				return
			case o := <-results:
				mu.Lock()
				trackers[o.id].Observe(checkOf(&o.r, &buf))
				mu.Unlock()
				rec.checks.Add(1)
			}
		}
	}
}

// tickerService checks one service at first and then on every tick until ctx is done. A tick's
// value is when it was meant to fire, so lateness is measured against the ticker's own grid.
func tickerService(ctx context.Context, id int, t Target, first time.Time, interval, timeout time.Duration,
	results chan<- outcome, rec *designRec) {
	wait := time.NewTimer(time.Until(first))
	defer wait.Stop()
	var due time.Time
	select {
	case <-ctx.Done():
		return
	case due = <-wait.C:
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		r := runCheck(ctx, t)
		rec.trace(id, due, r.Start)
		select {
		case results <- outcome{id: id, r: r}:
		case <-ctx.Done():
			return
		}
		select {
		case <-ctx.Done():
			return
		case due = <-tick.C:
		}
	}
}
