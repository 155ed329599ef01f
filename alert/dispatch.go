package alert

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/uptty/uptty/text"
)

// Defaults for Options.
const (
	DefaultQueueSize   = 1024
	DefaultFirstRetry  = time.Second
	DefaultMaxRetry    = 5 * time.Minute
	DefaultGiveUpAfter = 24 * time.Hour
)

// Options tune a Dispatcher; the zero value takes every default.
type Options struct {
	// QueueSize bounds each sender's queue; 0 is DefaultQueueSize.
	QueueSize int
	// FirstRetry is the first wait after a failure; each further failure doubles it up to
	// MaxRetry. 0 is 1s and 5m.
	FirstRetry, MaxRetry time.Duration
	// GiveUpAfter is how long one alert is retried, counted from its first attempt (for one
	// kept from before a restart, from when it was first queued: Requeue); 0 is 24h.
	GiveUpAfter time.Duration
	// GiveUpAfterFor overrides GiveUpAfter for the senders it names (the config's
	// alerts[].give_up_after); a value of 0 takes GiveUpAfter.
	GiveUpAfterFor map[string]time.Duration
	// Secrets are masked in a failure's reason before a hook sees it: the reason is stored and
	// shown (`uptty alerts`), and a sender may quote a secret in it (a command printing the
	// token it was given, a receiver echoing its URL). nil masks nothing.
	Secrets *text.Secrets

	// The hooks run on the sender's goroutine (OnDropped on the caller's), so they must be
	// quick and safe for concurrent use, and must not call Stop; nil hooks are skipped.

	// OnSent is called when a sender has delivered an alert.
	OnSent func(id, sender string, at time.Time)
	// OnFailed is called after each failed attempt that will be retried, at next. It gets the
	// whole alert, not only its id: a log of failures names the service whose page failed.
	OnFailed func(a Alert, sender string, err error, attempt int, next time.Time)
	// OnGaveUp is called when an alert is dropped after GiveUpAfter of failures.
	OnGaveUp func(a Alert, sender string, err error, attempts int)
	// OnDropped is called when a sender's queue is full and the alert was not queued for it.
	// The durable copy (the outbox) still has it; re-enqueue it later.
	OnDropped func(id, sender string)
	// OnSkipped is called when a reminder is not sent because a newer reminder, or the
	// recovery, of the same outage was queued for the sender behind it, with why.
	OnSkipped func(id, sender, reason string)
}

// Resender is a Sender whose destination forgets an alert unless it is re-sent while it lasts
// (Alertmanager). The Dispatcher re-sends the last down or degraded alert of each service to it
// every ResendInterval until an up alert for that service is delivered. After a restart, the
// caller enqueues the open outages' down alerts again (same ids) to start the resends: the
// destination sees the same alert.
type Resender interface {
	Sender
	// ResendInterval is how often a firing alert is re-sent.
	ResendInterval() time.Duration
}

// Dispatcher delivers alerts to senders. Each sender has its own goroutine and bounded queue,
// so a sender that hangs delays nobody else: not the checks (Enqueue never blocks), not the
// other senders. One sender gets alerts in the order they were enqueued, retrying the one at
// the head until it is delivered or given up: a recovery never arrives before its outage.
type Dispatcher struct {
	opt     Options
	workers map[string]*worker
	order   []*worker
	// quit, closed by Stop, ends the senders' loops and their retries; cancel then ends the
	// attempts still in flight, once Stop's wait for them is over.
	quit   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.RWMutex
	stopped bool
}

// worker is one sender's queue and goroutine.
type worker struct {
	s      Sender
	q      chan queued
	resend time.Duration
	// mu guards seq and newest, which Enqueue writes and the worker's goroutine reads.
	mu  sync.Mutex
	seq uint64 // alerts queued so far
	// newest is the last down (first or reminder) or up alert queued per outage, so that a
	// reminder that has a newer one behind it is skipped: after a receiver was away for an
	// hour, it gets the outage's newest reminder, not all twelve at once.
	newest map[outageKey]newestAlert
	// firing is the last down or degraded alert per service and event, re-sent to a
	// Resender; mu guards it too (Forget).
	firing map[firingKey]Alert
}

type firingKey struct {
	service string
	event   Event
}

// queued is an alert in a worker's queue, numbered in the order queued.
type queued struct {
	a   Alert
	seq uint64
	// since is when a, queued before a restart, was first queued: its give-up clock runs
	// from then (zero: from its first attempt now).
	since time.Time
}

// outageKey names one outage of one service.
type outageKey struct {
	service string
	start   int64 // Unix seconds, as in NewID
}

// newestAlert is the last alert of an outage queued for a sender: its number, and whether it is
// the recovery.
type newestAlert struct {
	seq uint64
	up  bool
}

// outageOf is the outage a down or up alert is about; ok is false for other alerts.
func outageOf(a Alert) (k outageKey, ok bool) {
	if a.Event != EventDown && a.Event != EventUp {
		return outageKey{}, false
	}
	return outageKey{a.Service, a.Start.Unix()}, true
}

// put queues a unless the queue is full, and reports whether it did.
func (w *worker) put(a Alert, since time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	select {
	case w.q <- queued{a, w.seq, since}:
	default:
		return false
	}
	if k, ok := outageOf(a); ok {
		w.newest[k] = newestAlert{w.seq, a.Event == EventUp}
	}
	return true
}

// superseded says why the queued reminder x is not worth sending any more ("" when it is): a
// newer reminder, or the recovery, of its outage is queued behind it.
func (w *worker) superseded(x queued) string {
	if !isReminder(x.a) {
		return ""
	}
	k, _ := outageOf(x.a)
	w.mu.Lock()
	n := w.newest[k]
	w.mu.Unlock()
	switch {
	case n.seq <= x.seq:
		return ""
	case n.up:
		return "skipped: the outage ended before it was sent"
	}
	return "skipped: a newer reminder was queued"
}

// forget drops what newest holds of x's outage once x, its last alert, is done with.
func (w *worker) forget(x queued) {
	k, ok := outageOf(x.a)
	if !ok || x.a.Event != EventUp {
		return
	}
	w.mu.Lock()
	if w.newest[k].seq == x.seq {
		delete(w.newest, k)
	}
	w.mu.Unlock()
}

// NewDispatcher starts a Dispatcher for senders, whose names must be unique and non-empty.
func NewDispatcher(senders []Sender, opt Options) (*Dispatcher, error) {
	if opt.QueueSize <= 0 {
		opt.QueueSize = DefaultQueueSize
	}
	if opt.FirstRetry <= 0 {
		opt.FirstRetry = DefaultFirstRetry
	}
	if opt.MaxRetry <= 0 {
		opt.MaxRetry = DefaultMaxRetry
	}
	opt.MaxRetry = max(opt.MaxRetry, opt.FirstRetry)
	if opt.GiveUpAfter <= 0 {
		opt.GiveUpAfter = DefaultGiveUpAfter
	}
	d := &Dispatcher{opt: opt, workers: make(map[string]*worker, len(senders))}
	for _, s := range senders {
		name := s.Name()
		if name == "" {
			return nil, errors.New("alert: a sender has no name")
		}
		if _, dup := d.workers[name]; dup {
			return nil, errors.New("alert: two senders named " + name)
		}
		w := &worker{s: s, q: make(chan queued, opt.QueueSize), newest: map[outageKey]newestAlert{}}
		if r, ok := s.(Resender); ok {
			w.resend, w.firing = r.ResendInterval(), map[firingKey]Alert{}
		}
		d.workers[name] = w
		d.order = append(d.order, w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.quit = cancel, make(chan struct{})
	for _, w := range d.order {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.run(ctx, w)
		}()
	}
	return d, nil
}

// Enqueue queues a for the senders named in to (none: every sender) and never blocks. It
// reports whether every one of them took it; a full queue calls OnDropped for that sender.
// Unknown names are ignored: the config has checked them.
func (d *Dispatcher) Enqueue(a Alert, to ...string) bool {
	return d.enqueue(a, time.Time{}, to)
}

// Requeue is Enqueue for an alert kept from before a restart, first queued at since: it is
// given up GiveUpAfter from since, not from its first attempt in this run, so a receiver that
// stays dead while uptty restarts (a crash loop, a deploy) is not retried for ever.
func (d *Dispatcher) Requeue(a Alert, since time.Time, to ...string) bool {
	return d.enqueue(a, since, to)
}

func (d *Dispatcher) enqueue(a Alert, since time.Time, to []string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.stopped {
		return false
	}
	ok := true
	put := func(w *worker) {
		if !w.put(a, since) {
			ok = false
			if d.opt.OnDropped != nil {
				d.opt.OnDropped(a.ID, w.s.Name())
			}
		}
	}
	if len(to) == 0 {
		for _, w := range d.order {
			put(w)
		}
		return ok
	}
	for _, name := range to {
		if w := d.workers[name]; w != nil {
			put(w)
		}
	}
	return ok
}

// Forget stops re-sending the firing alerts that gone says no longer go from the service to
// the sender (a reload removed the service, or took the sender off its alerts: list): nothing
// will send their recovery there, and a Resender's destination lets an alert it is not sent
// again expire (see Alertmanager), as after a restart, which re-sends only what the config
// routes. Without it such an alert stayed firing in Alertmanager for as long as uptty ran.
// gone is called without any of the dispatcher's locks held.
func (d *Dispatcher) Forget(gone func(sender, service string) bool) {
	d.mu.RLock()
	workers := slices.Clone(d.order)
	d.mu.RUnlock()
	for _, w := range workers {
		if w.firing == nil {
			continue
		}
		w.mu.Lock()
		keys := slices.Collect(maps.Keys(w.firing))
		w.mu.Unlock()
		keys = slices.DeleteFunc(keys, func(k firingKey) bool { return !gone(w.s.Name(), k.service) })
		if len(keys) == 0 {
			continue
		}
		w.mu.Lock()
		for _, k := range keys {
			delete(w.firing, k)
		}
		w.mu.Unlock()
	}
}

// Stop stops every goroutine. An attempt in flight may finish until ctx is done, and is then
// cancelled: an alert the receiver took while uptty stopped would otherwise stay pending and
// go again at the next start, a second page for one event where the receiver does not drop a
// repeated id (a chat). Nothing else is attempted: no retry, no alert still queued (its
// durable copy is the caller's). Stop returns ctx's error if it had to cancel an attempt, once
// every goroutine has ended.
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return nil
	}
	d.stopped = true
	d.mu.Unlock()
	close(d.quit)
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		d.cancel()
		return nil
	case <-ctx.Done():
		d.cancel()
		<-done
		return ctx.Err()
	}
}

// quitting reports whether Stop was called.
func (d *Dispatcher) quitting() bool {
	select {
	case <-d.quit:
		return true
	default:
		return false
	}
}

// run is one sender's goroutine.
func (d *Dispatcher) run(ctx context.Context, w *worker) {
	var tick <-chan time.Time
	if w.resend > 0 {
		t := time.NewTicker(w.resend)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-d.quit:
			return
		case x := <-w.q:
			if d.quitting() {
				return
			}
			d.deliver(ctx, w, x)
			w.forget(x)
		case <-tick:
			// A keep-alive, not a delivery: no hooks, and a failure waits for the next tick.
			w.mu.Lock()
			firing := slices.Collect(maps.Values(w.firing))
			w.mu.Unlock()
			for _, a := range firing {
				if d.quitting() || ctx.Err() != nil {
					return
				}
				_ = w.s.Send(ctx, a)
			}
		}
	}
}

// maskedError is a sender's error with its text masked (Options.Secrets); it still unwraps to
// the error, for errors.Is and As.
type maskedError struct {
	err error
	msg string
}

func (e maskedError) Error() string { return e.msg }
func (e maskedError) Unwrap() error { return e.err }

// deliver sends a to w's sender, retrying with backoff until it is delivered, given up, or the
// dispatcher stops.
func (d *Dispatcher) deliver(ctx context.Context, w *worker, x queued) {
	a := x.a
	name := w.s.Name()
	first := time.Now()
	if !x.since.IsZero() && x.since.Before(first) {
		first = x.since
	}
	wait := d.opt.FirstRetry
	giveUp := d.opt.GiveUpAfter
	if g := d.opt.GiveUpAfterFor[name]; g > 0 {
		giveUp = g
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for attempt := 1; ; attempt++ {
		// Asked before every attempt: newer ones may have been queued while this one failed.
		if why := w.superseded(x); why != "" {
			if d.opt.OnSkipped != nil {
				d.opt.OnSkipped(a.ID, name, why)
			}
			return
		}
		err := w.s.Send(ctx, a)
		if ctx.Err() != nil || err != nil && d.quitting() {
			return
		}
		if err != nil && d.opt.Secrets != nil {
			err = maskedError{err, d.opt.Secrets.Mask(err.Error())}
		}
		now := time.Now()
		if err == nil {
			w.track(a)
			if d.opt.OnSent != nil {
				d.opt.OnSent(a.ID, name, now)
			}
			return
		}
		// The last attempt is at giveUp, not at the one whose doubled wait would pass it: that
		// would give up after half of give_up_after.
		deadline := first.Add(giveUp)
		if !now.Before(deadline) {
			if d.opt.OnGaveUp != nil {
				d.opt.OnGaveUp(a, name, err, attempt)
			}
			return
		}
		// A receiver rate-limiting us (Retry-After) is asked again no sooner than it said, up
		// to MaxRetry: sooner would only be refused again, and keep it limiting longer.
		wait = max(wait, min(retryAfter(err), d.opt.MaxRetry))
		next := now.Add(wait)
		if next.After(deadline) {
			next, wait = deadline, deadline.Sub(now)
		}
		if d.opt.OnFailed != nil {
			d.opt.OnFailed(a, name, err, attempt, next)
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case <-d.quit:
			return
		case <-timer.C:
		}
		wait = min(2*wait, d.opt.MaxRetry)
	}
}

// track keeps a delivered alert for re-sending while it fires, and forgets a service's alerts
// when it is up again.
func (w *worker) track(a Alert) {
	if w.firing == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch a.Event {
	case EventUp:
		delete(w.firing, firingKey{a.Service, EventDown})
		delete(w.firing, firingKey{a.Service, EventDegraded})
	case EventDown, EventDegraded:
		w.firing[firingKey{a.Service, a.Event}] = a
	}
}
