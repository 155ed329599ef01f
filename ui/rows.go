package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// initFind indexes the services for the filter and the groups, takes the saved state and
// lays out the rows.
func (m *Model) initFind(opts Options) {
	m.indexServices()
	m.find, m.savePrefs = finderFrom(opts.Prefs), opts.SavePrefs
	m.buildRows()
}

// indexServices derives what the filter and the group headings need from the services: again
// after a reload.
func (m *Model) indexServices() {
	m.fields = make([]fields, len(m.services))
	m.members = map[string][]int{}
	m.groups = nil
	for i, s := range m.services {
		m.fields[i] = fields{name: strings.ToLower(s.Name), group: strings.ToLower(s.Group), kind: strings.ToLower(string(s.Kind))}
		if _, ok := m.members[s.Group]; !ok && s.Group != "" {
			m.groups = append(m.groups, s.Group)
		}
		m.members[s.Group] = append(m.members[s.Group], i)
	}
}

// buildRows lays out the list: group headings and services in config order (services without
// a group first, without a heading: placed last they would read as part of the last group),
// or, in any other sort, one flat list. The filter and problems only hide services, and a
// group none of whose services is shown; a collapsed group is its heading alone, placed in a
// flat list where its first service would be (the problems sort) or before the services (the
// other sorts, addCollapsedFirst). order lists what the cursor can select: a
// service, or a collapsed group (-1, its heading); lineOf is the row of each.
func (m *Model) buildRows() {
	terms := filterTerms(m.find.filter)
	active := m.find.active()
	m.shown = make([]bool, 0, len(m.services))
	for i := range m.services {
		m.shown = append(m.shown, !active || m.visible(i, terms))
	}
	m.nShown = 0
	for _, v := range m.shown {
		if v {
			m.nShown++
		}
	}
	// New slices, not the old ones cut: copies of the model made before share those.
	m.rows = make([]row, 0, len(m.rows))
	m.order, m.lineOf, m.heads = make([]int, 0, len(m.order)), make([]int, 0, len(m.order)), make([]string, 0, len(m.order))
	add := func(r row) {
		if r.svc >= 0 || r.collapsed {
			m.order = append(m.order, r.svc)
			m.lineOf = append(m.lineOf, len(m.rows))
			if r.svc >= 0 {
				m.heads = append(m.heads, "")
			} else {
				m.heads = append(m.heads, r.group)
			}
		}
		m.rows = append(m.rows, r)
	}
	if m.find.sort == sortConfig {
		for _, i := range m.members[""] {
			if m.shown[i] {
				add(row{svc: i})
			}
		}
		if m.buildGrid() {
			return
		}
		for _, g := range m.groups {
			first := slices.IndexFunc(m.members[g], func(i int) bool { return m.shown[i] })
			if first < 0 {
				continue
			}
			add(row{group: g, svc: -1, collapsed: m.find.collapsed[g]})
			if m.find.collapsed[g] {
				continue
			}
			for _, i := range m.members[g][first:] {
				if m.shown[i] {
					add(row{svc: i})
				}
			}
		}
		return
	}
	list := make([]int, 0, m.nShown)
	for i, v := range m.shown {
		if v {
			list = append(list, i)
		}
	}
	slices.SortFunc(list, m.compareServices)
	if m.find.sort != sortProblems {
		m.addCollapsedFirst(list, add)
		return
	}
	seen := map[string]bool{}
	for _, i := range list {
		g := m.services[i].Group
		if g == "" || !m.find.collapsed[g] {
			add(row{svc: i})
			continue
		}
		if !seen[g] {
			seen[g] = true
			add(row{group: g, svc: -1, collapsed: true})
		}
	}
}

// addCollapsedFirst lays out a sort whose key a heading does not show (name, latency,
// uptime): the collapsed groups' headings first, by group name, as a file manager lists
// folders before files, then the sorted services of the open groups. Among the services, a
// heading placed where its first service sorts would read as out of order (a group named
// "search" between "Billing DB" and "Checkout API"). The problems sort keeps a heading where
// its worst service ranks instead: its counts say why it is there.
func (m *Model) addCollapsedFirst(list []int, add func(row)) {
	var heads []string
	for _, g := range m.groups {
		if m.find.collapsed[g] && slices.ContainsFunc(m.members[g], func(i int) bool { return m.shown[i] }) {
			heads = append(heads, g)
		}
	}
	slices.SortStableFunc(heads, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	for _, g := range heads {
		add(row{group: g, svc: -1, collapsed: true})
	}
	for _, i := range list {
		if g := m.services[i].Group; g == "" || !m.find.collapsed[g] {
			add(row{svc: i})
		}
	}
}

// gridCellMin is the narrowest cell of the grid of collapsed groups.
const gridCellMin = 36

// buildGrid lays out a board whose groups are all collapsed as a grid of headings, in columns
// as ls does, so that 40 groups fit an 80x24 screen; it says whether it did.
func (m *Model) buildGrid() bool {
	var heads []string
	for _, g := range m.groups {
		if slices.ContainsFunc(m.members[g], func(i int) bool { return m.shown[i] }) {
			if !m.find.collapsed[g] {
				return false
			}
			heads = append(heads, g)
		}
	}
	w, _ := m.size()
	cols := min(w/gridCellMin, len(heads))
	if cols < 2 {
		return false
	}
	lines := (len(heads) + cols - 1) / cols
	base := len(m.rows)
	for range lines {
		m.rows = append(m.rows, row{svc: -1, collapsed: true, cols: cols})
	}
	for k, g := range heads {
		line := base + k%lines
		m.rows[line].grid = append(m.rows[line].grid, g)
		m.order = append(m.order, -1)
		m.lineOf = append(m.lineOf, line)
		m.heads = append(m.heads, g)
	}
	return true
}

// mark is what the cursor is on: a service, or a collapsed group's heading.
type mark struct {
	svc   int
	group string
}

func (m Model) cursorMark() mark {
	if len(m.order) == 0 {
		return mark{svc: -1}
	}
	k := min(m.cursor, len(m.order)-1)
	if i := m.order[k]; i >= 0 {
		return mark{svc: i}
	}
	return mark{svc: -1, group: m.heads[k]}
}

// relayout rebuilds the rows and puts the cursor back on what it was on: the same service, or
// its group's heading when that group was just collapsed; when it is gone, on the nearest one
// after it (else before it) that is still listed.
func (m Model) relayout() Model {
	oldOrder, oldHeads, oldCursor := m.order, m.heads, m.cursor
	m.buildRows()
	// Where each service and collapsed group is now.
	svcAt := make(map[int]int, len(m.order))
	headAt := map[string]int{}
	for k, i := range m.order {
		if i >= 0 {
			svcAt[i] = k
		} else {
			headAt[m.heads[k]] = k
		}
	}
	find := func(k int) (int, bool) {
		if i := oldOrder[k]; i >= 0 {
			if at, ok := svcAt[i]; ok {
				return at, true
			}
			at, ok := headAt[m.services[i].Group]
			return at, ok
		}
		if at, ok := headAt[oldHeads[k]]; ok {
			return at, true
		}
		// The group was opened: its first service listed.
		for _, i := range m.members[oldHeads[k]] {
			if at, ok := svcAt[i]; ok {
				return at, true
			}
		}
		return 0, false
	}
	m.cursor = 0
	if n := len(oldOrder); n > 0 {
		c := min(max(oldCursor, 0), n-1)
		found := false
		for k := c; k < n && !found; k++ {
			m.cursor, found = find(k)
		}
		for k := c - 1; k >= 0 && !found; k-- {
			m.cursor, found = find(k)
		}
	}
	m.cursor = min(max(m.cursor, 0), max(len(m.order)-1, 0))
	m.offset = m.follow()
	return m
}

// restack lays the rows out again after states changed, when the filter, problems only or
// the sort depend on them. Not under the detail view (nor the help opened from it): the
// service it shows must not change under the user; the list catches up on the way back.
func (m Model) restack() Model {
	if !m.find.active() && m.find.sort == sortConfig {
		return m
	}
	if m.view == detailView || m.view == helpView && m.back == detailView {
		return m
	}
	return m.relayout()
}

// itemIsProblem says whether selectable item k is a problem, or a collapsed group holding one.
func (m Model) itemIsProblem(k int, want func(track.Status) bool) bool {
	if i := m.order[k]; i >= 0 {
		return want(m.status[i])
	}
	for _, i := range m.members[m.heads[k]] {
		if m.shown[i] && want(m.status[i]) {
			return true
		}
	}
	return false
}

// jumpProblem moves the cursor to the next (dir 1) or previous (dir -1) problem, wrapping.
// With none, the footer says so: the key was taken, there is nothing to go to.
func (m Model) jumpProblem(dir int) Model {
	n := len(m.order)
	found := false
	for step := 1; step <= n && !found; step++ {
		k := ((m.cursor+dir*step)%n + n) % n
		if found = m.itemIsProblem(k, isProblem); found {
			m.cursor = k
		}
	}
	if !found {
		m.note = "no problem to go to: nothing shown is DOWN, PENDING or DEGRADED"
	}
	m.offset = m.follow()
	return m
}

// firstDown moves the cursor to the first DOWN row; with none, the footer says so.
func (m Model) firstDown() Model {
	down := func(s track.Status) bool { return shownState(s) == track.Down }
	found := false
	for k := range m.order {
		if m.itemIsProblem(k, down) {
			m.cursor, found = k, true
			break
		}
	}
	if !found {
		m.note = "no service shown is DOWN"
	}
	m.offset = m.follow()
	return m
}

// gridLine is a line of the grid of collapsed groups, each in a cell of the same width.
func (m Model) gridLine(r row, w int) string {
	groups, cell := r.grid, w/max(r.cols, 1)
	sel := m.cursorMark()
	var b strings.Builder
	for k, g := range groups {
		line := m.groupLine(g, true, sel.svc < 0 && sel.group == g, cell-1)
		b.WriteString(line)
		if k < len(groups)-1 {
			b.WriteString(strings.Repeat(" ", max(cell-text.Width(line), 0)))
		}
	}
	return b.String()
}

// groupLine is a group heading with its counts, worst state first, and its longest open
// outage: "▾ payments  1 DOWN · 5 UP · worst 4m12s", at most w cells wide; a long name is cut
// before the counts are. The counts are of the services the filter shows. A collapsed group's
// heading ("▸") stands for its services, and can be selected.
func (m Model) groupLine(group string, collapsed, selected bool, w int) string {
	st, g := m.st, m.st.g
	var c tally
	var worst time.Duration
	at := m.clocksAt() // stopped, as the rows' clocks, while the attached link is down
	for _, i := range m.members[group] {
		if !m.shown[i] {
			continue
		}
		s := &m.status[i] // not a copy: a heading is drawn every frame, over every member
		c.add(s, m.isAcked(i), 1)
		if o, open := s.OpenOutage(); open {
			worst = max(worst, outageFor(o, at))
		}
	}
	var counts strings.Builder
	cw := 0
	for k, e := range c.entries() {
		if k > 0 {
			counts.WriteString(st.sepSpan.paint(g.sep))
			cw += text.Width(g.sep)
		}
		counts.WriteString(st.countSpan[e.state].paint(e.text))
		cw += text.Width(e.text)
	}
	if worst > 0 {
		t := "worst " + text.FormatDuration(worst)
		if 2+2+text.Width(group)+2+cw+text.Width(g.sep)+len(t) > w {
			t = text.FormatDuration(worst) // a cell of the grid: the clock matters, the word less
		}
		counts.WriteString(st.sepSpan.paint(g.sep))
		counts.WriteString(st.countSpan[track.Down].paint(t))
		cw += text.Width(g.sep) + len(t)
	}
	var b strings.Builder
	if selected {
		b.WriteString(st.row[1].mark.paint("> "))
	} else {
		b.WriteString("  ")
	}
	fold := g.open
	if collapsed {
		fold = g.closed
	}
	lead := 2 + text.Width(fold) + 1
	name := group
	if room := max(w-lead-2-cw, min(8, text.Width(name))); text.Width(name) > room {
		name = text.Truncate(name, room, g.ellipsis)
	}
	b.WriteString(st.headSpan.paint(fold + " " + name))
	b.WriteString("  ")
	b.WriteString(counts.String())
	line := b.String()
	if text.Width(line) > w {
		line = text.Truncate(line, max(w, 0), g.ellipsis)
	}
	return line
}
