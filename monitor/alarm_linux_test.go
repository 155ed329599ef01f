//go:build linux

package monitor

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestFDAlarm: the timerfd alarm fires once its time has passed, not after Stop, fires again
// after a Reset, and its goroutine ends with Close.
func TestFDAlarm(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := newFDAlarm()
	if a == nil {
		t.Skip("no timerfd")
	}
	fired := func() bool {
		select {
		case <-a.C():
			return true
		case <-time.After(10 * time.Second):
			return false
		}
	}
	start := time.Now()
	a.Reset(20 * time.Millisecond)
	if !fired() {
		t.Fatal("the alarm did not fire within 10 s")
	}
	if took := time.Since(start); took < 20*time.Millisecond {
		t.Errorf("the alarm fired after %v, want 20ms", took)
	}

	// Stopped before its time: no fire. Then due at once: it fires.
	a.Reset(time.Hour)
	a.Stop()
	a.Reset(0)
	if !fired() {
		t.Fatal("an alarm reset to 0 did not fire within 10 s")
	}
	select {
	case <-a.C():
		t.Error("the alarm fired twice for one Reset")
	case <-time.After(50 * time.Millisecond):
	}
	a.Close()
}
