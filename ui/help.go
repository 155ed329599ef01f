package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/text"
)

// helpLines is the help page: every key binding, by group, then what the screen shows.
func (m Model) helpLines() []string {
	w, _ := m.size()
	st := m.st
	lines := []string{st.title.Render("Keys")}
	for _, g := range m.keys.groups() {
		lines = append(lines, st.section.Render(g.title))
		for _, b := range g.bindings {
			if !b.Enabled() {
				continue // a key that does nothing here (r with nothing to reload)
			}
			h := b.Help()
			lines = append(lines, helpEntry(st.key.Render(text.Fit(h.Key, helpLabelW, "")), h.Desc, w, st.g.ellipsis)...)
		}
	}
	lines = append(lines, "", st.section.Render("Columns"))
	for _, c := range [][2]string{
		{"STATE", "UP, DEGRADED, PENDING (failing, not yet down), DOWN, UNKNOWN, PAUSED"},
		{"LATENCY", "last check; " + st.g.none + " when it failed or none ran yet"},
		{"RECENT", "latency of recent checks, newest right; " + st.g.fail + " is a failed check"},
		{"UPTIME", "share of the observed time that was not inside an outage"},
		{"OUTAGE", "live outage and its start, the reason, or the last outage"},
	} {
		lines = append(lines, helpEntry(st.label.Render(text.Fit(c[0], helpLabelW, "")), c[1], w, st.g.ellipsis)...)
	}
	for _, c := range append(m.markHelp(), m.ackHelp()...) {
		lines = append(lines, helpEntry(st.label.Render(text.Fit(c[0], helpLabelW, "")), c[1], w, st.g.ellipsis)...)
	}
	if m.hist.src == nil {
		return lines
	}
	lines = append(lines, "", st.section.Render("History chart (details)"))
	for _, c := range [][2]string{
		{st.g.bars[len(st.g.bars)/2], "p50 latency of the checks in a slice of the window, newest right"},
		{st.g.fail, "failed checks in that slice, on the time axis"},
		{st.g.outage, "an outage in that slice"},
		{"blank", "uptty was not running or the service was paused: a gap, neither up nor down"},
	} {
		lines = append(lines, helpEntry(st.label.Render(text.Fit(c[0], helpLabelW, "")), c[1], w, st.g.ellipsis)...)
	}
	return lines
}

// helpLabelW is the width of the help page's key and column names; descriptions start after
// them, indented by helpIndent.
const (
	helpLabelW = 11 // "tab, space" and a blank more than the one after every label
	helpIndent = 2 + helpLabelW + 1
	// helpWrapMin is the narrowest description worth wrapping: below it the lines would be a
	// word or less each, and a cut line says as much in one line.
	helpWrapMin = 8
)

// helpEntry is one help item: the label, already padded to helpLabelW, and its description,
// wrapped to the screen with the continuation lines under the description's first cell, so
// that the help never hides the end of its own explanations.
func helpEntry(label, desc string, w int, ellipsis string) []string {
	room := w - helpIndent
	if room < helpWrapMin {
		return []string{"  " + label + " " + text.Truncate(desc, max(room, 0), ellipsis)}
	}
	parts := strings.Split(ansi.Wrap(desc, room, ""), "\n")
	out := make([]string, len(parts))
	for k, p := range parts {
		p = strings.TrimRight(p, " ")
		if k == 0 {
			out[k] = "  " + label + " " + p
			continue
		}
		out[k] = strings.Repeat(" ", helpIndent) + p
	}
	return out
}
