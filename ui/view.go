package ui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// View draws the screen. It depends only on the model (time included), so the same model always
// draws the same screen and the Screen writes only the cells that changed; but after a batch of
// statuses that changes only how services look (looksOnly) it is the last frame again, which
// the Screen does not write at all.
func (m Model) View() string {
	if c := m.drawn; c != nil && c.frame != "" {
		return c.frame
	}
	out := m.draw()
	if m.drawn != nil {
		m.drawn.frame = out
	}
	return out
}

// draw draws the screen afresh (but for the rows whose look did not change; see rowCache).
func (m Model) draw() string {
	w, h := m.size()
	if w <= 0 || h <= 0 {
		return ""
	}
	hint, errLine, footer := m.chrome()
	lines := m.drawn.buffer(frameBuf, h)
	lines = append(lines, m.headerLine(w))
	if hint {
		lines = append(lines, m.st.hint.Render(text.Truncate(m.hint, w, m.st.g.ellipsis)))
	}
	if errLine {
		lines = append(lines, m.st.err.Render(text.Truncate("source stopped: "+text.CleanText(m.err.Error(), 0), w, m.st.g.ellipsis)))
	}
	bh := m.bodyHeight()
	var body []string
	pageLen := 0 // lines of the whole detail or help page, for the footer
	wallPage, wallPages := 0, 0
	switch m.view {
	case detailView, helpView:
		all := m.detailLines
		if m.view == helpView {
			all = m.helpLines
		}
		pageLines := all()
		body, pageLen = page(pageLines, m.pageOff, bh), len(pageLines)
	case listView:
		if m.wall != wallOff {
			body, wallPage, wallPages = m.wallLines(w, bh)
			break
		}
		body = m.tableLines(w, bh)
	}
	bodyStart, footerAt := len(lines), -1
	lines = append(lines, body...)
	for range bh - len(body) {
		lines = append(lines, "")
	}
	switch {
	case footer && m.typing && m.view == listView:
		lines = append(lines, m.filterLine(w))
	case footer && m.wall != wallOff && m.view == listView:
		lines = append(lines, m.wallFooter(w, wallPage, wallPages))
	case footer:
		if why := m.reloadFailedLines(); len(why) > 0 {
			lines = append(lines, why...)
			break
		}
		lines = append(lines, m.footerLine(w, pageLen))
		footerAt = len(lines) - 1
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	// Table rows are cut to their columns when they are built; measuring them again would
	// double the cost of a frame, so only a screen too narrow for their fixed part is checked.
	// The header and the footer are cut by headerLine and footerLine, once for as long as
	// they are kept.
	trusted := m.view == listView && m.wall == wallOff && w >= markW+stateW+1
	for i, l := range lines {
		if trusted && i >= bodyStart && i < bodyStart+len(body) || i == 0 || i == footerAt {
			continue
		}
		lines[i] = fit(l, w)
	}
	out := strings.Join(lines, "\n")
	m.drawn.keepBuffer(frameBuf, lines)
	if m.st.ascii {
		out = asciiOnly.Replace(out)
	}
	return out
}

// fit is line cut to w cells.
func fit(line string, w int) string {
	if len(line) > w && text.Width(line) > w {
		return text.Truncate(line, w, "")
	}
	return line
}

// chrome says which optional lines fit: the footer, the Source error and the hint give way, in
// that order, to the rows on a short terminal.
func (m Model) chrome() (hint, errLine, footer bool) {
	_, h := m.size()
	return m.hint != "" && h >= 8, m.err != nil && h >= 5, h >= 6
}

// bodyHeight is the number of lines between the header lines and the footer.
func (m Model) bodyHeight() int {
	_, h := m.size()
	hint, errLine, footer := m.chrome()
	for _, b := range []bool{hint, errLine, footer} {
		if b {
			h--
		}
	}
	if footer {
		h -= max(len(m.reloadFailedLines())-1, 0)
	}
	return max(h-1, 0)
}

// reloadFailedLines is the footer while it gives a failed reload's reason, wrapped to the
// screen, nil when it does not: for reloadFailedFor after the failure, unless a prompt or
// the note of an action holds the footer. The header gives the failure what room the counts
// leave, until the next reload; at 80 columns a reason with its file, line, column and key
// path is often wider than the screen, and nowhere else on it is it whole. At most three
// lines, fewer on a short screen, so that the rows stay.
func (m Model) reloadFailedLines() []string {
	if m.rl.err == nil || m.rl.at.IsZero() || m.now.Sub(m.rl.at) >= reloadFailedFor ||
		m.acking.open || m.mute.open || m.note != "" || m.view == listView && (m.typing || m.wall != wallOff) {
		return nil
	}
	w, h := m.size()
	if w <= 0 {
		return nil
	}
	why := "reload failed: " + text.CleanText(m.rl.err.Error(), 0)
	lines := strings.Split(ansi.Wrap(why, w, " "), "\n")
	if most := max(1, min(3, h/4)); len(lines) > most {
		lines = lines[:most]
		lines[most-1] = text.Truncate(lines[most-1]+" "+m.st.g.ellipsis, w, m.st.g.ellipsis)
	}
	for i, l := range lines {
		lines[i] = m.st.noSave.Render(strings.TrimRight(l, " "))
	}
	return lines
}

// colHeadShown says whether the table has room for its column titles.
func (m Model) colHeadShown() bool { return m.bodyHeight() >= 3 }

// listHeight is the number of table rows that fit.
func (m Model) listHeight() int {
	if m.colHeadShown() {
		return m.bodyHeight() - 1
	}
	return m.bodyHeight()
}

// page keeps the title line of a page view and scrolls the rest.
func page(lines []string, off, h int) []string {
	if h <= 0 || len(lines) == 0 {
		return nil
	}
	title, rest := lines[0], lines[1:]
	off = min(max(off, 0), max(len(rest)-(h-1), 0))
	rest = rest[off:]
	if len(rest) > h-1 {
		rest = rest[:h-1]
	}
	return append([]string{title}, rest...)
}

// findingText is what the header says of the filter, problems only and the sort (not on the
// wallboard, which has an order of its own), "" when the list shows everything in config
// order: "/pay  problems only  sort: problems".
func (m Model) findingText() string {
	var parts []string
	if m.find.filter != "" && !m.typing {
		f := m.find.filter
		if text.Width(f) > 16 {
			f = text.Truncate(f, 16, m.st.g.ellipsis)
		}
		parts = append(parts, "/"+f)
	}
	if m.find.problems {
		parts = append(parts, "problems only")
	}
	if m.find.sort != sortConfig && m.wall == wallOff { // the wallboard orders by problem
		parts = append(parts, "sort: "+m.find.sort.String())
	}
	return strings.Join(parts, "  ")
}

// shownText is how many services the filter and problems only show: "12 of 300 shown".
func (m Model) shownText() string {
	return itoa(m.nShown) + " of " + itoa(len(m.services)) + " shown"
}

// filterLine replaces the footer while the filter is typed: the filter with its cursor, what
// enter and esc do, and how many services it shows. A filter too long for the line shows its
// end, where the typing is.
func (m Model) filterLine(w int) string {
	st := m.st
	right := "enter keep  esc clear  " + m.shownText()
	if w < 40 {
		right = m.shownText()
	}
	// The "/", the cursor and, between the cursor and what is on the right, a gutter.
	const gutter = 2
	room := w - 1 - 1 - gutter - text.Width(right)
	if room < 4 {
		right, room = "", w-2
	}
	line := st.prompt.Render("/"+text.Tail(m.find.filter, room, st.g.ellipsis)) + st.cursor.Render(st.caret)
	if right != "" {
		line += strings.Repeat(" ", max(w-text.Width(line)-text.Width(right), gutter)) + st.footer.Render(right)
	}
	return line
}

// footerLine is the key reminder, with the position in the list or page at the right; pageLen
// is the length of the detail or help page shown. It is cut to w cells.
func (m Model) footerLine(w, pageLen int) string {
	if line, ok := m.ackFooter(w); ok {
		return fit(line, w)
	}
	if line, ok := m.silenceFooter(w); ok {
		return fit(line, w)
	}
	pos := ""
	switch m.view {
	case listView:
		if m.find.active() {
			pos = m.shownText()
		} else if n := len(m.order); n > 0 {
			pos = itoa(m.cursor+1) + "/" + itoa(n)
		}
	case detailView, helpView:
		if n, h := pageLen-1, m.bodyHeight()-1; n > h && h > 0 {
			first := min(max(m.pageOff, 0), n-h)
			pos = itoa(first+1) + "-" + itoa(first+h) + "/" + itoa(n)
		}
	}
	sel := m.selected()
	key := footerKey{w: w, st: m.st, view: m.view, history: m.hist.src != nil,
		paused: sel >= 0 && m.status[sel].State == track.Paused, pos: pos, why: m.selectedReason()}
	memo := m.drawn.footerMemo()
	if line, ok := memo.get(key); ok {
		return line
	}
	return memo.put(key, fit(m.layFooter(key), w))
}

// footerKey is everything the footer's key reminder shows.
type footerKey struct {
	w               int
	st              *styles
	view            view
	history, paused bool
	pos, why        string
}

// layFooter is the footer's key reminder drawn afresh.
func (m Model) layFooter(k footerKey) string {
	w, pos := k.w, k.pos
	room := w - len(pos) - 1
	if pos == "" {
		room = w
	}
	room = max(room, 0)
	var hint string
	if why := k.why; why != "" {
		const help = "  ? help"
		if text.Width(why)+len(help) > room && room > len(help)+8 {
			why = text.Truncate(why, room-len(help), "…") // the reason is cut, not "? help"
		}
		hint = why + help
	} else {
		hint = m.footerKeys(k, room)
	}
	hint = text.Truncate(hint, room, "")
	gap := w - text.Width(hint) - len(pos)
	if pos == "" || gap < 1 {
		return m.drawn.style(footerSlot, m.st, hint)
	}
	return m.drawn.style(footerSlot, m.st, hint+strings.Repeat(" ", gap)+pos)
}

// footerKeys is the key reminder that fits in room: reminders are left out whole, from the
// last before "? help" and "q quit" back, rather than the line cut mid-word ("q qui" at 60
// columns).
func (m Model) footerKeys(k footerKey, room int) string {
	bindings := m.keys.footer(k.view, k.history, k.paused)
	for helpWidth(bindings) > room && len(bindings) > 2 {
		bindings = slices.Delete(bindings, len(bindings)-3, len(bindings)-2)
	}
	return m.drawn.footerHelp(bindings)
}

// helpWidth is how wide footerHelp draws bindings, measured without drawing them, so that
// finding what fits costs the cached footer nothing.
func helpWidth(bindings []key.Binding) int {
	w, n := 0, 0
	for _, b := range bindings {
		if b.Enabled() {
			h := b.Help()
			w += text.Width(h.Key) + 1 + text.Width(h.Desc)
			n++
		}
	}
	return w + max(n-1, 0)*len(footerHelp.ShortSeparator)
}

// selectedReason is why the selected service is not plainly UP, for the footer of the list:
// at 80 columns a DOWN row has no room for it beside its outage timer, and the one row the user
// is looking at should not need the detail view to say why.
func (m Model) selectedReason() string {
	i := m.selected()
	if m.view != listView || i < 0 {
		return ""
	}
	s := m.status[i]
	if s.State != track.Down && s.State != track.Pending && s.State != track.Degraded {
		return ""
	}
	why := text.WithVia(s.Reason, m.viaOf(i))
	if why == "" {
		return ""
	}
	return m.names[i] + ": " + why
}

func itoa(n int) string { return strconv.Itoa(n) }
