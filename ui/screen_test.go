package ui

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// vterm is a small terminal, for the tests only: it applies what the screen writes (printable
// graphemes with autowrap, CUP, CUF, EL, ED 2, SGR, CR, LF; modes and OSC are ignored) to a
// grid of cells, without sharing the screen's code.
type vterm struct {
	w, h  int
	cells [][]vcell
	x, y  int
	pen   vpen
	clip  bool // print nothing past the last column instead of wrapping
	wraps int  // times a print wrapped to the next row
}

type vcell struct {
	s   string // "" for the second column of a wide grapheme
	pen vpen
}

type vpen struct {
	bold, faint, italic, underline, blink, reverse, conceal, strike, overline bool
	fg, bg, ul                                                                string
}

func newVterm(w, h int) *vterm {
	v := &vterm{w: w, h: h}
	v.erase(0, 0, w, h)
	return v
}

// erase blanks the rectangle [x0,x1) x [y0,y1), with the pen's background (as terminals do).
func (v *vterm) erase(x0, y0, x1, y1 int) {
	for len(v.cells) < v.h {
		v.cells = append(v.cells, make([]vcell, v.w))
	}
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			v.cells[y][x] = vcell{s: " ", pen: vpen{bg: v.pen.bg}}
		}
	}
}

func (v *vterm) write(t *testing.T, b string) {
	t.Helper()
	p := ansi.NewParser()
	var state byte
	for len(b) > 0 {
		seq, width, n, next := ansi.DecodeSequence(b, state, p)
		state, b = next, b[n:]
		switch {
		case seq == "\r":
			v.x = 0
		case seq == "\n":
			v.y = min(v.y+1, v.h-1)
		case width > 0:
			v.print(t, seq, width)
		case strings.HasPrefix(seq, "\x1b["):
			v.csi(t, seq, p)
		case strings.HasPrefix(seq, "\x1b]"):
		default:
			t.Fatalf("vterm: unexpected %q", seq)
		}
	}
}

func (v *vterm) print(t *testing.T, g string, width int) {
	if v.x+width > v.w {
		if v.clip {
			v.x = v.w
			return
		}
		v.wraps++
		v.x, v.y = 0, v.y+1
		if v.y >= v.h {
			t.Fatalf("vterm: printing %q scrolled the screen", g)
		}
	}
	row := v.cells[v.y]
	// Overwriting half of a wide grapheme blanks its other half.
	for _, x := range []int{v.x, v.x + width - 1} {
		if row[x].s == "" && x > 0 {
			row[x-1] = vcell{s: " "}
		}
		if x+1 < v.w && row[x+1].s == "" {
			row[x+1] = vcell{s: " "}
		}
	}
	row[v.x] = vcell{s: g, pen: v.pen}
	for i := 1; i < width; i++ {
		row[v.x+i] = vcell{pen: v.pen}
	}
	v.x += width
}

func (v *vterm) csi(t *testing.T, seq string, p *ansi.Parser) {
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
		v.y, v.x = min(param(0, 1), v.h)-1, min(param(1, 1), v.w)-1
	case 'C':
		v.x = min(v.x+param(0, 1), v.w-1)
	case 'D':
		v.x = max(min(v.x, v.w-1)-param(0, 1), 0)
	case 'P': // DCH: the rest of the row moves left, blanks come in at its end
		n := param(0, 1)
		row := v.cells[v.y]
		copy(row[v.x:], row[min(v.x+n, v.w):])
		for x := max(v.w-n, v.x); x < v.w; x++ {
			row[x] = vcell{s: " ", pen: vpen{bg: v.pen.bg}}
		}
	case '@': // ICH: the rest of the row moves right, what passes its end is lost
		n := param(0, 1)
		row := v.cells[v.y]
		copy(row[min(v.x+n, v.w):], row[v.x:])
		for x := v.x; x < min(v.x+n, v.w); x++ {
			row[x] = vcell{s: " ", pen: vpen{bg: v.pen.bg}}
		}
	case 'K':
		if n, _ := p.Param(0, 0); n != 0 {
			t.Fatalf("vterm: EL %d", n)
		}
		v.erase(min(v.x, v.w-1), v.y, v.w, v.y+1)
	case 'J':
		if n, _ := p.Param(0, 0); n != 2 {
			t.Fatalf("vterm: ED %d", n)
		}
		v.erase(0, 0, v.w, v.h)
	case 'm':
		v.sgr(t, p.Params())
	default:
		t.Fatalf("vterm: unexpected CSI %q", seq)
	}
}

func (v *vterm) sgr(t *testing.T, params ansi.Params) {
	if len(params) == 0 {
		v.pen = vpen{}
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
		p := &v.pen
		switch {
		case n == 0:
			*p = vpen{}
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
			t.Fatalf("vterm: SGR %d", n)
		}
	}
}

// look is what a cell shows: a space shows no foreground nor weight unless reversed.
func (c vcell) look() vcell {
	if c.s == " " && !c.pen.reverse {
		c.pen = vpen{bg: c.pen.bg, underline: c.pen.underline, strike: c.pen.strike, overline: c.pen.overline}
		if !c.pen.underline && !c.pen.strike && !c.pen.overline {
			c.pen.ul = ""
		}
	}
	return c
}

// paintFresh is what a w x h terminal shows of frame when each of its lines is written at
// its row, past the width cut off, and only the last h lines are kept.
func paintFresh(t *testing.T, frame string, w, h int) *vterm {
	t.Helper()
	lines := strings.Split(frame, "\n")
	v := newVterm(w, max(h, len(lines)))
	v.clip = true
	for i, l := range lines {
		v.write(t, fmt.Sprintf("\x1b[%dH", i+1))
		v.write(t, l)
	}
	v.cells = v.cells[len(v.cells)-h:]
	v.h = h
	return v
}

// sameScreen fails t when got and want do not look the same.
func sameScreen(t *testing.T, got, want *vterm, what string) {
	t.Helper()
	for y := range want.h {
		for x := range want.w {
			if g, w := got.cells[y][x].look(), want.cells[y][x].look(); g != w {
				t.Fatalf("%s: cell (%d,%d) = %+v, want %+v\ngot:\n%s\nwant:\n%s", what, x, y, g, w, got, want)
			}
		}
	}
}

func (v *vterm) String() string {
	var b strings.Builder
	for _, row := range v.cells {
		for _, c := range row {
			b.WriteString(c.s)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// step renders frame after what the painter drew before, and returns the bytes.
func (pt *painter) step(frame string, w, h int, full bool) string {
	return string(pt.render(nil, frame, w, h, full))
}

const (
	red   = "\x1b[38;5;203m"
	bold  = "\x1b[1m"
	reset = "\x1b[m"
)

func TestScreenDiffGolden(t *testing.T) {
	tests := []struct {
		name     string
		w, h     int
		old, new string
		want     string
	}{
		{"clock digit", 20, 2, "uptty   03:40:47\nx", "uptty   03:40:48\nx", "\x1b[1;16H8"},
		{"clock minute", 20, 2, "uptty   03:40:59\nx", "uptty   03:41:00\nx", "\x1b[1;13H1:00"},
		{"outage clock in a styled row", 30, 1,
			"> DOWN  " + red + "DOWN 9s" + reset + " since 03:40",
			"> DOWN  " + red + "DOWN 10s" + reset + " since 03:40",
			"\x1b[14D\x1b[38;5;203m10s\x1b[m since 03:40"},
		{"line gets shorter", 20, 1, "connection refused", "ok", "\rok\x1b[K"},
		{"line gets empty", 20, 2, "a\nhello", "a\n", "\r\x1b[K"},
		{"style changes mid-line", 20, 1, "state " + red + "DOWN" + reset, "state " + bold + "DOWN" + reset,
			"\x1b[4D\x1b[0;1mDOWN"},
		{"only the style of a word changes back", 20, 1, "a " + bold + "UP" + reset + " b", "a UP b", "\x1b[4DUP"},
		{"wide runes", 12, 1, "名前 x", "名前 y", "\x1b[Dy"},
		{"wide rune replaced by narrow", 12, 1, "a名b", "axyb", "\x1b[3Dxy"},
		{"narrow replaced by wide", 12, 1, "axyb", "a名b", "\x1b[3D名"},
		{"emoji cluster line is written whole", 12, 1, "👍🏽 ok", "👍🏽 no", "\x1b[1H\x1b[m👍🏽 no\x1b[m\x1b[K"},
		{"cut to the width", 5, 1, "abcdefgh", "abcdeXgh", ""},
		{"cut to the height keeps the last lines", 5, 2, "1\n2\n3", "1\n2\n4", "\r4"},
		{"1x1", 1, 1, "a", "b", "\x1b[1Hb"},
		{"1x1 wide rune does not fit", 1, 1, "a", "名", "\x1b[1H\x1b[K"},
		{"two runs far apart", 40, 1, "a                                      b", "c                                      d",
			"\x1b[1Hc\x1b[38Cd"},
		{"a sparkline takes a sample: the cells move left", 16, 1, "ab▁▂▃▄▅▆▇█▁▂ x", "ab▂▃▄▅▆▇█▁▂▃ x",
			"\x1b[12D\x1b[P\x1b[9C\x1b[@▃"},
		{"a short run is written, not moved", 16, 1, "ab1234 x", "ab2345 x", "\x1b[6D2345"},
		{"two runs close together are one", 20, 1, "a123b", "c123d", "\rc123d"},
		{"a gap of five is jumped", 20, 1, "a12345b", "c12345d", "\rc\x1b[5Cd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pt painter
			pt.step(tt.old, tt.w, tt.h, true)
			got := pt.step(tt.new, tt.w, tt.h, false)
			if got != tt.want {
				t.Errorf("diff(%q → %q) = %q, want %q", tt.old, tt.new, got, tt.want)
			}
			checkApplies(t, tt.old, tt.new, tt.w, tt.h)
		})
	}
}

// checkApplies checks on a vterm that the screen's bytes for old, then for new, show what
// writing new afresh shows.
func checkApplies(t *testing.T, old, new string, w, h int) {
	t.Helper()
	var pt painter
	v := newVterm(w, h)
	v.write(t, pt.step(old, w, h, true))
	sameScreen(t, v, paintFresh(t, old, w, h), "first frame")
	v.write(t, pt.step(new, w, h, false))
	sameScreen(t, v, paintFresh(t, new, w, h), "after the diff")
	if v.wraps > 0 {
		t.Fatalf("a print wrapped %d times", v.wraps)
	}
}

func TestScreenResizeRepaintsAll(t *testing.T) {
	var pt painter
	pt.step("abc\ndef", 10, 2, true)
	got := pt.step("abc\ndef", 8, 3, false)
	if want := "\x1b[m\x1b[H\x1b[2Jabc\x1b[2Hdef"; got != want {
		t.Errorf("after a resize = %q, want %q", got, want)
	}
	// And ClearScreen's full repaint at the same size.
	if got := pt.step("abc\ndef", 8, 3, true); got != "\x1b[m\x1b[H\x1b[2Jabc\x1b[2Hdef" {
		t.Errorf("full repaint = %q", got)
	}
	if got := pt.step("abc\ndef", 8, 3, false); got != "" {
		t.Errorf("the same frame again = %q, want nothing", got)
	}
}

// TestScreenDiffApplies checks random edits of styled, wide and narrow text on a vterm.
func TestScreenDiffApplies(t *testing.T) {
	words := []string{"▁▂▃▄▅▆▇█", "▂▃▄▅▆▇█▁", "a", "bc", "DOWN", "12:00:0", "名前", "é", "│", "×", " ", "  ", "🙂", red, bold, reset,
		"\x1b[48;5;237m", "\x1b[38;2;1;2;3m", "\x1b[7m", "\x1b[22m", "\x1b[4m", "\x1b[31m", "\x1b[39m"}
	rng := rand.New(rand.NewPCG(1, 2))
	frame := func(lines int) [][]string {
		f := make([][]string, lines)
		for i := range f {
			for range rng.IntN(12) {
				f[i] = append(f[i], words[rng.IntN(len(words))])
			}
		}
		return f
	}
	join := func(f [][]string) string {
		lines := make([]string, len(f))
		for i, l := range f {
			lines[i] = strings.Join(l, "")
		}
		return strings.Join(lines, "\n")
	}
	for i := range 3000 {
		w, h := 1+rng.IntN(30), 1+rng.IntN(5)
		f := frame(rng.IntN(h + 2))
		old := join(f)
		if rng.IntN(3) > 0 {
			f = frame(rng.IntN(h + 2))
		} else if len(f) > 0 && len(f[0]) > 0 { // a small edit: a word of the first line
			f[0][rng.IntN(len(f[0]))] = words[rng.IntN(12)]
		}
		next := join(f)
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkApplies(t, old, next, w, h) })
		if t.Failed() {
			t.Fatalf("old %q new %q at %dx%d", old, next, w, h)
		}
	}
}

// TestScreenShiftApplies checks sparklines that take samples, between other changing text.
func TestScreenShiftApplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bars := []rune("▁▂▃▄▅▆▇█")
	styles := []string{"", red, bold, "\x1b[48;5;237m"}
	for i := range 500 {
		spark := make([]rune, 10+rng.IntN(25))
		for j := range spark {
			spark[j] = bars[rng.IntN(len(bars))]
		}
		row := func(lat string, spark []rune) string {
			st := styles[rng.IntN(len(styles))]
			return fmt.Sprintf("%s %s %s%s%s  since", lat, reset, st, string(spark), reset)
		}
		var old, next []string
		for range 1 + rng.IntN(4) {
			old = append(old, row(fmt.Sprint(rng.IntN(100), "ms"), spark))
			next = append(next, row(fmt.Sprint(rng.IntN(100), "ms"), append(slices.Clone(spark[1:]), bars[rng.IntN(len(bars))])))
		}
		w := 20 + rng.IntN(40)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkApplies(t, strings.Join(old, "\n"), strings.Join(next, "\n"), w, len(old))
		})
		if t.Failed() {
			t.Fatalf("old %q new %q at width %d", old, next, w)
		}
	}
}

// signalWriter collects what the screen writes and says when it wrote.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	wrote  chan struct{}
}

func newSignalWriter() *signalWriter { return &signalWriter{wrote: make(chan struct{}, 1)} }

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.writes++
	w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *signalWriter) state() (string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String(), w.writes
}

// TestScreenSleepsAndCoalesces checks, on a fake clock, that the screen writes a changed frame
// at once after a quiet spell, coalesces a burst into one more write a frame later, and does
// not write (nor wake) while nothing changes.
func TestScreenSleepsAndCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := newSignalWriter()
		s := NewScreen(ScreenOptions{Out: out, FPS: 10})
		defer s.Close()
		// Handed over before the start, so that the first write holds the first frame.
		s.resize(10, 2)
		s.draw("a", "")
		s.start()
		synctest.Wait()
		_, n := out.state()
		if n != 1 {
			t.Fatalf("writes after the first frame = %d, want 1", n)
		}
		for i := range 5 {
			s.draw(fmt.Sprint("b", i), "")
		}
		synctest.Wait()
		if _, got := out.state(); got != 1 {
			t.Fatalf("writes within a frame's time = %d, want still 1", got)
		}
		time.Sleep(100 * time.Millisecond) // the fake clock: one frame
		synctest.Wait()
		got, n := out.state()
		if n != 2 || !strings.HasSuffix(got, "\rb4") {
			t.Fatalf("after a frame: %d writes ending %q, want 2 ending with b4", n, got[max(0, len(got)-10):])
		}
		s.draw("b4", "") // the same frame: nothing to write
		time.Sleep(time.Hour)
		synctest.Wait()
		if _, n := out.state(); n != 2 {
			t.Fatalf("writes after an idle hour = %d, want 2", n)
		}
		s.draw("c4", "") // after a quiet spell: written at once
		synctest.Wait()
		if _, n := out.state(); n != 3 {
			t.Fatalf("writes after a change = %d, want 3", n)
		}
		s.Close()
		if got, _ := out.state(); !strings.HasPrefix(got, screenEnter) || !strings.HasSuffix(got, screenLeave) {
			t.Errorf("output %q does not enter and leave the screen", got)
		}
	})
}

// titleModel is a model that sets the window title and quits on any key.
type titleModel struct{ frames int }

func (m titleModel) Init() tea.Cmd { return tea.SetWindowTitle("uptty 1 DOWN") }
func (m titleModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		return m, tea.Quit
	}
	return m, nil
}
func (m titleModel) View() string { return "hello\nworld" }

// TestScreenProgram runs a real program drawn by a Screen: its size from a WindowSizeMsg (as
// an SSH session's), its title, its frame, and the terminal given back after it.
func TestScreenProgram(t *testing.T) {
	out := newSignalWriter()
	s := NewScreen(ScreenOptions{Out: out})
	in := &bytes.Buffer{}
	p := tea.NewProgram(s.Model(titleModel{}), append(s.ProgramOptions(),
		tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignalHandler())...)
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	p.Send(tea.WindowSizeMsg{Width: 20, Height: 3})
	deadline := time.After(10 * time.Second)
	for {
		if got, _ := out.state(); strings.Contains(got, "world") && strings.Contains(got, "\x1b]2;uptty 1 DOWN\a") {
			break
		}
		select {
		case <-out.wrote:
		case <-deadline:
			got, _ := out.state()
			t.Fatalf("no frame and title within 10 s: %q", got)
		}
	}
	p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.Close()
	got, _ := out.state()
	if !strings.HasPrefix(got, screenEnter) || !strings.HasSuffix(got, screenLeave) {
		t.Errorf("output %q does not enter and leave the screen", got)
	}
	if !strings.Contains(got, "\x1b[H\x1b[2Jhello\x1b[2Hworld") {
		t.Errorf("output %q lacks the frame", got)
	}
}

// BenchmarkScreenFrame is what the screen adds to a second of a 200x60 list of 1,000 services:
// the frame after a tick laid out in cells and diffed against the one before.
func BenchmarkScreenFrame(b *testing.B) {
	m := bigModel(b)
	at := fixedNow
	frames := make([]string, 2)
	for i := range frames {
		at = at.Add(time.Second)
		next, _ := m.Update(tickMsg(at))
		m = next.(Model)
		frames[i] = m.View()
	}
	var pt painter
	pt.render(nil, frames[1], 200, 60, true)
	b.ReportAllocs()
	var n int
	for i := 0; b.Loop(); i++ {
		n = len(pt.render(pt.buf[:0], frames[i%2], 200, 60, false))
	}
	b.ReportMetric(float64(n), "bytes/frame")
}
