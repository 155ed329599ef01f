package text

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The contract's ways of writing time, in one place so that a reason, a row and a report never
// write the same duration two ways.

// FormatDuration writes how long something lasted, compactly: 45s, 12m03s, 2h21m, 3d04h. It
// truncates rather than rounds so that a ticking duration never runs ahead of the clock.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m" + twoDigits(s%60) + "s"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h" + twoDigits(s/60%60) + "m"
	default:
		return strconv.FormatInt(s/86400, 10) + "d" + twoDigits(s/3600%24) + "h"
	}
}

// WrittenDuration is the time from start to end as documents write them, each cut to its second
// (21:47:02 to 00:08:11 is 2h21m09s), so that a duration_s, or a duration in words, agrees with
// the times printed beside it; never negative.
func WrittenDuration(start, end time.Time) time.Duration {
	return max(end.Truncate(time.Second).Sub(start.Truncate(time.Second)), 0)
}

// FormatLatency writes a latency: 87ms, 1.24s; <0.1ms, 0.4ms and 12.3s at the ends.
func FormatLatency(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Millisecond {
		tenths := int64(math.Round(float64(d) / float64(100*time.Microsecond)))
		switch {
		case d == 0:
			return "0ms"
		case tenths == 0:
			// A loopback connect takes tens of microseconds: 0ms would read as nothing
			// measured.
			return "<0.1ms"
		}
		if tenths < 10 {
			return "0." + strconv.FormatInt(tenths, 10) + "ms"
		}
	}
	ms := int64(math.Round(float64(d) / float64(time.Millisecond)))
	if ms < 1000 {
		return strconv.FormatInt(ms, 10) + "ms"
	}
	if cs := int64(math.Round(float64(d) / float64(10*time.Millisecond))); cs < 1000 {
		return strconv.FormatInt(cs/100, 10) + "." + twoDigits(cs%100) + "s"
	}
	if ds := int64(math.Round(float64(d) / float64(100*time.Millisecond))); ds < 1000 {
		return strconv.FormatInt(ds/10, 10) + "." + strconv.FormatInt(ds%10, 10) + "s"
	}
	return FormatDuration(d.Round(time.Second))
}

// FormatAgo writes how far away d is in its largest whole unit (45s, 2m, 3h, 4d): an "ago" or
// an "expires in" needs no precision, and a coarse one redraws its row once a minute, not every
// second.
func FormatAgo(d time.Duration) string {
	d = d.Abs()
	switch {
	case d >= 24*time.Hour:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d >= time.Hour:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d >= time.Minute:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// FormatSetting writes a configured duration exactly, as Go does but without zero units and with
// whole days as d (the config accepts it): 2s, 1.5s, 500ms, 1m30s, 1h, 14d. Settings must read
// back as written: 1.5s is not 1s.
func FormatSetting(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// WithVia is a DOWN service's reason with via, the dependency it is down because of, first
// (the root cause), its own failure after it: "(via Core router) connection refused"; the
// reason alone when via is "". The screen and `uptty check` write it so.
func WithVia(reason, via string) string {
	if via == "" {
		return reason
	}
	return strings.TrimSpace("(via " + CleanText(via, 0) + ") " + reason)
}
