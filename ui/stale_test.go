package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// TestStaleCursorGolden: with the link down and no colour (the Ascii profile, as NO_COLOR
// gives), the selected row keeps its cursor beside the stale mark; reverse video alone, which
// the profile drops, left nothing to say which row was selected.
func TestStaleCursorGolden(t *testing.T) {
	m := reloadModel(t, nil) // 80x12, Ascii profile
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'j'}})
	next, _ = next.Update(LinkMsg{Down: true, Since: fixedNow.Add(-12 * time.Second)})
	view := next.(Model).View()
	screen := ansi.Strip(view)
	var marks []string
	for _, line := range strings.Split(screen, "\n") {
		if strings.HasPrefix(line, "?") {
			marks = append(marks, line[:2])
		}
	}
	if want := []string{"? ", "?>"}; strings.Join(marks, "|") != strings.Join(want, "|") {
		t.Errorf("stale rows' marks = %q, want %q (the second row selected):\n%s", marks, want, screen)
	}
	golden.RequireEqual(t, []byte(view)) // testdata/TestStaleCursorGolden.golden; -update rewrites
}

// TestStaleClocksStop: while the link is down an outage's clock, on its row, its group's
// heading ("worst"), the wallboard and in the detail view, stops where the link dropped (the
// last that is known of it), while the header's "disconnected" goes on counting.
func TestStaleClocksStop(t *testing.T) {
	now := fixedNow
	services := []config.Service{svc("api", "payments", "http://a", kindHTTP)}
	initial := map[string]track.Status{"api": {State: track.Down, Since: fixedNow.Add(-4 * time.Minute),
		Outage: track.Outage{Start: fixedNow.Add(-5 * time.Minute), Cause: "refused"}}}
	m := New(services, initial, nil, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return now },
		Location: kst})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 12})
	next, _ = next.Update(LinkMsg{Down: true, Since: fixedNow})
	screens := func(next tea.Model) (list, detail, wall string) {
		list = ansi.Strip(next.(Model).View())
		w, _ := next.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("W")})
		wall = ansi.Strip(w.(Model).View())
		d, _ := next.Update(tea.KeyMsg{Type: tea.KeyEnter})
		return list, ansi.Strip(d.(Model).View()), wall
	}
	list, detail, wall := screens(next)
	if !strings.Contains(list, "DOWN 5m00s") || !strings.Contains(list, "worst 5m00s") || !strings.Contains(detail, "DOWN 5m00s") ||
		!strings.Contains(wall, "5m00s") {
		t.Fatalf("at the drop: want the outage at 5m0s on the row, its group, the detail view and the wall:\n%s\n%s\n%s", list, detail, wall)
	}
	now = fixedNow.Add(90 * time.Second)
	next, _ = next.Update(tickMsg(now))
	list, detail, wall = screens(next)
	if !strings.Contains(list, "disconnected 1m30s") {
		t.Errorf("90 s after the drop: want the header at disconnected 1m30s:\n%s", list)
	}
	for _, screen := range []string{list, detail, wall} {
		if !strings.Contains(screen, "5m00s") || strings.Contains(screen, "6m30s") {
			t.Errorf("90 s after the drop: want the outage's clock still at 5m0s, stopped:\n%s", screen)
		}
	}
}

// TestStaleWall: while the link is down the wallboard's tiles are dimmed and their names marked
// `?`, as the rows are; live, they are not.
func TestStaleWall(t *testing.T) {
	services := []config.Service{svc("api", "", "http://a", kindHTTP), svc("db", "", "http://b", kindHTTP)}
	initial := map[string]track.Status{"api": {State: track.Down, Since: fixedNow,
		Outage: track.Outage{Start: fixedNow.Add(-time.Minute), Cause: "refused"}}, "db": {State: track.Up, Since: fixedNow}}
	m := New(services, initial, nil, Options{Renderer: renderer(termenv.ANSI256), Now: func() time.Time { return fixedNow }, Location: kst})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 20})
	next, _ = next.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("W")})
	live := next.(Model).View()
	if strings.Contains(ansi.Strip(live), "? api") {
		t.Errorf("live wall marks a tile stale:\n%s", ansi.Strip(live))
	}
	next, _ = next.Update(LinkMsg{Down: true, Since: fixedNow})
	stale := next.(Model).View()
	if !strings.Contains(ansi.Strip(stale), "? api") || !strings.Contains(ansi.Strip(stale), "? db") {
		t.Errorf("stale wall: want every tile's name marked ?:\n%s", ansi.Strip(stale))
	}
	red, _, _ := strings.Cut(next.(Model).st.countSpan[track.Down].paint("X"), "X")
	body := func(view string) string { // the header says disconnected in the alarm colour
		_, b, _ := strings.Cut(view, "\n")
		return b
	}
	if red == "" || !strings.Contains(body(live), red) {
		t.Fatalf("the live wall has no tile in DOWN's colour %q: the test does not see colours", red)
	}
	if strings.Contains(body(stale), red) {
		t.Errorf("stale wall draws a tile in its live colour:\n%q", body(stale))
	}
}

// TestSkewMovesTheClock: an attached screen's ticks are moved onto the server's clock
// (Options.Skew), which the statuses' times are on.
func TestSkewMovesTheClock(t *testing.T) {
	m := New(nil, nil, nil, Options{Now: func() time.Time { return fixedNow }, Skew: func() time.Duration { return 3 * time.Minute }})
	next, _ := m.Update(tickMsg(fixedNow.Add(time.Second)))
	if got, want := next.(Model).now, fixedNow.Add(time.Second+3*time.Minute); !got.Equal(want) {
		t.Errorf("now after a tick at %v = %v, want %v", fixedNow.Add(time.Second), got, want)
	}
}
