package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
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
