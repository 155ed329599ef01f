package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
)

// listed is what the list shows, in order: service names, and "[group]" for a collapsed group.
func listed(m Model) []string {
	var out []string
	for k, i := range m.order {
		if i < 0 {
			out = append(out, "["+m.heads[k]+"]")
			continue
		}
		out = append(out, m.names[i])
	}
	return out
}

// selectedName is the name of the selected service, or "[group]" of a collapsed group.
func selectedName(m Model) string {
	if l := listed(m); len(l) > 0 {
		return l[min(m.cursor, len(l)-1)]
	}
	return ""
}

const pay = "결제 게이트웨이"

// TestFindKeys: each key of the find group, from the fixture at 80x24.
func TestFindKeys(t *testing.T) {
	all := []string{"Login", "DNS", "Checkout API", pay, "Search",
		"A very long service name that cannot fit in any column", "Billing DB", "Nightly report"}
	tests := []struct {
		name     string
		keys     []string
		want     []string // listed
		selected string
		typing   bool
		says     string // somewhere on the screen
	}{
		{"nothing", nil, all, "Login", false, "1/8"},
		{"typing a filter", []string{"/", "p", "a", "y"}, []string{"Checkout API", pay}, "Checkout API", true, "2 of 8 shown"},
		{"backspace", []string{"/", "p", "a", "y", "x", "backspace"}, []string{"Checkout API", pay}, "Checkout API", true, "/pay"},
		{"enter keeps it", []string{"/", "p", "a", "y", "enter"}, []string{"Checkout API", pay}, "Checkout API", false, "/pay"},
		{"esc clears it while typing, the selection stays", []string{"/", "p", "a", "y", "esc"}, all, "Checkout API", false, "3/8"},
		{"esc clears a kept filter", []string{"/", "p", "a", "y", "enter", "esc"}, all, "Checkout API", false, "3/8"},
		{"by state word", []string{"/", "d", "o", "w", "n"}, []string{pay}, pay, true, "1 of 8 shown"},
		{"by kind", []string{"/", "t", "c", "p"}, []string{"Login", "Billing DB"}, "Login", true, ""},
		{"by reason", []string{"/", "5", "0", "3"}, []string{pay}, pay, true, ""},
		{"by group", []string{"/", "d", "a", "t", "a"}, []string{"Billing DB", "Nightly report"}, "Billing DB", true, ""},
		{"every word must match", []string{"/", "d", "a", "t", "a", "space", "n", "i", "g"}, []string{"Nightly report"}, "Nightly report", true, ""},
		{"regex metacharacters are literal", []string{"/", ".", "*"}, nil, "", true, "0 of 8 shown"},
		{"typed keys are text", []string{"/", "q", "?", "j"}, nil, "", true, "/q?j"},
		{"arrows move while typing", []string{"/", "p", "a", "down"}, []string{"Checkout API", pay, "Nightly report"}, pay, true, "PAUSED"},
		{"problems only", []string{"!"}, []string{"Login", pay, "Search"}, "Login", false, "problems only"},
		{"problems only off", []string{"!", "!"}, all, "Login", false, "1/8"},
		{"next problem", []string{"n"}, all, pay, false, ""},
		{"next problem twice", []string{"n", "n"}, all, "Search", false, ""},
		{"next problem wraps", []string{"n", "n", "n"}, all, "Login", false, ""},
		{"previous problem wraps", []string{"N"}, all, "Search", false, ""},
		{"first DOWN", []string{"D"}, all, pay, false, ""},
		{"sort: problems", []string{"s"}, []string{pay, "Login", "Search", "Checkout API", "Billing DB", "Nightly report",
			"A very long service name that cannot fit in any column", "DNS"}, "Login", false, "sort: problems"},
		{"sort: name", []string{"s", "s"}, []string{"A very long service name that cannot fit in any column", "Billing DB",
			"Checkout API", "DNS", "Login", "Nightly report", "Search", pay}, "Login", false, "sort: name"},
		{"sort: latency", []string{"s", "s", "s"}, []string{"Nightly report", "Search", "Checkout API",
			"A very long service name that cannot fit in any column", "DNS", pay, "Login", "Billing DB"}, "Login", false, "sort: latency"},
		// The paused service's uptime stopped counting while the others went on up.
		{"sort: uptime", []string{"s", "s", "s", "s"}, []string{pay, "Nightly report", "Checkout API", "Search", "Login",
			"A very long service name that cannot fit in any column", "DNS", "Billing DB"}, "Login", false, "sort: uptime"},
		{"a service hidden by ! leaves the cursor on the next one listed", []string{"j", "j", "!"}, []string{"Login", pay, "Search"}, pay, false, ""},
		{"sort: back to config", []string{"s", "s", "s", "s", "s"}, all, "Login", false, "1/8"},
		{"tab collapses the selected row's group", []string{"j", "j", "tab"}, []string{"Login", "DNS", "[payments]", "Search",
			"A very long service name that cannot fit in any column", "Billing DB", "Nightly report"}, "[payments]", false, "▸ payments  1 DOWN · 1 UP · worst 4m12s"},
		{"tab on the heading opens it", []string{"j", "j", "tab", "tab"}, all, "Checkout API", false, "▾ payments"},
		{"space too", []string{"j", "j", "space"}, []string{"Login", "DNS", "[payments]", "Search",
			"A very long service name that cannot fit in any column", "Billing DB", "Nightly report"}, "[payments]", false, ""},
		{"enter on a collapsed group opens it", []string{"j", "j", "tab", "enter"}, all, "Checkout API", false, ""},
		{"z collapses all", []string{"z"}, []string{"Login", "DNS", "[payments]", "[search]", "[data]"}, "Login", false, "▸ search  1 DEGRADED · 1 UP"},
		{"z again opens all", []string{"z", "z"}, all, "Login", false, ""},
		{"n stops at a collapsed group with a problem", []string{"z", "n"}, []string{"Login", "DNS", "[payments]", "[search]", "[data]"}, "[payments]", false, ""},
		{"D finds DOWN in a collapsed group", []string{"z", "D"}, []string{"Login", "DNS", "[payments]", "[search]", "[data]"}, "[payments]", false, ""},
		{"a sorted board keeps collapsed groups where their worst service goes", []string{"z", "s"},
			[]string{"[payments]", "Login", "[search]", "[data]", "DNS"}, "Login", false, "sort: problems"},
		{"sort: name lists collapsed groups first, by name", []string{"z", "s", "s"},
			[]string{"[data]", "[payments]", "[search]", "DNS", "Login"}, "Login", false, "sort: name"},
		{"sort: latency lists a collapsed group before the services", []string{"j", "j", "tab", "s", "s", "s"},
			[]string{"[payments]", "Nightly report", "Search", "A very long service name that cannot fit in any column", "DNS", "Login", "Billing DB"},
			"[payments]", false, "sort: latency"},
		{"sort: uptime too", []string{"j", "j", "tab", "s", "s", "s", "s"},
			[]string{"[payments]", "Nightly report", "Search", "Login", "A very long service name that cannot fit in any column", "DNS", "Billing DB"},
			"[payments]", false, "sort: uptime"},
		{"problems only and a filter", []string{"!", "/", "s", "e", "a"}, []string{"Search"}, "Search", true, "1 of 8 shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := press(fixtureModel(80, 24, termenv.Ascii, false), tt.keys...)
			if got := listed(m); !slices.Equal(got, tt.want) {
				t.Errorf("listed after %v = %q, want %q", tt.keys, got, tt.want)
			}
			if got := selectedName(m); got != tt.selected {
				t.Errorf("selected after %v = %q, want %q", tt.keys, got, tt.selected)
			}
			if m.typing != tt.typing {
				t.Errorf("typing after %v = %v, want %v", tt.keys, m.typing, tt.typing)
			}
			v := m.View()
			if !strings.Contains(v, tt.says) {
				t.Errorf("screen after %v does not say %q:\n%s", tt.keys, tt.says, v)
			}
			// The header's counts stay those of every service.
			if head := strings.SplitN(v, "\n", 2)[0]; !strings.Contains(head, "1 DOWN  1 PENDING  1 DEGRADED  3 UP  1 UNKNOWN  1 PAUSED") {
				t.Errorf("header after %v = %q, want every count", tt.keys, head)
			}
		})
	}
}

// TestFindLive: with problems only, a service that recovers leaves the list and one that
// fails joins it, and the cursor stays on the service it was on.
func TestFindLive(t *testing.T) {
	m := press(fixtureModel(80, 24, termenv.Ascii, false), "!", "j")
	if got := selectedName(m); got != pay {
		t.Fatalf("selected = %q, want %q", got, pay)
	}
	next, _ := m.Update(statusMsg{"Login": {State: track.Up}, "DNS": {State: track.Down, Outage: track.Outage{Start: fixedNow}}})
	m = next.(Model)
	if got, want := listed(m), []string{"DNS", pay, "Search"}; !slices.Equal(got, want) {
		t.Errorf("listed = %q, want %q", got, want)
	}
	if got := selectedName(m); got != pay {
		t.Errorf("selected = %q, want %q still", got, pay)
	}
	// Under the detail view the list waits, so that the service shown does not change.
	m = press(m, "enter")
	next, _ = m.Update(statusMsg{pay: {State: track.Up}})
	m = next.(Model)
	if got := m.selected(); got < 0 || m.names[got] != pay {
		t.Errorf("detail view shows service %d, want %q", got, pay)
	}
	m = press(m, "esc")
	if got, want := listed(m), []string{"DNS", "Search"}; !slices.Equal(got, want) {
		t.Errorf("listed after the detail view = %q, want %q", got, want)
	}
}

// TestFindApp drives the find keys through a running program, as a user types them.
func TestFindApp(t *testing.T) {
	defer goleak.VerifyNone(t, ignoreTeatest)
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
	tm := newTestModel(t, m, 80, 24)
	waitFor(t, tm, "1 PAUSED")
	tm.Type("/pay")
	waitFor(t, tm, "2 of 8 shown")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	waitFor(t, tm, "q quit")
	tm.Type("!")
	waitFor(t, tm, "3 of 8 shown")
	tm.Type("n") // from 결제 게이트웨이, where ! left the cursor
	waitFor(t, tm, "Search: slow: 1.24s > 800ms  ? help")
	tm.Type("N")
	waitFor(t, tm, "status 503, want 200-399  ? help")
	tm.Type("!s")
	waitFor(t, tm, "sort: problems")
	tm.Type("s")
	waitFor(t, tm, "sort: name")
	tm.Type("sss")
	waitFor(t, tm, "▾ payments")
	tm.Type("z")
	waitFor(t, tm, "▸ payments")
	tm.Type("D")
	waitFor(t, tm, "> ▸ payments")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	waitFor(t, tm, "> UP       Checkout API")
	tm.Type("q")
	final := finalModel(t, tm, teatest.WithFinalTimeout(waitLimit))
	if f := final.find; f.filter != "" || f.problems || f.sort != sortConfig || len(f.collapsed) != 2 {
		t.Errorf("final find state = %+v, want no filter, all shown, config order, search and data collapsed", f)
	}
}

// oracle is the filter's definition, written the plain way: each word of the filter, lower
// case, is a subsequence of the name, group, kind, state word or reason.
func oracle(m Model, i int, filter string, problems bool) bool {
	s := m.status[i]
	if problems {
		_, open := s.OpenOutage()
		if s.State != track.Down && s.State != track.Pending && s.State != track.Degraded && !open {
			return false
		}
	}
	var isSub func(h, n []rune) bool
	isSub = func(h, n []rune) bool {
		switch {
		case len(n) == 0:
			return true
		case len(h) == 0:
			return false
		case h[0] == n[0]:
			return isSub(h[1:], n[1:])
		}
		return isSub(h[1:], n)
	}
	texts := []string{m.services[i].Name, m.services[i].Group, string(m.services[i].Kind), s.State.String(), s.Reason}
	if _, open := s.OpenOutage(); open && s.State == track.Paused {
		texts = append(texts, "DOWN") // it counts as DOWN, and finds as DOWN
	}
	for _, word := range strings.Fields(filter) {
		ok := false
		for _, t := range texts {
			ok = ok || isSub([]rune(strings.ToLower(t)), []rune(strings.ToLower(word)))
		}
		if !ok {
			return false
		}
	}
	return true
}

// TestFilterProperty: for random fleets and filters, the list shows exactly the services that
// match (a collapsed group standing for its matching services), whatever the sort.
func TestFilterProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcdeilnoprstuwyz 05.*[\\결제가DOWNUP")
	states := []track.State{track.Unknown, track.Up, track.Degraded, track.Pending, track.Down, track.Paused}
	kinds := []config.Kind{kindHTTP, kindTCP, kindDNS, kindCommand}
	reasons := []string{"", "connection refused", "status 503, want 200-399", "timeout after 10s"}
	words := []string{"api", "db", "search", "결제", "pay", "login", "report", "a.b", "[x]"}
	for round := range 200 {
		n := 1 + r.IntN(40)
		services := make([]config.Service, n)
		snaps := map[string]track.Status{}
		for i := range services {
			name := fmt.Sprintf("%s %s %d", words[r.IntN(len(words))], words[r.IntN(len(words))], i)
			group := ""
			if r.IntN(4) > 0 {
				group = words[r.IntN(len(words))]
			}
			services[i] = svc(name, group, "", kinds[r.IntN(len(kinds))])
			s := track.Status{State: states[r.IntN(len(states))], Reason: reasons[r.IntN(len(reasons))]}
			if s.State == track.Down || s.State == track.Paused && r.IntN(2) == 0 {
				s.Outage = track.Outage{Start: fixedNow.Add(-time.Duration(r.IntN(600)) * time.Second)}
			}
			snaps[name] = s
		}
		m := New(services, snaps, nil, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
		f := make([]rune, r.IntN(6))
		for k := range f {
			f[k] = alphabet[r.IntN(len(alphabet))]
		}
		m.find.filter, m.find.problems, m.find.sort = string(f), r.IntN(3) == 0, sortMode(r.IntN(int(sortModes)))
		for _, g := range m.groups {
			if r.IntN(3) == 0 {
				m.find.collapsed[g] = true
			}
		}
		m = m.relayout()
		got := map[int]bool{}
		for k, i := range m.order {
			if i >= 0 {
				got[i] = true
				continue
			}
			for _, j := range m.members[m.heads[k]] {
				if m.shown[j] {
					got[j] = true
				}
			}
		}
		for i := range services {
			want := oracle(m, i, m.find.filter, m.find.problems)
			if got[i] != want {
				t.Fatalf("round %d: filter %q, problems %v, sort %v: service %q (%s, %q) listed = %v, want %v",
					round, m.find.filter, m.find.problems, m.find.sort, services[i].Name, m.status[i].State, m.status[i].Reason, got[i], want)
			}
		}
	}
}

// run applies cmd's messages to m, as the program would, running Batch members.
func run(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			m = run(m, c)
		}
	case nil:
	default:
		next, more := m.Update(msg)
		return run(next.(Model), more)
	}
	return m
}

// TestFindSurvivesRestart: the filter, problems only, the sort and the collapsed groups are
// saved to the history and come back in a new model after the history is reopened.
func TestFindSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	store, err := history.Open(path, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	services, st := fixture(fixedNow)
	snaps, _ := split(services, st)
	opts := Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst,
		SavePrefs: store.SetPrefs}
	m := New(services, snaps, nil, opts)
	for _, k := range []string{"/", "d", "a", "t", "a", "enter", "s", "tab", "!", "!", "!"} {
		next, cmd := m.Update(keyOf(k))
		m = run(next.(Model), cmd)
	}
	want := m.find
	if err := store.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	store, err = history.Open(path, history.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	prefs, err := store.Prefs()
	if err != nil {
		t.Fatal(err)
	}
	opts.Prefs, opts.SavePrefs = prefs, nil
	again := New(services, snaps, nil, opts)
	got := again.find
	if got.filter != want.filter || got.problems != want.problems || got.sort != want.sort || fmt.Sprint(got.collapsed) != fmt.Sprint(want.collapsed) {
		t.Errorf("after a restart find = %+v, want %+v", got, want)
	}
	if got.filter != "data" || !got.problems || got.sort != sortProblems || !got.collapsed["data"] {
		t.Errorf("saved find = %+v, want filter data, problems only, sort problems, data collapsed", got)
	}
	if v := again.View(); !strings.Contains(v, "/data") {
		t.Errorf("the screen after a restart does not say what it shows:\n%s", v)
	}
}

// keyOf is the key message press sends for k.
func keyOf(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// bigBoard is n services in groups of ten, those at the down indices DOWN, at w x h.
func bigBoard(n int, down []int, w, h int) Model {
	services := make([]config.Service, n)
	st := make(map[string]track.Status, n)
	for i := range services {
		services[i] = svc(fmt.Sprintf("svc-%03d", i), fmt.Sprintf("team-%02d", i/10), "https://example.com/", kindHTTP)
		s := track.Status{State: track.Up, LastAt: fixedNow, LastOK: true, LastLatency: 20 * time.Millisecond,
			AsOf: fixedNow, Observed: time.Hour}
		if slices.Contains(down, i) {
			s.State, s.Reason = track.Down, "connection refused"
			s.Outage = track.Outage{Start: fixedNow.Add(-time.Duration(i) * time.Second)}
		}
		st[services[i].Name] = s
	}
	m := New(services, st, nil, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return next.(Model)
}

// TestEightDownOfThreeHundred is the case: 300 services, 8 DOWN, at 100x30. In config
// order they are spread over pages; with !, with the problems sort, and on a collapsed board,
// every one of them (or its group, marked DOWN) is on the first screen.
func TestEightDownOfThreeHundred(t *testing.T) {
	down := []int{7, 48, 91, 130, 177, 204, 251, 299}
	base := bigBoard(300, down, 100, 30)
	onScreen := func(v string, i int) bool { return strings.Contains(v, fmt.Sprintf("DOWN     svc-%03d", i)) }
	v := base.View()
	n := 0
	for _, i := range down {
		if onScreen(v, i) {
			n++
		}
	}
	if n == len(down) {
		t.Fatalf("in config order all 8 DOWN rows are on the first screen; the test shows nothing:\n%s", v)
	}
	for _, keys := range [][]string{{"!"}, {"s"}, {"!", "s"}, {"/", "d", "o", "w", "n", "enter"}} {
		v := press(base, keys...).View()
		for _, i := range down {
			if !onScreen(v, i) {
				t.Errorf("after %v svc-%03d is not on the first screen:\n%s", keys, i, v)
			}
		}
	}
	// Collapsed, the 30 groups fit, and each group with a DOWN service says so.
	m := press(base, "z")
	v = m.View()
	for _, i := range down {
		if h := fmt.Sprintf("team-%02d  1 DOWN", i/10); !strings.Contains(v, h) {
			t.Errorf("collapsed: %q is not on the first screen:\n%s", h, v)
		}
	}
	for k, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w > 100 {
			t.Errorf("collapsed: line %d is %d cells wide", k, w)
		}
	}
}

// TestFortyGroupsCollapsedFit: a collapsed board of 40 groups fits 80x24, and shows the
// groups where services are DOWN.
func TestFortyGroupsCollapsedFit(t *testing.T) {
	m := press(bigBoard(400, []int{5, 395}, 80, 24), "z")
	v := m.View()
	for _, g := range []string{"team-00", "team-39"} {
		if !strings.Contains(v, "▸ "+g) {
			t.Errorf("%s is not on the collapsed board:\n%s", g, v)
		}
	}
	if got := strings.Count(v, "1 DOWN"); got != 2 {
		t.Errorf("the collapsed board shows %d groups with 1 DOWN, want 2:\n%s", got, v)
	}
	// j walks every group, down the columns.
	m = press(m, "G")
	if got := selectedName(m); got != "[team-39]" {
		t.Errorf("G selects %q, want [team-39]", got)
	}
}

// TestFilterBadInput: long, escape-laden and wide filters neither panic nor overflow the
// screen, and escape sequences are taken as plain text.
func TestFilterBadInput(t *testing.T) {
	for _, f := range []string{strings.Repeat("x", 1000), "\x1b[2J\x1b]2;pwned\x07", "결제결제결제결제결제결제결제결제결제결제결제결제결제결제결제결제", "(a|b)*$^"} {
		for _, size := range [][2]int{{80, 24}, {60, 12}, {20, 5}} {
			m := fixtureModel(size[0], size[1], termenv.ANSI256, false)
			m = press(m, "/")
			next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(f), Paste: true})
			m = next.(Model)
			for _, typing := range []bool{true, false} {
				if !typing {
					m = press(m, "enter")
				}
				v := m.View()
				if strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x1b]2;") {
					t.Errorf("filter %q reached the terminal as an escape sequence", f)
				}
				lines := strings.Split(v, "\n")
				if len(lines) > size[1] {
					t.Errorf("filter %q at %v: %d lines", f, size, len(lines))
				}
				for _, l := range lines {
					if ansi.StringWidth(l) > size[0] {
						t.Errorf("filter %q at %v: line %q is too wide", f, size, l)
					}
				}
			}
		}
	}
}

// TestNothingShownHint: when the list (or the wallboard) shows nothing, it says why with the
// keys that undo what hides the rows, and only those: it offered "! shows all states" under
// a filter alone, where ! would hide more, and "no service matches" when problems only found
// nothing wrong.
func TestNothingShownHint(t *testing.T) {
	cases := []struct {
		keys      []string
		want, not string
	}{
		{[]string{"/", "z", "z", "q", "enter"}, "no service matches; esc clears the filter", "!"},
		{[]string{"/", "z", "z", "q", "enter", "!"}, "no problem matches; esc clears the filter, ! shows all states", ""},
	}
	for _, tc := range cases {
		m := press(fixtureModel(80, 24, termenv.Ascii, false), tc.keys...)
		for _, v := range []Model{m, press(m, "W")} {
			screen := ansi.Strip(v.View())
			hint := ""
			for _, l := range strings.Split(screen, "\n") {
				if strings.Contains(l, "esc clears") {
					hint = l
				}
			}
			if !strings.Contains(hint, tc.want) || tc.not != "" && strings.Contains(hint, tc.not) {
				t.Errorf("keys %v (wall %v): want %q without %q:\n%s", tc.keys, v.wall != wallOff, tc.want, tc.not, screen)
			}
		}
	}
	// Problems only with none: all is well, and ! brings the rest back.
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	for name := range snaps {
		snaps[name] = track.Status{State: track.Up}
	}
	m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = press(next.(Model), "!")
	for _, v := range []Model{m, press(m, "W")} {
		if screen := ansi.Strip(v.View()); !strings.Contains(screen, "no problems; ! shows all states") {
			t.Errorf("problems only, none (wall %v): want \"no problems; ! shows all states\":\n%s", v.wall != wallOff, screen)
		}
	}
}

// TestJumpWithoutProblems: n, N and D with nothing to go to say so in the footer, rather than
// leaving the on-call engineer to wonder whether the key was taken.
func TestJumpWithoutProblems(t *testing.T) {
	m := bigBoard(20, nil, 80, 24)
	for _, tt := range []struct{ key, want string }{
		{"n", "no problem to go to"},
		{"N", "no problem to go to"},
		{"D", "no service shown is DOWN"},
	} {
		if v := press(m, tt.key).View(); !strings.Contains(v, tt.want) {
			t.Errorf("%s with every service UP: the screen does not say %q:\n%s", tt.key, tt.want, v)
		}
	}
	m = bigBoard(20, []int{5}, 80, 24)
	if v := press(m, "n").View(); strings.Contains(v, "no problem") {
		t.Errorf("n with a service DOWN says there is none:\n%s", v)
	}
}

// TestFilterPasteLines: a paste of several lines (names copied from a list, one a line) is
// words of the filter, as typed with spaces: its line breaks were dropped and the last word
// of each line ran into the first of the next ("web\napi" filtered by "webapi").
func TestFilterPasteLines(t *testing.T) {
	m := press(fixtureModel(80, 24, termenv.Ascii, false), "/")
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("pay\r\ncheck\tapi\n"), Paste: true})
	if got, want := next.(Model).find.filter, "pay check api "; got != want {
		t.Errorf("filter after pasting three lines = %q, want %q", got, want)
	}
	if got := listed(next.(Model)); len(got) != 1 || got[0] != "Checkout API" {
		t.Errorf("pasted filter shows %q, want Checkout API", got)
	}
}

// TestCursorWithoutColour: without colour (NO_COLOR, a mono terminal) the filter line and
// the ack prompt still show where the typing goes: their cursor, a reverse-video blank, lost
// its attribute with the colours and was not there at all; it is an underscore there.
func TestCursorWithoutColour(t *testing.T) {
	for _, tt := range []struct {
		profile termenv.Profile
		want    string
	}{{termenv.Ascii, "/web_"}, {termenv.ANSI256, "\x1b[7m \x1b[0m"}} {
		m := typeKeys(press(fixtureModel(80, 24, tt.profile, false), "/"), "w", "e", "b")
		if line := lastLine(m); !strings.Contains(line, tt.want) {
			t.Errorf("profile %v: filter line = %q, want it to show the cursor as %q", tt.profile, line, tt.want)
		}
	}
	m, _ := ackFixture(t, Options{})
	m = typeKeys(press(m, "a"), "o", "k")
	if line := lastLine(m); !strings.Contains(line, "note: ok_") {
		t.Errorf("ack prompt without colour = %q, want its cursor as an underscore", line)
	}
}

// TestFindKeysFromDetail: the keys that find rows, which the help lists as the screen's, work
// from the detail view too: they go back to the list and act there (they did nothing, and an
// on-call engineer reading one DOWN service's details pressed n for the next in vain).
func TestFindKeysFromDetail(t *testing.T) {
	for _, tt := range []struct {
		key  string
		want func(Model) bool
	}{
		{"/", func(m Model) bool { return m.typing }},
		{"!", func(m Model) bool { return m.find.problems }},
		{"s", func(m Model) bool { return m.find.sort == sortProblems }},
		{"W", func(m Model) bool { return m.wall != wallOff }},
		{"n", func(m Model) bool { return selectedName(m) == pay }},
		{"N", func(m Model) bool { return selectedName(m) == "Search" }},
		{"D", func(m Model) bool { return selectedName(m) == pay }},
	} {
		m := withDetail(press(fixtureModel(80, 24, termenv.Ascii, false), "enter")) // Login's
		if m.view != detailView {
			t.Fatal("enter did not open the detail view")
		}
		m = press(m, tt.key)
		if m.view != listView || !tt.want(m) {
			t.Errorf("%s in the detail view: view %v, selected %q, find %+v, wall %v; want the list, the key done", tt.key, m.view, selectedName(m), m.find, m.wall)
		}
	}
}
