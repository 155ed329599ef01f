package monitor

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// Target is one service to monitor and the checker that checks it.
type Target struct {
	Service config.Service
	Checker probe.Checker
}

// Options tune a Monitor. The zero value is ready to use.
type Options struct {
	// Concurrency bounds how many checks may be in flight at once (default 1000), and the
	// open-file limit bounds it in turn (see slotsFor).
	Concurrency int
	// MinBatchInterval is the shortest time between two batches returned by Next (default
	// 200ms; negative for none), so that thousands of results a second reach the UI as a few
	// frames. A batch that only changes how services look may wait longer (see Next).
	MinBatchInterval time.Duration
	// StartAhead is how far ahead of its due time a check may start along with one that is due
	// (default none: every check starts at its due time). Checks then start in small groups
	// (at most 4), none late; a service's slots and grid do not change. Where checks are too
	// sparse for StartAhead to group them, the window widens to twice their mean gap, but for
	// no service to more than a fiftieth of its interval (see setAhead): at most the larger of
	// StartAhead and 2% of the interval early. What a check costs the process is for the most part what waking for it costs
	// (the timer, the threads woken, the runtime's monitor thread set going each time the
	// process leaves idle; on a small VM a fresh-connection request paced alone costs ~0.45 ms
	// of CPU, in twos ~0.26), and that is paid once per group. 20 ms takes 27-30% off the CPU
	// per check at 1,000 services every 10 s. It is off unless set, so that a check's start
	// moves only where its owner chose (uptty and uptty serve set 20 ms: see main.go's
	// checkStartAhead); requests started together also reach a server together.
	StartAhead time.Duration
	// OnResult, if set, is called by the scheduler goroutine with every check of the service
	// named name, in order, and the events it caused (nil if none). The check comes without its
	// Facts and Phases, which history does not keep; it is the zero Check for the events of a
	// Pause or a Resume. OnResult must not block (hand the data to a buffered queue): the
	// scheduler waits for it. A history store uses it to record everything.
	OnResult func(name string, c track.Check, events []track.Event)
	// Lateness, if set, is told how long after it was due each check began (its wait for a
	// concurrency slot, and for its turn when checks are caught up after a stall, included):
	// what says that checks run late, with too little concurrency
	// or on an overloaded machine. It is called from the checks' goroutines, concurrently.
	Lateness func(late time.Duration)
	// Restore, if set, is asked by NewMonitor for each service's state from before a restart;
	// when ok, the service's tracker starts from it (see track.Tracker.Restore) rather than UNKNOWN.
	Restore func(name string) (s track.Saved, ok bool)
}

// Monitor checks many services on their intervals and tracks their state. One scheduler
// goroutine owns the schedule and the trackers and runs each check in flight on a goroutine of
// its own (a pooled worker, see scheduler.worker), so a hung target never delays another's
// check and nothing runs for a service between its checks.
//
// A service is known by its name, everywhere: to the monitor's callers, to history and to the
// UI. Names are unique in a config; positions are the scheduler's own business.
type Monitor struct {
	// targets, index and trackers are indexed by a service's id, its position in targets. Ids
	// are never reused: a service a reload removes leaves a hole (a nil tracker), so that a
	// check in flight across the reload can never be taken for another service's. They change
	// in the scheduler goroutine only, under mu; that goroutine reads them without it.
	targets  []Target
	index    map[string]int // a service's name to its id
	slots    int
	minBatch time.Duration
	// startAhead is Options.StartAhead, 0 for none.
	startAhead time.Duration
	onResult   func(string, track.Check, []track.Event)
	lateness   func(time.Duration)
	// trace, set by tests and benchmarks, sees when each finished check was due and began.
	trace func(i int, due, start time.Time)

	running atomic.Bool
	wake    chan struct{} // cap 1: a command was queued
	changed chan struct{} // cap 1: a change Next may hand out a batch for (see markDirty)
	// batchAlarm is Next's timer, kept from one call to the next (a timerfd on Linux: see
	// Next), for one caller at a time (batchAlarmMu); nil until Next first waits on one.
	batchAlarmMu sync.Mutex
	batchAlarm   alarm

	mu        sync.Mutex
	trackers  []*track.Tracker // changed by the scheduler goroutine only, always under mu
	dirty     []int            // services changed since the last batch
	isDirty   []bool
	urgent    bool // a change since the last batch moved a service's standing (see markDirty)
	commands  []command
	reconfig  []reconfig
	lastBatch time.Time
}

// command is a Pause or Resume waiting for the scheduler.
type command struct {
	name  string
	pause bool
}

// NewMonitor returns a monitor for targets; nothing runs until Run. Every target's tracker
// starts UNKNOWN, or from what Options.Restore gives for it.
func NewMonitor(targets []Target, opts Options) *Monitor {
	m := &Monitor{
		targets:  targets,
		index:    make(map[string]int, len(targets)),
		slots:    opts.Concurrency,
		minBatch: opts.MinBatchInterval,
		onResult: opts.OnResult,
		lateness: opts.Lateness,
		wake:     make(chan struct{}, 1),
		changed:  make(chan struct{}, 1),
		trackers: make([]*track.Tracker, len(targets)),
		isDirty:  make([]bool, len(targets)),
	}
	if m.slots <= 0 {
		m.slots = 1000
	}
	m.slots = slotsFor(m.slots)
	if m.minBatch == 0 {
		m.minBatch = 200 * time.Millisecond
	}
	m.startAhead = max(opts.StartAhead, 0)
	now := time.Now()
	for i, t := range targets {
		m.index[t.Service.Name] = i
		m.trackers[i] = track.NewTracker(policyOf(t.Service))
		if opts.Restore == nil {
			continue
		}
		if st, ok := opts.Restore(t.Service.Name); ok {
			m.trackers[i].Restore(st, now)
		}
	}
	return m
}

// Restore starts each service's tracker from what restore gives for it, as Options.Restore
// does in NewMonitor, for a monitor whose screen is drawn before history is read. It must be
// called before Run. The services restored are reported by Next, as if they had changed; the
// lock is taken a few hundred services at a time, so a screen asking meanwhile is not held up.
func (m *Monitor) Restore(restore func(name string) (s track.Saved, ok bool)) {
	if m.running.Load() {
		return // a tracker that has seen a check must not be set back
	}
	const chunk = 256
	for from := 0; from < len(m.targets); from += chunk {
		m.mu.Lock()
		now := time.Now()
		for i := from; i < min(from+chunk, len(m.targets)); i++ {
			if st, ok := restore(m.targets[i].Service.Name); ok && m.trackers[i] != nil {
				m.trackers[i].Restore(st, now)
				m.markDirty(i, true)
			}
		}
		m.mu.Unlock()
	}
}

// Run checks every service until ctx is done: the first checks spread over the first second
// (at most startRate a second: over 2s for 10,000 services), then each service on its interval,
// in its own slot of it (near the hash of its name, see scheduler.place), or every
// retry_interval while failing. It returns ctx's error once every goroutine it started has
// ended. Run may be called only once.
func (m *Monitor) Run(ctx context.Context) error {
	if !m.running.CompareAndSwap(false, true) {
		return errors.New("monitor: Monitor.Run called twice")
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	s := newScheduler(m)
	defer s.wg.Wait() // after cancel: every check sees ctx done and returns
	defer cancel()
	s.loop(ctx)
	return parent.Err()
}

// Pause stops checking the service named name and makes it PAUSED; a check in flight is
// discarded. It is safe from any goroutine, takes effect in the scheduler shortly after, and
// ignores an unknown name.
func (m *Monitor) Pause(name string) { m.queue(name, true) }

// Resume checks the service named name again at once and then on its interval. Like Pause, it
// is safe from any goroutine.
func (m *Monitor) Resume(name string) { m.queue(name, false) }

func (m *Monitor) queue(name string, pause bool) {
	m.mu.Lock()
	m.commands = append(m.commands, command{name: name, pause: pause})
	m.mu.Unlock()
	m.poke()
}

// poke wakes the scheduler to apply what was queued.
func (m *Monitor) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Snapshot returns the status of every service now, by name.
func (m *Monitor) Snapshot() map[string]track.Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	out := make(map[string]track.Status, len(m.index))
	for i, t := range m.trackers {
		if t != nil {
			out[m.targets[i].Service.Name] = t.Status(now)
		}
	}
	return out
}

// Reading is what a metrics scrape reads of one service.
type Reading struct {
	// Service is the service as configured; it is shared, not to be changed.
	Service *config.Service
	Status  track.Status
	// Last is the newest check, without its Facts (see track.Tracker.Last); HasLast is false
	// before the first.
	Last    track.Check
	HasLast bool
	// Outages counts the service's outages, over all history after a restart.
	Outages int
}

// Readings appends a Reading of every service, in the config's order, to buf and returns it.
// It copies under the monitor's lock and builds nothing else there, so that a scrape holds up
// the scheduler for as little as possible.
func (m *Monitor) Readings(buf []Reading) []Reading {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for i, t := range m.trackers {
		r := Reading{Service: &m.targets[i].Service, Status: t.Status(now), Outages: t.OutageCount()}
		r.Last, r.HasLast = t.Last()
		buf = append(buf, r)
	}
	return buf
}

// Detail returns what the detail view shows of the service named name beyond its Status; ok
// is false for an unknown name. It copies under the monitor's lock and never waits for a
// check, so a UI may call it from a tea.Cmd at any time.
func (m *Monitor) Detail(name string) (d track.Detail, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.index[name]
	if !ok {
		return track.Detail{}, false
	}
	return m.trackers[i].Detail(), true
}

// Status returns the status now of the service named name; ok is false for an unknown name.
// It is Snapshot for one service, for a caller that asks often (serve's log, at each alert it
// logs) and must not build the status of every service each time.
func (m *Monitor) Status(name string) (st track.Status, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.index[name]
	if !ok || m.trackers[i] == nil {
		return track.Status{}, false
	}
	return m.trackers[i].Status(time.Now()), true
}

// lookLead is how long before the wall clock's second a batch that only changes how services
// look goes out at the latest (see Next): a screen draws such changes on its clock's tick, on
// the second, and serve's event streams send them 200 ms before it (serve's heldLead).
const lookLead = 250 * time.Millisecond

// lookDue is when a batch of changes to looks alone goes out at the latest after a batch at
// last: lookLead before the first wall-clock second it may (MinBatchInterval after last).
func lookDue(last time.Time, minBatch time.Duration) time.Time {
	earliest := last.Add(minBatch)
	return earliest.Add(lookLead - 1).Truncate(time.Second).Add(time.Second - lookLead)
}

// Next blocks until at least one service has changed since the last batch, then returns the
// status of each changed service keyed by its name. Batches are at least MinBatchInterval
// apart: changes that come sooner wait, gathered into the next batch. Changes that only move
// how services look (their latency, samples, uptime; no state or outage changed: see
// markDirty) wait past the interval for the next change, which wakes Next anyway, or until
// just before the clock's next second (lookDue): a screen shows such changes at its clock's
// tick, not at once (ui's looksOnly), so they still reach it by the tick they were shown at,
// and a timer of their own was a wake-up of the process for each batch (at 100 services every
// 10 s, five a second beside the checks' ten). A change of state or outage ends the wait at
// MinBatchInterval, as before. It returns ctx.Err() when ctx is done first.
//
// Its timer is the scheduler's kind of alarm (a timerfd once wallclock.Enable ran): the batch of
// looks goes out on it every second at 100 services every 10 s, and as a Go timer it woke the
// network poller's thread twice (a millisecond apart: the poller waits in whole milliseconds)
// and the runtime's monitor thread, sysmon, which sleeps until the next Go timer and then
// polls while the goroutines run (README "Benchmarks", session 12).
func (m *Monitor) Next(ctx context.Context) (map[string]track.Status, error) {
	var timer alarm
	var shared bool
	defer func() {
		if timer != nil {
			timer.Stop()
			if shared {
				m.batchAlarmMu.Unlock()
			} else {
				timer.Close()
			}
		}
	}()
	for {
		m.mu.Lock()
		pending := len(m.dirty) > 0
		since := time.Since(m.lastBatch)
		if pending && since >= m.minBatch {
			now := time.Now()
			out := make(map[string]track.Status, len(m.dirty))
			for _, i := range m.dirty {
				out[m.targets[i].Service.Name] = m.trackers[i].Status(now)
				m.isDirty[i] = false
			}
			m.dirty = m.dirty[:0]
			m.urgent = false
			m.lastBatch = time.Now()
			m.mu.Unlock()
			return out, nil
		}
		wait := m.minBatch - since
		if !m.urgent {
			// Read on the wall clock, so bounded: a clock stepped back must not hold them longer.
			wait = min(max(time.Until(lookDue(m.lastBatch, m.minBatch)), wait), wait+time.Second)
		}
		m.mu.Unlock()
		var expired <-chan time.Time
		if pending {
			if timer == nil {
				timer, shared = m.takeBatchAlarm()
			}
			// A fire left from an earlier call or Reset wakes this loop early: it looks again.
			timer.Reset(wait)
			expired = timer.C()
		}
		select {
		case <-m.changed:
		case <-expired:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// takeBatchAlarm is the monitor's batch alarm (shared), made at its first use, for Next to
// Reset and to hand back (unlock batchAlarmMu) as it returns; a second caller of Next at the
// same time gets a Go timer of its own, which it closes.
func (m *Monitor) takeBatchAlarm() (a alarm, shared bool) {
	if !m.batchAlarmMu.TryLock() {
		return newGoAlarm(), false
	}
	if m.batchAlarm == nil {
		m.batchAlarm = newAlarm()
	}
	return m.batchAlarm, true
}

// markDirty records that service i changed; m.mu must be held. urgent says the change moved
// what viewers must learn of at once, the service's state or outage (a check that caused
// events, a pause, a restore, a reload): Next hands it out after MinBatchInterval, where a
// change of looks alone may wait longer. It wakes Next only when that may hand out a batch:
// for the first change since the last, a change of standing, or any change once
// MinBatchInterval has passed; at thousands of results a second the changes in between do not
// each wake it.
func (m *Monitor) markDirty(i int, urgent bool) {
	wake := len(m.dirty) == 0 || urgent && !m.urgent
	if !m.isDirty[i] {
		m.isDirty[i] = true
		m.dirty = append(m.dirty, i)
	}
	m.urgent = m.urgent || urgent
	if wake || time.Since(m.lastBatch) >= m.minBatch {
		select {
		case m.changed <- struct{}{}:
		default:
		}
	}
}

// takeCommands returns the queued commands, emptying the queue.
func (m *Monitor) takeCommands(buf []command) []command {
	m.mu.Lock()
	defer m.mu.Unlock()
	buf = append(buf[:0], m.commands...)
	m.commands = m.commands[:0]
	return buf
}

// policyOf is the tracker policy for a service.
func policyOf(s config.Service) track.Policy {
	return track.Policy{FailureThreshold: s.FailureThreshold, SuccessThreshold: s.SuccessThreshold,
		Slow: s.Slow, SlowReason: probe.SlowReason}
}

// checkOf is r as a tracker takes it. Its facts and phases are put in buf's slices, which the
// caller reuses from check to check (the tracker copies what it keeps), so that converting
// costs no allocation once they have grown.
func checkOf(r *probe.Result, buf *track.Check) track.Check {
	buf.Facts, buf.Phases = buf.Facts[:0], buf.Phases[:0]
	for _, f := range r.Facts {
		buf.Facts = append(buf.Facts, track.Fact(f))
	}
	for _, p := range r.Phases {
		buf.Phases = append(buf.Phases, track.Phase(p))
	}
	return track.Check{Start: r.Start, Latency: r.Latency, OK: r.OK, Reason: r.Reason, Warning: r.Warning,
		Facts: buf.Facts, Phases: buf.Phases, StatusCode: r.StatusCode, CertExpiry: r.CertExpiry}
}

// cadence returns a service's interval, timeout and retry interval, as the config resolved them.
func cadence(s config.Service) (interval, timeout, retry time.Duration) {
	return s.Interval, s.Timeout, s.RetryInterval
}

// runCheck runs one check through probe.Run, which bounds it by the service's timeout and masks
// and cleans its result. Start is taken here, after any wait for a concurrency slot.
func runCheck(ctx context.Context, t Target) probe.Result {
	start := time.Now()
	r := probe.Run(ctx, t.Checker, t.Service)
	r.Start = start
	return r
}

// slots is a counting semaphore.
type slots chan struct{}

func (s slots) acquire(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false // select would pick at random when a slot is free too
	}
	select {
	case s <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s slots) release() { <-s }
