// Package fakeclock holds what tests run in a testing/synctest bubble share: the one way they move
// its fake clock on.
package fakeclock

import (
	"testing/synctest"
	"time"
)

// Elapse moves the synctest bubble's fake clock on by d, then waits until every goroutine of the
// bubble has done what that time brought (timers fired, what they woke blocked again). Call it
// only from inside a bubble: outside one it waits d of real time.
func Elapse(d time.Duration) {
	<-time.After(d)
	synctest.Wait()
}
