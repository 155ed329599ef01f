package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// wallMode is what the wallboard shows a tile of; wallOff is the list.
type wallMode uint8

const (
	wallOff wallMode = iota
	wallServices
	wallGroups
)

// defaultWallPage is how long the wallboard shows a page of healthy tiles.
const defaultWallPage = 10 * time.Second

// wallTurn is where a page key turned the wallboard: the pages turn on from there, each shown a
// whole wallPage, rather than at the clock's next step a second after the key.
type wallTurn struct {
	at    time.Time
	turns int64 // wallTurns at `at`, not yet taken modulo the pages
}

// wallTurns counts the wallboard's page turns: every wallPage with the clock, or from the last
// page key. The page shown is this modulo the pages, so that a key turns a page whatever the
// pages are when it is drawn.
func (m Model) wallTurns() int64 {
	every := m.wallPage
	if every <= 0 {
		every = defaultWallPage
	}
	secs := max(int64(every/time.Second), 1)
	if m.wallTurn.at.IsZero() {
		return m.now.Unix() / secs
	}
	return m.wallTurn.turns + (m.now.Unix()-m.wallTurn.at.Unix())/secs
}

// turnWall turns the wallboard's pages by n, now.
func (m Model) turnWall(n int64) Model {
	m.wallTurn = wallTurn{at: m.now, turns: m.wallTurns() + n}
	return m
}

// wallItem is one tile: a service, or a group summed up.
type wallItem struct {
	name    string
	state   track.State // the state it counts as; a group's worst
	outage  time.Duration
	open    bool   // an outage goes on
	since   string // when it began, as a clock, and how much of it was not watched as the row says
	reason  string
	note    string // a service's latency; a group's counts
	problem bool
	acked   bool // its outage is acknowledged
}

// wallList is the wallboard's tiles in order, problems first. A service's tile is made when it
// is drawn: a board of 10,000 services draws a page of them, and making every one for each
// frame cost more than drawing the page.
type wallList struct {
	m        *Model
	order    []int      // a tile per service: the services in order
	items    []wallItem // a tile per group: the tiles
	problems int        // how many of the first tiles are problems
}

func (l wallList) len() int {
	if l.items != nil {
		return len(l.items)
	}
	return len(l.order)
}

// slice makes tiles a to b.
func (l wallList) slice(a, b int) []wallItem {
	if l.items != nil {
		return l.items[a:b]
	}
	out := make([]wallItem, 0, b-a)
	for _, i := range l.order[a:b] {
		out = append(out, l.m.serviceTile(i))
	}
	return out
}

// sub is tiles a to b, still to be made.
func (l wallList) sub(a, b int) wallList {
	if l.items != nil {
		l.items = l.items[a:b]
	} else {
		l.order = l.order[a:b]
	}
	l.problems = min(max(l.problems-a, 0), b-a)
	return l
}

// wallItems are the tiles, problems first (DOWN by oldest outage, PENDING, DEGRADED), then in
// config order; the filter and problems only apply.
func (m Model) wallItems() wallList {
	byProblem := m
	byProblem.find.sort = sortProblems
	// Only the problems need sorting: the rest tie, and ties are in config order. Sorting
	// 10,000 services for every frame cost 30 ms; the problems are a handful.
	var list, rest []int
	for i, v := range m.shown {
		switch {
		case !v:
		case isProblem(m.status[i]):
			list = append(list, i)
		default:
			rest = append(rest, i)
		}
	}
	slices.SortFunc(list, byProblem.compareServices)
	if m.wall != wallGroups {
		return wallList{m: &m, order: append(list, rest...), problems: len(list)}
	}
	list = append(list, rest...)
	// Groups, in the order of their worst service; services without a group are tiles of
	// their own, as in the list.
	var out []wallItem
	seen := map[string]int{}
	for _, i := range list {
		g := m.services[i].Group
		if g == "" {
			s := m.status[i]
			out = append(out, wallItem{name: m.names[i], state: shownState(s), reason: text.WithVia(s.Reason, m.viaOf(i)), problem: isProblem(s)})
			continue
		}
		if _, ok := seen[g]; !ok {
			seen[g] = len(out)
			out = append(out, wallItem{name: g})
		}
	}
	at := m.clocksAt() // stopped, as the rows' clocks, while the attached link is down
	for g, k := range seen {
		var c tally
		it := &out[k]
		for _, i := range m.members[g] {
			if !m.shown[i] {
				continue
			}
			s := m.status[i]
			c.add(&s, m.isAcked(i), 1)
			it.problem = it.problem || isProblem(s)
			if o, open := s.OpenOutage(); open && outageFor(o, at) > it.outage {
				it.open, it.outage, it.since, it.reason = true, outageFor(o, at), clockText(m.now, o.Start, m.loc)+unwatchedText(o), m.names[i]+": "+text.WithVia(s.Reason, m.viaOf(i))
			}
		}
		var parts []string
		for _, e := range c.entries() {
			parts = append(parts, e.text)
		}
		it.note = strings.Join(parts, m.st.g.sep)
		if es := c.entries(); len(es) > 0 {
			it.state = es[0].state // the worst
		}
	}
	n := 0
	for n < len(out) && out[n].problem {
		n++
	}
	return wallList{m: &m, items: out, problems: n}
}

// serviceTile is service i's tile.
func (m Model) serviceTile(i int) wallItem {
	s := m.status[i]
	it := wallItem{name: m.names[i], state: shownState(s), reason: text.WithVia(s.Reason, m.viaOf(i)), problem: isProblem(s)}
	// A silenced, maintained or paused outage says so, as its row does: the board shows it as
	// DOWN, and whoever looks at the wall must not take it for unheeded.
	var notes []string
	if s.State == track.Paused && it.state != track.Paused {
		notes = append(notes, "PAUSED")
	}
	if mk := m.markText(i); mk != "" {
		notes = append(notes, mk)
	}
	if ack := m.ackText(i); ack != "" {
		notes = append(notes, ack)
		it.acked = true
	}
	if len(notes) > 0 {
		it.reason = strings.TrimSpace(strings.Join(notes, ", ") + "  " + it.reason)
	}
	if o, open := s.OpenOutage(); open {
		it.open, it.outage, it.since = true, outageFor(o, m.clocksAt()), clockText(m.now, o.Start, m.loc)+unwatchedText(o)
	}
	if s.LastOK && !s.LastAt.IsZero() {
		it.note = text.FormatLatency(s.LastLatency)
	}
	return it
}

// wallLines draws the wallboard's body in w x h: problems as the largest tiles that fit, first;
// healthy services below as tiles when they fit, else as one-line cells paged every page.
// Problems too many for tiles are cells themselves, paged, and only their pages are shown.
// A tile shows the name, the state in big letters and, while the outage goes on, its clock
// in big digits, as room allows; colour only repeats what the words say.
//
// While the attached link is down every tile is dimmed and its name marked `?`, as the rows
// are: a board on a wall is read at a glance, and its colours must not read as live.
func (m Model) wallLines(w, h int) (lines []string, page, pages int) {
	lines, page, pages = m.wallBody(w, h)
	if m.stale() {
		for k, l := range lines {
			lines[k] = m.st.hint.Render(ansi.Strip(l))
		}
	}
	return lines, page, pages
}

// wallBody is wallLines before a link that is down dims it.
func (m Model) wallBody(w, h int) (lines []string, page, pages int) {
	items := m.wallItems()
	n := items.len()
	if n == 0 || w <= 0 || h <= 0 {
		return []string{m.st.hint.Render(text.Truncate(m.nothingShown(), max(w, 0), m.st.g.ellipsis))}, 0, 1
	}
	split := items.problems
	problems, healthy := items.sub(0, split), items.sub(split, n)
	if split == 0 {
		if t, ok := tileGrid(n, w, h); ok {
			return m.drawTiles(items.slice(0, n), t), 0, 1
		}
		return m.wallCells(items, w, h)
	}
	// Problems take two thirds of the screen (all of it when nothing else is left), the
	// rest goes to the healthy ones: tiles if they fit, else cells that page.
	ph := h
	if healthy.len() > 0 {
		ph = max(h*2/3, min(h, tileMinH))
	}
	t, ok := tileGrid(split, w, ph)
	if !ok {
		// Too many problems for tiles: one-line cells, problems first, paged through the
		// pages that hold a problem only; healthy services fill what the last one leaves.
		// Paging through every healthy service too left a wall all UP most of the time
		// while dozens were DOWN (the header still counts them all).
		per := max(w/wallCellW, 1) * h
		shown := min(items.len(), (split+per-1)/per*per)
		return m.wallCells(items.sub(0, shown), w, h)
	}
	lines = m.drawTiles(problems.slice(0, split), t)
	rest := h - t.rows*t.h
	if healthy.len() == 0 {
		return lines, 0, 1
	}
	if ht, ok := tileGrid(healthy.len(), w, rest); ok {
		ht = noLargerThan(ht, t, healthy.len(), w)
		return append(lines, m.drawTiles(healthy.slice(0, healthy.len()), ht)...), 0, 1
	}
	cells, page, pages := m.wallCells(healthy, w, rest)
	return append(lines, cells...), page, pages
}

// tiling is a grid of tiles: cols x rows tiles of w x h cells.
type tiling struct{ cols, rows, w, h int }

// tileMin are the smallest tile's sizes: a name and a state word in a box.
const (
	tileMinW = 14
	tileMinH = 3
	tileMaxH = 15
)

// tileGrid picks the columns for n tiles in w x h that give the largest tiles, about twice
// as wide as tall (a cell is about twice as tall as wide); ok is false when they do not fit.
func tileGrid(n, w, h int) (tiling, bool) {
	var best tiling
	score := -1
	for cols := 1; cols <= n; cols++ {
		rows := (n + cols - 1) / cols
		t := tiling{cols: cols, rows: rows, w: w / cols, h: min(h/rows, tileMaxH)}
		if t.w < tileMinW || t.h < tileMinH {
			continue
		}
		if s := min(t.w, 2*t.h); s > score {
			best, score = t, s
		}
	}
	return best, score >= 0
}

// noLargerThan shrinks the tiling t of n tiles in w columns so that no tile is taller or wider
// than one of most, adding columns where tiles grow narrower. A healthy tile larger than the
// problems' spelt UP in big letters under DOWN tiles too small for them, on a board read from
// across the room. The result fits wherever t did: it has no more rows, none taller.
func noLargerThan(t, most tiling, n, w int) tiling {
	if t.w <= most.w && t.h <= most.h {
		return t
	}
	cols := max(t.cols, min(n, w/max(most.w, 1)))
	return tiling{cols: cols, rows: (n + cols - 1) / cols, w: min(t.w, most.w), h: min(t.h, most.h)}
}

// drawTiles lays items out in t, row by row.
func (m Model) drawTiles(items []wallItem, t tiling) []string {
	var lines []string
	for r := 0; r < t.rows; r++ {
		rowLines := make([]strings.Builder, t.h)
		for c := 0; c < t.cols; c++ {
			k := r*t.cols + c
			if k >= len(items) {
				break
			}
			for y, l := range m.tile(items[k], t.w-1, t.h) {
				rowLines[y].WriteString(l)
				if c < t.cols-1 {
					rowLines[y].WriteString(strings.Repeat(" ", max(t.w-text.Width(l), 0)))
				}
			}
		}
		for y := range rowLines {
			lines = append(lines, rowLines[y].String())
		}
	}
	return lines
}

// tile draws one tile in w x h cells: a box in the state's colour around the name, the state
// word (big when it fits) and the outage clock (big when it fits), else the latency.
func (m Model) tile(it wallItem, w, h int) []string {
	st, g := m.st, m.st.g
	it.name = m.staleMark() + it.name
	paint := st.countSpan[min(int(it.state), len(st.countSpan)-1)]
	boxed := h >= 4 && w >= 8
	iw, ih := w, h
	if boxed {
		iw, ih = w-4, h-2 // a border and a space of padding either side
	}
	var in []string
	add := func(s string) {
		if len(in) < ih {
			in = append(in, s)
		}
	}
	add("") // the name's first line: it wraps onto what the rest leaves, below
	word := it.state.String()
	clock := ""
	if it.open {
		clock = text.FormatDuration(it.outage)
	}
	// Big letters for the word when it fits with the line under it; the clock too if room.
	bigWord := bigWidth(word) <= iw && ih >= 1+bigHeight+1
	bigClock := it.open && bigWidth(clock) > 0 && bigWidth(clock) <= iw && ih >= 1+2*bigHeight+2
	if bigWord {
		for _, l := range bigText(word, g.block) {
			add(paint.paint(l))
		}
	} else {
		add(paint.paint(text.Truncate(word+" "+clock, iw, g.ellipsis)))
	}
	switch {
	case bigClock:
		for _, l := range bigText(clock, g.block) {
			add(paint.paint(l))
		}
		add(st.row[0].dim.paint(text.Truncate("since "+it.since, iw, g.ellipsis)))
	case it.open && bigWord:
		add(paint.paint(text.Truncate(clock+" since "+it.since, iw, g.ellipsis)))
	}
	// The reason and the note wrap onto the lines left, the note keeping one of them.
	addWrapped := func(s string, lines int) {
		for _, l := range wrapWords(s, iw, max(lines, 1), g.ellipsis) {
			add(st.row[0].dim.paint(text.Truncate(l, iw, g.ellipsis)))
		}
	}
	if it.reason != "" && it.problem {
		keep := 0
		if it.note != "" {
			keep = 1
		}
		addWrapped(it.reason, ih-len(in)-keep)
	}
	if it.note != "" {
		addWrapped(it.note, ih-len(in))
	}
	if len(in) > 0 {
		// A name too long for its line takes up to two more of those left, pushing the rest down.
		var name []string
		for _, l := range wrapWords(it.name, iw, 1+min(ih-len(in), 2), g.ellipsis) {
			name = append(name, st.headSpan.paint(text.Truncate(l, iw, g.ellipsis)))
		}
		in = append(name, in[1:]...)
	}
	for len(in) < ih {
		in = append(in, "")
	}
	if !boxed {
		return in
	}
	out := make([]string, 0, h)
	out = append(out, paint.paint(g.boxTL+strings.Repeat(g.boxH, w-2)+g.boxTR))
	for _, l := range in {
		pad := max(iw-text.Width(l), 0)
		out = append(out, paint.paint(g.boxV)+" "+l+strings.Repeat(" ", pad)+" "+paint.paint(g.boxV))
	}
	return append(out, paint.paint(g.boxBL+strings.Repeat(g.boxH, w-2)+g.boxBR))
}

// wallCellW is the width of a one-line cell of the wallboard.
const wallCellW = 26

// wallCells draws items as one-line cells ("DOWN  name  4m12s"), in columns, as many as fit
// in h lines; the pages turn with the clock, every wallPage.
func (m Model) wallCells(list wallList, w, h int) (lines []string, page, pages int) {
	if h <= 0 || list.len() == 0 {
		return nil, 0, 1
	}
	cols := max(w/wallCellW, 1)
	cw := w / cols
	per := cols * h
	pages = (list.len() + per - 1) / per
	page = int((m.wallTurns()%int64(pages) + int64(pages)) % int64(pages))
	items := list.slice(page*per, min((page+1)*per, list.len()))
	rows := (len(items) + cols - 1) / cols
	for r := range rows {
		var b strings.Builder
		for c := range cols {
			k := c*rows + r
			if k >= len(items) {
				break
			}
			cell := m.wallCell(items[k], cw-1)
			b.WriteString(cell)
			if c < cols-1 {
				b.WriteString(strings.Repeat(" ", max(cw-text.Width(cell), 0)))
			}
		}
		lines = append(lines, b.String())
	}
	return lines, page, pages
}

// wallCell is one item on one line, w cells at most.
func (m Model) wallCell(it wallItem, w int) string {
	st, g := m.st, m.st.g
	it.name = m.staleMark() + it.name
	paint := st.countSpan[min(int(it.state), len(st.countSpan)-1)]
	tail := it.note
	if it.open {
		tail = text.FormatDuration(it.outage)
	}
	if it.acked {
		tail = "ACK " + tail
	}
	word := text.Fit(it.state.String(), stateW, "")
	room := w - stateW - 1 - 1 - text.Width(tail)
	name := text.Truncate(it.name, max(room, 0), g.ellipsis)
	line := paint.paint(word) + " " + name
	if tail != "" && room > 0 {
		line += strings.Repeat(" ", max(room-text.Width(name), 0)+1) + paint.paint(tail)
	}
	return text.Truncate(line, max(w, 0), "")
}

// wallFooter says which page of tiles shows and how to leave.
func (m Model) wallFooter(w, page, pages int) string {
	pos := ""
	if pages > 1 {
		pos = "page " + itoa(page+1) + "/" + itoa(pages)
	}
	if m.find.active() {
		pos = strings.TrimSpace(m.shownText() + "  " + pos)
	}
	room := w - text.Width(pos) - 2
	if m.note != "" { // what the last key did, or why it did nothing, as the list's footer says
		return m.wallFooterLine(w, text.Truncate(m.note, max(room, 0), m.st.g.ellipsis), pos)
	}
	// Keys that do not fit are left out whole, ? help (which lists them all) last.
	keys := []string{"W list", "/ find", "! problems", "? help", "q quit"}
	order := []int{3, 4, 0, 1, 2}
	if pages > 1 {
		keys = append(keys, "pgdown next")
		order = append(order, 5)
	}
	on := make([]bool, len(keys))
	hint := ""
	for _, k := range order {
		on[k] = true
		var shown []string
		for j, key := range keys {
			if on[j] {
				shown = append(shown, key)
			}
		}
		if line := strings.Join(shown, "  "); text.Width(line) <= room {
			hint = line
		} else {
			on[k] = false
		}
	}
	if hint == "" {
		hint = text.Truncate(keys[3], max(room, 0), "")
	}
	return m.wallFooterLine(w, hint, pos)
}

// wallFooterLine is the wallboard's footer: hint on the left, pos on the right.
func (m Model) wallFooterLine(w int, hint, pos string) string {
	gap := w - text.Width(hint) - text.Width(pos)
	if pos == "" || gap < 1 {
		return m.st.footer.Render(hint)
	}
	return m.st.footer.Render(hint + strings.Repeat(" ", gap) + pos)
}
