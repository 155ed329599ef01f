package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
)

func TestWallGolden(t *testing.T) {
	for _, tt := range []struct {
		name   string
		w, h   int
		groups bool
	}{
		{"wall_80x24", 80, 24, false},
		{"wall_60x12", 60, 12, false},
		{"wall_groups_80x24", 80, 24, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := press(fixtureModel(tt.w, tt.h, termenv.Ascii, false), "W")
			if tt.groups {
				m.wall = wallGroups
			}
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

// TestWallKey: W shows the wallboard and the list again.
func TestWallKey(t *testing.T) {
	m := press(fixtureModel(80, 24, termenv.Ascii, false), "W")
	if m.wall != wallServices || !strings.Contains(m.View(), "W list") {
		t.Fatalf("after W: wall = %v, screen:\n%s", m.wall, m.View())
	}
	if m = press(m, "W"); m.wall != wallOff || !strings.Contains(m.View(), "STATE") {
		t.Errorf("after W W: wall = %v, screen:\n%s", m.wall, m.View())
	}
}

// TestWallEveryDownShown: on the wallboard of 300 services with 8 DOWN, at every size from
// 60x12 to 400x100, every DOWN service is on the screen, by name and word, problems first; no
// line overflows.
func TestWallEveryDownShown(t *testing.T) {
	down := []int{7, 48, 91, 130, 177, 204, 251, 299}
	base := press(bigBoard(300, down, 100, 30), "W")
	for _, size := range [][2]int{{60, 12}, {80, 24}, {100, 30}, {120, 40}, {200, 50}, {400, 100}} {
		next, _ := base.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		v := next.(Model).View()
		lines := strings.Split(v, "\n")
		if len(lines) > size[1] {
			t.Errorf("%v: %d lines", size, len(lines))
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > size[0] {
				t.Errorf("%v: line %q is too wide", size, l)
			}
		}
		for _, i := range down {
			if name := fmt.Sprintf("svc-%03d", i); !strings.Contains(v, name) {
				t.Errorf("%v: %s is not on the wallboard:\n%s", size, name, v)
			}
		}
		if !strings.Contains(v, "8 DOWN") {
			t.Errorf("%v: the header does not count 8 DOWN", size)
		}
	}
}

// TestWallPages: healthy tiles that do not fit turn pages with the clock; the problems stay.
func TestWallPages(t *testing.T) {
	m := press(bigBoard(300, []int{42}, 100, 30), "W")
	w, _ := m.size()
	_, page, pages := m.wallLines(w, m.bodyHeight())
	if pages < 2 {
		t.Fatalf("the wallboard of 300 services has %d pages, want several", pages)
	}
	want := fmt.Sprintf("page %d/%d", page+1, pages)
	if v := m.View(); !strings.Contains(v, want) {
		t.Errorf("the footer does not say %q:\n%s", want, v)
	}
	next, _ := m.Update(tickMsg(fixedNow.Add(10 * time.Second)))
	m = next.(Model)
	want = fmt.Sprintf("page %d/%d", (page+1)%pages+1, pages)
	if v := m.View(); !strings.Contains(v, want) || !strings.Contains(v, "svc-042") {
		t.Errorf("10s later: want %q with svc-042 still shown:\n%s", want, v)
	}
}

// TestWallManyProblemsEveryPage: when the problems are too many for tiles and page as cells,
// no page is without them: a wall must not read all UP while 72 services are DOWN. Every DOWN
// service is on some page.
func TestWallManyProblemsEveryPage(t *testing.T) {
	var down []int
	for i := 0; i < 500; i += 7 {
		down = append(down, i)
	}
	m := press(bigBoard(500, down, 80, 24), "W")
	seen := map[string]bool{}
	for k := range 12 {
		next, _ := m.Update(tickMsg(fixedNow.Add(time.Duration(k) * 10 * time.Second)))
		v := next.(Model).View()
		body := strings.Split(v, "\n")[1:]
		if !strings.Contains(strings.Join(body, "\n"), "DOWN") {
			t.Fatalf("page at +%ds shows no DOWN service, with %d DOWN:\n%s", k*10, len(down), v)
		}
		for _, i := range down {
			if name := fmt.Sprintf("svc-%03d", i); strings.Contains(v, name) {
				seen[name] = true
			}
		}
	}
	if len(seen) != len(down) {
		t.Errorf("%d of %d DOWN services shown over 12 pages, want all", len(seen), len(down))
	}
}

// TestWallAnySize draws the wallboard at every size up to 40x16 in both kinds: nothing panics
// or overflows.
func TestWallAnySize(t *testing.T) {
	for _, groups := range []bool{false, true} {
		m := press(fixtureModel(80, 24, termenv.ANSI256, true), "W")
		if groups {
			m.wall = wallGroups
		}
		for w := -1; w <= 40; w++ {
			for h := -1; h <= 16; h++ {
				next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
				v := next.(Model).View()
				if v == "" {
					continue
				}
				for _, l := range strings.Split(v, "\n") {
					if ansi.StringWidth(l) > max(w, 0) {
						t.Errorf("%dx%d groups=%v: line %q is too wide", w, h, groups, l)
					}
				}
			}
		}
	}
}

// BenchmarkWallView1000 draws the wallboard of 1,000 services (100 DOWN) at 200x60 (draw: View
// would give the frame it kept).
func BenchmarkWallView1000(b *testing.B) {
	m := press(bigModel(b), "W")
	b.ReportAllocs()
	for b.Loop() {
		_ = m.draw()
	}
}

// TestWallMarks: a DOWN tile that is silenced, in maintenance or paused says so, as its row
// does, for the board shows it as DOWN all the same.
func TestWallMarks(t *testing.T) {
	services, st := fixture(fixedNow)
	var down string
	for i, f := range st {
		if f.State == track.Down {
			down = services[i].Name
		}
	}
	if down == "" {
		t.Fatal("the fixture has no DOWN service")
	}
	for _, tt := range []struct {
		name string
		set  func(s *silences)
		want string
	}{
		{"silenced", func(s *silences) {
			s.list = []history.Silence{{Kind: history.SilenceService, Name: down, Until: fixedNow.Add(2 * time.Hour)}}
		}, "SILENCED until"},
		{"maintenance", func(s *silences) { s.maint[down] = true }, "MAINT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			snaps, src := split(services, st)
			s := newSilences()
			tt.set(s)
			m := New(services, snaps, src, s.options(Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst}))
			next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			if v := press(next.(Model), "W").View(); !strings.Contains(v, tt.want) {
				t.Errorf("the wallboard does not say %q of %s:\n%s", tt.want, down, v)
			}
		})
	}
}

// TestWallPausedOutage: a service paused during its outage is a DOWN tile that says PAUSED.
func TestWallPausedOutage(t *testing.T) {
	services, st := fixture(fixedNow)
	for i := range st {
		if st[i].State == track.Down {
			st[i].State = track.Paused
		}
	}
	snaps, src := split(services, st)
	m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	v := press(next.(Model), "W").View()
	if !strings.Contains(v, "PAUSED  status 503") {
		t.Errorf("the paused outage's tile does not say PAUSED before its reason:\n%s", v)
	}
}

// TestWallFooterWholeKeys: a narrow wallboard's footer leaves keys out whole, keeping ? help
// and q quit, rather than cutting its line mid-key ("! problems  ? h page 1/2" at 40 columns).
func TestWallFooterWholeKeys(t *testing.T) {
	keys := []string{"W list", "/ find", "! problems", "? help", "q quit", "pgdown next"}
	m := fixtureModel(80, 24, termenv.Ascii, false)
	for w := 20; w <= 80; w++ {
		line := ansi.Strip(m.wallFooter(w, 0, 2))
		hint := strings.TrimSpace(strings.TrimSuffix(line, "page 1/2"))
		for _, part := range strings.Split(hint, "  ") {
			if part != "" && !slices.Contains(keys, part) {
				t.Errorf("width %d: footer %q has %q, a key cut short", w, line, part)
			}
		}
		if !strings.Contains(line, "? help") || !strings.HasSuffix(line, "page 1/2") {
			t.Errorf("width %d: footer %q lost ? help or the page", w, line)
		}
	}
}

// TestWallWrapsReason: a tile with lines to spare wraps the outage's reason and the group's
// counts onto them: at 80x24 the DOWN tile read "status 503, want 200…" over four blank lines,
// and at 80 columns a group tile "3 DOWN · 1…", the UP count cut off.
func TestWallWrapsReason(t *testing.T) {
	for _, tt := range []struct {
		name   string
		groups bool
		want   []string
	}{
		{"services", false, []string{"│ status 503, want      │", "│ 200-399               │"}},
		{"groups", true, []string{"│ 결제 게이트웨이:      │", "│ status 503, want      │", "│ 200-399               │", "│ 1 DOWN · 1 UP         │"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := press(fixtureModel(80, 24, termenv.Ascii, false), "W")
			if tt.groups {
				m.wall = wallGroups
			}
			v := m.View()
			for _, w := range tt.want {
				if !strings.Contains(v, w) {
					t.Errorf("the wallboard lacks the line %q:\n%s", w, v)
				}
			}
		})
	}
}

// TestWallSaysNoSort: the wallboard orders its tiles by problem whatever the list's sort, so
// its header does not say "sort: name" (it did, over tiles in problem order); the filter and
// problems only, which apply to it, it says.
func TestWallSaysNoSort(t *testing.T) {
	m := press(fixtureModel(120, 30, termenv.Ascii, false), "s", "s", "!", "W")
	head := strings.SplitN(m.View(), "\n", 2)[0]
	if strings.Contains(head, "sort:") || !strings.Contains(head, "problems only") {
		t.Errorf("wallboard header = %q, want problems only and no sort", head)
	}
	if head := strings.SplitN(press(m, "W").View(), "\n", 2)[0]; !strings.Contains(head, "sort: name") {
		t.Errorf("list header = %q, want sort: name", head)
	}
}

// TestWallWrapsName: a tile's name too long for its line wraps onto the lines the tile has left
// (up to three lines in all) rather than being cut over blank ones: at 80x24 the healthy tiles
// read "Checkout A…" and "A very lon…" above two empty lines.
func TestWallWrapsName(t *testing.T) {
	v := press(fixtureModel(80, 24, termenv.Ascii, false), "W").View()
	for _, want := range []string{"│ Checkout    │", "│ API         │", "│ A very long │", "│ service     │", "│ name that…  │"} {
		if !strings.Contains(v, want) {
			t.Errorf("the wallboard lacks the line %q:\n%s", want, v)
		}
	}
}

// TestWallPageKeys: the list's page keys turn the wallboard's pages, which turned with the clock
// only (ctrl+d moved a cursor the board does not show): ctrl+d, ctrl+f and pgdown the next page,
// ctrl+u, ctrl+b and pgup the previous; the page turned to stays a whole --wall-page before
// the board turns on, rather than turning at the clock's next step a second later.
func TestWallPageKeys(t *testing.T) {
	base := press(bigBoard(300, []int{42}, 100, 30), "W")
	w, _ := base.size()
	_, page, pages := base.wallLines(w, base.bodyHeight())
	if pages < 3 {
		t.Fatalf("the wallboard of 300 services has %d pages, want 3 or more", pages)
	}
	footer := func(m Model) string {
		lines := strings.Split(m.View(), "\n")
		return lines[len(lines)-1]
	}
	next, prev := (page+1)%pages, (page+pages-1)%pages
	for _, tt := range []struct {
		key  tea.KeyType
		want int
	}{
		{tea.KeyCtrlD, next}, {tea.KeyCtrlF, next}, {tea.KeyPgDown, next},
		{tea.KeyCtrlU, prev}, {tea.KeyCtrlB, prev}, {tea.KeyPgUp, prev},
	} {
		m, _ := base.Update(tea.KeyMsg{Type: tt.key})
		want := fmt.Sprintf("page %d/%d", tt.want+1, pages)
		if f := footer(m.(Model)); !strings.HasSuffix(f, want) || !strings.Contains(m.(Model).View(), "svc-042") {
			t.Errorf("%v on page %d: footer %q, want %q with svc-042 still shown", tt.key, page+1, f, want)
		}
	}
	// fixedNow is 4s into a 10s page of the clock's: the page a key turned to stays 10s.
	m, _ := base.Update(tea.KeyMsg{Type: tea.KeyCtrlD})
	for _, tt := range []struct {
		after time.Duration
		page  int
	}{{6 * time.Second, next}, {9 * time.Second, next}, {10 * time.Second, (page + 2) % pages}} {
		later, _ := m.Update(tickMsg(fixedNow.Add(tt.after)))
		want := fmt.Sprintf("page %d/%d", tt.page+1, pages)
		if f := footer(later.(Model)); !strings.HasSuffix(f, want) {
			t.Errorf("%s after ctrl+d: footer %q, want %q", tt.after, f, want)
		}
	}
	if help := press(base, "?").View(); !strings.Contains(help, "wallboard: next page") {
		t.Errorf("the help does not list the wallboard's page keys:\n%s", help)
	}
}

// TestWallActsOnNoHiddenRow: the wallboard shows no selection, so the keys that act on the
// selected row do nothing there but say how to get a row: p paused, m then 1 silenced (its
// prompt not drawn) and enter opened a service the board never pointed at, one moved to in
// the list before. s and z, which change only the list, changed it unseen.
func TestWallActsOnNoHiddenRow(t *testing.T) {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	s := newSilences()
	m := New(services, snaps, src, s.options(Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst,
		SetPaused: func(name string, pause bool) error {
			t.Errorf("SetPaused(%q, %v) from the wallboard", name, pause)
			return nil
		},
		Ack: func(name string, _ track.Ack) error {
			t.Errorf("Ack(%q) from the wallboard", name)
			return nil
		},
		Unack: func(name string) error {
			t.Errorf("Unack(%q) from the wallboard", name)
			return nil
		}}))
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	base := press(next.(Model), "j", "W")
	for _, k := range []string{"p", "m", "a", "enter", "tab", "s", "z", "n", "N", "D"} {
		msg := keyMsg(k)
		if k == "tab" {
			msg = tea.KeyMsg{Type: tea.KeyTab}
		}
		got, cmd := base.Update(msg)
		g := got.(Model)
		if cmd != nil {
			if msg := cmd(); msg != nil {
				t.Errorf("%s on the wallboard sent %T", k, msg)
			}
		}
		if g.mute.open || g.acking.open || g.view != listView || g.wall == wallOff || !slices.Equal(listed(g), listed(base)) || g.find.sort != base.find.sort || g.selected() != base.selected() {
			t.Errorf("%s on the wallboard acted: mute %v, ack %v, view %v, wall %v", k, g.mute.open, g.acking.open, g.view, g.wall)
		}
		lines := strings.Split(g.View(), "\n")
		if footer := lines[len(lines)-1]; !strings.Contains(footer, "W for the list") {
			t.Errorf("%s on the wallboard: footer %q, want it to say W for the list", k, footer)
		}
		if after := press(g, "1"); len(s.wrote) > 0 || after.View() == "" {
			t.Errorf("%s 1 on the wallboard silenced %v", k, <-s.wrote)
		}
	}
}

// TestWallHealthyNoLarger: problems come first and largest, so a healthy tile is never taller or
// wider than a problem's. At 80x24 with 13 of 15 services DOWN, the problems' tiles had room for
// their name and word only, and the two UP tiles below them, 40x10, spelt UP in big letters: a
// board read from across the room said UP.
func TestWallHealthyNoLarger(t *testing.T) {
	for _, tt := range []struct {
		n    int
		down []int
		w, h int
	}{
		{15, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 80, 24},
		{15, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 120, 40},
		{5, []int{0, 1, 2}, 80, 24},
		{3, []int{0}, 200, 60},
		{40, []int{3, 9, 27}, 100, 30},
	} {
		m := press(bigBoard(tt.n, tt.down, tt.w, tt.h), "W")
		problem, healthy := wallTileSizes(m.View(), tt.down)
		if len(problem) == 0 {
			t.Fatalf("%d services, %d down, %dx%d: no problem tile found:\n%s", tt.n, len(tt.down), tt.w, tt.h, m.View())
		}
		for _, hs := range healthy {
			if hs[0] > problem[0][0] || hs[1] > problem[0][1] {
				t.Errorf("%d services, %d down, %dx%d: healthy tile %dx%d, problem tile %dx%d; want it no larger:\n%s",
					tt.n, len(tt.down), tt.w, tt.h, hs[0], hs[1], problem[0][0], problem[0][1], m.View())
				break
			}
		}
	}
}

// wallTileSizes reads the sizes (width, height) of the first tile of every row of tiles of an
// wallboard, sorted into the rows that name a problem (a service in down) and the others.
func wallTileSizes(view string, down []int) (problem, healthy [][2]int) {
	lines := strings.Split(view, "\n")
	for y := 0; y < len(lines); y++ {
		if !strings.HasPrefix(lines[y], "+-") && !strings.HasPrefix(lines[y], "╭") {
			continue
		}
		top, _, _ := strings.Cut(lines[y], " ")
		w := ansi.StringWidth(top)
		end := y + 1
		for end < len(lines) && !strings.HasPrefix(lines[end], "+-") && !strings.HasPrefix(lines[end], "╰") {
			end++
		}
		if end == len(lines) {
			break
		}
		body := strings.Join(lines[y:end], "\n")
		size := [2]int{w, end - y + 1}
		isProblem := false
		for _, i := range down {
			isProblem = isProblem || strings.Contains(body, fmt.Sprintf("svc-%03d ", i))
		}
		if isProblem {
			problem = append(problem, size)
		} else {
			healthy = append(healthy, size)
		}
		y = end
	}
	return problem, healthy
}
