package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// headerLine is `uptty [DEMO]  2 DOWN  12 UP ... HH:MM:SS`, cut to w cells. On a narrow screen
// the counts close up, then get cut, so that the clock stays. All of it but the clock is laid
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
		room -= ansi.StringWidth(strings.Join(texts, " ")) + 4 // two spaces either side of them
	}
	if note != "" && room >= 1 {
		style := st.hint
		if alarm {
			style = st.noSave
		}
		note = ansi.Truncate(note, room, st.g.ellipsis)
		left += "  " + style.Render(note)
		leftW += 2 + ansi.StringWidth(note)
	}
	if w < leftW+1+len(clock) {
		return left, false
	}
	avail := w - leftW - 2 - len(clock) - 2 // two spaces either side of the counts
	styled := st.clock.paint(clock)
	// What the list hides or reorders is said before the clock when the counts leave room
	// (they matter more); else the column titles say it (see findingInHeader).
	if seg := m.findingText(); m.findingInHeader(w) {
		sw := ansi.StringWidth(seg)
		return m.headerWith(left, leftW, parts, avail-sw-2, st.finding.Render(seg)+"  "+styled, sw+2+len(clock), w), true
	}
	return m.headerWith(left, leftW, parts, avail, styled, len(clock), w), true
}

// findingInHeader says whether the header has room for findingText beside every count, with
// the counts closed up: where it has not, the column titles carry it.
func (m Model) findingInHeader(w int) bool {
	seg := m.findingText()
	if seg == "" {
		return false
	}
	used := 5 + 2 + 8 + 2 + 2 + ansi.StringWidth(seg) // uptty, the clock, the gaps
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
	return used+ansi.StringWidth(strings.Join(texts, " ")) <= w
}

// headerWith lays out the header's counts between left and right (clockW cells wide).
func (m Model) headerWith(left string, leftW int, parts []string, avail int, right string, rightW, w int) string {
	st := m.st
	counts := strings.Join(parts, "  ")
	if ansi.StringWidth(counts) > avail {
		counts = strings.Join(parts, " ")
	}
	// Still too wide: keep the worst states whole and mark the rest as cut.
	for n := len(parts) - 1; n >= 0 && ansi.StringWidth(counts) > avail; n-- {
		counts = strings.Join(parts[:n], " ") + " " + st.g.ellipsis
		if n == 0 {
			counts = ""
		}
	}
	gap := w - leftW - ansi.StringWidth(counts) - rightW
	if counts != "" {
		counts = "  " + counts
		gap -= 2
	}
	return left + counts + strings.Repeat(" ", max(gap, 1)) + right
}
