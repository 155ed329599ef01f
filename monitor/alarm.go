package monitor

import "time"

// alarm is the scheduler's timer: C receives once the time last set by Reset has passed. A
// receive may come late for an earlier Reset (a fire the scheduler did not wait for): the
// scheduler looks at its queue each time it wakes, so a spurious wake costs a look.
type alarm interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
	// Close releases the alarm; it is not used after.
	Close()
}

// goAlarm is an alarm on a Go timer, which testing/synctest fakes.
type goAlarm struct{ t *time.Timer }

func newGoAlarm() *goAlarm {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &goAlarm{t}
}

func (a *goAlarm) C() <-chan time.Time   { return a.t.C }
func (a *goAlarm) Reset(d time.Duration) { a.t.Reset(d) }
func (a *goAlarm) Stop()                 { a.t.Stop() }
func (a *goAlarm) Close()                { a.t.Stop() }
