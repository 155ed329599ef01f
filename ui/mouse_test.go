package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

// TestMouse: the wheel moves the selection, a click selects the row under it, a click on the
// selected row opens it, and a click on a collapsed group in the grid selects that group.
func TestMouse(t *testing.T) {
	m := fixtureModel(80, 24, termenv.Ascii, false)
	click := func(m Model, x, y int) Model {
		next, _ := m.Update(tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
		return withDetail(next.(Model))
	}
	next, _ := m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	if got := selectedName(next.(Model)); got != pay { // three rows down from Login
		t.Errorf("wheel down selects %q, want %q", got, pay)
	}
	// Rows start under the header, the hint and the column titles: line 3 is Login, 7 is 결제.
	m = click(m, 10, 7)
	if got := selectedName(m); got != pay {
		t.Errorf("a click on line 7 selects %q, want %q", got, pay)
	}
	if m = click(m, 10, 7); m.view != detailView {
		t.Errorf("a click on the selected row: view = %v, want the detail view", m.view)
	}
	m = press(fixtureModel(80, 24, termenv.Ascii, false), "z")
	// The grid: payments and data on line 5, search on line 6; the second column starts at 40.
	if got := selectedName(click(m, 45, 5)); got != "[data]" {
		t.Errorf("a click in the grid's second column selects %q, want [data]", got)
	}
	if got := selectedName(click(m, 10, 1)); got != "Login" {
		t.Errorf("a click on the hint selects %q, want it to do nothing", got)
	}
}
