package ui

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptty/uptty/history"
)

const (
	// yAxisW is the cells left of the chart's columns: a latency label, a space and the axis.
	yAxisW  = yLabelW + 2
	yLabelW = 7
	// minLabelGap is the fewest columns between two time labels: one label and some air.
	minLabelGap = 10
	day         = 24 * time.Hour
)

// chartValues returns the latency each column draws and whether it draws one: the bucket's
// p50, or, in a bucket covered by checks but holding none (checks further apart than a
// bucket is wide), the value before it, since a check's latency stands until the next one. A
// bucket whose checks all failed draws none; its failures show on the axis.
func chartValues(b []history.Bucket) ([]time.Duration, []bool) {
	vals, has := make([]time.Duration, len(b)), make([]bool, len(b))
	for i, x := range b {
		switch {
		case x.Passed() > 0:
			vals[i], has[i] = x.P50, true
		case x.Checks == 0 && x.Covered > 0 && i > 0:
			vals[i], has[i] = vals[i-1], has[i-1]
		}
	}
	return vals, has
}

// niceTop returns the top of the chart's scale for a slowest value d: the smallest 1, 1.5, 2,
// 3, 4, 5, 6 or 8 times a power of ten milliseconds that is at least d, so that the top and
// the middle of the scale both read as round numbers, and the bars use most of the height.
func niceTop(d time.Duration) time.Duration {
	for unit := time.Millisecond; unit <= time.Duration(math.MaxInt64)/10; unit *= 10 {
		for _, tenths := range []time.Duration{10, 15, 20, 30, 40, 50, 60, 80} {
			if top := tenths * unit / 10; top >= d {
				return top
			}
		}
	}
	return d
}

// yLabel writes a value of the scale as short as it is exact: 0.75ms, 40ms, 150ms, 1.5s, 2s.
func yLabel(d time.Duration) string {
	if d >= time.Second {
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + "ms"
}

// barRows draws the values as rows of bars, the top row first, one cell per value, scaled so
// that top fills every row. Each cell has len(bars) levels; a value drawn at all gets at least
// the lowest, so that a fast service does not look like a gap.
func barRows(vals []time.Duration, has []bool, top time.Duration, rows int, bars []string) []string {
	if rows <= 0 {
		return nil
	}
	levels := len(bars)
	out := make([]strings.Builder, rows)
	for i, v := range vals {
		units := 0
		if has[i] && top > 0 {
			units = max(int(float64(v)/float64(top)*float64(rows*levels)+0.5), 1)
		}
		for r := range rows {
			b := &out[rows-1-r]
			switch k := units - r*levels; {
			case k >= levels:
				b.WriteString(bars[levels-1])
			case k > 0:
				b.WriteString(bars[k-1])
			default:
				b.WriteByte(' ')
			}
		}
	}
	lines := make([]string, rows)
	for r := range out {
		lines[r] = out[r].String()
	}
	return lines
}

// timeAxis draws the x axis under the buckets and the time labels under it, one cell per
// bucket. On the axis an outage shows as g.outage and failed checks as g.fail; time uptty was
// not running is blank, axis and all; a label's time is marked g.xTick. Labels are local
// times at round steps (10:00, 10:15…; days as Jan 2), as many as fit minLabelGap apart.
func timeAxis(b []history.Bucket, loc *time.Location, g glyphs) (axis, labels string) {
	n := len(b)
	if n == 0 {
		return "", ""
	}
	lab := []byte(strings.Repeat(" ", n))
	tick := make([]bool, n)
	end := 0 // the first cell a label may take: two spaces after the one before
	for _, t := range timeTicks(b[0].From, b[0].To.Sub(b[0].From), n, loc) {
		start := min(max(t.col-len(t.text)/2, 0), n-len(t.text))
		if start < end || start < 0 {
			continue
		}
		copy(lab[start:], t.text)
		tick[t.col], end = true, start+len(t.text)+2
	}
	var a strings.Builder
	for i, x := range b {
		switch {
		case x.Down > 0:
			a.WriteString(g.outage)
		case x.Failures > 0:
			a.WriteString(g.fail)
		case x.Covered == 0 && x.Checks == 0:
			a.WriteByte(' ')
		case tick[i]:
			a.WriteString(g.xTick)
		default:
			a.WriteString(g.xAxis)
		}
	}
	return a.String(), string(lab)
}

// timeTick is a labelled time on the x axis: its column and its label.
type timeTick struct {
	col  int
	text string
}

// timeTicks returns the round local times in the n buckets of width bw from `from`, at the
// smallest step that keeps them minLabelGap columns apart.
func timeTicks(from time.Time, bw time.Duration, n int, loc *time.Location) []timeTick {
	if bw <= 0 || n <= 0 {
		return nil
	}
	steps := [...]time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
		30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
		day, 2 * day, 7 * day, 14 * day, 28 * day}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if s >= bw*minLabelGap {
			step = s
			break
		}
	}
	end := from.Add(bw * time.Duration(n))
	var ticks []timeTick
	add := func(t time.Time, text string) {
		if !t.Before(from) && t.Before(end) {
			ticks = append(ticks, timeTick{col: int(t.Sub(from) / bw), text: text})
		}
	}
	f := from.In(loc)
	for d := 0; ; d++ {
		midnight := time.Date(f.Year(), f.Month(), f.Day()+d, 0, 0, 0, 0, loc)
		if !midnight.Before(end) {
			break
		}
		if step >= day {
			// Days since Monday 1970-01-05, so that weekly labels fall on Mondays.
			dn := int(time.Date(midnight.Year(), midnight.Month(), midnight.Day(), 0, 0, 0, 0, time.UTC).Unix()/86400) - 4
			if dn%int(step/day) == 0 {
				add(midnight, midnight.Format("Jan 2"))
			}
			continue
		}
		add(midnight, midnight.Format("Jan 2"))
		next := time.Date(midnight.Year(), midnight.Month(), midnight.Day()+1, 0, 0, 0, 0, loc)
		for t := midnight.Add(step); t.Before(next); t = t.Add(step) {
			add(t, t.Format("15:04"))
		}
	}
	return ticks
}

// paintRuns colours a line: runs of the hot runes in one span, the rest in another, one span
// per run.
func paintRuns(line string, hot []string, cold, warm span) string {
	isHot := func(r rune) bool {
		for _, h := range hot {
			if hr, _ := utf8.DecodeRuneInString(h); hr == r {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	start, inHot := 0, false
	flush := func(end int) {
		if end > start {
			if inHot {
				b.WriteString(warm.paint(line[start:end]))
			} else {
				b.WriteString(cold.paint(line[start:end]))
			}
		}
		start = end
	}
	for i, r := range line {
		if h := isHot(r); h != inHot {
			flush(i)
			inHot = h
		}
	}
	flush(len(line))
	return b.String()
}
