//go:build !linux

package wallclock

import (
	"context"
	"time"
)

// sysTicker is not to be had here: tickers are Go timers.
type sysTicker struct{}

func newSysTicker(time.Duration) *sysTicker               { return nil }
func (*sysTicker) wait(context.Context) (time.Time, bool) { return time.Time{}, false }
func (*sysTicker) close()                                 {}
