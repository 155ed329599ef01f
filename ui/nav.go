package ui

import (
	"maps"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/uptty/uptty/text"
)

// handleKey answers a key press: quit and help work everywhere, the rest depends on the view.
func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if msg.Alt && !msg.Paste {
		// Esc and the next key in one read (typed fast, or joined on the way over ssh) reach
		// Bubble Tea as alt+key. uptty binds no alt key: they are the two keys, as vim takes
		// them, rather than one that does nothing.
		next, esc := m.handleKey(tea.KeyMsg{Type: tea.KeyEsc})
		msg.Alt = false
		next, key := next.(Model).handleKey(msg)
		return next, tea.Batch(esc, key)
	}
	if key.Matches(msg, m.keys.Redraw) {
		// The screen writes only the cells that change: what another program wrote over it
		// (a wall(1) message, a background job) stays until this, as in less, vim and top.
		return m, tea.ClearScreen
	}
	if m.typing && m.view == listView {
		return m.filterKey(msg)
	}
	if m.acking.open { // before the runes are split: a pasted note stays whole
		m.note = ""
		return m.ackKey(msg)
	}
	// Over a slow link (ssh, a held-down key) several keys arrive in one read, and Bubble Tea
	// hands them over as one message ("jj") that matches no binding: take them one by one.
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		var model tea.Model = m
		var cmds []tea.Cmd
		for _, r := range msg.Runes {
			var cmd tea.Cmd
			model, cmd = model.(Model).handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
			cmds = append(cmds, cmd)
		}
		return model, tea.Batch(cmds...)
	}
	m.note = ""
	if m.mute.open {
		return m.muteKey(msg)
	}
	k := m.keys
	switch {
	case m.view == listView && m.wall != wallOff && key.Matches(msg, k.Open, k.Pause, k.Mute, k.Ack, k.Fold):
		// The wallboard draws no selection: these would act on a row nobody sees there (one
		// moved to in the list), and p paused it, m then 1 silenced it, its prompt not drawn.
		m.note = "p, m, a, enter and tab act on a row: W for the list"
		return m, nil
	case m.view == listView && m.wall != wallOff && key.Matches(msg, k.NextProblem, k.PrevProblem, k.FirstDown):
		// They move the list's selection, which the board does not draw: a press did nothing
		// anyone could see, and the list was found moved on the way back.
		m.note = "n, N and D move in the list: W for the list"
		return m, nil
	case m.view == listView && m.wall != wallOff && key.Matches(msg, k.Sort, k.FoldAll):
		// The board is in problem order and has no groups to fold: these changed the list
		// unseen, to be found changed (and saved) on the way back.
		m.note = "s and z change the list: W for the list"
		return m, nil
	case key.Matches(msg, k.Mute) && m.view != helpView:
		return m.startMute()
	case key.Matches(msg, k.Ack) && (m.view == detailView || m.view == listView && m.wall == wallOff):
		return m.startAck()
	case key.Matches(msg, k.Quit):
		return m, m.quit()
	case key.Matches(msg, k.Help):
		if m.view == helpView {
			m.view, m.pageOff = m.back, 0
			m = m.restack()
		} else {
			m.back, m.view, m.pageOff = m.view, helpView, 0
		}
		return m, nil
	case key.Matches(msg, k.Reload) && m.view != helpView:
		return m, m.reload()
	case msg.String() == "r" && m.rl.fn == nil && m.view != helpView && !m.typing:
		// The key is not in the help here, but a hand used to it presses it anyway.
		m.note = "nothing to reload: the server reloads its own config (SIGHUP, or its file saved)"
		if m.demo {
			m.note = "nothing to reload: the demo has no config file (uptty --config FILE)"
		}
		return m, nil
	case key.Matches(msg, k.Back):
		switch m.view {
		case helpView:
			m.view, m.pageOff = m.back, 0
			m = m.restack()
		case detailView:
			m.view = listView
			m = m.restack()
		case listView:
			if m.find.filter != "" {
				m.find.filter = ""
				m = m.relayout()
				return m, m.savePrefsCmd()
			}
		}
		return m, nil
	}
	switch m.view {
	case listView:
		return m.listKey(msg)
	case detailView:
		switch {
		case key.Matches(msg, k.Pause):
			return m, m.togglePause()
		case key.Matches(msg, k.Window):
			return m.setWindow(int(msg.String()[0] - '1'))
		case key.Matches(msg, k.NextWindow):
			return m.setWindow((m.hist.window + 1) % max(len(m.hist.spans), 1))
		case key.Matches(msg, k.Find, k.Problems, k.Sort, k.Wall, k.NextProblem, k.PrevProblem, k.FirstDown):
			// The screen's keys for finding rows: back to the list, which they act on.
			m.view = listView
			return m.restack().findKey(msg)
		}
		m.pageOff = m.scrollPage(msg, m.pageOff, len(m.detailLines())-1)
	case helpView:
		m.pageOff = m.scrollPage(msg, m.pageOff, len(m.helpLines())-1)
	}
	return m, nil
}

// listKey moves the cursor, opens the detail view or pauses the selected service.
func (m Model) listKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k, n, page := m.keys, len(m.order), max(m.listHeight()-1, 1)
	if m.wall != wallOff {
		switch {
		case key.Matches(msg, k.NextPage):
			return m.turnWall(1), nil
		case key.Matches(msg, k.PrevPage):
			return m.turnWall(-1), nil
		}
	}
	switch {
	case key.Matches(msg, k.Up):
		m.cursor--
	case key.Matches(msg, k.Down):
		m.cursor++
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = n - 1
	case key.Matches(msg, k.PageUp, k.FullUp):
		m.cursor -= page
	case key.Matches(msg, k.PageDown, k.FullDown):
		m.cursor += page
	case key.Matches(msg, k.HalfUp):
		m.cursor -= max(page/2, 1)
	case key.Matches(msg, k.HalfDown):
		m.cursor += max(page/2, 1)
	case key.Matches(msg, k.Open) && n > 0 && m.selected() < 0:
		return m.fold()
	case key.Matches(msg, k.Open):
		if n > 0 {
			m.view, m.pageOff = detailView, 0
			m, ask := m.ask()
			return m, tea.Batch(ask, m.fetchDetail())
		}
		return m, nil
	case key.Matches(msg, k.Pause) && n > 0 && m.selected() < 0:
		m.note = "p pauses one service: tab opens the group"
		return m, nil
	case key.Matches(msg, k.Pause):
		return m, m.togglePause()
	default:
		return m.findKey(msg)
	}
	m.cursor = min(max(m.cursor, 0), max(n-1, 0))
	m.offset = m.follow()
	return m, nil
}

// scrollPage moves a page view's first scrolled line; total counts the lines below the title.
func (m Model) scrollPage(msg tea.KeyMsg, off, total int) int {
	k, h := m.keys, max(m.bodyHeight()-1, 1) // the page's title line does not scroll
	switch {
	case key.Matches(msg, k.Up):
		off--
	case key.Matches(msg, k.Down):
		off++
	case key.Matches(msg, k.Top):
		off = 0
	case key.Matches(msg, k.Bottom):
		off = total
	case key.Matches(msg, k.PageUp, k.FullUp):
		off -= h
	case key.Matches(msg, k.PageDown, k.FullDown):
		off += h
	case key.Matches(msg, k.HalfUp):
		off -= max(h/2, 1)
	case key.Matches(msg, k.HalfDown):
		off += max(h/2, 1)
	}
	return min(max(off, 0), max(total-h, 0))
}

// cursorLine is the table row of the selected service.
func (m Model) cursorLine() int {
	if len(m.lineOf) == 0 {
		return 0
	}
	return m.lineOf[min(m.cursor, len(m.lineOf)-1)]
}

// follow returns the table offset that keeps the cursor visible, along with its group heading
// when the cursor is on a group's first service.
func (m Model) follow() int {
	line, h, total := m.cursorLine(), m.listHeight(), len(m.rows)
	off := m.offset
	if line > 0 && m.rows[line-1].svc < 0 {
		off = scrollTo(off, line-1, h, total)
	}
	return scrollTo(off, line, h, total)
}

// scrollTo returns the first row to show so that row line is visible in a window of h rows,
// moving as little as possible.
func scrollTo(off, line, h, total int) int {
	if h <= 0 {
		return 0
	}
	if line < off {
		off = line
	}
	if line >= off+h {
		off = line - h + 1
	}
	return min(max(off, 0), max(total-h, 0))
}

// findKey answers the keys that find rows: the filter, problems only, jumps, the sort and
// collapsing groups. A change to what is shown is saved (see Options.SavePrefs).
func (m Model) findKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Find):
		m.typing = true
		return m, nil
	case key.Matches(msg, k.Problems):
		m.find.problems = !m.find.problems
	case key.Matches(msg, k.Sort):
		m.find.sort = (m.find.sort + 1) % sortModes
	case key.Matches(msg, k.Fold):
		return m.fold()
	case key.Matches(msg, k.FoldAll):
		return m.foldAll()
	case key.Matches(msg, k.NextProblem) && len(m.order) > 0:
		return m.jumpProblem(1), nil
	case key.Matches(msg, k.PrevProblem) && len(m.order) > 0:
		return m.jumpProblem(-1), nil
	case key.Matches(msg, k.FirstDown):
		return m.firstDown(), nil
	case key.Matches(msg, k.Wall):
		if m.wall == wallOff {
			m.wall = m.wallKind
		} else {
			m.wall = wallOff
		}
		return m, nil
	default:
		return m, nil
	}
	m = m.relayout()
	return m, m.savePrefsCmd()
}

// filterKey edits the filter while the filter line has the keyboard: the rows follow each
// key; enter keeps the filter, esc clears it, and the arrows still move the cursor.
func (m Model) filterKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	f := m.find.filter
	switch msg.Type {
	case tea.KeyCtrlC:
		return m, m.quit()
	case tea.KeyEnter:
		m.typing = false
		return m, m.savePrefsCmd()
	case tea.KeyEsc:
		m.typing, m.find.filter = false, ""
		m = m.relayout()
		return m, m.savePrefsCmd()
	case tea.KeyUp, tea.KeyDown, tea.KeyPgUp, tea.KeyPgDown, tea.KeyHome, tea.KeyEnd:
		return m.listKey(msg)
	case tea.KeyBackspace:
		f = text.DropLastCluster(f)
	case tea.KeyCtrlU:
		f = ""
	case tea.KeyCtrlW:
		f = strings.TrimRight(f, " ")
		f = f[:strings.LastIndex(f, " ")+1]
	case tea.KeySpace:
		f += " "
	case tea.KeyRunes:
		if msg.Alt {
			return m, nil
		}
		f += string(msg.Runes)
	default:
		return m, nil
	}
	if f = cleanFilter(f); f == m.find.filter {
		return m, nil
	}
	// A new filter starts at its first match: that is the row enter then keeps selected.
	m.find.filter, m.cursor, m.offset = f, 0, 0
	m.buildRows()
	return m, nil
}

// fold collapses the selected row's group into its heading, or opens it again.
func (m Model) fold() (tea.Model, tea.Cmd) {
	mk := m.cursorMark()
	g := mk.group
	if mk.svc >= 0 {
		g = m.services[mk.svc].Group
	}
	if g == "" {
		return m, nil
	}
	m.find.collapsed = maps.Clone(m.find.collapsed)
	if m.find.collapsed[g] {
		delete(m.find.collapsed, g)
	} else {
		m.find.collapsed[g] = true
	}
	m = m.relayout()
	return m, m.savePrefsCmd()
}

// foldAll collapses every group, or opens them all when they all are collapsed.
func (m Model) foldAll() (tea.Model, tea.Cmd) {
	all := true
	for _, g := range m.groups {
		all = all && m.find.collapsed[g]
	}
	m.find.collapsed = map[string]bool{}
	if !all {
		for _, g := range m.groups {
			m.find.collapsed[g] = true
		}
	}
	m = m.relayout()
	return m, m.savePrefsCmd()
}

// savePrefsCmd hands the screen's state to Options.SavePrefs, off the Update path.
func (m Model) savePrefsCmd() tea.Cmd {
	if m.savePrefs == nil {
		return nil
	}
	save, p := m.savePrefs, m.find.prefs(m.groups)
	return func() tea.Msg {
		save(p)
		return nil
	}
}
