package probe

import (
	"testing"
	"time"
)

// TestFirstByteClocks checks which clocks bound the wait for the answer: the clock read before
// the write that completed the request and the kernel's receive time where they fit, the clock
// at the hook otherwise.
func TestFirstByteClocks(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		// Offsets from the wait's start, 10 ms ago: the first write's clock (none if negative),
		// and the receive time (none if 0).
		wrote, rx time.Duration
		wantStart bool // the wait starts at the write's clock
		wantRx    bool // the wait ends at the receive time
	}{
		{"both", 1 * ms, 3 * ms, true, true},
		{"no write clock: the wait starts now, before the receive time", -1, 3 * ms, false, false},
		{"no receive time", 1 * ms, 0, true, false},
		{"received before the write", 2 * ms, 1 * ms, true, false},
		{"received after now", 1 * ms, time.Hour, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPhaseRecorder(time.Now())
			p.newRequest()
			p.writing(time.Now().Add(-time.Hour)) // before the wait began: not the request's
			p.begin(&p.firstByte, false)
			// The wait began 10 ms ago, so that the clocks below are all in the past.
			begun := p.firstByte[0].Add(-10 * ms)
			p.firstByte[0] = begun
			var wrote time.Time
			if tt.wrote >= 0 {
				wrote = begun.Add(tt.wrote)
				p.writing(wrote.Add(-ms / 2)) // an earlier write of the request: not the one that completed it
				p.writing(wrote)
			}
			p.requestWritten()
			start := p.firstByte[0]
			if got := start.Equal(wrote); got != tt.wantStart {
				t.Errorf("wait start = %v, want at the write's clock %v: %v", start.Sub(begun), tt.wrote, tt.wantStart)
			}
			if tt.rx != 0 {
				p.received(begun.Round(0).Add(tt.rx))
			}
			p.endFirstByte()
			end := p.firstByte[1]
			if got := end.Equal(begun.Round(0).Add(tt.rx)); got != tt.wantRx {
				t.Errorf("wait end = %v after the start, want at the receive time %v: %v", end.Sub(begun), tt.rx, tt.wantRx)
			}
			if d, ok := p.latency(); !ok || d <= 0 {
				t.Errorf("latency() = %v, %v; want > 0, true", d, ok)
			}
		})
	}
}

// TestArrivalAcrossWallClockMoves checks that a move of the wall clock during the wait for an
// answer (a VM's clock being corrected, by a step or at a rate) stays out of the latency where
// either span of the wait avoids it: the receive time is a wall-clock reading, the wait's start
// and end monotonic ones.
func TestArrivalAcrossWallClockMoves(t *testing.T) {
	ms := time.Millisecond
	start := time.Now()
	tests := []struct {
		name          string
		net, cpu      time.Duration // the wait: the network's time, then the wait to read it
		before, after time.Duration // how far the wall clock moved in each
		want          time.Duration
	}{
		{"no move", 18 * ms, 2 * ms, 0, 0, 18 * ms},
		{"a step forward in the network's time", 18 * ms, 2 * ms, 500 * ms, 0, 18 * ms},
		{"a step back in the network's time", 18 * ms, 2 * ms, -500 * ms, 0, 18 * ms},
		{"an hour's step", 18 * ms, 2 * ms, time.Hour, 0, 18 * ms},
		{"a step while the reader waited", 5 * ms, 500 * ms, 0, 300 * ms, 5 * ms},
		// 0.5% fast: the longer span gains 2.5 ms, the shorter 25 µs.
		{"fast clock, reader held", 5 * ms, 500 * ms, 25 * time.Microsecond, 2500 * time.Microsecond, 5*ms + 25*time.Microsecond},
		{"fast clock, slow network", 500 * ms, 5 * ms, 2500 * time.Microsecond, 25 * time.Microsecond, 500*ms - 25*time.Microsecond},
	}
	for _, tt := range tests {
		now := start.Add(tt.net + tt.cpu)
		rx := start.Round(0).Add(tt.net + tt.before)
		nowWall := rx.Add(tt.cpu + tt.after)
		at, ok := arrival(start, now, nowWall, rx)
		if !ok || at.Sub(start) != tt.want {
			t.Errorf("%s: arrival %v after the start (ok %v), want %v", tt.name, at.Sub(start), ok, tt.want)
		}
	}
	// A receive time after now, or before the wait began, by both spans is not this wait's.
	for _, rx := range []time.Time{start.Round(0).Add(time.Hour), start.Round(0).Add(-time.Hour)} {
		now := start.Add(20 * ms)
		if at, ok := arrival(start, now, now.Round(0), rx); ok || !at.Equal(now) {
			t.Errorf("rx %v from the start: arrival %v, ok %v; want now, false", rx.Sub(start.Round(0)), at.Sub(start), ok)
		}
	}
}
