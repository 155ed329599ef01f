package monitor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// monWait is the deadline for waiting on a condition: in a bubble it is fake time and costs
// nothing; outside one it is generous, for -race on a loaded 2-core machine.
const monWait = 10 * time.Second

// monLeakCheck fails the test if it leaves goroutines behind. Registered first, it runs after
// every other cleanup.
func monLeakCheck(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// monBubble runs f in a synctest bubble, where the clock is fake and moves only when every
// goroutine in the bubble is blocked: a check due at T starts at T exactly, whatever the load
// on the machine, so timing assertions are exact and cost no wall time. Checkers in a bubble
// must not touch the network (real I/O does not block durably); the real-network tests run
// outside, with no timing bounds. Leaks are checked outside the bubble, after it ends.
func monBubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	monLeakCheck(t)
	synctest.Test(t, f)
}

// monListen serves TCP on 127.0.0.1, accepting and closing connections, until the test ends.
func monListen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// monTCP passes when a TCP connection to addr is established.
type monTCP struct{ addr string }

func (c monTCP) Check(ctx context.Context) probe.Result {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return probe.Result{Reason: err.Error()}
	}
	conn.Close()
	return probe.Result{OK: true}
}

// monFunc adapts a function to Checker.
type monFunc func(ctx context.Context) probe.Result

func (f monFunc) Check(ctx context.Context) probe.Result { return f(ctx) }

// monHung is a target that never answers: it blocks until ctx is done. started gets one value
// per check.
func monHung(started chan<- struct{}) probe.Checker {
	return monFunc(func(ctx context.Context) probe.Result {
		started <- struct{}{}
		<-ctx.Done()
		return probe.Result{Reason: "timeout"}
	})
}

// monBusy is a passing target that takes d to answer.
func monBusy(d time.Duration) probe.Checker {
	return monFunc(func(ctx context.Context) probe.Result {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return probe.Result{OK: true}
		case <-ctx.Done():
			return probe.Result{Reason: "timeout"}
		}
	})
}

func monSvc(name string, interval, timeout, retry time.Duration) config.Service {
	return config.Service{
		Name: name, Kind: probe.KindTCP, Interval: interval, Timeout: timeout,
		RetryInterval: retry, FailureThreshold: 2, SuccessThreshold: 1,
	}
}

// monRaise raises most to v if v is higher.
func monRaise(most *atomic.Int32, v int32) {
	for m := most.Load(); v > m && !most.CompareAndSwap(m, v); m = most.Load() {
	}
}

// monCall is one check as the monitor's trace saw it.
type monCall struct{ due, start time.Time }

// monRecorder collects what a monitor did, for tests to wait on and inspect.
type monRecorder struct {
	mu      sync.Mutex
	calls   map[int][]monCall
	results map[int][]track.Check
	events  map[int][]track.Event
	total   int // results observed
	signal  chan struct{}
	idx     map[string]int // a service's name to its position in the targets, for the maps above
}

func newMonRecorder() *monRecorder {
	return &monRecorder{
		calls: map[int][]monCall{}, results: map[int][]track.Check{}, events: map[int][]track.Event{},
		signal: make(chan struct{}, 1),
	}
}

// monitor returns a monitor for targets that reports to r.
func (r *monRecorder) monitor(targets []Target, opts Options) *Monitor {
	r.idx = make(map[string]int, len(targets))
	for i, t := range targets {
		r.idx[t.Service.Name] = i
	}
	opts.OnResult = r.onResult
	m := NewMonitor(targets, opts)
	m.trace = r.trace
	return m
}

func (r *monRecorder) trace(i int, due, start time.Time) {
	r.mu.Lock()
	r.calls[i] = append(r.calls[i], monCall{due, start})
	r.mu.Unlock()
	r.notify()
}

func (r *monRecorder) onResult(name string, res track.Check, evs []track.Event) {
	i := r.idx[name]
	r.mu.Lock()
	if !res.Start.IsZero() {
		r.results[i] = append(r.results[i], res)
		r.total++
	}
	r.events[i] = append(r.events[i], evs...)
	r.mu.Unlock()
	r.notify()
}

func (r *monRecorder) notify() {
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// waitFor waits until cond, called with r.mu held, is true; it fails the test at the deadline.
func (r *monRecorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(monWait)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.signal:
		case <-deadline.C:
			t.Fatalf("waited %v for %s", monWait, what)
		}
	}
}

// monRun starts m and returns a stop function that cancels it and fails the test unless Run
// returns promptly; stop also runs at cleanup.
func monRun(t *testing.T, m *Monitor) (stop func() time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	var once sync.Once
	var took time.Duration
	stop = func() time.Duration {
		once.Do(func() {
			begin := time.Now()
			cancel()
			select {
			case err := <-errc:
				took = time.Since(begin)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run() = %v, want %v", err, context.Canceled)
				}
			case <-time.After(monWait):
				t.Fatalf("Run did not return within %v of cancel", monWait)
			}
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestMonitorShutdownWithHungChecks(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const n = 50
		started := make(chan struct{}, n)
		targets := make([]Target, n)
		for i := range targets {
			targets[i] = Target{monSvc(fmt.Sprint("hung", i), time.Hour, time.Hour, time.Hour), monHung(started)}
		}
		stop := monRun(t, NewMonitor(targets, Options{}))
		for range n {
			select {
			case <-started:
			case <-time.After(monWait):
				t.Fatalf("hung checks not all started within %v", monWait)
			}
		}
		if took := stop(); took != 0 {
			t.Errorf("Run returned %v after cancel with %d hung checks in flight, want at once", took, n)
		}
	})
}

func TestMonitorRunTwice(t *testing.T) {
	monLeakCheck(t)
	m := NewMonitor(nil, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 2)
	for range 2 {
		go func() { errc <- m.Run(ctx) }()
	}
	// The loser returns at once; the winner runs until cancel.
	if err := <-errc; err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("first Run() to return = %v, want the called-twice error", err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("second Run() to return = %v, want %v", err, context.Canceled)
	}
}

func TestMonitorSnapshotBeforeRun(t *testing.T) {
	targets := []Target{{monSvc("a", time.Second, time.Second, time.Second), monBusy(0)}}
	got := NewMonitor(targets, Options{}).Snapshot()
	if len(got) != 1 || got["a"].State != track.Unknown {
		t.Errorf("Snapshot() = %d statuses, a %v; want 1, UNKNOWN", len(got), got["a"].State)
	}
}

// monNextUntil calls m.Next until a batch has a status of service name that satisfies ok, and
// returns it; it fails the test at the deadline.
func monNextUntil(t *testing.T, m *Monitor, name string, ok func(track.Status) bool) track.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), monWait)
	defer cancel()
	for {
		batch, err := m.Next(ctx)
		if err != nil {
			t.Fatalf("Next() error %v, waiting for service %s", err, name)
		}
		if s, found := batch[name]; found && ok(s) {
			return s
		}
	}
}

func TestMonitorNextCoalesces(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const fast, minBatch, want = 200, 100 * time.Millisecond, 2000
		// Service 0 is checked once in the test; the rest 20 times a second each.
		targets := []Target{{monSvc("slow", time.Hour, time.Second, time.Second), monScript()}}
		for i := range fast {
			targets = append(targets, Target{monSvc(fmt.Sprint("fast", i), 50*time.Millisecond, time.Second, time.Second), monScript()})
		}
		rec := newMonRecorder()
		m := rec.monitor(targets, Options{MinBatchInterval: minBatch})
		monRun(t, m)
		ctx, cancel := context.WithTimeout(context.Background(), monWait)
		defer cancel()
		begin := time.Now()
		batches, slowIn, total := 0, 0, 0
		for total < want || slowIn == 0 {
			batch, err := m.Next(ctx)
			if err != nil {
				t.Fatalf("Next() error %v after %d batches", err, batches)
			}
			batches++
			if _, ok := batch["slow"]; ok {
				slowIn++
			}
			for i, s := range batch {
				if s.LastAt.IsZero() {
					t.Errorf("batch %d: service %s never checked, want only changed services", batches, i)
				}
			}
			rec.mu.Lock()
			total = rec.total
			rec.mu.Unlock()
		}
		elapsed := time.Since(begin)
		if most := int(elapsed/minBatch) + 1; batches > most {
			t.Errorf("Next returned %d batches in %v, want at most %d (one per %v)", batches, elapsed, most, minBatch)
		}
		if total < 10*batches {
			t.Errorf("%d results came in %d batches, want at least 10 results a batch", total, batches)
		}
		if slowIn != 1 {
			t.Errorf("batches with the once-checked service = %d, want 1", slowIn)
		}
	})
}

func TestMonitorNextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := NewMonitor([]Target{{monSvc("a", time.Second, time.Second, time.Second), monScript()}}, Options{})
	if _, err := m.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next(cancelled) error = %v, want %v", err, context.Canceled)
	}
}

func TestMonitorPauseResume(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		const every = 100 * time.Millisecond
		var calls atomic.Int32
		counted := monFunc(func(context.Context) probe.Result {
			calls.Add(1)
			return probe.Result{OK: true}
		})
		targets := []Target{
			{monSvc("paused", every, every, every), counted},
			{monSvc("clock", every/2, every/2, every/2), monScript()},
		}
		rec := newMonRecorder()
		m := rec.monitor(targets, Options{MinBatchInterval: -1})
		monRun(t, m)
		rec.waitFor(t, "a first result", func() bool { return len(rec.results[0]) > 0 })

		m.Pause("paused")
		paused := monNextUntil(t, m, "paused", func(s track.Status) bool { return s.State == track.Paused })
		before := calls.Load()
		rec.mu.Lock()
		ticks := len(rec.results[1])
		rec.mu.Unlock()
		rec.waitFor(t, "10 checks of the other service", func() bool { return len(rec.results[1]) >= ticks+10 })
		// One check may have been in flight when the pause took effect; its result is dropped.
		if got := calls.Load(); got > before+1 {
			t.Errorf("checks while paused = %d, want at most 1", got-before)
		}
		if got := m.Snapshot()["paused"]; got.State != track.Paused || !got.LastAt.Equal(paused.LastAt) {
			t.Errorf("Snapshot()[paused] while paused = %v, last check at %v; want PAUSED, %v", got.State, got.LastAt, paused.LastAt)
		}

		resumed := time.Now()
		m.Resume("paused")
		up := monNextUntil(t, m, "paused", func(s track.Status) bool { return s.State == track.Up && s.LastAt.After(paused.LastAt) })
		if got := up.LastAt.Sub(resumed); got != 0 {
			t.Errorf("first check after Resume started %v after it, want at once", got)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		calls0 := rec.calls[0]
		if due := calls0[len(calls0)-1].due; monOnGrid(monPhases(targets)[0], due) {
			t.Errorf("check after Resume due %v after the first, on its grid of %v; want at once, off the grid", due.Sub(calls0[0].due), every)
		}
		var states []track.State
		for _, e := range rec.events[0] {
			if e.Kind == track.StateChanged {
				states = append(states, e.To)
			}
		}
		if want := []track.State{track.Up, track.Paused, track.Up}; !slices.Equal(states, want) {
			t.Errorf("states entered = %v, want %v", states, want)
		}
	})
}

// TestMonitorRealTCP runs the monitor against a real server on loopback, outside any bubble
// (real I/O never blocks durably in one), with no timing bound: every service's first check
// connects and passes, and Next reports it.
func TestMonitorRealTCP(t *testing.T) {
	monLeakCheck(t)
	const n = 20
	addr := monListen(t)
	targets := make([]Target, n)
	for i := range targets {
		targets[i] = Target{monSvc(fmt.Sprint("svc", i), time.Hour, 5*time.Second, time.Hour), monTCP{addr}}
	}
	rec := newMonRecorder()
	m := rec.monitor(targets, Options{MinBatchInterval: -1})
	monRun(t, m)
	rec.waitFor(t, "a first result from every service", func() bool { return len(rec.results) == n })
	rec.mu.Lock()
	for i := range n {
		if r := rec.results[i][0]; !r.OK {
			t.Errorf("service %d: first result OK = false (%s), want true", i, r.Reason)
		}
	}
	rec.mu.Unlock()
	up := monNextUntil(t, m, "svc0", func(s track.Status) bool { return s.State == track.Up })
	if up.LastAt.IsZero() || !up.LastOK {
		t.Errorf("Next()[svc0] = last check at %v, OK %v; want a passing check", up.LastAt, up.LastOK)
	}
}
