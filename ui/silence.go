package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/text"
)

// muteState is the silence prompt: open on service svc, for it or, with group, its group.
type muteState struct {
	open  bool
	svc   int
	group bool
}

// silencedMsg is the outcome of a silence or unsilence written by a Cmd: what to say in the
// footer, or why it failed.
type silencedMsg struct {
	note string
	err  error
}

// mutePreset is one duration the prompt offers, by number key.
type mutePreset struct {
	label string
	until func(now time.Time, loc *time.Location) time.Time
}

// mutePresets are the prompt's choices, keys 1 to 5.
var mutePresets = []mutePreset{
	{"30m", func(now time.Time, _ *time.Location) time.Time { return now.Add(30 * time.Minute) }},
	{"1h", func(now time.Time, _ *time.Location) time.Time { return now.Add(time.Hour) }},
	{"2h", func(now time.Time, _ *time.Location) time.Time { return now.Add(2 * time.Hour) }},
	{"4h", func(now time.Time, _ *time.Location) time.Time { return now.Add(4 * time.Hour) }},
	{"tomorrow 09:00", func(now time.Time, loc *time.Location) time.Time {
		y, mo, d := now.In(loc).Date()
		return time.Date(y, mo, d+1, 9, 0, 0, 0, loc)
	}},
}

// markOf is service i's MAINT or SILENCED mark, none without Options.Mark.
func (m Model) markOf(i int) notify.Mark {
	if m.mark == nil {
		return notify.Mark{}
	}
	return m.mark(m.services[i].Name)
}

// markText is the mark as a row shows it: "MAINT", "SILENCED until 14:00", "" for none.
func (m Model) markText(i int) string { return m.markWords(m.markOf(i)) }

// markWords is markText of the mark mk.
func (m Model) markWords(mk notify.Mark) string {
	switch {
	case !mk.SilencedUntil.IsZero():
		return "SILENCED until " + text.FormatUntil(m.now, mk.SilencedUntil, m.loc)
	case mk.Maintenance:
		return "MAINT"
	}
	return ""
}

// markCell is the outage column of a MAINT or SILENCED row: the mark first, which an on-call
// engineer must not miss at any width, then the outage cell in what room is left.
func (m Model) markCell(mark, cell string, i int, w int, rs *rowStyles, selected bool) string {
	g := m.st.g
	if text.Width(mark) >= w {
		return rs.quiet.paint(text.Fit(mark, w, g.ellipsis))
	}
	// An open outage's clock ("4m12s since 21:47:02") goes on under the mark and must stay in
	// sight: where the whole mark leaves it no room (a SILENCED row at 80 columns) the mark is
	// its first word, the rest being in the detail view. Other text cut shorter than 8 cells
	// says nothing. On a paused row the cell begins with DOWN, which the state column does not
	// say: the clock is then the word and the duration after it.
	clock, after, _ := strings.Cut(cell, " ")
	if clock == "DOWN" {
		d, _, _ := strings.Cut(after, " ")
		clock += " " + d
	}
	if _, open := m.status[i].OpenOutage(); open && w-text.Width(mark)-2 < text.Width(clock) {
		mark, _, _ = strings.Cut(mark, " ")
	} else if !open {
		clock = cell
	}
	out := rs.quiet.paint(mark)
	rest := w - text.Width(mark) - 2
	switch {
	case (rest >= 8 || rest >= text.Width(clock)) && cell != "":
		gap := "  "
		if selected {
			gap = rs.base.paint(gap)
		}
		out += gap + m.outageCell(cell, m.status[i], m.viaOf(i), rest, rs, selected)
	case selected:
		out += rs.base.paint(text.Fit("", w-text.Width(mark), ""))
	}
	return out
}

// startMute answers m: a silenced service is unsilenced (and its group, if that is what
// silences it); any other opens the prompt.
func (m Model) startMute() (Model, tea.Cmd) {
	i := m.selected()
	group := false
	if g := m.cursorMark().group; i < 0 && g != "" && len(m.members[g]) > 0 {
		// A collapsed group's heading stands for the group: the prompt offers it, through
		// its first service (g switches to that service).
		i, group = m.members[g][0], true
	}
	if m.silence == nil || i < 0 {
		return m, nil
	}
	if mk := m.markOf(i); !mk.SilencedUntil.IsZero() {
		names := []string{m.services[i].Name}
		if g := m.services[i].Group; g != "" {
			names = append(names, g)
		}
		unsilence, name := m.unsilence, m.names[i]
		return m, func() tea.Msg {
			if _, err := unsilence(names...); err != nil {
				return silencedMsg{err: err}
			}
			return silencedMsg{note: "unsilenced " + name}
		}
	}
	m.mute = muteState{open: true, svc: i, group: group}
	return m, nil
}

// muteKey answers a key while the prompt is open: a number silences, g switches between the
// service and its group, esc closes it; quit still quits.
func (m Model) muteKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case msg.String() == "ctrl+c":
		return m, m.quit()
	case key.Matches(msg, m.keys.Back):
		m.mute = muteState{}
		return m, nil
	case msg.String() == "g":
		if m.services[m.mute.svc].Group != "" {
			m.mute.group = !m.mute.group
		}
		return m, nil
	}
	k := msg.String()
	if len(k) != 1 || k[0] < '1' || int(k[0]-'1') >= len(mutePresets) {
		return m, nil
	}
	svc := m.services[m.mute.svc]
	x := history.Silence{Kind: history.SilenceService, Name: svc.Name, Created: m.now,
		Until: mutePresets[k[0]-'1'].until(m.now, m.loc)}
	what := m.names[m.mute.svc]
	if m.mute.group {
		x.Kind, x.Name, what = history.SilenceGroup, svc.Group, "group "+text.CleanText(svc.Group, 0)
	}
	m.mute = muteState{}
	silence, until := m.silence, text.FormatUntil(m.now, x.Until, m.loc)
	return m, func() tea.Msg {
		if err := silence(x); err != nil {
			return silencedMsg{err: err}
		}
		return silencedMsg{note: "silenced " + what + " until " + until}
	}
}

// silenced shows the outcome of a silence or unsilence until the next key.
func (m Model) silenced(msg silencedMsg) (tea.Model, tea.Cmd) {
	m.note = msg.note
	if msg.err != nil {
		m.note = "silence failed: " + text.CleanText(msg.err.Error(), 0)
	}
	return m, nil
}

// silenceFooter is the footer while the prompt is open or a note is pending; ok is false
// otherwise.
func (m Model) silenceFooter(w int) (string, bool) {
	switch {
	case m.mute.open:
		svc := m.services[m.mute.svc]
		what := m.names[m.mute.svc]
		if m.mute.group {
			what = "group " + svc.Group
		}
		what = text.CleanText(what, 0)
		// The choices come before the name and the way out: "esc cancel" (esc cancels every
		// prompt) is left out first, then a long name cut, then the last presets left out
		// (their keys still work), so that "g group" stays in sight.
		presets, cancel := len(mutePresets), true
		choices := m.promptChoices(svc.Group != "", presets, cancel)
		room := func() int { return w - len("Silence :") - text.Width(choices) }
		if room() < text.Width(what) {
			cancel = false
			choices = m.promptChoices(svc.Group != "", presets, cancel)
		}
		for ; room() < min(text.Width(what), 8) && presets > 1; presets-- {
			choices = m.promptChoices(svc.Group != "", presets-1, cancel)
		}
		if r := room(); r >= 4 && text.Width(what) > r {
			what = text.Truncate(what, r, m.st.g.ellipsis)
		}
		line := m.st.key.Render("Silence "+what+":") + m.st.footer.Render(choices)
		return text.Truncate(line, max(w, 0), m.st.g.ellipsis), true
	case m.note != "":
		return m.st.footer.Render(text.Truncate(m.note, max(w, 0), m.st.g.ellipsis)), true
	}
	return "", false
}

// promptChoices lists the prompt's keys: the first presets of mutePresets, g when the service
// has a group, and esc when cancel is set.
func (m Model) promptChoices(hasGroup bool, presets int, cancel bool) string {
	s := ""
	for k, p := range mutePresets[:presets] {
		s += "  " + itoa(k+1) + " " + p.label
	}
	if hasGroup {
		if m.mute.group {
			s += "  g service"
		} else {
			s += "  g group"
		}
	}
	if cancel {
		s += "  esc cancel"
	}
	return s
}

// markHelp is what the help page says of the row marks, when there are any.
func (m Model) markHelp() [][2]string {
	if m.mark == nil {
		return nil
	}
	return [][2]string{
		{"MAINT", "in a maintenance window: checked and drawn, no alert; outages stored as maintenance"},
		{"SILENCED", "silenced (m) until the time shown: like MAINT; m again ends it"},
	}
}
