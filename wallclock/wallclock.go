// Package wallclock wakes its callers at whole multiples of a period on the wall clock (the
// screens' clock each second, the silence poll each 2 s) while waking as few of the process's
// threads as it can.
//
// On a VM what an idle uptty pays for is threads woken, far more than the work they wake for
// (see README "Benchmarks", bench/idle-cpu.sh). A Go timer wakes two each time: the one that
// runs it, and the runtime's monitor thread (sysmon), which sleeps until the next timer and
// then polls every 20 µs for as long as any goroutine runs. Once Enable was called, a Ticker is
// a timerfd on Linux, which the network poller's thread waits on alone; sysmon sleeps on as
// long as no goroutine enters a system call the runtime sees, which is why a Ticker reads its
// timerfd with raw ones (and the screen writes the terminal so, see ui's rawTerminal). Elsewhere,
// and until Enable, a Ticker is a Go timer, which testing/synctest fakes.
package wallclock

import (
	"context"
	"sync"
	"time"
)

// enabled says the process's tickers may use the system's timers (Enable).
var enabled bool

// Enable lets tickers made from now on use the system's timers where that wakes fewer threads
// than a Go timer. The binary calls it first thing; tests do not, so their tickers stay fakeable.
func Enable() { enabled = true }

// Enabled reports whether Enable was called.
func Enabled() bool { return enabled }

// untilNext is the time from now to the wall clock's next multiple of every.
func untilNext(now time.Time, every time.Duration) time.Duration {
	return now.Truncate(every).Add(every).Sub(now)
}

// Ticker fires at each multiple of its period on the wall clock. Its Wait is for one goroutine
// at a time.
type Ticker struct {
	every time.Duration
	sys   *sysTicker // nil: a Go timer
	timer *time.Timer
	last  time.Time // when the Go timer's Wait last returned
}

// NewTicker returns a ticker at the multiples of every; Stop releases it.
func NewTicker(every time.Duration) *Ticker {
	t := &Ticker{every: every}
	if enabled {
		t.sys = newSysTicker(every)
	}
	return t
}

// Wait waits for the next multiple of the period and returns the time it came; false when ctx
// ended first. When multiples passed since the last Wait returned, it returns at once, for all
// of them.
func (t *Ticker) Wait(ctx context.Context) (time.Time, bool) {
	if t.sys != nil {
		return t.sys.wait(ctx)
	}
	now := time.Now()
	if !t.last.IsZero() && !now.Before(t.last.Truncate(t.every).Add(t.every)) {
		t.last = now
		return now, true
	}
	d := untilNext(now, t.every)
	if t.timer == nil {
		t.timer = time.NewTimer(d)
	} else {
		t.timer.Reset(d)
	}
	select {
	case at := <-t.timer.C:
		t.last = at
		return at, true
	case <-ctx.Done():
		t.timer.Stop()
		return time.Time{}, false
	}
}

// Stop releases the ticker.
func (t *Ticker) Stop() {
	if t.sys != nil {
		t.sys.close()
	}
	if t.timer != nil {
		t.timer.Stop()
	}
}

// seconds is the process's clock of whole seconds, shared by every screen: one timer however
// many screens (an SSH server's viewers) wait on it.
var seconds struct {
	mu     sync.Mutex
	ticker *Ticker // nil while not running
	beat   *beat
	used   bool // someone waited since the last second
	// running says the goroutine that reads the ticker runs; it stops after a second nobody
	// waited for, so that a process whose screens all closed stops waking.
	running bool
}

// beat is one second: done is closed when it comes, at is when that was.
type beat struct {
	done chan struct{}
	at   time.Time
}

// NextSecond waits for the wall clock's next whole second and returns the time it came; false
// when ctx ended first.
func NextSecond(ctx context.Context) (time.Time, bool) {
	if !enabled {
		var t Ticker
		t.every = time.Second
		defer t.Stop()
		return t.Wait(ctx)
	}
	s := &seconds
	s.mu.Lock()
	s.used = true
	if s.beat == nil {
		s.beat = &beat{done: make(chan struct{})}
	}
	if !s.running {
		s.ticker, s.running = NewTicker(time.Second), true
		go beatSeconds(s.ticker)
	}
	b := s.beat
	s.mu.Unlock()
	select {
	case <-b.done:
		return b.at, true
	case <-ctx.Done():
		return time.Time{}, false
	}
}

// beatSeconds hands each second of t to NextSecond's waiters, until a second nobody waited for.
func beatSeconds(t *Ticker) {
	s := &seconds
	for {
		at, _ := t.Wait(context.Background())
		s.mu.Lock()
		b, idle := s.beat, !s.used
		s.beat, s.used = &beat{done: make(chan struct{})}, false
		if idle {
			s.running, s.ticker = false, nil
			t.Stop()
		}
		s.mu.Unlock()
		b.at = at
		close(b.done)
		if idle {
			return
		}
	}
}
