package ui

import (
	"cmp"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/text"
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

// nothingShown is what the list and the wallboard say when they have no row: why, and the
// keys that undo what hides the rows (only those: ! under a filter alone would hide more).
func (m Model) nothingShown() string {
	switch f := m.find; {
	case f.filter != "" && f.problems:
		return "no problem matches; esc clears the filter, ! shows all states"
	case f.filter != "":
		return "no service matches; esc clears the filter"
	case f.problems:
		return "no problems; ! shows all states"
	}
	return "nothing to show"
}

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
// sequence becomes plain text, and is matched literally like everything else. A line break
// or a tab (a paste of several lines) is a space, so that the lines are words apart.
func cleanFilter(s string) string { return cleanTyped(s, maxFilter) }

// cleanTyped is cleanFilter with at most limit runes, cut between grapheme clusters: a
// keycap cut after its digit and selector is an emoji of another width.
func cleanTyped(s string, limit int) string {
	var b strings.Builder
	n := 0
	var last rune
	for k, r := range s {
		if n == limit {
			// The last cluster kept goes too if the rest of s goes on with it.
			out := b.String()
			whole := text.DropLastCluster(out)
			if c, _ := ansi.FirstGraphemeCluster(out[len(whole):]+s[k:], ansi.GraphemeWidth); len(c) > len(out)-len(whole) {
				return whole
			}
			return out
		}
		cr := last == '\r'
		last = r
		switch {
		case r == '\n' && cr: // \r\n is one break
			continue
		case r == '\r' || r == '\n' || r == '\t':
			r = ' '
		case r == utf8.RuneError || !unicode.IsPrint(r):
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
func (m *Model) matches(i int, terms []string, pos []int) ([]int, bool) {
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
func (m *Model) visible(i int, terms []string) bool {
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
