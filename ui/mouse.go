package ui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// wheelStep is how many rows one notch of the wheel moves.
const wheelStep = 3

// mouse answers the mouse, which uptty reads only with --mouse (so that selecting text works
// by default): the wheel moves the selection in the list and scrolls the detail and help pages;
// a left click selects the row under it, and a click on the selected row opens it, as enter.
func (m Model) mouse(msg tea.MouseMsg) (tea.Model, tea.Cmd) {
	if m.typing {
		return m, nil
	}
	wheel := 0
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		wheel = -wheelStep
	case tea.MouseButtonWheelDown:
		wheel = wheelStep
	}
	if wheel != 0 {
		switch m.view {
		case listView:
			if m.wall == wallOff && len(m.order) > 0 {
				m.cursor = min(max(m.cursor+wheel, 0), len(m.order)-1)
				m.offset = m.follow()
			}
		case detailView:
			m.pageOff = min(max(m.pageOff+wheel, 0), max(len(m.detailLines())-m.bodyHeight(), 0))
		case helpView:
			m.pageOff = min(max(m.pageOff+wheel, 0), max(len(m.helpLines())-m.bodyHeight(), 0))
		}
		return m, nil
	}
	if msg.Button != tea.MouseButtonLeft || msg.Action != tea.MouseActionPress || m.view != listView || m.wall != wallOff {
		return m, nil
	}
	k, ok := m.itemAt(msg.X, msg.Y)
	if !ok {
		return m, nil
	}
	if k == m.cursor {
		return m.listKey(tea.KeyMsg{Type: tea.KeyEnter})
	}
	m.cursor = k
	m.offset = m.follow()
	return m, nil
}

// itemAt is the selectable item drawn at cell x, y of the list, if any.
func (m Model) itemAt(x, y int) (int, bool) {
	top := 1 // the header
	hint, errLine, _ := m.chrome()
	if hint {
		top++
	}
	if errLine {
		top++
	}
	if m.colHeadShown() {
		top++
	}
	h := m.listHeight()
	if y < top || y >= top+h {
		return 0, false
	}
	off := scrollTo(m.offset, m.cursorLine(), h, len(m.rows))
	line := off + y - top
	if line >= len(m.rows) {
		return 0, false
	}
	r := m.rows[line]
	w, _ := m.size()
	for k, l := range m.lineOf {
		if l != line {
			continue
		}
		// A grid line holds several groups: the one whose cell x falls in.
		if r.grid != nil {
			cell := w / max(r.cols, 1)
			if m.heads[k] != r.grid[min(x/max(cell, 1), len(r.grid)-1)] {
				continue
			}
		}
		return k, true
	}
	return 0, false
}
