package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/track"
)

// TestRowSaysVia: a service DOWN because of a dependency names it on its row; other rows and
// states are unchanged.
func TestRowSaysVia(t *testing.T) {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	down := ""
	for name, s := range snaps {
		if s.State == track.Down {
			down = name
		}
	}
	if down == "" {
		t.Fatal("the fixture has no DOWN service")
	}
	via := func(name string) string {
		if name == down {
			return "Core router"
		}
		return "Core router" // asked of a service that is not DOWN, it must not show
	}
	m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst, Via: via})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 140, Height: 30})
	view := next.(Model).View()
	n := 0
	for _, line := range strings.Split(view, "\n") {
		if !strings.Contains(line, "(via Core router)") {
			continue
		}
		n++
		if !strings.Contains(line, "DOWN") || !strings.Contains(line, down) {
			t.Errorf("row %q says via, want only %s's DOWN row to", line, down)
		}
	}
	if n != 1 {
		t.Errorf("%d rows say (via Core router), want 1:\n%s", n, view)
	}
}

// TestViaAt80: at 80 columns the row has no room for the reason, so the footer gives the
// selected row's, and the detail view and the wallboard's tiles their own: all name the
// dependency, which only a screen of 100 columns and more showed (they gave the service's own
// failure alone).
func TestViaAt80(t *testing.T) {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	down := "결제 게이트웨이"
	if snaps[down].State != track.Down {
		t.Fatalf("the fixture's %s is %v, want DOWN", down, snaps[down].State)
	}
	via := func(string) string { return "Core router" }
	m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst, Via: via})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = next.(Model)
	for k := 0; k < len(services) && m.selected() >= 0 && m.names[m.selected()] != down; k++ {
		m = press(m, "j")
	}
	lines := strings.Split(m.View(), "\n")
	if footer := lines[len(lines)-1]; !strings.Contains(footer, down+": (via Core router) status 503") {
		t.Errorf("footer = %q, want %s's reason with its dependency", footer, down)
	}
	detail := press(m, "enter").View()
	if !strings.Contains(detail, "(via Core router) status 503") {
		t.Errorf("detail view lacks the dependency in the reason:\n%s", detail)
	}
	wall := press(m, "W")
	groups := wall
	groups.wall = wallGroups
	for _, w := range []Model{wall, groups} {
		if v := w.View(); !strings.Contains(v, "(via Core router)") {
			t.Errorf("wallboard (mode %d) lacks the dependency:\n%s", w.wall, v)
		}
	}
}
