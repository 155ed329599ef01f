package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// keyMap is every key the UI answers to; the help view lists them all from here, so a key
// cannot exist without being documented. Help labels are ASCII on purpose: arrows are ambiguous
// width under East Asian locales.
type keyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	// vim's (and less's) page keys: a whole page with ctrl+b and ctrl+f, half with ctrl+u and
	// ctrl+d. Bindings of their own, so that the help's key column stays narrow.
	FullUp, FullDown, HalfUp, HalfDown key.Binding
	Open, Back, Pause, Help, Quit      key.Binding
	Reload                             key.Binding
	Redraw                             key.Binding // the whole screen again, over what others wrote on it
	Mute                               key.Binding // silence or unsilence the selected service
	Ack                                key.Binding // acknowledge the selected outage, or remove its ack
	Window, NextWindow                 key.Binding // the detail chart's window
	// Finding a row: the filter, problems only, jumps, the sort and collapsing groups.
	Find, Problems, NextProblem, PrevProblem, FirstDown key.Binding
	Sort, Fold, FoldAll                                 key.Binding
	Wall                                                key.Binding
	// The wallboard's pages: the list's page keys turn them, a half page included, as a
	// board has no half pages.
	NextPage, PrevPage key.Binding
}

func newKeyMap() *keyMap {
	return &keyMap{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k, up", "move up / scroll up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j, down", "move down / scroll down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g, home", "go to the first row")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G, end", "go to the last row")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdown", "page down")),
		FullUp:   key.NewBinding(key.WithKeys("ctrl+b"), key.WithHelp("ctrl+b", "page up")),
		FullDown: key.NewBinding(key.WithKeys("ctrl+f"), key.WithHelp("ctrl+f", "page down")),
		HalfUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "half a page up")),
		HalfDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "half a page down")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details of the selected service")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the list")),
		Pause:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause / resume the selected service")),
		Mute:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "silence (mute) / unsilence the selected service or its group")),
		Ack:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "acknowledge the selected outage (an optional note) / remove its ack")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "show / hide this help")),
		Reload:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload the config file")),
		Redraw:   key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "redraw the screen")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q, ctrl+c", "quit")),
		// The keys are in the order of history.StandardWindows.
		Window:     key.NewBinding(key.WithKeys("1", "2", "3", "4"), key.WithHelp("1-4", "details: history of the last 1h, 24h, 7d, 30d")),
		NextWindow: key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "details: the next history window")),

		Find:        key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter: name, group, state, kind, reason; enter keeps, esc clears")),
		Problems:    key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "only problems: DOWN, PENDING, DEGRADED, paused in an outage")),
		NextProblem: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next problem")),
		PrevProblem: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous problem")),
		FirstDown:   key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "first DOWN service")),
		Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by config, problems, name, latency or uptime")),
		Fold:        key.NewBinding(key.WithKeys("tab", " "), key.WithHelp("tab, space", "collapse / open the selected group")),
		FoldAll:     key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "collapse / open every group")),
		Wall:        key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "wallboard (tiles, problems first and largest) / the list")),
		NextPage:    key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "ctrl+d"), key.WithHelp("pgdown", "wallboard: next page (ctrl+f, ctrl+d too)")),
		PrevPage:    key.NewBinding(key.WithKeys("pgup", "ctrl+b", "ctrl+u"), key.WithHelp("pgup", "wallboard: previous page (ctrl+b, ctrl+u too)")),
	}
}

// KeyGroup is a titled section of the screen's keys: each key as the help view writes it, and
// what it does.
type KeyGroup struct {
	Title string
	Keys  [][2]string
}

// Keys lists every key of the live screen, in the help view's sections and order, for the man
// page: the help (?) and the page cannot disagree.
func Keys() []KeyGroup {
	var out []KeyGroup
	for _, g := range newKeyMap().groups() {
		kg := KeyGroup{Title: g.title}
		for _, b := range g.bindings {
			kg.Keys = append(kg.Keys, [2]string{b.Help().Key, b.Help().Desc})
		}
		out = append(out, kg)
	}
	return out
}

// keyGroup is a titled section of the help view.
type keyGroup struct {
	title    string
	bindings []key.Binding
}

// groups lists every binding for the help view.
func (k *keyMap) groups() []keyGroup {
	return []keyGroup{
		{"Move", []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.FullUp, k.FullDown, k.HalfUp, k.HalfDown}},
		{"Services", enabled(k.Open, k.Back, k.Pause, k.Mute, k.Ack)},
		{"Find", []key.Binding{k.Find, k.Problems, k.NextProblem, k.PrevProblem, k.FirstDown, k.Sort, k.Fold, k.FoldAll}},
		{"Wallboard", []key.Binding{k.Wall, k.NextPage, k.PrevPage}},
		{"History", []key.Binding{k.Window, k.NextWindow}},
		{"General", []key.Binding{k.Reload, k.Redraw, k.Help, k.Quit}},
	}
}

// enabled keeps the bindings that are on: a key the UI does not answer to is not listed.
func enabled(bindings ...key.Binding) []key.Binding {
	var out []key.Binding
	for _, b := range bindings {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	return out
}

// footerHelp renders the footer's key reminder from bindings, in the footer's own style: the
// footer line styles it as a whole.
var footerHelp = help.Model{ShortSeparator: "  "}

// footer lists the bindings the footer of view v reminds of, each with the keys of the keymap's
// own bindings under a short label, so that the footer cannot name a key the UI does not answer
// to (TestFooterNamesItsKeys checks the labels); a disabled binding is left out. paused says
// that the selected service is paused, so that p offers what it will do: resume it.
func (k *keyMap) footer(v view, history, paused bool) []key.Binding {
	help, quit := brief("?", "help", k.Help), brief("q", "quit", k.Quit)
	pause := brief("p", "pause", k.Pause)
	if paused {
		pause = brief("p", "resume", k.Pause)
	}
	switch v {
	case detailView:
		window := brief("1-4", "window", k.Window)
		window.SetEnabled(history)
		return []key.Binding{brief("esc", "back", k.Back), brief("j/k", "scroll", k.Down, k.Up), window,
			pause, help, quit}
	case helpView:
		return []key.Binding{brief("esc or ?", "close", k.Back, k.Help), quit}
	}
	return []key.Binding{brief("j/k", "move", k.Down, k.Up), brief("enter", "details", k.Open),
		brief("/", "find", k.Find), pause, help, quit}
}

// brief is one footer entry: the keys of bindings under a short label, off when they all are.
func brief(label, desc string, bindings ...key.Binding) key.Binding {
	var keys []string
	on := false
	for _, b := range bindings {
		keys = append(keys, b.Keys()...)
		on = on || b.Enabled()
	}
	e := key.NewBinding(key.WithKeys(keys...), key.WithHelp(label, desc))
	e.SetEnabled(on)
	return e
}
