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
