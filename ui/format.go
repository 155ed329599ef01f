package ui

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/probe"
)

// formatDuration writes d compactly as the contract asks: 45s, 12m03s, 2h21m, 3d04h. It
// truncates rather than rounds so that a ticking duration never runs ahead of the clock.
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m" + two(s%60) + "s"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h" + two(s/60%60) + "m"
	default:
		return strconv.FormatInt(s/86400, 10) + "d" + two(s/3600%24) + "h"
	}
}

// formatAgo writes how long ago something happened in a single unit (45s, 2m, 3h, 4d): an "ago"
// needs no precision, and a coarse one redraws its row once a minute instead of every second.
func formatAgo(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h"
	default:
		return strconv.FormatInt(s/86400, 10) + "d"
	}
}

func two(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// formatLatency writes a latency as the contract asks: 87ms, 1.24s; 12.3s and 0.4ms at the ends.
func formatLatency(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Millisecond {
		tenths := int64(math.Round(float64(d) / float64(100*time.Microsecond)))
		if tenths < 10 {
			return "0." + strconv.FormatInt(tenths, 10) + "ms"
		}
	}
	ms := int64(math.Round(float64(d) / float64(time.Millisecond)))
	if ms < 1000 {
		return strconv.FormatInt(ms, 10) + "ms"
	}
	if cs := int64(math.Round(float64(d) / float64(10*time.Millisecond))); cs < 1000 {
		return strconv.FormatInt(cs/100, 10) + "." + two(cs%100) + "s"
	}
	if ds := int64(math.Round(float64(d) / float64(100*time.Millisecond))); ds < 1000 {
		return strconv.FormatInt(ds/10, 10) + "." + strconv.FormatInt(ds%10, 10) + "s"
	}
	return formatDuration(d.Round(time.Second))
}

// uptimeText writes the uptime as of now: 100%, 99.95% (rounded down, so that a service with any
// downtime never reads 100%), or none before the first check.
func uptimeText(now time.Time, st probe.Status, none string) string {
	ratio, ok := st.Uptime(now)
	if !ok {
		return none
	}
	if ratio >= 1 {
		return "100%"
	}
	bp := int64(math.Floor(max(ratio, 0) * 10000))
	return strconv.FormatInt(bp/100, 10) + "." + two(bp%100) + "%"
}

// outageText is the row's outage column: a live outage with its start, the reason while PENDING
// or DEGRADED, else the last outage and how long ago it ended, else nothing.
func outageText(now time.Time, st probe.Status, loc *time.Location) string {
	switch {
	case st.Outage != nil:
		return "DOWN " + formatDuration(st.Outage.Duration(now)) + " since " + clockText(now, st.Outage.Start, loc)
	case st.State == probe.Pending || st.State == probe.Degraded || st.State == probe.Down:
		return clean(st.Reason)
	case st.LastOutage != nil:
		o := st.LastOutage
		return "last down " + formatDuration(o.Duration(now)) + ", " + formatAgo(now.Sub(o.End)) + " ago"
	}
	return ""
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

// clean is a last guard against text that would break the layout: probe sanitizes what it hands
// over, but a stray control character (ESC above all) or bidi override in a name must not move
// the cursor or recolour the screen. Tabs and newlines become spaces; other controls vanish.
func clean(s string) string {
	if !needsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case isControl(r) || r == utf8.RuneError:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			// Non-ASCII needs the slow check: C1 controls and bidi overrides are multi-byte.
			for _, r := range s[i:] {
				if r == '\t' || r == '\n' || r == '\r' || isControl(r) || r == utf8.RuneError {
					return true
				}
			}
			return false
		}
	}
	return false
}

func isControl(r rune) bool {
	return r < 0x20 || r >= 0x7f && r < 0xa0 ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// fit truncates s to w display cells (with the tail mark when cut) and pads it with spaces to
// exactly w cells, so that every column starts at the same display column whatever the script.
func fit(s string, w int, tail string) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, tail)
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// fitLeft is fit with the padding on the left, for numbers.
func fitLeft(s string, w int, tail string) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, tail)
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s = strings.Repeat(" ", w-sw) + s
	}
	return s
}
