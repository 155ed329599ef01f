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
	for _, t := range terms {
		if p, ok := subsequenceAt(f.name, t, pos); ok {
			pos = p
			continue
		}
		if subsequence(f.group, t) || subsequence(f.kind, t) || subsequence(stateWord(s.State), t) ||
			shownState(*s) != s.State && subsequence(stateWord(shownState(*s)), t) || subsequence(strings.ToLower(s.Reason), t) {
			continue
		}
		return pos, false
	}
	return pos, true
}

// stateWord is the state's word in lower case.
func stateWord(st track.State) string {
	if int(st) < len(stateWords) {
		return stateWords[st]
	}
	return stateWords[track.Unknown]
}

// stateWords are the state words in lower case, for the filter.
var stateWords = func() (w [track.Paused + 1]string) {
	for i := range w {
		w[i] = strings.ToLower(track.State(i).String())
	}
	return w
}()

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
