package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

const labelW = 11

// detailLines is the whole detail page of the selected service; its first line is the title,
// which stays put while the rest scrolls. With an Archive, the history panes come first, right
// under the state, and the service's settings follow them under a heading.
func (m Model) detailLines() []string {
	i := m.selected()
	if i < 0 {
		return nil
	}
	w, _ := m.size()
	lines := m.stateLines(i, w)
	if m.hist.src == nil {
		lines = append(lines, m.serviceLines(i, w, "")...)
		lines = append(lines, m.lastCheckLines(i, w)...)
		lines = append(lines, m.sessionOutageLines(i, w)...)
		return append(lines, m.recentLines(i, w)...)
	}
	lines = append(lines, m.historyLines(i, w)...)
	lines = append(lines, m.alertLines(i, w)...)
	lines = append(lines, "", m.st.section.Render("Service"))
	lines = append(lines, m.serviceLines(i, w, "  ")...)
	lines = append(lines, m.lastCheckLines(i, w)...)
	return append(lines, m.recentLines(i, w)...)
}

// stateLines are the title, the state and the reason, then what the title could not hold.
func (m Model) stateLines(i, w int) []string {
	s, st := m.status[i], m.st
	title := m.titleLines(i, w)
	lines := []string{title[0]}
	state := s.State
	if int(state) >= len(st.count) {
		state = track.Unknown
	}
	stateText := st.count[state].Render(state.String())
	open, isOpen := s.OpenOutage()
	at := m.clocksAt()
	switch {
	case isOpen:
		// The row's clock: the outage began with the first failed check of its streak, before
		// DOWN was declared; both times are shown so that neither reads as a mistake.
		stateText += " " + text.FormatDuration(outageFor(open, at)) + " since " + clockText(m.now, open.Start, m.loc) + unwatchedText(open)
		if s.State == track.Down && s.Since.After(open.Start) {
			stateText += ", declared " + clockText(m.now, s.Since, m.loc)
		}
	case !s.Since.IsZero():
		stateText += " for " + text.FormatDuration(at.Sub(s.Since)) + ", since " + clockText(m.now, s.Since, m.loc)
	}
	lines = append(lines, st.label.Render(text.Fit("State", labelW, ""))+" "+stateText)
	if r := text.WithVia(s.Reason, m.viaOf(i)); r != "" {
		lines = append(lines, m.kv(w, "Reason", r))
	}
	if l, ok := m.ackLine(i, w); ok {
		lines = append(lines, l)
	}
	return append(lines, title[1:]...)
}

// maxNameLines is how many lines the detail view gives a name too long for its title.
const maxNameLines = 8

// titleLines are the title, the name and its group when they fit, then the lines that say
// what it could not hold: a name too long for the title is cut there with the ellipsis (the
// title stays put while the page scrolls) and follows it whole, wrapped; a group left out
// has lines of its own, wrapped likewise.
func (m Model) titleLines(i, w int) []string {
	name, group, st := m.names[i], text.CleanText(m.services[i].Group, 0), m.st
	nw := text.Width(name)
	if group != "" && nw+2+text.Width(group) <= w {
		return []string{st.title.Render(name) + "  " + st.label.Render(group)}
	}
	lines := []string{st.title.Render(text.Truncate(name, max(w, 1), st.g.ellipsis))}
	whole := func(label, value string) {
		for k, part := range wrapWords(value, w-labelW-1, maxNameLines, st.g.ellipsis) {
			if k > 0 {
				label = ""
			}
			lines = append(lines, m.kv(w, label, part))
		}
	}
	if nw > w {
		whole("Name", name)
	}
	if group != "" {
		whole("Group", group)
	}
	return lines
}

// serviceLines are what is checked and how, and this session's figures, each line indented.
func (m Model) serviceLines(i, w int, indent string) []string {
	svc, s, d := m.services[i], m.status[i], m.detailFor(i)
	var lines []string
	add := func(label, value string) {
		lines = append(lines, indent+m.kv(w-len(indent), label, value))
	}
	switch {
	case svc.URL != "":
		// Wrapped, not cut: the on-call engineer needs the exact URL, and the list has no
		// room for it.
		for k, part := range wrapCells(svc.DisplayURL(), w-len(indent)-labelW-1, maxURLLines, m.st.g.ellipsis) {
			label := "URL"
			if k > 0 {
				label = ""
			}
			add(label, part)
		}
	case svc.Kind != "":
		add("Command", commandText(svc.Command, svc.Secrets))
	}
	// An attached service (no kind: configured elsewhere) has no interval or thresholds here.
	if svc.Kind != "" {
		add("Check", checkText(svc))
		add("Thresholds", thresholdText(svc))
	}
	if d.Checks > 0 {
		if d.Checks > d.Failures {
			add("Latency", "p50 "+text.FormatLatency(d.P50)+"  p95 "+text.FormatLatency(d.P95))
		} else {
			add("Latency", m.st.g.none+" (no check has passed)")
		}
	}
	if m.noDetailOf(i) { // no count of checks to show: "0 checks" would read as none made
		add("Uptime", uptimeText(m.now, s, m.st.g.none))
		return lines
	}
	add("Checks", strconv.Itoa(d.Checks)+", "+strconv.Itoa(d.Failures)+" failed  uptime "+uptimeText(m.now, s, m.st.g.none))
	return lines
}

// lastCheckLines are the last result, its facts and its phases.
func (m Model) lastCheckLines(i, w int) []string {
	recent := m.detailFor(i).Recent
	if len(recent) == 0 {
		return nil
	}
	last := recent[len(recent)-1]
	lines := []string{"", m.st.section.Render("Last check")}
	sub := func(label, value string) { lines = append(lines, "  "+m.kv(w-2, label, value)) }
	sub("at", clockText(m.now, last.Start, m.loc)+"  "+text.FormatLatency(last.Latency)+"  "+m.resultText(last))
	for _, f := range last.Facts {
		sub(f.Label, f.Value)
	}
	return append(lines, m.phaseLines(w, last.Phases)...)
}

// sessionOutageLines list the outages of this session, newest first: the detail view without
// an Archive.
func (m Model) sessionOutageLines(i, w int) []string {
	if m.noDetailOf(i) {
		return nil // none kept here: the state line has the outage going on
	}
	outages := m.detailFor(i).Outages
	lines := []string{"", m.st.section.Render("Outages this session")}
	if len(outages) == 0 {
		lines = append(lines, "  "+m.st.label.Render("none"))
	}
	for k := len(outages) - 1; k >= 0; k-- {
		lines = append(lines, m.outageLine(w, outages[k]))
	}
	return lines
}

// recentLines list the recent checks, newest first.
func (m Model) recentLines(i, w int) []string {
	if m.noDetailOf(i) {
		return nil
	}
	recent, st := m.detailFor(i).Recent, m.st
	lines := []string{"", st.section.Render("Recent checks, newest first")}
	if len(recent) == 0 {
		lines = append(lines, "  "+st.label.Render("none yet"))
	}
	for k := len(recent) - 1; k >= 0; k-- {
		r := recent[k]
		at := clockText(m.now, r.Start, m.loc)
		line := "  " + text.Fit(at, max(8, len(at)), "") + " " + text.FitLeft(text.FormatLatency(r.Latency), latW, "") + "  "
		lines = append(lines, line+text.Truncate(m.resultText(r), max(w-text.Width(line), 0), st.g.ellipsis))
	}
	return lines
}

// noDetailOf says that the Source keeps no detail of service i (an attached screen: the server
// sends no checks), so that the detail view leaves out what it would show empty.
func (m Model) noDetailOf(i int) bool { return i == m.detailOf && m.noDetail }

// maxURLLines is how many lines the detail view gives a URL before it is cut.
const maxURLLines = 8

// wrapCells splits s into pieces of at most w cells each, at most n of them, the last ending
// in tail when s did not fit.
func wrapCells(s string, w, n int, tail string) []string {
	if w <= 0 || text.Width(s) <= w {
		return []string{s}
	}
	var out []string
	for s != "" && len(out) < n-1 {
		part := text.Truncate(s, w, "")
		if part == "" {
			break // a grapheme wider than the line
		}
		out = append(out, part)
		s = s[len(part):]
	}
	if s != "" {
		out = append(out, text.Truncate(s, w, tail))
	}
	return out
}

// wrapWords is wrapCells that breaks lines between words where it can: at the last space of
// a line when that space is in its second half, else between clusters. The spaces a line
// breaks at are left out.
func wrapWords(s string, w, n int, tail string) []string {
	if w <= 0 || text.Width(s) <= w {
		return []string{s}
	}
	var out []string
	for s != "" && len(out) < n-1 && text.Width(s) > w {
		part := text.Truncate(s, w, "")
		if part == "" {
			break // a grapheme wider than the line
		}
		rest := s[len(part):]
		switch k := strings.LastIndexByte(part, ' '); {
		case strings.HasPrefix(rest, " "): // the line ends with a word
		case k >= 0 && text.Width(part[:k]) >= w/2:
			part, rest = part[:k], s[k:]
		}
		out = append(out, strings.TrimRight(part, " "))
		s = strings.TrimLeft(rest, " ")
	}
	if text.Width(s) > w { // cut, not after a blank: "name that…", not "name that …"
		s = strings.TrimRight(text.Truncate(s, max(w-text.Width(tail), 0), ""), " ") + tail
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// kv is one "Label      value" line, the value cut to the width.
func (m Model) kv(w int, label, value string) string {
	return m.st.label.Render(text.Fit(label, labelW, m.st.g.ellipsis)) + " " +
		text.Truncate(value, max(w-labelW-1, 0), m.st.g.ellipsis)
}

// resultText is OK, OK with its warning, or the failure glyph and reason.
func (m Model) resultText(r track.Check) string {
	rs := &m.st.row[0]
	switch {
	case r.OK && r.Warning != "":
		return rs.state[track.Up].paint("OK") + " " + rs.state[track.Degraded].paint(r.Warning)
	case r.OK:
		return rs.state[track.Up].paint("OK")
	}
	return rs.fail.paint(m.st.g.fail + " " + r.Reason)
}

// outageLine is "start -> end  duration  cause"; an open outage ticks.
func (m Model) outageLine(w int, o track.Outage) string {
	g := m.st.g
	end := "ongoing"
	if !o.Open() {
		end = clockText(o.Start, o.End, m.loc)
	}
	head := "  " + clockText(m.now, o.Start, m.loc) + " " + g.arrow + " " + end + "  " + text.FormatDuration(outageFor(o, m.now)) + unwatchedText(o)
	style := m.st.row[0].dim
	if o.Open() {
		style = m.st.row[0].down
	}
	line := head + "  " + o.Cause
	return style.paint(text.Truncate(line, max(w, 0), g.ellipsis))
}

// phaseLines draw the last result's phases as a small waterfall: each bar starts where the
// previous phase ended.
func (m Model) phaseLines(w int, phases []track.Phase) []string {
	if len(phases) == 0 {
		return nil
	}
	var total time.Duration
	for _, p := range phases {
		total += max(p.Duration, 0)
	}
	bw := min(40, w-2-labelW-1-latW-2)
	lines := make([]string, 0, len(phases))
	var at time.Duration
	for _, p := range phases {
		d := max(p.Duration, 0)
		line := "  " + text.Fit(p.Name, labelW, m.st.g.ellipsis) + " " + text.FitLeft(text.FormatLatency(d), latW, "")
		if bw > 0 && total > 0 {
			start := int(int64(at) * int64(bw) / int64(total))
			n := max(int(int64(d)*int64(bw)/int64(total)), 1)
			n = min(n, bw-min(start, bw-1))
			line += "  " + strings.Repeat(" ", start) + m.st.phaseBar.Render(strings.Repeat(m.st.g.block, n))
		}
		lines = append(lines, line)
		at += d
	}
	return lines
}

// commandText shows the program only: arguments are likelier to carry secrets, and the
// program is masked too, in case it came from ${VAR}. Config does not clean commands, which run
// as written, so it is cleaned here.
func commandText(argv []string, secrets *text.Secrets) string {
	if len(argv) == 0 {
		return ""
	}
	s := text.CleanText(secrets.Mask(argv[0]), 0)
	if n := len(argv) - 1; n > 0 {
		s += " (+" + strconv.Itoa(n) + " args)"
	}
	return s
}

func checkText(svc config.Service) string {
	parts := []string{string(svc.Kind)}
	parts = append(parts, svc.Brief.Check...)
	parts = append(parts, "every "+text.FormatSetting(svc.Interval), "timeout "+text.FormatSetting(svc.Timeout))
	if svc.RetryInterval > 0 {
		parts = append(parts, "retry "+text.FormatSetting(svc.RetryInterval))
	}
	return strings.Join(parts, "  ")
}

func thresholdText(svc config.Service) string {
	parts := []string{
		"down after " + plural(svc.FailureThreshold, "failure"),
		"up after " + plural(svc.SuccessThreshold, "success"),
	}
	if svc.Slow > 0 {
		parts = append(parts, "slow "+text.FormatLatency(svc.Slow))
	}
	parts = append(parts, svc.Brief.Limits...)
	return strings.Join(parts, "  ")
}

func plural(n int, word string) string {
	s := strconv.Itoa(n) + " " + word
	if n != 1 {
		if strings.HasSuffix(word, "s") {
			return s + "es"
		}
		return s + "s"
	}
	return s
}
