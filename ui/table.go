package ui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// row is one table line: a group heading (svc < 0) or a service.
type row struct {
	group     string
	svc       int
	collapsed bool     // a heading standing for its group's services, which the cursor can select
	grid      []string // a line of the grid of collapsed groups: the groups, one per cell
	cols      int      // the grid's columns
}

// nameWidths are what the layout needs to know of the service names, in cells.
type nameWidths struct {
	widest int // the widest name
	full   int // the widest name no wider than nameCap, 0 if none: the ones that can be whole
}

func measureNames(names []string) nameWidths {
	var nw nameWidths
	for _, n := range names {
		w := text.Width(n)
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
	lines := m.drawn.buffer(tableBuf, h)
	if m.colHeadShown() {
		lines = append(lines, m.titleLine(lay, w))
		h--
	}
	if len(m.services) == 0 {
		return append(lines, m.st.hint.Render("no services"))
	}
	if len(m.rows) == 0 {
		return append(lines, m.st.hint.Render(text.Truncate(m.nothingShown(), w, m.st.g.ellipsis)))
	}
	off := scrollTo(m.offset, m.cursorLine(), h, len(m.rows))
	terms := filterTerms(m.find.filter)
	for i := off; i < len(m.rows) && i < off+h; i++ {
		r := m.rows[i]
		if r.grid != nil {
			lines = append(lines, m.gridLine(r, w))
			continue
		}
		if r.svc < 0 {
			lines = append(lines, m.groupLine(r.group, r.collapsed, i == m.cursorLine(), w))
			continue
		}
		if m.stale() {
			lines = append(lines, m.staleRow(r.svc, i == m.cursorLine(), lay))
			continue
		}
		lines = append(lines, m.cachedRow(len(lines), r.svc, i == m.cursorLine(), lay, terms))
	}
	m.drawn.keepBuffer(tableBuf, lines)
	return lines
}

// rowKey is everything a service row's look depends on. The service is known by its place
// in the model's service list, which a reload replaces (so a row drawn before a reload never
// matches after it). What the screen asks of others while drawing (marks, acks,
// dependencies) is asked again for every frame, as it may change without a message; only
// the drawing is saved.
type rowKey struct {
	svc      *config.Service
	status   track.Status
	selected bool
	lay      layout
	filter   string
	st       *styles
	tx       rowTexts // the texts that depend on the clock, the marks, acks and dependencies
	mark     notify.Mark
	ack      track.Ack
	acked    bool
}

// rowTexts are the parts of a service row that depend on the clock, or on what the screen
// asks of others while drawing.
type rowTexts struct{ uptime, outage, mark, ack, via string }

// rowTexts computes service i's row texts for the columns l shows; mk is its mark (markOf,
// which asks the alert engine: a frame asks once a row).
func (m Model) rowTexts(i int, l layout, mk notify.Mark) rowTexts {
	var tx rowTexts
	if l.up > 0 {
		tx.uptime = uptimeText(m.now, m.status[i], m.st.g.none)
	}
	if l.out > 0 {
		tx.outage = outageText(m.now, m.status[i], m.loc)
		if tx.mark = m.markWords(mk); tx.mark == "" {
			tx.ack = m.ackText(i)
		}
		tx.via = m.viaOf(i)
	}
	return tx
}

// cachedRow is service i's row on the line-th line of the table, drawn again only when its
// look changed since that line last showed it.
func (m Model) cachedRow(line, i int, selected bool, l layout, terms []string) string {
	c := m.drawn
	if c == nil {
		return m.renderRow(i, selected, l, terms)
	}
	for len(c.lines) <= line {
		c.lines = append(c.lines, cachedLine{})
	}
	// The row is keyed by what it shows of the clock, not by the clock: a second that changes
	// no row's texts (an UP row at 100%, every row on a quiet screen) styles no row again.
	mk := m.markOf(i)
	tx := m.rowTexts(i, l, mk)
	key := rowKey{svc: &m.services[i], status: m.status[i], selected: selected, lay: l,
		filter: m.find.filter, st: m.st, tx: tx, mark: mk}
	key.ack, key.acked = m.ackOf(i)
	e := &c.lines[line]
	if e.key != key {
		e.key, e.text = key, m.drawRow(i, selected, l, terms, tx)
	}
	return e.text
}

// titleLine is the column titles; when the header had no room to say how the list is
// filtered and sorted, they say it at their right.
func (m Model) titleLine(lay layout, w int) string {
	seg := m.findingText()
	key := titlesKey{lay: lay, w: w, st: m.st, seg: seg, inHeader: seg != "" && m.findingInHeader(w)}
	memo := m.drawn.titlesMemo()
	if line, ok := memo.get(key); ok {
		return line
	}
	return memo.put(key, m.layTitles(lay, w, seg, key.inHeader))
}

// titlesKey is everything the column titles' line shows.
type titlesKey struct {
	lay      layout
	w        int
	st       *styles
	seg      string // findingText
	inHeader bool   // findingInHeader
}

// layTitles is titleLine drawn afresh.
func (m Model) layTitles(lay layout, w int, seg string, inHeader bool) string {
	titles := m.columnTitles(lay)
	head := m.drawn.style(colHeadSlot, m.st, titles)
	if seg == "" || inHeader {
		return head
	}
	tw := text.Width(titles)
	room := w - tw - 2
	if room < 8 {
		return head
	}
	seg = text.Truncate(seg, room, m.st.g.ellipsis)
	return head + strings.Repeat(" ", w-tw-text.Width(seg)) + m.st.finding.Render(seg)
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
// The name's characters that match the filter's terms are highlighted.
func (m Model) renderRow(i int, selected bool, l layout, terms []string) string {
	return m.drawRow(i, selected, l, terms, m.rowTexts(i, l, m.markOf(i)))
}

// drawRow is renderRow with the row's texts (see rowTexts) already computed.
func (m Model) drawRow(i int, selected bool, l layout, terms []string, tx rowTexts) string {
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
	b.WriteString(m.nameCell(i, l.name, rs, terms))
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
		b.WriteString(rs.base.paint(text.FitLeft(tx.uptime, l.up, "")))
	}
	if l.out > 0 {
		cell := tx.outage
		if cell == "" && m.services[i].Brief.Insecure {
			cell = text.InsecureNote
		}
		mark := tx.mark
		if mark == "" {
			mark = tx.ack // acked: who and when first, then the clock
		}
		if mark != "" && (tx.mark == "" || s.State == track.Down) {
			// The state column already says DOWN: the mark leaves little room, kept for the clock.
			cell = strings.TrimPrefix(cell, "DOWN ")
		}
		if mark != "" {
			b.WriteString(gap(2))
			b.WriteString(m.markCell(mark, cell, i, l.out, rs, selected))
		} else if cell != "" || selected {
			b.WriteString(gap(2))
			b.WriteString(m.outageCell(cell, s, tx.via, l.out, rs, selected))
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
		return text.Truncate(t, w, g.ellipsis)
	}
	if _, open := s.OpenOutage(); !open {
		style := rs.dim
		if s.State == track.Pending || s.State == track.Degraded {
			style = rs.state[s.State]
		}
		return style.paint(cut(cell, w))
	}
	reason := text.WithVia(s.Reason, via)
	if reason == "" || text.Width(cell)+2+6 > w {
		return rs.down.paint(cut(cell, w))
	}
	return rs.down.paint(cell) + rs.dim.paint("  "+cut(reason, w-text.Width(cell)-2))
}

// nameCell is the name, cut and padded to w cells, with the characters the filter matched in
// the match style.
func (m Model) nameCell(i, w int, rs *rowStyles, terms []string) string {
	cell := text.Fit(m.names[i], w, m.st.g.ellipsis)
	if len(terms) == 0 {
		return rs.name.paint(cell)
	}
	pos, _ := m.matches(i, terms, nil)
	if len(pos) == 0 {
		return rs.name.paint(cell)
	}
	slices.Sort(pos)
	// The cell starts with the name's runes, as many as fit; only those can be highlighted.
	name := []rune(m.names[i])
	var b strings.Builder
	k, run, hi := 0, strings.Builder{}, false
	flush := func() {
		if run.Len() == 0 {
			return
		}
		if hi {
			b.WriteString(rs.match.paint(run.String()))
		} else {
			b.WriteString(rs.name.paint(run.String()))
		}
		run.Reset()
	}
	// A grapheme cluster takes its first rune's look whole: a style sequence inside one (a
	// keycap's digit highlighted apart from its marks) breaks it into pieces that the screen
	// and the terminal measure apart.
	whole := true
	for rest := cell; rest != ""; {
		var g string
		if rest[0] < 0x80 && (len(rest) == 1 || rest[1] < 0x80) {
			g = rest[:1] // ASCII before ASCII: a cluster of its own, most names throughout
		} else if g, _ = ansi.FirstGraphemeCluster(rest, ansi.GraphemeWidth); g == "" {
			g = rest
		}
		rest = rest[len(g):]
		isHi := false
		for j, r := range g {
			if whole && k < len(name) && name[k] == r {
				if j == 0 {
					_, isHi = slices.BinarySearch(pos, k)
				}
			} else {
				whole = false
			}
			k++
		}
		if isHi != hi {
			flush()
			hi = isHi
		}
		run.WriteString(g)
	}
	flush()
	return b.String()
}
