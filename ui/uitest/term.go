// Package uitest is what tests of screens share: a small terminal to read what a screen wrote.
package uitest

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/text/width"
)

// Term is a small terminal, for tests only: it applies what a screen writes (printable
// graphemes with autowrap, CUP, CUF, CUB, CHA, DCH, ECH, ICH, EL, ED 2, SGR, CR, LF; modes and OSC are
// ignored) to a grid of cells, without sharing the screen's code. Strict, a sequence it does
// not know fails the test; lenient, it is skipped (a stream read as it comes, which may stop
// in the middle of a sequence).
type Term struct {
	W, H  int
	Cells [][]Cell
	X, Y  int
	Pen   Pen
	Clip  bool // print nothing past the last column instead of wrapping
	// Widths, when set, is how wide this terminal draws a grapheme, for one that disagrees
	// with uptty's measure (tmux 3.3 and xterm add up the widths of its code points).
	Widths func(grapheme string) int
	Wraps  int // times a print wrapped to the next row
	strict bool
}

// PerCodePoint is how wide a terminal that adds up code points draws a grapheme, as tmux 3.3
// and xterm do: 👍🏽 four cells, ❤️ one, 👨‍👩‍👧 six, 1️⃣ one. Set it as a Term's Widths.
func PerCodePoint(g string) int {
	n := 0
	for _, r := range g {
		switch k := width.LookupRune(r).Kind(); {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case k == width.EastAsianWide || k == width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

const keycapMark = "\uFE0F\u20E3"

// Cell is one column of the screen.
type Cell struct {
	S   string // "" for the second column of a wide grapheme
	Pen Pen
}

// Pen is what a cell is drawn with.
type Pen struct {
	bold, faint, italic, underline, blink, reverse, conceal, strike, overline bool
	fg, bg, ul                                                                string
}

// New is a blank w x h terminal that fails the test on a sequence it does not know.
func New(w, h int) *Term {
	v := &Term{W: w, H: h, strict: true}
	v.erase(0, 0, w, h)
	return v
}

// erase blanks the rectangle [x0,x1) x [y0,y1), with the pen's background (as terminals do).
func (v *Term) erase(x0, y0, x1, y1 int) {
	for len(v.Cells) < v.H {
		v.Cells = append(v.Cells, make([]Cell, v.W))
	}
	for y := y0; y < y1; y++ {
		if v.Cells[y] == nil {
			v.Cells[y] = make([]Cell, v.W)
		}
	}
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			v.Cells[y][x] = Cell{S: " ", Pen: Pen{bg: v.Pen.bg}}
		}
	}
}

// NewLenient is a blank w x h terminal that skips what it does not know.
func NewLenient(w, h int) *Term {
	v := New(w, h)
	v.strict = false
	return v
}

// fail fails the test on a strict terminal; a lenient one goes on.
func (v *Term) fail(t testing.TB, format string, args ...any) {
	t.Helper()
	if v.strict {
		t.Fatalf("uitest.Term: "+format, args...)
	}
}

// Write applies b.
func (v *Term) Write(t testing.TB, b string) {
	t.Helper()
	p := ansi.NewParser()
	var state byte
	for len(b) > 0 {
		seq, width, n, next := ansi.DecodeSequence(b, state, p)
		state, b = next, b[n:]
		if len(seq) == 1 && strings.IndexByte("0123456789#*", seq[0]) >= 0 && strings.HasPrefix(b, keycapMark) {
			// A keycap (1️⃣), which ansi decodes as its ASCII base and its marks: one
			// grapheme, two cells wide as grapheme-aware terminals draw it.
			seq, width, b = seq+keycapMark, 2, b[len(keycapMark):]
		}
		switch {
		case seq == "\r":
			v.X = 0
		case seq == "\n":
			v.Y = min(v.Y+1, v.H-1)
		case width > 0:
			if v.Widths != nil {
				width = v.Widths(seq)
			}
			v.print(t, seq, width)
		case len(seq) > 0 && seq[0] >= 0x20 && seq[0] != 0x1b && (seq[0] < 0x80 || seq[0] >= 0xa0):
			// A mark of no width (a combining accent) joins the grapheme before the cursor.
			if x := min(v.X, v.W) - 1; x >= 0 {
				for x > 0 && v.Cells[v.Y][x].S == "" {
					x--
				}
				v.Cells[v.Y][x].S += seq
			}
		case strings.HasPrefix(seq, "\x1b["):
			v.csi(t, seq, p)
		case strings.HasPrefix(seq, "\x1b]"):
		default:
			v.fail(t, "unexpected %q", seq)
		}
	}
}

func (v *Term) print(t testing.TB, g string, width int) {
	if v.X+width > v.W {
		if v.Clip {
			v.X = v.W
			return
		}
		v.Wraps++
		v.X, v.Y = 0, v.Y+1
		if v.Y >= v.H {
			if v.strict {
				t.Fatalf("uitest.Term: printing %q scrolled the screen", g)
			}
			v.Cells = append(v.Cells[1:], nil)
			v.Y = v.H - 1
			v.erase(0, v.Y, v.W, v.H)
		}
	}
	row := v.Cells[v.Y]
	// Overwriting half of a wide grapheme blanks its other half.
	for _, x := range []int{v.X, v.X + width - 1} {
		if row[x].S == "" && x > 0 {
			row[x-1] = Cell{S: " "}
		}
		if x+1 < v.W && row[x+1].S == "" {
			row[x+1] = Cell{S: " "}
		}
	}
	row[v.X] = Cell{S: g, Pen: v.Pen}
	for i := 1; i < width; i++ {
		row[v.X+i] = Cell{Pen: v.Pen}
	}
	v.X += width
}

func (v *Term) csi(t testing.TB, seq string, p *ansi.Parser) {
	cmd := ansi.Cmd(p.Command())
	param := func(i, def int) int {
		n, _ := p.Param(i, def)
		return max(n, def)
	}
	if cmd.Prefix() == '?' {
		return // modes
	}
	switch cmd.Final() {
	case 'H':
		v.Y, v.X = min(param(0, 1), v.H)-1, min(param(1, 1), v.W)-1
	case 'C':
		v.X = min(v.X+param(0, 1), v.W-1)
	case 'G': // CHA
		v.X = min(param(0, 1), v.W) - 1
	case 'D':
		v.X = max(min(v.X, v.W-1)-param(0, 1), 0)
	case 'P': // DCH: the rest of the row moves left, blanks come in at its end
		n := param(0, 1)
		row := v.Cells[v.Y]
		copy(row[v.X:], row[min(v.X+n, v.W):])
		for x := max(v.W-n, v.X); x < v.W; x++ {
			row[x] = Cell{S: " ", Pen: Pen{bg: v.Pen.bg}}
		}
	case '@': // ICH: the rest of the row moves right, what passes its end is lost
		n := param(0, 1)
		row := v.Cells[v.Y]
		copy(row[min(v.X+n, v.W):], row[v.X:])
		for x := v.X; x < min(v.X+n, v.W); x++ {
			row[x] = Cell{S: " ", Pen: Pen{bg: v.Pen.bg}}
		}
	case 'K':
		if n, _ := p.Param(0, 0); n != 0 {
			v.fail(t, "EL %d", n)
			return
		}
		v.erase(min(v.X, v.W-1), v.Y, v.W, v.Y+1)
	case 'X': // ECH: n cells from the cursor blanked, the cursor stays
		x := min(v.X, v.W-1)
		v.erase(x, v.Y, min(x+param(0, 1), v.W), v.Y+1)
	case 'J':
		if n, _ := p.Param(0, 0); n != 2 {
			v.fail(t, "ED %d", n)
			return
		}
		v.erase(0, 0, v.W, v.H)
	case 'm':
		v.sgr(t, p.Params())
	default:
		v.fail(t, "unexpected CSI %q", seq)
	}
}

func (v *Term) sgr(t testing.TB, params ansi.Params) {
	if len(params) == 0 {
		v.Pen = Pen{}
	}
	for i := 0; i < len(params); i++ {
		n := params[i].Param(0)
		ext := func() string {
			switch params[i+1].Param(0) {
			case 5:
				i += 2
				return fmt.Sprint("5;", params[i].Param(0))
			default:
				i += 4
				return fmt.Sprint("2;", params[i-2].Param(0), ";", params[i-1].Param(0), ";", params[i].Param(0))
			}
		}
		p := &v.Pen
		switch {
		case n == 0:
			*p = Pen{}
		case n == 1:
			p.bold = true
		case n == 2:
			p.faint = true
		case n == 3:
			p.italic = true
		case n == 4:
			p.underline = true
		case n == 5:
			p.blink = true
		case n == 7:
			p.reverse = true
		case n == 8:
			p.conceal = true
		case n == 9:
			p.strike = true
		case n == 53:
			p.overline = true
		case n == 22:
			p.bold, p.faint = false, false
		case n == 23:
			p.italic = false
		case n == 24:
			p.underline = false
		case n == 27:
			p.reverse = false
		case n == 29:
			p.strike = false
		case n >= 30 && n <= 37, n >= 90 && n <= 97:
			p.fg = fmt.Sprint("b", n)
		case n >= 40 && n <= 47, n >= 100 && n <= 107:
			p.bg = fmt.Sprint("b", n-10)
		case n == 39:
			p.fg = ""
		case n == 49:
			p.bg = ""
		case n == 38:
			p.fg = ext()
		case n == 48:
			p.bg = ext()
		case n == 58:
			p.ul = ext()
		default:
			v.fail(t, "SGR %d", n)
		}
	}
}

// Look is what a cell shows: a space shows no foreground nor weight unless reversed.
func (c Cell) Look() Cell {
	if c.S == " " && !c.Pen.reverse {
		c.Pen = Pen{bg: c.Pen.bg, underline: c.Pen.underline, strike: c.Pen.strike, overline: c.Pen.overline}
		if !c.Pen.underline && !c.Pen.strike && !c.Pen.overline {
			c.Pen.ul = ""
		}
	}
	return c
}

// Paint is what a w x h terminal shows of frame when each of its lines is written at
// its row, past the width cut off, and only the last h lines are kept.
func Paint(t testing.TB, frame string, w, h int) *Term {
	t.Helper()
	lines := strings.Split(frame, "\n")
	v := New(w, max(h, len(lines)))
	v.Clip = true
	for i, l := range lines {
		v.Write(t, fmt.Sprintf("\x1b[%dH", i+1))
		v.Write(t, l)
	}
	v.Cells = v.Cells[len(v.Cells)-h:]
	v.H = h
	return v
}

// Same fails t when got and want do not look the same.
func Same(t testing.TB, got, want *Term, what string) {
	t.Helper()
	for y := range want.H {
		for x := range want.W {
			if g, w := got.Cells[y][x].Look(), want.Cells[y][x].Look(); g != w {
				t.Fatalf("%s: cell (%d,%d) = %+v, want %+v\ngot:\n%s\nwant:\n%s", what, x, y, g, w, got, want)
			}
		}
	}
}

// String is the screen's text, a line a row.
func (v *Term) String() string {
	var b strings.Builder
	for _, row := range v.Cells {
		for _, c := range row {
			b.WriteString(c.S)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
