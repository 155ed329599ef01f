package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// maxAckNote bounds the note typed in the ack prompt, in runes: a line, not a report.
const maxAckNote = 200

// ackState is the ack prompt: open on service svc for the outage that began at start, with
// the note typed so far; remove asks to take an ack away instead.
type ackState struct {
	open   bool
	remove bool
	svc    int
	start  time.Time
	note   string
}

// ackedMsg is the outcome of an ack or unack written by a Cmd: what the footer says, or why it
// failed.
type ackedMsg struct {
	note string
	err  error
}

// ackOf is the ack of service i's outage going on, if any.
func (m *Model) ackOf(i int) (track.Ack, bool) {
	if m.acked == nil {
		return track.Ack{}, false
	}
	o, open := m.status[i].OpenOutage()
	if !open {
		return track.Ack{}, false
	}
	a, ok := m.acked(m.services[i].Name)
	if !ok || !a.Of(o) {
		return track.Ack{}, false
	}
	return a, true
}

// ackText is the ack as a row shows it: "ACK alice 21:52", "" for none.
func (m Model) ackText(i int) string {
	a, ok := m.ackOf(i)
	if !ok {
		return ""
	}
	return "ACK " + text.CleanText(a.By, 12) + " " + shortClock(m.now, a.At, m.loc)
}

// shortClock writes t as hours and minutes, with the date when it is not today.
func shortClock(now, t time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	if ty, tm, td := t.Date(); ty == now.Year() && tm == now.Month() && td == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}

// startAck answers a: on an acked outage it asks whether to remove the ack, on one that is
// not it opens the prompt for a note, and without an outage it says there is nothing to ack.
func (m Model) startAck() (Model, tea.Cmd) {
	i := m.selected()
	if m.ack != nil && i < 0 && m.cursorMark().group != "" {
		m.note = "a acknowledges one service's outage: tab opens the group"
		return m, nil
	}
	if m.ack == nil || i < 0 {
		return m, nil
	}
	o, open := m.status[i].OpenOutage()
	if !open {
		m.note = "nothing to acknowledge: " + m.names[i] + " has no outage going on"
		return m, nil
	}
	_, acked := m.ackOf(i)
	m.acking = ackState{open: true, remove: acked, svc: i, start: o.Start}
	return m, nil
}

// ackKey answers a key while the prompt is open: the note is typed, enter acknowledges (or
// removes the ack), esc cancels; ctrl+c still quits.
func (m Model) ackKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	p := &m.acking
	switch msg.Type {
	case tea.KeyCtrlC:
		return m, m.quit()
	case tea.KeyEsc:
		m.acking = ackState{}
		return m, nil
	case tea.KeyEnter:
		return m.submitAck()
	}
	if p.remove {
		if key.Matches(msg, m.keys.Ack) || msg.String() == "y" {
			return m.submitAck()
		}
		return m, nil
	}
	switch msg.Type {
	case tea.KeyBackspace:
		p.note = text.DropLastCluster(p.note)
	case tea.KeyCtrlU:
		p.note = ""
	case tea.KeySpace:
		p.note += " "
	case tea.KeyRunes:
		if !msg.Alt {
			p.note += string(msg.Runes)
		}
	}
	p.note = cleanTyped(p.note, maxAckNote)
	return m, nil
}

// submitAck writes the ack, or removes it, in a Cmd.
func (m Model) submitAck() (tea.Model, tea.Cmd) {
	p := m.acking
	m.acking = ackState{}
	name, shown := m.services[p.svc].Name, m.names[p.svc]
	if p.remove {
		unack := m.unack
		return m, func() tea.Msg {
			if err := unack(name); err != nil {
				return ackedMsg{err: err}
			}
			return ackedMsg{note: "ack removed: " + shown}
		}
	}
	ack, a := m.ack, track.Ack{Start: p.start, By: m.user, At: m.now, Note: strings.TrimSpace(p.note)}
	return m, func() tea.Msg {
		if err := ack(name, a); err != nil {
			return ackedMsg{err: err}
		}
		return ackedMsg{note: "acknowledged " + shown + " as " + a.By}
	}
}

// acknowledged shows the outcome of an ack until the next key; the counts changed, and with
// them the title.
func (m Model) acknowledged(msg ackedMsg) (tea.Model, tea.Cmd) {
	m.note = msg.note
	if msg.err != nil {
		m.note = "ack failed: " + text.CleanText(msg.err.Error(), 0)
	}
	return m.retitle()
}

// ackFooter is the footer while the prompt is open; ok is false otherwise.
func (m Model) ackFooter(w int) (string, bool) {
	if !m.acking.open {
		return "", false
	}
	st := m.st
	what := text.CleanText(m.names[m.acking.svc], 0)
	if m.acking.remove {
		by := ""
		if a, ok := m.ackOf(m.acking.svc); ok {
			by = " by " + text.CleanText(a.By, 0)
		}
		line := st.key.Render("Remove the ack of "+what+by+"?") + st.footer.Render("  enter or y remove  esc keep")
		return text.Truncate(line, max(w, 0), st.g.ellipsis), true
	}
	label := "Ack " + what + " as " + text.CleanText(m.user, 0) + ", note: "
	right := "  enter ack  esc cancel"
	room := w - text.Width(label) - 1 - text.Width(right)
	if room < 8 {
		right = ""
		room = w - text.Width(label) - 1
	}
	if room < 4 { // a narrow screen: the note and its cursor first, the label as far as it fits
		label = text.Truncate(label, max(w/2, 0), st.g.ellipsis)
		room = w - text.Width(label) - 1
	}
	line := st.key.Render(label) + st.prompt.Render(text.Tail(m.acking.note, max(room, 0), st.g.ellipsis)) + st.cursor.Render(st.caret)
	if right != "" {
		line += st.footer.Render(right)
	}
	return text.Truncate(line, max(w, 0), ""), true
}

// ackLine is the detail view's line on the ack of the outage going on, "" for none.
func (m Model) ackLine(i, w int) (string, bool) {
	a, ok := m.ackOf(i)
	if !ok {
		return "", false
	}
	v := text.CleanText(a.By, 0) + " at " + clockText(m.now, a.At, m.loc)
	if a.Note != "" {
		v += ": " + a.Note
	}
	return m.kv(w, "Ack", v), true
}

// ackHelp is what the help page says of the ACK mark, when acks are on.
func (m Model) ackHelp() [][2]string {
	if m.acked == nil {
		return nil
	}
	return [][2]string{{"ACK", "the outage is acknowledged (a): by whom and when; no more reminders, the recovery is still sent"}}
}
