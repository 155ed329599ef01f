package wallclock

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/internal/fakeclock"
)

// TestUntilNext: a ticker waits for the wall clock's next multiple of its period, at a multiple
// it waits a whole period.
func TestUntilNext(t *testing.T) {
	base := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		now   time.Time
		every time.Duration
		want  time.Duration
	}{
		{base, 2 * time.Second, 2 * time.Second},
		{base.Add(300 * time.Millisecond), 2 * time.Second, 1700 * time.Millisecond},
		{base.Add(time.Second + 999*time.Millisecond), 2 * time.Second, time.Millisecond},
		{base.Add(2 * time.Second), 2 * time.Second, 2 * time.Second},
		{base.Add(250 * time.Millisecond), time.Second, 750 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := untilNext(tt.now, tt.every); got != tt.want {
			t.Errorf("untilNext(%v, %v) = %v, want %v", tt.now.Format("15:04:05.000"), tt.every, got, tt.want)
		}
	}
}

// TestTickerGoTimer: before Enable a ticker is a Go timer (which synctest fakes), firing at the
// multiples of its period on the wall clock, and a cancelled wait says so.
func TestTickerGoTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tk := NewTicker(2 * time.Second)
		defer tk.Stop()
		fakeclock.Elapse(300 * time.Millisecond)
		for range 3 {
			at, ok := tk.Wait(t.Context())
			if !ok || !at.Equal(at.Truncate(2*time.Second)) {
				t.Fatalf("Wait = %v, %v; want a multiple of 2 s", at, ok)
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		if _, ok := tk.Wait(ctx); ok {
			t.Error("Wait with its context cancelled = true")
		}
		if at, ok := NextSecond(t.Context()); !ok || !at.Equal(at.Truncate(time.Second)) {
			t.Errorf("NextSecond = %v, %v; want a whole second", at, ok)
		}
	})
}

// TestSysTicker: the timerfd ticker fires at the multiples of its period (not before one), a
// cancelled wait returns at once, and the wait after it waits again.
func TestSysTicker(t *testing.T) {
	const every = 50 * time.Millisecond
	st := newSysTicker(every)
	if st == nil {
		t.Skip("no system ticker here")
	}
	defer st.close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	last := time.Now().Truncate(every)
	for range 3 {
		at, ok := st.wait(ctx)
		if !ok {
			t.Fatal("wait = false")
		}
		if tick := at.Truncate(every); !tick.After(last) {
			t.Errorf("wait returned at %v, in the period of the tick before (%v)", at, last)
		}
		last = at.Truncate(every)
	}
	cancelled, stop := context.WithCancel(ctx)
	stop()
	if _, ok := st.wait(cancelled); ok {
		t.Error("wait with its context cancelled = true")
	}
	if _, ok := st.wait(ctx); !ok {
		t.Error("wait after a cancelled one = false")
	}
}

// TestNextSecondShared: once enabled, the screens' waits share one timerfd: waiters of the same
// second get the same tick, at or just after a whole second.
func TestNextSecondShared(t *testing.T) {
	probe := newSysTicker(time.Second)
	if probe == nil {
		t.Skip("no system ticker here")
	}
	probe.close()
	enabled = true
	defer func() { enabled = false }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// The first wait may start the clock in the last moments of a second: from the second
	// tick on, both waiters wait from the same second.
	if _, ok := NextSecond(ctx); !ok {
		t.Fatal("NextSecond = false")
	}
	got := make(chan time.Time, 2)
	for range 2 {
		go func() {
			at, _ := NextSecond(ctx)
			got <- at
		}()
	}
	a, b := <-got, <-got
	if !a.Equal(b) || a.IsZero() {
		t.Errorf("two waiters of one second got %v and %v", a, b)
	}
	if a.Sub(a.Truncate(time.Second)) > 500*time.Millisecond {
		t.Logf("tick came %v after its second (a loaded machine?)", a.Sub(a.Truncate(time.Second)))
	}
}

// TestNextSecondCGoTimer: before Enable, NextSecondC is closed at the wall clock's next whole
// second, not before it.
func TestNextSecondCGoTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fakeclock.Elapse(300 * time.Millisecond)
		c := NextSecondC()
		fakeclock.Elapse(699 * time.Millisecond)
		select {
		case <-c:
			t.Fatalf("closed at %v, before the second", time.Now().Format("05.000"))
		default:
		}
		fakeclock.Elapse(time.Millisecond)
		select {
		case <-c:
		default:
			t.Fatalf("open at %v, the whole second", time.Now().Format("05.000"))
		}
	})
}

// TestNextSecondCShared: once enabled, NextSecondC is the beat NextSecond waits for: the
// process's once-a-second jobs and its screens are woken by one timerfd.
func TestNextSecondCShared(t *testing.T) {
	probe := newSysTicker(time.Second)
	if probe == nil {
		t.Skip("no system ticker here")
	}
	probe.close()
	enabled = true
	defer func() { enabled = false }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, ok := NextSecond(ctx); !ok {
		t.Fatal("NextSecond = false")
	}
	// Just after a tick: the next is most of a second away.
	c := NextSecondC()
	if c != NextSecondC() {
		t.Fatal("two calls in one second gave two channels")
	}
	got := make(chan time.Time, 1)
	go func() {
		at, _ := NextSecond(ctx)
		got <- at
	}()
	select {
	case <-c:
	case <-ctx.Done():
		t.Fatal("NextSecondC not closed within 10 s")
	}
	closed := time.Now()
	at := <-got
	if at.IsZero() || closed.Before(at.Truncate(time.Second)) {
		t.Errorf("NextSecondC closed at %v, NextSecond's second came at %v", closed, at)
	}
}

// TestAtNextSecond: AtNextSecond calls its func at the next whole second, before Enable on a Go
// timer and after it on the shared beat, with NextSecond's waiters of that second.
func TestAtNextSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fakeclock.Elapse(400 * time.Millisecond)
		var at time.Time
		AtNextSecond(func() { at = time.Now() })
		fakeclock.Elapse(time.Second)
		if !at.Equal(at.Truncate(time.Second)) || at.IsZero() {
			t.Errorf("called at %v, want the whole second", at)
		}
	})
	if probe := newSysTicker(time.Second); probe == nil {
		t.Skip("no system ticker here")
	} else {
		probe.close()
	}
	enabled = true
	defer func() { enabled = false }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, ok := NextSecond(ctx); !ok {
		t.Fatal("NextSecond = false")
	}
	called := make(chan struct{})
	AtNextSecond(func() { close(called) })
	beat := NextSecondC()
	select {
	case <-called:
	case <-ctx.Done():
		t.Fatal("not called within 10 s")
	}
	select {
	case <-beat:
	default:
		t.Error("called before its second's waiters were woken")
	}
}
