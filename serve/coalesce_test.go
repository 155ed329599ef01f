package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
)

// The tests of this file run the monitor and the fan-out in a synctest bubble, where the clock
// is fake and moves only when every goroutine waits: a check due at T runs at T exactly, and
// an event queued at T is read at T. The streams are the hub's clients without HTTP (real I/O
// does not wait durably); the HTTP side is the same for every event and is tested elsewhere.

// scripted is a checker that needs no network, whose results the test sets: passing or not,
// with a latency that is the check's number in milliseconds (1 ms, 2 ms…), so that every
// result changes the service's status and an event tells which check it shows.
type scripted struct {
	mu     sync.Mutex
	fail   bool
	checks []time.Time // when each check ran, the first first
}

func (c *scripted) Check(context.Context) probe.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks = append(c.checks, time.Now())
	r := probe.Result{Start: time.Now(), Latency: time.Duration(len(c.checks)) * time.Millisecond, OK: !c.fail}
	if c.fail {
		r.Reason = "connection refused"
	}
	return r
}

func (c *scripted) setFail(fail bool) {
	c.mu.Lock()
	c.fail = fail
	c.mu.Unlock()
}

// firstFrom is when the first check at or after t ran; zero if none did.
func (c *scripted) firstFrom(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, at := range c.checks {
		if !at.Before(t) {
			return at
		}
	}
	return time.Time{}
}

// newest is the range of check numbers a status taken at t may show: every check before t is
// in it, and a check at t itself may be or not be.
func (c *scripted) newest(t time.Time) (lo, hi int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, at := range c.checks {
		if at.Before(t) {
			lo++
		}
		if !at.After(t) {
			hi++
		}
	}
	return lo, hi
}

// bubble is a Server with its monitor over scripted checkers and its fan-out running, each
// result handed to the fan-out as soon as it is in (no batching), in the current synctest
// bubble until the test ends.
type bubble struct {
	srv      *Server
	checkers map[string]*scripted
	ctx      context.Context
	readers  sync.WaitGroup
}

// startBubble checks services named names every interval, failing after one failure.
func startBubble(t *testing.T, interval time.Duration, names ...string) *bubble {
	t.Helper()
	b := &bubble{checkers: map[string]*scripted{}}
	svcs := make([]config.Service, len(names))
	targets := make([]monitor.Target, len(names))
	for i, name := range names {
		svcs[i] = config.Service{Name: name, Kind: probe.KindTCP, Interval: interval, Timeout: interval,
			RetryInterval: interval, FailureThreshold: 1, SuccessThreshold: 1}
		b.checkers[name] = &scripted{}
		targets[i] = monitor.Target{Service: svcs[i], Checker: b.checkers[name]}
	}
	mon := monitor.NewMonitor(targets, monitor.Options{MinBatchInterval: -1})
	b.srv = New(Options{Services: svcs, Monitor: mon})
	ctx, cancel := context.WithCancel(context.Background())
	b.ctx = ctx
	var wg sync.WaitGroup
	seen := b.srv.loggedStates()
	wg.Go(func() { _ = mon.Run(ctx) })
	wg.Go(func() { b.srv.fanout(ctx, seen) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		b.readers.Wait()
	})
	return b
}

// serviceEvent is what the tests read of a `service` event, or of a service in a snapshot.
type serviceEvent struct {
	Name      string  `json:"name"`
	State     string  `json:"state"`
	LatencyMS float64 `json:"latency_ms"`
}

// reading is what a stream took at one wake-up, when.
type reading struct {
	at       time.Time
	snapshot []serviceEvent // the snapshot's services, if it took one (first)
	services []serviceEvent // the `service` events, in order
}

// viewer is a stream client read as the events handler reads one: at every wake-up it takes
// all that is queued.
type viewer struct {
	mu       sync.Mutex
	readings []reading
}

// watch subscribes a viewer.
func (b *bubble) watch(t *testing.T) *viewer {
	t.Helper()
	c := b.srv.subscribe()
	if c == nil {
		t.Fatal("subscribe refused")
	}
	v := &viewer{}
	b.readers.Go(func() {
		defer b.srv.unsubscribe(c)
		for {
			select {
			case <-c.wake:
			case <-b.ctx.Done():
				return
			}
			q := c.take()
			if len(q) == 0 {
				continue
			}
			r := reading{at: time.Now()}
			events := make(chan event, 1024)
			readEvents(bytes.NewReader(bytes.Join(q, nil)), events)
			close(events)
			for ev := range events {
				switch ev.Name {
				case "snapshot":
					var doc struct{ Services []serviceEvent }
					if err := json.Unmarshal([]byte(ev.Data), &doc); err != nil {
						t.Errorf("snapshot %s: %v", ev.Data, err)
					}
					r.snapshot = doc.Services
				case "service":
					var d serviceEvent
					if err := json.Unmarshal([]byte(ev.Data), &d); err != nil {
						t.Errorf("service event %s: %v", ev.Data, err)
					}
					r.services = append(r.services, d)
				}
			}
			v.mu.Lock()
			v.readings = append(v.readings, r)
			v.mu.Unlock()
		}
	})
	return v
}

func (v *viewer) taken() []reading {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]reading(nil), v.readings...)
}

// checkStream checks what a viewer read: a snapshot first; every status (the snapshot's and
// the events') the newest the server had when it was sent, so never an older one after a newer
// and never one missed at the end; at most one event a service in a reading; and a reading
// whose events change no service's state only heldLead before a whole second of the clock, or
// at one of also (when another stream's snapshot was taken).
func (b *bubble) checkStream(t *testing.T, v *viewer, also ...time.Time) {
	t.Helper()
	rs := v.taken()
	if len(rs) == 0 || rs[0].snapshot == nil {
		t.Fatalf("the stream's first reading is not a snapshot: %+v", rs)
	}
	states := map[string]string{}
	latest := map[string]float64{}
	check := func(at time.Time, ev serviceEvent) {
		t.Helper()
		c := b.checkers[ev.Name]
		if c == nil {
			t.Fatalf("%v: an event for %q, an unknown service", at, ev.Name)
		}
		if lo, hi := c.newest(at); ev.LatencyMS < float64(lo) || ev.LatencyMS > float64(hi) {
			t.Errorf("%v: %s shows check %v, want the newest (%d or %d)", at, ev.Name, ev.LatencyMS, lo, hi)
		}
		if ev.LatencyMS < latest[ev.Name] {
			t.Errorf("%v: %s shows check %v after check %v", at, ev.Name, ev.LatencyMS, latest[ev.Name])
		}
		latest[ev.Name] = ev.LatencyMS
	}
	for _, ev := range rs[0].snapshot {
		if ev.State != "unknown" {
			check(rs[0].at, ev)
		}
		states[ev.Name] = ev.State
	}
	for _, r := range rs[1:] {
		if r.snapshot != nil {
			t.Fatalf("%v: a second snapshot", r.at)
		}
		changed := false
		once := map[string]bool{}
		for _, ev := range r.services {
			if once[ev.Name] {
				t.Errorf("%v: two events for %s in one write", r.at, ev.Name)
			}
			once[ev.Name] = true
			check(r.at, ev)
			changed = changed || ev.State != states[ev.Name]
			states[ev.Name] = ev.State
		}
		onSecond := r.at.Add(heldLead).Equal(r.at.Add(heldLead).Truncate(time.Second))
		// A batch that changed states at the instant the snapshot was taken may reach the
		// stream after it, its states already in it: the snapshot and the fan-out run at once
		// (seen under -race beside the root package's tests).
		onSecond = onSecond || r.at.Equal(rs[0].at)
		for _, at := range also {
			onSecond = onSecond || r.at.Equal(at)
		}
		if !changed && !onSecond {
			t.Errorf("%v: events that change no state, sent before the second: %+v", r.at, r.services)
		}
	}
	// The last status of each service is the newest: nothing is lost at the end.
	last := rs[len(rs)-1].at.Add(heldLead).Truncate(time.Second).Add(-heldLead)
	for name, c := range b.checkers {
		if lo, _ := c.newest(last); latest[name] < float64(lo) && states[name] != "paused" {
			t.Errorf("the stream's last status of %s is check %v, want at least %d", name, latest[name], lo)
		}
	}
}

// TestCosmeticEventsWaitForTheSecond: with every service up, each check moves only a latency:
// the stream gets them once a second, heldLead before the second, each service once with its
// newest status although it was checked four times in the second.
func TestCosmeticEventsWaitForTheSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startBubble(t, 250*time.Millisecond, "a", "b", "c")
		v := b.watch(t)
		start := time.Now() // on a whole second, as a bubble's clock starts
		fakeclock.Elapse(5*time.Second + 500*time.Millisecond)
		b.checkStream(t, v)
		// After the first round (UNKNOWN to UP, sent at once) only latencies move.
		var writes, want []time.Duration
		for _, r := range v.taken() {
			if at := r.at.Sub(start); at >= 500*time.Millisecond && len(r.services) > 0 {
				writes = append(writes, at)
			}
		}
		for s := time.Second; s <= 5*time.Second; s += time.Second {
			want = append(want, s-heldLead)
		}
		if !slices.Equal(writes, want) {
			t.Errorf("the stream was written at %v after the first second, want %v", writes, want)
		}
	})
}

// TestStateChangeGoesAtOnce: a service going DOWN and one paused reach the stream at the
// instant they happen, mid-second, with what was held of the others.
func TestStateChangeGoesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startBubble(t, 250*time.Millisecond, "a", "b", "c")
		v := b.watch(t)
		fakeclock.Elapse(2*time.Second + 100*time.Millisecond)
		failFrom := time.Now()
		b.checkers["a"].setFail(true)
		fakeclock.Elapse(300 * time.Millisecond) // a checks once more meanwhile
		pausedAt := time.Now()
		b.srv.opts.Monitor.Pause("b")
		fakeclock.Elapse(2 * time.Second)
		b.checkStream(t, v)

		downAt := b.checkers["a"].firstFrom(failFrom)
		// What was held when a went DOWN: c's checks since the last release, if any.
		cHeld := b.checkers["c"].firstFrom(downAt.Add(heldLead).Truncate(time.Second).Add(-heldLead + time.Nanosecond))
		got := map[string]reading{}
		for _, r := range v.taken() {
			for _, ev := range r.services {
				if key := ev.Name + " " + ev.State; got[key].at.IsZero() {
					got[key] = r
				}
			}
		}
		if r := got["a down"]; !r.at.Equal(downAt) {
			t.Errorf("a DOWN reached the stream at %v, want at once: %v", r.at, downAt)
		} else if cHeld.Before(downAt) && !slices.ContainsFunc(r.services, func(ev serviceEvent) bool { return ev.Name == "c" }) {
			t.Errorf("a DOWN went without c's status held since %v: %+v", cHeld, r.services)
		}
		if r := got["b paused"]; !r.at.Equal(pausedAt) {
			t.Errorf("b PAUSED reached the stream at %v, want at once: %v", r.at, pausedAt)
		}
	})
}

// TestNoEventLostAcrossSnapshot: a stream opened mid-second takes a snapshot at once; the one
// already open gets what was held for it then (it is older than the new snapshot, which is
// taken from the monitor's newest statuses, so the fan-out could not hold it any longer),
// neither gets a status older than one it has, and both end with every service's newest.
func TestNoEventLostAcrossSnapshot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startBubble(t, 250*time.Millisecond, "a", "b", "c")
		first := b.watch(t)
		fakeclock.Elapse(2*time.Second + 600*time.Millisecond)
		openedAt := time.Now()
		second := b.watch(t)
		synctest.Wait()
		fakeclock.Elapse(3 * time.Second)
		b.checkStream(t, first, openedAt)
		b.checkStream(t, second)
		if rs := second.taken(); !rs[0].at.Equal(openedAt) {
			t.Errorf("the second stream's snapshot came at %v, want at once (%v)", rs[0].at, openedAt)
		}
		found := false
		for _, r := range first.taken() {
			found = found || r.at.Equal(openedAt) && len(r.services) > 0
		}
		if !found {
			t.Errorf("the first stream got nothing when the second opened: %s", fmt.Sprint(first.taken()))
		}
	})
}
