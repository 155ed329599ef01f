package ui

import (
	"math"
	"strconv"
	"time"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

func two(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// uptimeText writes the uptime as of now: 100%, 99.95% (rounded down, so that a service with any
// downtime never reads 100%), or none before the first check.
func uptimeText(now time.Time, st track.Status, none string) string {
	ratio, ok := st.Uptime(now)
	if !ok {
		return none
	}
	return ratioText(ratio)
}

// ratioText writes an uptime ratio as a percentage with two decimals, rounded down: 100% only
// when there was no downtime at all.
func ratioText(ratio float64) string {
	if ratio >= 1 {
		return "100%"
	}
	bp := int64(math.Floor(max(ratio, 0) * 10000))
	return strconv.FormatInt(bp/100, 10) + "." + two(bp%100) + "%"
}

// coverageText writes how much of a window was observed, in whole percent rounded down (100%
// only when all of it was), and <1% rather than 0% when any of it was.
func coverageText(ratio float64) string {
	switch {
	case ratio >= 1:
		return "100%"
	case ratio > 0 && ratio < 0.01:
		return "<1%"
	}
	return strconv.FormatInt(int64(math.Floor(max(ratio, 0)*100)), 10) + "%"
}

// outageFor is how long o has lasted at now as the screen writes it: from its start to its end
// (or now) as clocks write them, to the second, so that a row reads "DOWN 6s since 16:11:31"
// beside the header's 16:11:37, and an ended outage the duration `uptty incidents` gives it.
func outageFor(o track.Outage, now time.Time) time.Duration {
	end := now
	if !o.Open() {
		end = o.End
	}
	return text.WrittenDuration(o.Start, end)
}

// outageText is the row's outage column: a live outage with its start, the reason while PENDING
// or DEGRADED, else the last outage and how long ago it ended, else nothing.
func outageText(now time.Time, st track.Status, loc *time.Location) string {
	open, isOpen := st.OpenOutage()
	ended, isEnded := st.EndedOutage()
	switch {
	case isOpen:
		return "DOWN " + text.FormatDuration(outageFor(open, now)) + " since " + clockText(now, open.Start, loc) + unwatchedText(open)
	case st.State == track.Pending || st.State == track.Degraded || st.State == track.Down:
		return st.Reason
	case isEnded:
		o := ended
		return "last down " + text.FormatDuration(outageFor(o, now)) + unwatchedText(o) + ", " + text.FormatAgo(now.Sub(o.End)) + " ago"
	}
	return ""
}

// unwatchedText follows an outage's duration when part of it was not watched (uptty not
// running, the service paused): " (1h55m not watched)". The duration stays the one the clocks
// and `uptty incidents` give, and this says how much of it nobody saw down (uptime counts it
// neither way). It is "" for an outage watched throughout, or all but under a second.
func unwatchedText(o track.Outage) string {
	if o.Unwatched < time.Second {
		return ""
	}
	return " (" + text.FormatDuration(o.Unwatched) + " not watched)"
}

// clockText writes t as local wall-clock time, with the date when it is not today, so that an
// outage that began yesterday does not look as if it began today.
func clockText(now, t time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case ty == ny && tm == nm && td == nd:
		return t.Format("15:04:05")
	case ty == ny:
		return t.Format("Jan 2 15:04:05")
	default:
		return t.Format("2006-01-02 15:04:05")
	}
}
