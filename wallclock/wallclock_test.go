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
