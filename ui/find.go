package ui

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/uptty/uptty/track"
)

// sortMode is the order of the list's rows; `s` cycles through them.
type sortMode uint8

const (
	sortConfig   sortMode = iota // groups as in the config, services in file order
	sortProblems                 // DOWN (oldest outage first), PENDING, DEGRADED, then the rest
	sortName                     // by name, ignoring case
	sortLatency                  // slowest first; no latency last
	sortUptime                   // lowest uptime first; none yet last
	sortModes
)

var sortWords = [sortModes]string{"config", "problems", "name", "latency", "uptime"}

func (s sortMode) String() string {
	if s < sortModes {
		return sortWords[s]
	}
	return sortWords[sortConfig]
}

// maxFilter bounds the filter in runes: longer ones match nothing a name can hold anyway, and
// each key press costs a pass over every service.
const maxFilter = 1024

// finder is what the list shows of the services: the filter, problems only, the sort and the
// collapsed groups. It is saved with the history (see prefs).
type finder struct {
	filter    string
	problems  bool
	sort      sortMode
	collapsed map[string]bool
}

// active says whether some services may be hidden by the filter or problems only.
func (f finder) active() bool { return f.filter != "" || f.problems }

// Keys of the screen's state in the history's ui_state table.
const (
	prefFilter    = "screen.filter"
	prefProblems  = "screen.problems"
	prefSort      = "screen.sort"
	prefCollapsed = "screen.collapsed"
)

// finderFrom reads the saved state; unknown values are ignored, so an older or newer uptty's
// state never stops the screen from starting.
func finderFrom(prefs map[string]string) finder {
	f := finder{collapsed: map[string]bool{}}
	f.filter = cleanFilter(prefs[prefFilter])
	f.problems = prefs[prefProblems] == "1"
	for i, w := range sortWords {
		if prefs[prefSort] == w {
			f.sort = sortMode(i)
		}
	}
	var groups []string
	if json.Unmarshal([]byte(prefs[prefCollapsed]), &groups) == nil {
		for _, g := range groups {
			f.collapsed[g] = true
		}
	}
	return f
}

// prefs writes the state as finderFrom reads it; a key that has its default is "" (deleted).
// Only groups that exist are kept collapsed, so the list does not grow with renamed groups.
func (f finder) prefs(groups []string) map[string]string {
	p := map[string]string{prefFilter: f.filter, prefProblems: "", prefSort: "", prefCollapsed: ""}
	if f.problems {
		p[prefProblems] = "1"
	}
	if f.sort != sortConfig {
		p[prefSort] = f.sort.String()
	}
	var kept []string
	for _, g := range groups {
		if f.collapsed[g] {
			kept = append(kept, g)
		}
	}
	if len(kept) > 0 {
		b, _ := json.Marshal(kept)
		p[prefCollapsed] = string(b)
	}
	return p
}

// cleanFilter keeps the printable runes of s, at most maxFilter of them: a pasted escape
// sequence becomes plain text, and is matched literally like everything else.
func cleanFilter(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxFilter {
			break
		}
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// isProblem says whether a service is what `!` keeps and `n` jumps to: DOWN, PENDING,
// DEGRADED, or paused while its outage goes on.
func isProblem(s track.Status) bool {
	switch s.State {
	case track.Down, track.Pending, track.Degraded:
		return true
	}
	_, open := s.OpenOutage()
	return open
}

// shownState is the state a service counts as: a paused service in an outage is DOWN.
func shownState(s track.Status) track.State {
	if _, open := s.OpenOutage(); open && s.State == track.Paused {
		return track.Down
	}
	return s.State
}

// subsequence says whether every rune of needle appears in hay in order, both lower case.
func subsequence(hay, needle string) bool {
	for _, r := range needle {
		i := strings.IndexRune(hay, r)
		if i < 0 {
			return false
		}
		hay = hay[i+utf8.RuneLen(r):]
	}
	return true
}

// subsequenceAt is subsequence that also returns the rune positions in hay of the runes it
// matched, the earliest ones.
func subsequenceAt(hay, needle string, pos []int) ([]int, bool) {
	k := 0
	for _, r := range needle {
		found := false
		for len(hay) > 0 {
			h, size := utf8.DecodeRuneInString(hay)
			hay = hay[size:]
			if h == r {
				pos = append(pos, k)
				k++
				found = true
				break
			}
			k++
		}
		if !found {
			return pos, false
		}
	}
	return pos, true
}

// filterTerms splits a filter into lower-case words; a row matches when each word is a
// subsequence of one of its fields.
func filterTerms(filter string) []string {
	return strings.Fields(strings.ToLower(filter))
}

// fields are a service's searchable texts in lower case, but for the state and reason, which
// change and are read from the status.
type fields struct {
	name, group, kind string
}

// matches says whether service i matches every term, and where in its name the terms that
// matched the name did, for the highlight.
func (m Model) matches(i int, terms []string, pos []int) ([]int, bool) {
	f := &m.fields[i]
	s := &m.status[i]
	var state, reason string
	for _, t := range terms {
		if p, ok := subsequenceAt(f.name, t, pos); ok {
			pos = p
			continue
		}
		if subsequence(f.group, t) || subsequence(f.kind, t) {
			continue
		}
		if state == "" {
			state = strings.ToLower(shownState(*s).String() + " " + s.State.String())
			reason = strings.ToLower(s.Reason)
		}
		if subsequence(state, t) || subsequence(reason, t) {
			continue
		}
		return pos, false
	}
	return pos, true
}

// visible says whether the filter and problems only keep service i.
func (m Model) visible(i int, terms []string) bool {
	if m.find.problems && !isProblem(m.status[i]) {
		return false
	}
	_, ok := m.matches(i, terms, nil)
	return ok
}

// problemRank orders states for the problems sort: the worst first.
func problemRank(s track.Status) int {
	switch shownState(s) {
	case track.Down:
		return 0
	case track.Pending:
		return 1
	case track.Degraded:
		return 2
	}
	return 3
}

// compareServices orders services i and j by the sort mode, ties in config order.
func (m Model) compareServices(i, j int) int {
	a, b := &m.status[i], &m.status[j]
	c := 0
	switch m.find.sort {
	case sortProblems:
		c = cmp.Compare(problemRank(*a), problemRank(*b))
		if c == 0 && problemRank(*a) == 0 {
			c = a.Outage.Start.Compare(b.Outage.Start)
		}
	case sortName:
		c = strings.Compare(m.fields[i].name, m.fields[j].name)
	case sortLatency:
		la, oka := latencyOf(a)
		lb, okb := latencyOf(b)
		switch {
		case oka != okb:
			c = boolFirst(oka)
		case oka:
			c = cmp.Compare(lb, la)
		}
	case sortUptime:
		ua, oka := a.Uptime(m.now)
		ub, okb := b.Uptime(m.now)
		switch {
		case oka != okb:
			c = boolFirst(oka)
		case oka:
			c = cmp.Compare(ua, ub)
		}
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(i, j)
}

func latencyOf(s *track.Status) (int64, bool) {
	if !s.LastOK || s.LastAt.IsZero() {
		return 0, false
	}
	return int64(s.LastLatency), true
}

// boolFirst orders true before false.
func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

// initFind indexes the services for the filter and the groups, takes the saved state and
// lays out the rows.
func (m *Model) initFind(opts Options) {
	m.fields = make([]fields, len(m.services))
	m.members = map[string][]int{}
	for i, s := range m.services {
		m.fields[i] = fields{name: strings.ToLower(s.Name), group: strings.ToLower(s.Group), kind: strings.ToLower(string(s.Kind))}
		if _, ok := m.members[s.Group]; !ok && s.Group != "" {
			m.groups = append(m.groups, s.Group)
		}
		m.members[s.Group] = append(m.members[s.Group], i)
	}
	m.find, m.savePrefs = finderFrom(opts.Prefs), opts.SavePrefs
	m.buildRows()
}

// buildRows lays out the list: group headings and services in config order (services without
// a group first, without a heading: placed last they would read as part of the last group),
// or, in any other sort, one flat list. The filter and problems only hide services, and a
// group none of whose services is shown; a collapsed group is its heading alone, placed in a
// flat list where its first service would be. order lists what the cursor can select: a
// service, or a collapsed group (-1, its heading); lineOf is the row of each.
func (m *Model) buildRows() {
	terms := filterTerms(m.find.filter)
	active := m.find.active()
	m.shown = m.shown[:0]
	for i := range m.services {
		m.shown = append(m.shown, !active || m.visible(i, terms))
	}
	m.nShown = 0
	for _, v := range m.shown {
		if v {
			m.nShown++
		}
	}
	m.rows, m.order, m.lineOf = m.rows[:0], m.order[:0], m.lineOf[:0]
	add := func(r row) {
		if r.svc >= 0 || r.collapsed {
			m.order = append(m.order, r.svc)
			m.lineOf = append(m.lineOf, len(m.rows))
		}
		m.rows = append(m.rows, r)
	}
	if m.find.sort == sortConfig {
		for _, i := range m.members[""] {
			if m.shown[i] {
				add(row{svc: i})
			}
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
	return mark{svc: -1, group: m.rows[m.lineOf[k]].group}
}

// relayout rebuilds the rows and puts the cursor back on what it was on: the same service, or
// its group's heading when that group was just collapsed; when it is gone, the cursor stays at
// its place in the list.
func (m Model) relayout() Model {
	was := m.cursorMark()
	m.buildRows()
	at := -1
	for k, i := range m.order {
		switch {
		case i >= 0 && i == was.svc:
			at = k
		case i < 0 && was.svc < 0 && m.rows[m.lineOf[k]].group == was.group:
			at = k
		case i < 0 && was.svc >= 0 && m.rows[m.lineOf[k]].group == m.services[was.svc].Group:
			at = k
		}
		if at >= 0 {
			break
		}
	}
	if at >= 0 {
		m.cursor = at
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
	for _, i := range m.members[m.rows[m.lineOf[k]].group] {
		if m.shown[i] && want(m.status[i]) {
			return true
		}
	}
	return false
}

// jumpProblem moves the cursor to the next (dir 1) or previous (dir -1) problem, wrapping.
func (m Model) jumpProblem(dir int) Model {
	n := len(m.order)
	for step := 1; step <= n; step++ {
		k := ((m.cursor+dir*step)%n + n) % n
		if m.itemIsProblem(k, isProblem) {
			m.cursor = k
			break
		}
	}
	m.offset = m.follow()
	return m
}

// firstDown moves the cursor to the first DOWN row.
func (m Model) firstDown() Model {
	down := func(s track.Status) bool { return shownState(s) == track.Down }
	for k := range m.order {
		if m.itemIsProblem(k, down) {
			m.cursor = k
			break
		}
	}
	m.offset = m.follow()
	return m
}
