package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// row is one table line: a group heading (svc < 0) or a service.
type row struct {
	group string
	svc   int
}

// buildRows orders services by group, groups in order of first appearance and services in file
// order within a group. Services without a group come first and without a heading: placed last
// they would read as part of the last group.
func buildRows(services []config.Service) (rows []row, order, lineOf []int) {
	var groups []string
	members := map[string][]int{}
	for i, s := range services {
		g := s.Group
		if _, ok := members[g]; !ok && g != "" {
			groups = append(groups, g)
		}
		members[g] = append(members[g], i)
	}
	add := func(i int) {
		order = append(order, i)
		lineOf = append(lineOf, len(rows))
		rows = append(rows, row{svc: i})
	}
	for _, i := range members[""] {
		add(i)
	}
	for _, g := range groups {
		rows = append(rows, row{group: g, svc: -1})
		for _, i := range members[g] {
			add(i)
		}
	}
	return rows, order, lineOf
}

// nameWidths are what the layout needs to know of the service names, in cells.
type nameWidths struct {
	widest int // the widest name
	full   int // the widest name no wider than nameCap, 0 if none: the ones that can be whole
}

func measureNames(names []string) nameWidths {
	var nw nameWidths
	for _, n := range names {
		w := ansi.StringWidth(n)
		nw.widest = max(nw.widest, w)
		if w <= nameCap {
			nw.full = max(nw.full, w)
		}
	}
	return nw
}

// Column widths. The state word is the widest word, DEGRADED.
const (
	markW     = 2 // "> " on the selected row
	stateW    = 8
	latW      = 7 // "LATENCY"; values are at most 6 cells
	upW       = 6 // "99.95%"
	sparkMin  = 8
	sparkMax  = 60
	outWant   = 26 // "DOWN 12m03s since 21:47:02"
	outMin    = 10
	outRoomy  = 60 // enough for an outage and its reason
	nameCap   = 32
	nameFloor = 12
	// nameWhole is the longest name never cut to keep a column: longer ones give way to the
	// sparkline and uptime, which every row needs at 80 columns more than a long name does.
	nameWhole = 16
)

// layout is the width of each optional column; 0 hides it.
type layout struct {
	name, lat, spark, up, out int
}

// fitColumns picks the columns for a width. The state word and the name always stay; as the
// screen narrows the sparkline goes first, then the uptime, then the latency, then the outage
// column shortens and goes, and last the name is cut. No optional column stays at the cost of
// cutting a name of up to nameWhole cells: so such a name shown whole at one width is whole at
// every wider one. Longer names are cut to keep columns; they get what is left, and nameFloor
// cells when every name is that long. The outage column is kept even while no service
// has anything for it, so that the table does not reflow each time one does.
func fitColumns(width int, names nameWidths) layout {
	rem := width - markW - stateW - 1
	nameNat := max(names.widest, 4)
	nameMax := min(nameNat, nameCap)
	need := max(min(names.full, nameWhole), min(nameMax, nameFloor))
	stages := []layout{
		{lat: latW, spark: sparkMin, up: upW},
		{lat: latW, up: upW},
		{lat: latW},
	}
	for _, l := range stages {
		fixed := 2 + outWant
		if l.lat > 0 {
			fixed += 1 + l.lat
		}
		if l.spark > 0 {
			fixed += 2 + l.spark
		}
		if l.up > 0 {
			fixed += 1 + l.up
		}
		if need+fixed > rem {
			continue
		}
		l.name = min(nameMax, rem-fixed)
		left := rem - fixed - l.name
		// Spare room goes to the outage column's reasons first (why a service is down matters
		// more than a longer latency history), then to the sparkline, then to names longer
		// than nameCap, and what is left to the outage column again.
		grow := func(n *int, upto int) {
			g := min(left, max(upto-*n, 0))
			*n += g
			left -= g
		}
		l.out = outWant
		grow(&l.out, outRoomy)
		if l.spark > 0 {
			grow(&l.spark, sparkMax)
		}
		grow(&l.name, nameNat)
		l.out += left
		return l
	}
	// Only the name and the outage column are left; the outage gets its usual width before a
	// name over the cap grows past need.
	var l layout
	l.name = max(min(nameMax, rem), 0)
	if rem-need-2 >= outMin {
		l.name = max(need, min(nameMax, rem-2-outWant))
		l.out = rem - l.name - 2
	}
	return l
}

// tableLines are the column titles and the rows that fit in h lines, scrolled to the cursor.
func (m Model) tableLines(w, h int) []string {
	if h <= 0 {
		return nil
	}
	lay := fitColumns(w, m.nameW)
	lines := make([]string, 0, h)
	if m.colHeadShown() {
		lines = append(lines, m.st.colHead.Render(m.columnTitles(lay)))
		h--
	}
	if len(m.rows) == 0 {
		return append(lines, m.st.hint.Render("no services"))
	}
	off := scrollTo(m.offset, m.cursorLine(), h, len(m.rows))
	for i := off; i < len(m.rows) && i < off+h; i++ {
		r := m.rows[i]
		if r.svc < 0 {
			lines = append(lines, m.st.heading.Render(ansi.Truncate(r.group, max(w-markW, 0), m.st.g.ellipsis)))
			continue
		}
		if m.stale() {
			lines = append(lines, m.staleRow(r.svc, i == m.cursorLine(), lay))
			continue
		}
		lines = append(lines, m.renderRow(r.svc, i == m.cursorLine(), lay))
	}
	return lines
}

func (m Model) columnTitles(l layout) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markW))
	b.WriteString(text.Fit("STATE", stateW, ""))
	b.WriteString(" ")
	b.WriteString(text.Fit("NAME", l.name, ""))
	if l.lat > 0 {
		b.WriteString(" " + text.FitLeft("LATENCY", l.lat, ""))
	}
	if l.spark > 0 {
		b.WriteString("  " + text.Fit("RECENT", l.spark, ""))
	}
	if l.up > 0 {
		b.WriteString(" " + text.FitLeft("UPTIME", l.up, ""))
	}
	if l.out > 0 {
		b.WriteString("  " + text.Fit("OUTAGE", l.out, ""))
	}
	return strings.TrimRight(b.String(), " ")
}

// renderRow draws service i's row. Each cell is cut and padded by display width before it is
// styled, so that wide names align and styling never changes a width.
func (m Model) renderRow(i int, selected bool, l layout) string {
	sel := 0
	if selected {
		sel = 1
	}
	rs, g, s := &m.st.row[sel], m.st.g, m.status[i]
	gap := func(n int) string {
		if selected {
			return rs.base.paint(strings.Repeat(" ", n))
		}
		return strings.Repeat(" ", n)
	}
	var b strings.Builder
	b.Grow(512)
	if selected {
		b.WriteString(rs.mark.paint("> "))
	} else {
		b.WriteString("  ")
	}
	state := s.State
	if int(state) >= len(rs.state) {
		state = track.Unknown
	}
	b.WriteString(rs.state[state].paint(text.Fit(state.String(), stateW, "")))
	b.WriteString(gap(1))
	b.WriteString(rs.name.paint(text.Fit(m.names[i], l.name, g.ellipsis)))
	if l.lat > 0 {
		lat := g.none
		if s.LastOK && !s.LastAt.IsZero() {
			lat = text.FormatLatency(s.LastLatency)
		}
		b.WriteString(gap(1))
		b.WriteString(rs.base.paint(text.FitLeft(lat, l.lat, "")))
	}
	if l.spark > 0 {
		b.WriteString(gap(2))
		b.WriteString(paintSpark(sparkline(&s.Spark, l.spark, g), g, rs.spark, rs.fail))
	}
	if l.up > 0 {
		b.WriteString(gap(1))
		b.WriteString(rs.base.paint(text.FitLeft(uptimeText(m.now, s, g.none), l.up, "")))
	}
	if l.out > 0 {
		cell := outageText(m.now, s, m.loc)
		if cell == "" && m.services[i].Brief.Insecure {
			cell = text.InsecureNote
		}
		if mark := m.markText(i); mark != "" {
			b.WriteString(gap(2))
			b.WriteString(m.markCell(mark, cell, i, l.out, rs, selected))
		} else if cell != "" || selected {
			b.WriteString(gap(2))
			b.WriteString(m.outageCell(cell, s, m.viaOf(i), l.out, rs, selected))
		}
	}
	return b.String()
}

// viaOf is the dependency the i-th service is down because of, "" when none.
func (m Model) viaOf(i int) string {
	if m.via == nil || m.status[i].State != track.Down {
		return ""
	}
	return m.via(m.names[i])
}

// outageCell is the outage column; during an outage the failure reason follows the duration
// when there is room for it. Only the selected row pads it, for its selection bar.
func (m Model) outageCell(cell string, s track.Status, via string, w int, rs *rowStyles, selected bool) string {
	g := m.st.g
	cut := func(t string, w int) string {
		if selected {
			return text.Fit(t, w, g.ellipsis)
		}
		return ansi.Truncate(t, w, g.ellipsis)
	}
	if _, open := s.OpenOutage(); !open {
		style := rs.dim
		if s.State == track.Pending || s.State == track.Degraded {
			style = rs.state[s.State]
		}
		return style.paint(cut(cell, w))
	}
	reason := s.Reason
	if via != "" {
		// DOWN (via Core router): the root cause first, the service's own failure after it.
		reason = strings.TrimSpace("(via " + text.CleanText(via, 0) + ") " + reason)
	}
	if reason == "" || ansi.StringWidth(cell)+2+6 > w {
		return rs.down.paint(cut(cell, w))
	}
	return rs.down.paint(cell) + rs.dim.paint("  "+cut(reason, w-ansi.StringWidth(cell)-2))
}
