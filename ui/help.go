package ui

import "github.com/charmbracelet/x/ansi"

// helpLines is the help page: every key binding, by group, then what the screen shows.
func (m Model) helpLines() []string {
	w, _ := m.size()
	st := m.st
	lines := []string{st.title.Render("Keys")}
	for _, g := range m.keys.groups() {
		lines = append(lines, st.section.Render(g.title))
		for _, b := range g.bindings {
			h := b.Help()
			line := "  " + st.key.Render(fit(h.Key, 10, "")) + " " + ansi.Truncate(h.Desc, max(w-13, 0), st.g.ellipsis)
			lines = append(lines, line)
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
		lines = append(lines, "  "+st.label.Render(fit(c[0], 10, ""))+" "+ansi.Truncate(c[1], max(w-13, 0), st.g.ellipsis))
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
		lines = append(lines, "  "+st.label.Render(fit(c[0], 10, ""))+" "+ansi.Truncate(c[1], max(w-13, 0), st.g.ellipsis))
	}
	return lines
}
