package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// historyLines are the detail view's history panes for service i: the latency chart over the
// selected window, the uptime windows and the outages; "loading" until the Archive answers,
// and the Archive's error, on one line, when it fails.
func (m Model) historyLines(i, w int) []string {
	st, a, g := m.st, &m.hist, m.st.g
	var lines []string
	if a.saveErr != nil {
		lines = append(lines, st.label.Render(text.Fit("History", labelW, ""))+" "+
			st.err.Render(text.Truncate("not saved: "+text.CleanText(a.saveErr.Error(), 0), max(w-labelW-1, 0), g.ellipsis)))
	}
	have := a.data.seq != 0 && a.data.svc == i
	haveWindow := have && a.data.window == a.window
	loading := "  " + st.label.Render(g.loading)

	lines = append(lines, "", m.chartTitle(w))
	if a.err != nil && a.errSvc == i {
		lines = append(lines, st.err.Render(text.Truncate("  history unavailable: "+text.CleanText(a.err.Error(), 0), max(w, 0), g.ellipsis)))
		if !have {
			// One line says it all; the session still knows its own outages.
			return append(lines, m.sessionOutageLines(i, w)...)
		}
	}
	rows := m.chartRows()
	if haveWindow {
		lines = append(lines, m.chartLines(a.data.chart, w, rows)...)
	} else {
		// As tall as the chart will be, so that nothing below it jumps when it arrives.
		lines = append(lines, loading)
		lines = append(lines, make([]string, rows+1)...)
	}

	lines = append(lines, "", st.section.Render("Uptime")+st.label.Render(
		text.Truncate("  observed: how much of the window uptty was checking", max(w-6, 0), g.ellipsis)))
	if have {
		lines = append(lines, m.windowLines(a.data.windows, w)...)
	} else {
		lines = append(lines, loading)
	}

	title := "Outages, last " + spanLabel(a.spans[a.window])
	if haveWindow && a.data.total > len(a.data.outages) {
		title += st.label.Render("  newest " + itoa(len(a.data.outages)) + " of " + itoa(a.data.total))
	}
	lines = append(lines, "", st.section.Render(title))
	if !haveWindow {
		return append(lines, loading)
	}
	list := mergeOutages(a.data.outages, m.detailFor(i).Outages, m.now.Add(-a.spans[a.window]), maxOutages)
	if len(list) == 0 {
		lines = append(lines, "  "+st.label.Render("none"))
	}
	for _, o := range list {
		lines = append(lines, m.outageLine(w, o))
	}
	return lines
}

// chartTitle is the chart's heading, with the windows on offer at the right, the selected one
// in brackets.
func (m Model) chartTitle(w int) string {
	st, a := m.st, &m.hist
	left := "Latency p50, last " + spanLabel(a.spans[a.window])
	tabs, tabsW := "", 0
	for k, d := range a.spans {
		text := " " + spanLabel(d) + " "
		if k == a.window {
			tabs += st.tab.Render("[" + spanLabel(d) + "]")
		} else {
			tabs += st.label.Render(text)
		}
		tabsW += len(text)
	}
	if gap := w - len(left) - tabsW; gap >= 2 {
		return st.section.Render(left) + strings.Repeat(" ", gap) + tabs
	}
	return st.section.Render(text.Truncate(left, max(w, 0), st.g.ellipsis))
}

// chartRows is how many rows of bars the chart gets: about half of what the screen has left
// once the state and the chart's own lines are drawn, between 4 and 10, and even, so that the
// scale's middle falls on a row.
func (m Model) chartRows() int {
	return min(max((m.bodyHeight()-9)/2, 4), 10) &^ 1
}

// chartLines draws buckets as a chart w cells wide: the rows of bars with the latency scale at
// the left, the x axis, and the time labels. When there are more buckets than columns the
// newest are drawn; fewer are drawn at the right.
func (m Model) chartLines(b []history.Bucket, w, rows int) []string {
	cw := w - yAxisW
	if cw <= 0 || rows <= 0 {
		return nil
	}
	g, rs := m.st.g, &m.st.row[0]
	if len(b) > cw {
		b = b[len(b)-cw:]
	}
	pad := strings.Repeat(" ", cw-len(b))
	vals, has := chartValues(b)
	var slowest time.Duration
	drawn, observed := false, false
	for k, x := range b {
		if has[k] {
			slowest, drawn = max(slowest, vals[k]), true
		}
		observed = observed || x.Covered > 0 || x.Checks > 0
	}
	top := niceTop(slowest)
	bars := barRows(vals, has, top, rows, g.bars)
	lines := make([]string, 0, rows+2)
	for r, bar := range bars {
		label, axis := "", g.yAxis
		if drawn && (r == 0 || rows%2 == 0 && r == rows/2) {
			label, axis = yLabel(top*time.Duration(rows-r)/time.Duration(rows)), g.yTick
		}
		line := pad + rs.spark.paint(bar)
		if !observed && r == rows/2 {
			const note = "nothing recorded in this window"
			line = rs.dim.paint(text.Fit(strings.Repeat(" ", max((cw-len(note))/2, 0))+note, cw, g.ellipsis))
		}
		lines = append(lines, rs.dim.paint(text.FitLeft(label, yLabelW, "")+" "+axis)+line)
	}
	zero := ""
	if drawn {
		zero = "0"
	}
	axis, labels := timeAxis(b, m.loc, g)
	lines = append(lines, rs.dim.paint(text.FitLeft(zero, yLabelW, "")+" "+g.corner)+pad+paintRuns(axis, []string{g.fail, g.outage}, rs.dim, rs.fail))
	return append(lines, strings.Repeat(" ", yAxisW)+pad+rs.dim.paint(labels))
}

// uptimeCol is a column of the uptime windows table.
type uptimeCol struct {
	head  string
	w     int
	value func(history.Window) string
}

// windowLines is the uptime windows table: a heading row and a row per window, with as many
// columns as fit, the least needed (the slow percentiles) dropped first.
func (m Model) windowLines(ws []history.Window, w int) []string {
	none := m.st.g.none
	orNone := func(ok bool, s func() string) string {
		if !ok {
			return none
		}
		return s()
	}
	cols := []uptimeCol{
		{"uptime", 8, func(x history.Window) string {
			return orNone(x.Covered > 0, func() string { return ratioText(x.Up) })
		}},
		{"observed", 10, func(x history.Window) string { return coverageText(x.Coverage) }},
		{"incidents", 11, func(x history.Window) string { return itoa(x.Incidents) }},
		// Zero means the mean has nothing to speak for: no incident has ended (MTTR), or there
		// was no up time to be between incidents (MTBF: a service that never passed), which
		// 0s would misstate as failing the moment it came up.
		{"MTTR", 8, func(x history.Window) string {
			return orNone(x.MTTR > 0, func() string { return text.FormatDuration(x.MTTR) })
		}},
		{"MTBF", 8, func(x history.Window) string {
			return orNone(x.MTBF > 0, func() string { return text.FormatDuration(x.MTBF) })
		}},
	}
	for _, q := range []struct {
		name string
		get  func(history.Window) time.Duration
	}{
		{"p50", func(x history.Window) time.Duration { return x.P50 }},
		{"p95", func(x history.Window) time.Duration { return x.P95 }},
		{"p99", func(x history.Window) time.Duration { return x.P99 }},
	} {
		cols = append(cols, uptimeCol{q.name, 7, func(x history.Window) string {
			return orNone(x.Checks > x.Failures, func() string { return text.FormatLatency(q.get(x)) })
		}})
	}
	const windowW = 8 // "  window"
	used := windowW
	for k, c := range cols {
		if used+c.w > w {
			cols = cols[:k]
			break
		}
		used += c.w
	}
	head := text.Fit("  window", windowW, "")
	for _, c := range cols {
		head += text.FitLeft(c.head, c.w, "")
	}
	lines := []string{m.st.label.Render(text.Truncate(head, max(w, 0), ""))}
	for _, x := range ws {
		line := text.Fit("  "+spanLabel(x.To.Sub(x.From)), windowW, "")
		for _, c := range cols {
			line += text.FitLeft(c.value(x), c.w, "")
		}
		lines = append(lines, text.Truncate(line, max(w, 0), ""))
	}
	return lines
}

// mergeOutages joins the archived outages and the session's, newest first, at most n of them:
// those going on at or after since (the window has moved on since the Archive was asked), each
// once. The session's copy of an outage wins, being
// fresher (the Archive may not have the end of an outage that just ended); the Archive keeps
// times to the millisecond.
func mergeOutages(archived []history.Incident, session []track.Outage, since time.Time, n int) []track.Outage {
	out := make([]track.Outage, 0, len(archived)+len(session))
	seen := make(map[int64]bool, len(session))
	keep := func(o track.Outage) bool { return o.Open() || !o.End.Before(since) }
	for _, o := range session {
		seen[o.Start.UnixMilli()] = true
		if keep(o) {
			out = append(out, o)
		}
	}
	for _, in := range archived {
		o := track.Outage{Start: in.Start, Cause: in.Cause}
		if in.End != nil {
			o.End = *in.End
		}
		if !seen[in.Start.UnixMilli()] && keep(o) {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b track.Outage) int { return b.Start.Compare(a.Start) })
	return out[:min(len(out), max(n, 0))]
}

// spanLabel names a window: 45m, 1h, 24h, 7d, 30d.
func spanLabel(d time.Duration) string {
	switch {
	case d >= 2*day && d%day == 0:
		return itoa(int(d/day)) + "d"
	case d >= time.Hour && d%time.Hour == 0:
		return itoa(int(d/time.Hour)) + "h"
	}
	return text.FormatAgo(d)
}
