package probe

import "time"

// arrival is when data the kernel stamped rx arrived, as a reading of the monotonic clock that
// start and now carry. A socket receive time is a wall-clock reading, and a VM's wall clock is
// moved now and then to keep it right (on the machine this was measured on, for minutes on end,
// by 0.5% of the time passing): a wall-clock span carries whatever moves fell in it. rx is
// carried onto the monotonic clock across the shorter of its two wall-clock spans, from the
// wait's start to rx (the network's time) or from rx to now (the wait for a CPU to read it),
// so that the error is at most what the wall clock moved in the shorter. ok is false, and the
// result now, when rx fits the wait by neither span: not this wait's data.
func arrival(start, now, nowWall, rx time.Time) (at time.Time, ok bool) {
	wait := now.Sub(start)
	since := rx.Sub(start.Round(0))
	ago := nowWall.Sub(rx)
	sinceOK := since >= 0 && since <= wait
	agoOK := ago >= 0 && ago <= wait
	switch {
	case agoOK && (!sinceOK || ago < since):
		return now.Add(-ago), true
	case sinceOK:
		return start.Add(since), true
	}
	return now, false
}
