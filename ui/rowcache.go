package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// rowCache is what each line of a screen's table showed last, when it was a service's row: a
// frame draws again only the rows whose look changed. Most frames change few rows (a batch
// of statuses touches a few services; a tick, the rows whose durations moved), and each SSH
// viewer draws its own frames, so that drawing every row for every frame cost more than
// everything else a viewer costs the server. It is shared between copies of a Model; a
// stale entry is never wrong, only missed, as its key is everything its row depends on.
// The whole frame is kept too, but by another rule: Update says when it is stale.
type rowCache struct {
	// frame is the screen as View last gave it, "" when the next View must draw it again:
	// Update clears it for every message it handles but a batch of statuses that changes
	// only how services look (looksOnly).
	frame string
	lines []cachedLine
	// The footer's key help, and the footer and column titles styled, as last drawn, by
	// what they were drawn from: they change with the view, not with the statuses, and
	// drawing them was a fifth of a frame.
	helpKey, help string
	styled        [2]styledLine // footer, column titles
	// The header, the footer and the column titles as last drawn, by what they show: a tick
	// changes none of them but the header's clock.
	header cachedHeader
	footer memo[footerKey]
	titles memo[titlesKey]
	// bufs are the slices of lines a frame and its table were gathered in, for the next
	// frame's: the frame is joined into a string of its own.
	bufs [2][]string
}

// The line buffers rowCache keeps.
const (
	frameBuf = iota
	tableBuf
)

// buffer is the slice of lines buf holds, emptied, with room for n; a new one when c is nil.
// It is valid until the next frame's buffer of the same kind.
func (c *rowCache) buffer(buf, n int) []string {
	if c == nil || cap(c.bufs[buf]) < n {
		return make([]string, 0, n)
	}
	return c.bufs[buf][:0]
}

// keepBuffer keeps lines, from buffer, for the next frame; they stay valid until then.
func (c *rowCache) keepBuffer(buf int, lines []string) {
	if c != nil {
		c.bufs[buf] = lines[:0]
	}
}

// memo is a line as last drawn, and the key of everything it was drawn from.
type memo[K comparable] struct {
	key  K
	line string
	ok   bool
}

// get is the line drawn from key, if it is the one kept; a nil memo keeps none.
func (c *memo[K]) get(key K) (string, bool) {
	if c == nil || !c.ok || c.key != key {
		return "", false
	}
	return c.line, true
}

// put keeps line, drawn from key, and returns it.
func (c *memo[K]) put(key K, line string) string {
	if c != nil {
		c.key, c.line, c.ok = key, line, true
	}
	return line
}

// footerMemo and titlesMemo are c's memos; nil when c is.
func (c *rowCache) footerMemo() *memo[footerKey] {
	if c == nil {
		return nil
	}
	return &c.footer
}

func (c *rowCache) titlesMemo() *memo[titlesKey] {
	if c == nil {
		return nil
	}
	return &c.titles
}

// styledLine is a line as styled last, and what it was styled from.
type styledLine struct {
	in, out string
	st      *styles
}

// The lines styledLine keeps.
const (
	footerSlot = iota
	colHeadSlot
)

// redraw makes the next View draw the screen again, and returns the frame it dropped.
func (c *rowCache) redraw() string {
	if c == nil {
		return ""
	}
	last := c.frame
	c.frame = ""
	return last
}

// keep makes frame, which redraw dropped, the next View again.
func (c *rowCache) keep(frame string) {
	if c != nil {
		c.frame = frame
	}
}

// footerHelp is the footer's key help for bindings, drawn again only when they changed.
func (c *rowCache) footerHelp(bindings []key.Binding) string {
	if c == nil {
		return footerHelp.ShortHelpView(bindings)
	}
	var k strings.Builder
	for _, b := range bindings {
		h := b.Help()
		k.WriteString(h.Key + "\x00" + h.Desc + "\x00")
		if b.Enabled() {
			k.WriteByte('1')
		}
		k.WriteByte('\x00')
	}
	if key := k.String(); key != c.helpKey || c.help == "" {
		c.helpKey, c.help = key, footerHelp.ShortHelpView(bindings)
	}
	return c.help
}

// style is s in the style of the line slot (footerSlot: st.footer, colHeadSlot:
// st.colHead), styled again only when s changed.
func (c *rowCache) style(slot int, st *styles, s string) string {
	style := st.footer
	if slot == colHeadSlot {
		style = st.colHead
	}
	if c == nil {
		return style.Render(s)
	}
	l := &c.styled[slot]
	if s != l.in || st != l.st || l.out == "" {
		l.in, l.st, l.out = s, st, style.Render(s)
	}
	return l.out
}

type cachedLine struct {
	key  rowKey
	text string
}
