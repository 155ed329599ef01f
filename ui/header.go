package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// headerLine is `uptty [DEMO]  2 DOWN  12 UP ... HH:MM:SS`, cut to w cells. On a narrow screen
// the counts close up, then get cut, so that the clock stays; narrower still, everything but
// the DOWN count gives way to it (downFirstHeader). All of it but the clock is laid
// out and styled again only when what it shows changed (headerKey): a tick changes the clock
// alone, and styling the rest with lipgloss was most of an idle second's frame.
func (m Model) headerLine(w int) string {
	clock := hms(m.now.In(m.loc))
	note, alarm := m.reloadNote()
	key := headerKey{w: w, st: m.st, demo: m.demo, saveErr: m.hist.saveErr != nil, tally: m.tally,
		stale: m.stale(), rlNote: m.rl.note, note: note, alarm: alarm, finding: m.findingText()}
	c := m.drawn
	if c != nil && c.header.ok && c.header.key == key {
		return c.header.with(m.st, clock)
	}
	line, clocked := m.layHeader(w, clock, note, alarm)
	if fitted := fit(line, w); fitted != line {
		return fitted // cut into the clock, if it has one: not kept
	}
	if c != nil {
		c.header = cachedHeader{key: key, ok: true, clocked: clocked, head: line}
		if clocked {
			c.header.head = line[:len(line)-len(m.st.clock.paint(clock))]
		}
	}
	return line
}

// headerKey is everything the header shows but the clock's time.
type headerKey struct {
	w                     int
	st                    *styles
	demo, saveErr, stale  bool
	tally                 tally
	rlNote, note, finding string
	alarm                 bool
}

// cachedHeader is the header as last laid out: head is the line up to the clock when clocked
// (the clock is its last part), the whole line when the screen has no room for the clock.
type cachedHeader struct {
	key         headerKey
	ok, clocked bool
	head        string
}

// with is the header with the clock reading clock.
func (h *cachedHeader) with(st *styles, clock string) string {
	if !h.clocked {
		return h.head
	}
	return h.head + st.clock.paint(clock)
}

// hms is t as the header's clock shows it, "15:04:05": written out by hand, as
// time.Format's layout parsing was a tenth of an idle tick.
func hms(t time.Time) string {
	h, mi, s := t.Clock()
	b := [8]byte{byte('0' + h/10), byte('0' + h%10), ':', byte('0' + mi/10), byte('0' + mi%10), ':', byte('0' + s/10), byte('0' + s%10)}
	return string(b[:])
}

// layHeader lays the header out afresh with the clock reading clock and the reload note
// note; clocked says the line ends with the clock (a screen too narrow has none).
func (m Model) layHeader(w int, clock, note string, alarm bool) (line string, clocked bool) {
	st := m.st
	left := st.app.Render("uptty")
	leftW := 5
	if m.demo {
		left += " " + st.demo.Render(" DEMO ")
		leftW += 7
	}
	// The detail view says why; the mark only has to be seen, and gives way to the clock.
	const mark = "history not saved"
	if m.hist.saveErr != nil && w >= leftW+2+len(mark)+1+len(clock) {
		left += "  " + st.noSave.Render(mark)
		leftW += 2 + len(mark)
	}
	var parts, texts []string
	for _, e := range m.tally.entries() {
		parts = append(parts, st.count[e.state].Render(e.text))
		texts = append(texts, e.text)
	}
	// A link that is down outranks the counts (they are stale); a reload's word does not: the
	// counts keep their room, closed up, and a failed reload's whole reason is in the footer.
	room := w - leftW - 2 - 1 - len(clock)
	if !m.stale() && m.rl.note == "" && len(texts) > 0 {
		room -= text.Width(strings.Join(texts, " ")) + 4 // two spaces either side of them
	}
	if note != "" && room >= 1 {
		cut := text.Truncate(note, room, st.g.ellipsis)
		left += "  " + m.noteStyle(alarm).Render(cut)
		leftW += 2 + text.Width(cut)
	}
	if w < leftW+1+len(clock) {
		if m.tally.n[track.Down] > 0 {
			return m.downFirstHeader(w, clock, note, alarm)
		}
		return left, false
	}
	avail := w - leftW - 2 - len(clock) - 2 // two spaces either side of the counts
	styled := st.clock.paint(clock)
	// What the list hides or reorders is said before the clock when the counts leave room
	// (they matter more); else the column titles say it (see findingInHeader).
	right, rightW := styled, len(clock)
	if seg := m.findingText(); m.findingInHeader(w) {
		sw := text.Width(seg)
		avail -= sw + 2
		right, rightW = st.finding.Render(seg)+"  "+styled, sw+2+len(clock)
	}
	line, counted := m.headerWith(left, leftW, parts, avail, right, rightW, w)
	if !counted && m.tally.n[track.Down] > 0 {
		return m.downFirstHeader(w, clock, note, alarm)
	}
	return line, true
}

// downFirstHeader is the header of a screen too narrow for the usual one to keep the DOWN
// count: the count, whole, is what a paged user looks for, so everything else gives way to it,
// in this order (the last first): a failing reload's or a dropped link's note (which says the
// count may be stale), the DEMO mark (the count is not real), the clock (which says the screen
// is live), the mark that more counts were cut, "history not saved", a passing note, and the
// name.
func (m Model) downFirstHeader(w int, clock, note string, alarm bool) (line string, clocked bool) {
	st := m.st
	entries := m.tally.entries()
	down := entries[0].text   // worst first: DOWN, when any service is
	if w < text.Width(down) { // "2 DOWN (1 paused)": the count without its notes
		down = itoa(m.tally.n[track.Down]) + " " + track.Down.String()
	}
	if w <= text.Width(down) {
		return st.count[track.Down].Render(text.Truncate(down, w, "")), false
	}
	type piece struct {
		text string
		w    int
		on   bool
	}
	var app, demo, noSave, noteP, more piece
	app = piece{st.app.Render("uptty"), 5, false}
	if m.demo {
		demo = piece{st.demo.Render(" DEMO "), 6, false}
	}
	if m.hist.saveErr != nil {
		const mark = "history not saved"
		noSave = piece{st.noSave.Render(mark), len(mark), false}
	}
	if len(entries) > 1 {
		more = piece{st.g.ellipsis, text.Width(st.g.ellipsis), false}
	}
	clockP := piece{st.clock.paint(clock), len(clock), false}
	left := func() []*piece { return []*piece{&app, &demo, &noSave, &noteP} }
	width := func() int {
		n := text.Width(down)
		for _, p := range left() {
			if p.on {
				n += p.w + 2
			}
		}
		if more.on {
			n += 1 + more.w
		}
		if clockP.on {
			n += 1 + clockP.w
		}
		return n
	}
	// try shows p if it fits beside what is shown already; a note is cut to fit.
	try := func(p *piece) {
		if p.w == 0 {
			return
		}
		p.on = true
		if width() <= w {
			return
		}
		p.on = false
		if p == &noteP {
			if room := w - width() - 2; room >= 4 {
				cut := text.Truncate(note, room, st.g.ellipsis)
				noteP.text, noteP.w, noteP.on = m.noteStyle(alarm).Render(cut), text.Width(cut), true
			}
		}
	}
	if note != "" {
		noteP = piece{m.noteStyle(alarm).Render(note), text.Width(note), false}
	}
	order := []*piece{&demo, &clockP, &more, &noSave, &app}
	if alarm {
		order = append([]*piece{&noteP}, order...)
	} else {
		order = append(order[:4], &noteP, &app)
	}
	for _, p := range order {
		try(p)
	}
	var b strings.Builder
	for _, p := range left() {
		if p.on {
			b.WriteString(p.text + "  ")
		}
	}
	b.WriteString(st.count[track.Down].Render(down))
	if more.on {
		b.WriteString(" " + more.text)
	}
	if !clockP.on {
		return b.String(), false
	}
	b.WriteString(strings.Repeat(" ", w-width()+1) + clockP.text)
	return b.String(), true
}

// noteStyle is the style of the header's note: an alarm (a failed reload, a dropped link)
// stands out, a passing note ("reloaded 14:02:11") does not.
func (m Model) noteStyle(alarm bool) lipgloss.Style {
	if alarm {
		return m.st.noSave
	}
	return m.st.hint
}

// findingInHeader says whether the header has room for findingText beside every count, with
// the counts closed up: where it has not, the column titles carry it.
func (m Model) findingInHeader(w int) bool {
	seg := m.findingText()
	if seg == "" {
		return false
	}
	used := 5 + 2 + 8 + 2 + 2 + text.Width(seg) // uptty, the clock, the gaps
	if m.demo {
		used += 7
	}
	if m.hist.saveErr != nil {
		used += 2 + len("history not saved")
	}
	var texts []string
	for _, e := range m.tally.entries() {
		texts = append(texts, e.text)
	}
	return used+text.Width(strings.Join(texts, " ")) <= w
}

// headerWith lays out the header's counts between left and right (rightW cells wide); counted
// says the worst count is on it.
func (m Model) headerWith(left string, leftW int, parts []string, avail int, right string, rightW, w int) (line string, counted bool) {
	st := m.st
	counts := strings.Join(parts, "  ")
	if text.Width(counts) > avail {
		counts = strings.Join(parts, " ")
	}
	// Still too wide: keep the worst states whole and mark the rest as cut.
	for n := len(parts) - 1; n >= 0 && text.Width(counts) > avail; n-- {
		counts = strings.Join(parts[:n], " ") + " " + st.g.ellipsis
		if n == 0 {
			counts = ""
		}
	}
	gap := w - leftW - text.Width(counts) - rightW
	if counts != "" {
		counts = "  " + counts
		gap -= 2
	}
	return left + counts + strings.Repeat(" ", max(gap, 1)) + right, counts != "" || len(parts) == 0
}
