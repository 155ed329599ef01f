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
