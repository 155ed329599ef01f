package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"
	"golang.org/x/text/width"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

func press(m Model, keys ...string) Model {
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "pgdown":
			msg = tea.KeyMsg{Type: tea.KeyPgDown}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "space":
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		next, _ := m.Update(msg)
		m = withDetail(next.(Model))
	}
	return m
}

func TestViewGolden(t *testing.T) {
	tests := []struct {
		name    string
		w, h    int
		profile termenv.Profile
		wide    bool
		keys    []string
	}{
		{"list_60x12", 60, 12, termenv.Ascii, false, []string{"j"}},
		{"list_80x24", 80, 24, termenv.Ascii, false, []string{"j"}},
		{"list_120x40", 120, 40, termenv.Ascii, false, []string{"j"}},
		{"list_80x24_ansi256", 80, 24, termenv.ANSI256, false, []string{"j"}},
		{"list_80x24_ansi256_light", 80, 24, termenv.ANSI256, false, []string{"j"}},
		{"detail_80x24", 80, 24, termenv.Ascii, false, []string{"j", "enter"}},
		{"detail_60x12_scrolled", 60, 12, termenv.Ascii, false, []string{"j", "enter", "pgdown"}},
		{"help_80x24", 80, 24, termenv.Ascii, false, []string{"?"}},
		{"help_60x12", 60, 12, termenv.Ascii, false, []string{"?"}},
		{"filtering_80x24", 80, 24, termenv.Ascii, false, []string{"/", "p", "a", "y"}},
		{"filtering_60x12", 60, 12, termenv.Ascii, false, []string{"/", "p", "a", "y"}},
		{"filtered_80x24", 80, 24, termenv.Ascii, false, []string{"/", "t", "c", "p", "enter"}},
		{"filtered_problems_80x24", 80, 24, termenv.Ascii, false, []string{"!"}},
		{"filtered_80x24_ansi256", 80, 24, termenv.ANSI256, false, []string{"/", "a", "p", "i", "enter"}},
		{"sorted_problems_80x24", 80, 24, termenv.Ascii, false, []string{"s"}},
		{"collapsed_80x24", 80, 24, termenv.Ascii, false, []string{"z"}},
		{"collapsed_60x12", 60, 12, termenv.Ascii, false, []string{"z", "j", "j"}},
		{"collapsed_80x24_wide", 80, 24, termenv.Ascii, true, []string{"j", "j", "tab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			theme := ""
			if strings.HasSuffix(tt.name, "_light") {
				theme = "light"
			}
			m := press(themedModel(tt.w, tt.h, tt.profile, tt.wide, theme), tt.keys...)
			got := m.View()
			golden.RequireEqual(t, []byte(got)) // testdata/TestViewGolden/<name>.golden; -update rewrites
			lines := strings.Split(got, "\n")
			if len(lines) > tt.h {
				t.Errorf("View() has %d lines, want at most %d", len(lines), tt.h)
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > tt.w {
					t.Errorf("line %d is %d cells wide, want at most %d: %q", i, w, tt.w, l)
				}
			}
		})
	}
}

// TestViewDeterministic: the same model draws the same screen, and a tick changes nothing but
// what depends on time.
func TestViewDeterministic(t *testing.T) {
	m := fixtureModel(80, 24, termenv.ANSI256, false)
	if a, b := m.View(), m.View(); a != b {
		t.Fatalf("View() twice differs:\n%s\n%s", a, b)
	}
	next, cmd := m.Update(tickMsg(fixedNow.Add(time.Second)))
	if cmd == nil {
		t.Error("Update(tick) returned no command, want the next tick")
	}
	n := next.(Model)
	n.now = m.now
	if a, b := m.View(), n.View(); a != b {
		t.Errorf("View() after a tick with the clock put back differs:\n%s\n%s", a, b)
	}
}

// TestViewAnySize draws every size up to 40x16 and some degenerate ones: none may panic or
// overflow the screen.
func TestViewAnySize(t *testing.T) {
	for _, wide := range []bool{false, true} {
		base := fixtureModel(80, 24, termenv.ANSI256, wide)
		for _, keys := range [][]string{nil, {"j", "enter"}, {"?"}, {"z"}, {"/", "p"}, {"/", "p", "enter", "!", "s"}, {"j", "j", "tab"}} {
			m := press(base, keys...)
			for w := -1; w <= 40; w++ {
				for h := -1; h <= 16; h++ {
					next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
					got := next.(Model).View()
					if got == "" {
						continue
					}
					lines := strings.Split(got, "\n")
					if len(lines) > max(h, 0) {
						t.Errorf("%dx%d %v: %d lines", w, h, keys, len(lines))
					}
					for _, l := range lines {
						if ansi.StringWidth(l) > max(w, 0) {
							t.Errorf("%dx%d %v: line %q is too wide", w, h, keys, l)
						}
					}
				}
			}
		}
	}
}

// TestKoreanAlignment: in every service row, the latency ends and the uptime ends at the same
// display column, whatever the script of the name before them.
func TestKoreanAlignment(t *testing.T) {
	for _, wide := range []bool{false, true} {
		m := fixtureModel(120, 40, termenv.Ascii, wide)
		l := fitColumns(120, m.nameW)
		latEnd := markW + stateW + 1 + l.name + 1 + l.lat - 1
		upEnd := latEnd + 2 + l.spark + 1 + l.up
		rows := 0
		for _, line := range strings.Split(m.View(), "\n") {
			if !isServiceRow(line) {
				continue
			}
			rows++
			cells := cellsOf(line)
			if c := cells[latEnd]; c != "s" && c != m.st.g.none {
				t.Errorf("wide=%v: cell %d of %q = %q, want the end of a latency", wide, latEnd, line, c)
			}
			if c := cells[upEnd]; c != "%" && c != m.st.g.none {
				t.Errorf("wide=%v: cell %d of %q = %q, want the end of an uptime", wide, upEnd, line, c)
			}
		}
		if rows != 8 {
			t.Fatalf("wide=%v: found %d service rows, want 8", wide, rows)
		}
	}
}

// cellsOf maps each display column of a plain line to the character that starts there.
func cellsOf(line string) map[int]string {
	cells := map[int]string{}
	col := 0
	for _, r := range line {
		cells[col] = string(r)
		col += ansi.StringWidth(string(r))
	}
	return cells
}

func isServiceRow(l string) bool {
	if len(l) < 10 {
		return false
	}
	for _, s := range track.States() {
		if strings.HasPrefix(l[2:], s.String()+" ") {
			return true
		}
	}
	return false
}

// TestWideModeNoAmbiguous: with AmbiguousWide, no screen holds an East Asian ambiguous-width
// character (the fixture's names have none), since those terminals would draw it two cells wide.
func TestWideModeNoAmbiguous(t *testing.T) {
	base := fixtureModel(120, 40, termenv.Ascii, true)
	for _, keys := range [][]string{nil, {"j", "enter"}, {"enter"}, {"j", "j", "enter"}, {"?"}} {
		for _, r := range press(base, keys...).View() {
			if width.LookupRune(r).Kind() == width.EastAsianAmbiguous {
				t.Errorf("keys %v: View() holds %q (U+%04X), ambiguous width", keys, r, r)
			}
		}
	}
	// And the normal mode does use them, or this test would prove nothing.
	if v := fixtureModel(120, 40, termenv.Ascii, false).View(); !strings.Contains(v, "…") {
		t.Errorf("normal mode View() has no ellipsis")
	}
}

// TestHelpListsEveryKey: every binding in keyMap is in the help view's groups and on screen.
func TestHelpListsEveryKey(t *testing.T) {
	m := fixtureModel(80, 80, termenv.Ascii, false)
	m.keys.Reload.SetEnabled(true) // as with a config to reload; the demo fixture has none
	m = press(m, "?")
	v := m.View()
	listed := map[string]bool{}
	for _, g := range m.keys.groups() {
		for _, b := range g.bindings {
			listed[b.Help().Key] = true
		}
	}
	km := reflect.ValueOf(*m.keys)
	for i := range km.NumField() {
		b := km.Field(i).Interface().(key.Binding)
		if !b.Enabled() {
			continue // off in this UI (m without Options.Silence): not listed, see TestMuteFlow
		}
		h := b.Help()
		if !listed[h.Key] {
			t.Errorf("binding %s (%q) is not in keyMap.groups()", km.Type().Field(i).Name, h.Key)
		}
		if !strings.Contains(v, h.Key) || !strings.Contains(v, h.Desc) {
			t.Errorf("help view does not show %q %q", h.Key, h.Desc)
		}
		// Two blanks at least between a key and what it does: "tab, space collapse / open"
		// read as the key tab and a space that collapses.
		if first, _, _ := strings.Cut(h.Desc, " "); !strings.Contains(v, h.Key+"  ") || strings.Contains(v, h.Key+" "+first) {
			t.Errorf("help view runs key %q into its description %q", h.Key, h.Desc)
		}
	}
}

// TestHeaderPausedOutage: pausing a DOWN service keeps its row's word PAUSED, but its outage
// goes on, so the header and the window title still count it as DOWN, marked paused; a
// service paused while up stays a plain PAUSED.
func TestHeaderPausedOutage(t *testing.T) {
	open := track.Outage{Start: fixedNow.Add(-4 * time.Minute), Cause: "connection refused"}
	type step struct {
		set           map[string]track.Status
		header, title string
	}
	paused := track.Status{State: track.Paused, Outage: open, Reason: "connection refused"}
	steps := []step{
		// The fixture's DOWN service (1) is paused in its outage; one other (5) is paused up.
		{map[string]track.Status{"결제 게이트웨이": paused}, "1 DOWN (paused)  1 PENDING  1 DEGRADED  3 UP  1 UNKNOWN  1 PAUSED",
			"uptty: 1 DOWN (paused), 1 PENDING, 1 DEGRADED, 3 UP, 1 UNKNOWN, 1 PAUSED"},
		// Another goes down while it is paused: 2 DOWN, one of them paused.
		{map[string]track.Status{"Checkout API": {State: track.Down, Outage: open}}, "2 DOWN (1 paused)  1 PENDING  1 DEGRADED  2 UP",
			"uptty: 2 DOWN (1 paused), 1 PENDING, 1 DEGRADED, 2 UP, 1 UNKNOWN, 1 PAUSED"},
		// Resumed, still down: a plain DOWN again.
		{map[string]track.Status{"결제 게이트웨이": {State: track.Down, Outage: open}}, "2 DOWN  1 PENDING  1 DEGRADED  2 UP",
			"uptty: 2 DOWN, 1 PENDING, 1 DEGRADED, 2 UP, 1 UNKNOWN, 1 PAUSED"},
	}
	m := fixtureModel(120, 40, termenv.Ascii, false)
	for k, s := range steps {
		next, _ := m.Update(statusMsg(s.set))
		m = next.(Model)
		v := m.View()
		header := strings.SplitN(v, "\n", 2)[0]
		if !strings.Contains(header, s.header) {
			t.Errorf("step %d: header = %q, want it to hold %q", k, header, s.header)
		}
		if m.title != s.title {
			t.Errorf("step %d: title = %q, want %q", k, m.title, s.title)
		}
		for name, st := range s.set {
			if st.State == track.Paused && !strings.Contains(v, "PAUSED   "+name) {
				t.Errorf("step %d: %s's row does not read PAUSED:\n%s", k, name, v)
			}
		}
	}
}

// TestUpdateStatus: a batch from the Source replaces the services it names, re-issues Next, and
// sets the window title only when it changes.
func TestUpdateStatus(t *testing.T) {
	m := fixtureModel(80, 24, termenv.Ascii, false)
	m.src = nil
	down := track.Status{State: track.Down, Outage: track.Outage{Start: fixedNow}}
	next, cmd := m.Update(statusMsg{"Checkout API": down, "no such service": down, "": down})
	m = next.(Model)
	if m.status[0].State != track.Down {
		t.Errorf("status[0].State = %v, want DOWN", m.status[0].State)
	}
	if want := "uptty: 2 DOWN, 1 PENDING, 1 DEGRADED, 2 UP, 1 UNKNOWN, 1 PAUSED"; m.title != want {
		t.Errorf("title = %q, want %q", m.title, want)
	}
	if cmd == nil {
		t.Error("Update(statusMsg) returned no command, want the title")
	}
	_, cmd = m.Update(statusMsg{"Checkout API": down})
	if cmd != nil {
		t.Error("Update(same statusMsg) with no Source returned a command, want none")
	}

	next, _ = m.Update(sourceErrMsg{err: errString("monitor stopped")})
	if v := next.(Model).View(); !strings.Contains(v, "source stopped: monitor stopped") {
		t.Errorf("View() after a Source error does not say so:\n%s", v)
	}
	next, _ = m.Update(sourceErrMsg{err: context.Canceled})
	if next.(Model).err != nil {
		t.Error("a cancelled Source.Next is shown as an error, want it ignored")
	}
}

// TestFooterSaysWhySelectedIsDown: at 80 columns a DOWN row has no room for its reason beside
// the outage timer, so the footer gives the selected service's reason.
func TestFooterSaysWhySelectedIsDown(t *testing.T) {
	m := fixtureModel(80, 24, termenv.Ascii, false)
	for k := range m.order {
		if m.status[m.order[k]].State == track.Down {
			m.cursor = k
		}
	}
	lines := strings.Split(m.View(), "\n")
	footer := lines[len(lines)-1]
	if !strings.Contains(footer, "status 503, want 200-399") {
		t.Errorf("footer = %q, want the selected DOWN service's reason", footer)
	}
}

// TestFooterFitsWhole: from 60 columns up, the footer leaves reminders out whole rather than
// cutting one mid-word ("q qui" at 60), "? help" and "q quit" always stay, and a problem's
// reason is cut with an ellipsis before "? help" is.
func TestFooterFitsWhole(t *testing.T) {
	labels := []string{"j/k move", "enter details", "/ find", "p pause", "? help", "q quit"}
	for w := 60; w <= 100; w++ {
		m := fixtureModel(w, 24, termenv.Ascii, false)
		m.status[m.selected()].State, m.status[m.selected()].Reason = track.Up, ""
		lines := strings.Split(m.draw(), "\n")
		footer := lines[len(lines)-1]
		if !strings.Contains(footer, "? help  q quit") {
			t.Errorf("width %d: footer = %q, want ? help  q quit", w, footer)
		}
		rest := footer
		for _, l := range labels {
			rest = strings.Replace(rest, l, "", 1)
		}
		if strings.Trim(rest, " 0123456789/") != "" {
			t.Errorf("width %d: footer = %q, has %q beside its whole reminders", w, footer, strings.TrimSpace(rest))
		}
		m.status[m.selected()].State = track.Down
		m.status[m.selected()].Reason = "status 503, want 200-399, " + strings.Repeat("and a long story ", 5)
		lines = strings.Split(m.draw(), "\n")
		if footer := lines[len(lines)-1]; !strings.Contains(footer, "…  ? help") {
			t.Errorf("width %d: footer on a long reason = %q, want it cut before ? help", w, footer)
		}
	}
}

// TestDetailLongURL: the detail view shows a URL too long for a line whole (in its display
// form, query values masked), wrapped under its label: the list has no room for it, and the
// on-call engineer needs the exact URL.
func TestDetailLongURL(t *testing.T) {
	services, st := fixture(fixedNow)
	long := "https://api.example.com/" + strings.Repeat("segment/", 30) + "healthz?probe=1"
	services[0].URL = long
	snaps, src := split(services, st)
	m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = next.(Model)
	for k := 0; k < len(services) && m.selected() != 0; k++ {
		m = press(m, "j")
	}
	m = press(m, "enter")
	var url strings.Builder
	in := false
	for _, l := range m.detailLines() {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "URL"):
			in = true
			url.WriteString(strings.TrimSpace(strings.TrimPrefix(l, "URL")))
		case in && !strings.Contains(l, "  ") && l != "" && !strings.HasPrefix(l, "Check"):
			url.WriteString(l)
		default:
			in = false
		}
		if text.Width(l) > 80 {
			t.Errorf("line %q is wider than 80", l)
		}
	}
	if want := services[0].DisplayURL(); url.String() != want || !strings.HasPrefix(want, long[:200]) {
		t.Errorf("the detail view's URL = %q, want it whole: %q", url.String(), want)
	}
}

// TestEscThenKeyInOneRead: esc and the next key arriving in one read (typed fast, or joined by
// ssh) reach Bubble Tea as alt+key; uptty binds no alt key, so it takes them as the two keys:
// esc / in the detail view goes back and opens the filter, rather than doing nothing.
func TestEscThenKeyInOneRead(t *testing.T) {
	m := press(fixtureModel(80, 24, termenv.Ascii, false), "enter")
	if m.view != detailView {
		t.Fatalf("enter did not open the detail view")
	}
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'/'}, Alt: true})
	m = next.(Model)
	if m.view != listView || !m.typing {
		t.Errorf("alt+/ in the detail view: view %v, typing %v; want the list with the filter open", m.view, m.typing)
	}
}

// TestReloadWithNothingToReload: r where there is no config file to read again (the demo, an
// attached screen) says why, rather than doing nothing.
func TestReloadWithNothingToReload(t *testing.T) {
	m := fixtureModel(80, 24, termenv.Ascii, false)
	if v := press(m, "r").View(); !strings.Contains(v, "nothing to reload") {
		t.Errorf("r with no Reload: the screen does not say so:\n%s", v)
	}
	m.demo = true
	if v := press(m, "r").View(); !strings.Contains(v, "the demo has no config file") {
		t.Errorf("r in the demo: the screen does not say the demo has no config:\n%s", v)
	}
}

// TestDetailLongName: the detail view's title uses the whole width for the name and cuts it
// with … only where it does not fit (it cut 2 cells early, and the group after it was cut off
// by the screen's edge without a mark); the name is then there whole, wrapped under a Name
// label, and the group, which the title had no room for, under its own.
func TestDetailLongName(t *testing.T) {
	long := strings.Repeat("Very long service name ", 5) + "결제 1️⃣ END"
	for _, tt := range []struct {
		name, svc string
		w, h      int
		title     string // what the title line is, trailing spaces left out
		wrapped   bool   // the name is cut in the title and whole below it
		group     bool   // the group has a line of its own
	}{
		{"long_80x24", long, 80, 24, text.Truncate(long, 80, "…"), true, true},
		{"long_60x12", long, 60, 12, text.Truncate(long, 60, "…"), true, true},
		{"fits_alone_80x24", strings.Repeat("x", 80), 80, 24, strings.Repeat("x", 80), false, true},
		{"fits_with_group_80x24", strings.Repeat("x", 72), 80, 24, strings.Repeat("x", 72) + "  search", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			services, st := fixture(fixedNow)
			services[6].Name = tt.svc
			snaps, src := split(services, st)
			m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
			next, _ := m.Update(tea.WindowSizeMsg{Width: tt.w, Height: tt.h})
			m = next.(Model)
			for k := 0; k < len(services) && m.selected() != 6; k++ {
				m = press(m, "j")
			}
			m = withDetail(press(m, "enter"))
			if tt.name == "long_80x24" || tt.name == "long_60x12" {
				golden.RequireEqual(t, []byte(m.View()))
			}
			lines := m.detailLines()
			if got := strings.TrimRight(lines[0], " "); got != tt.title {
				t.Errorf("title = %q, want %q", got, tt.title)
			}
			var name strings.Builder
			group, in := false, false
			for _, l := range lines[1:] {
				if text.Width(l) > tt.w {
					t.Errorf("line %q is wider than %d", l, tt.w)
				}
				if len(l) <= labelW+1 {
					continue
				}
				label, value := strings.TrimSpace(l[:labelW]), l[labelW+1:]
				in = label == "Name" || in && label == ""
				switch {
				case in:
					name.WriteString(value + " ")
				case label == "Group":
					group = value == "search"
				}
			}
			// The spaces the lines break at are left out: the words are what must be whole.
			if got := strings.Join(strings.Fields(name.String()), " "); tt.wrapped && got != strings.Join(strings.Fields(tt.svc), " ") || !tt.wrapped && got != "" {
				t.Errorf("the Name lines say %q, want %q (wrapped: %v)", got, tt.svc, tt.wrapped)
			}
			if group != tt.group {
				t.Errorf("a Group line saying search: %v, want %v", group, tt.group)
			}
		})
	}
}

// TestRedrawKey: ctrl+l repaints the whole screen, as in less, vim and top: the screen writes
// only the cells that change, so what another program wrote over it (a wall(1) message, a
// background job's output) stayed until those cells changed, and ctrl+l did nothing. It works
// in every view and prompt, and the help lists it.
func TestRedrawKey(t *testing.T) {
	base := fixtureModel(80, 24, termenv.Ascii, false)
	for _, tt := range []struct {
		name string
		m    Model
	}{
		{"list", base}, {"detail", press(base, "enter")}, {"help", press(base, "?")},
		{"wallboard", press(base, "W")}, {"typing a filter", press(base, "/", "p")},
	} {
		next, cmd := tt.m.Update(tea.KeyMsg{Type: tea.KeyCtrlL})
		if cmd == nil || cmd() != tea.ClearScreen() {
			t.Errorf("%s: ctrl+l did not ask for a full repaint", tt.name)
		}
		if got, want := next.(Model).View(), tt.m.View(); got != want {
			t.Errorf("%s: ctrl+l changed the screen:\n%s\nwant\n%s", tt.name, got, want)
		}
	}
	if help := strings.Join(base.helpLines(), "\n"); !strings.Contains(help, "ctrl+l") {
		t.Errorf("the help does not list ctrl+l:\n%s", help)
	}
}

// TestDetailLongGroup: a group too long for its line follows the name's rule, wrapped whole,
// rather than cut ("Group  a group with quite a long name as well to see h…" at 60 columns,
// under a name given whole over three lines).
func TestDetailLongGroup(t *testing.T) {
	group := "a group with quite a long name as well to see how headings are cut END"
	services, st := fixture(fixedNow)
	services[6].Group = group
	snaps, src := split(services, st)
	m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 60, Height: 12})
	m = next.(Model)
	for k := 0; k < len(services) && m.selected() != 6; k++ {
		m = press(m, "j")
	}
	m = withDetail(press(m, "enter"))
	var got []string
	in := false
	for _, l := range m.detailLines()[1:] {
		if text.Width(l) > 60 {
			t.Errorf("line %q is wider than 60", l)
		}
		label := strings.TrimSpace(text.Truncate(l, labelW, ""))
		if label == "Group" {
			in = true
		} else if label != "" {
			in = false
		}
		if in && len(l) > labelW+1 {
			got = append(got, strings.TrimSpace(l[labelW+1:]))
		}
	}
	if strings.Join(got, " ") != group {
		t.Errorf("the Group lines read %q, want %q", strings.Join(got, " "), group)
	}
}
