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

	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/ui/uitest"
)

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
		{"emoji cluster line is written whole, the cursor put after the cluster", 12, 1, "👍🏽 ok", "👍🏽 no", "\x1b[1H\x1b[m\x1b[2X👍🏽\x1b[1;3H no\x1b[m\x1b[K"},
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

// checkApplies checks on a uitest.Term that the screen's bytes for old, then for new, show what
// writing new afresh shows.
func checkApplies(t *testing.T, old, new string, w, h int) {
	t.Helper()
	var pt painter
	v := uitest.New(w, h)
	v.Write(t, pt.step(old, w, h, true))
	uitest.Same(t, v, uitest.Paint(t, old, w, h), "first frame")
	v.Write(t, pt.step(new, w, h, false))
	uitest.Same(t, v, uitest.Paint(t, new, w, h), "after the diff")
	if v.Wraps > 0 {
		t.Fatalf("a print wrapped %d times", v.Wraps)
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
		fakeclock.Elapse(100 * time.Millisecond) // one frame
		got, n := out.state()
		if n != 2 || !strings.HasSuffix(got, "\rb4") {
			t.Fatalf("after a frame: %d writes ending %q, want 2 ending with b4", n, got[max(0, len(got)-10):])
		}
		s.draw("b4", "") // the same frame: nothing to write
		fakeclock.Elapse(time.Hour)
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

// TestScreenJoin checks that a terminal that joins a screen between frames, fed the repaint
// Join gives and then the frames everyone gets, shows each frame as the terminal that saw
// every byte does: random styled, wide and narrow frames, joined after a random number of them.
func TestScreenJoin(t *testing.T) {
	words := []string{"▁▂▃▄▅▆▇█", "▂▃▄▅▆▇█▁", "a", "bc", "DOWN", "12:00:0", "名前", "é", "│", " ", "  ", red, bold, reset,
		"\x1b[48;5;237m", "\x1b[38;2;1;2;3m", "\x1b[7m", "\x1b[22m", "\x1b[4m", "\x1b[31m", "\x1b[39m"}
	rng := rand.New(rand.NewPCG(3, 4))
	frame := func(h int) string {
		lines := make([]string, rng.IntN(h+2))
		for i := range lines {
			for range rng.IntN(12) {
				lines[i] += words[rng.IntN(len(words))]
			}
		}
		return strings.Join(lines, "\n")
	}
	for i := range 500 {
		w, h := 1+rng.IntN(30), 1+rng.IntN(5)
		out := newSignalWriter()
		s := NewScreen(ScreenOptions{Out: out})
		s.resize(w, h)
		s.send(mouseOn)
		s.draw(frame(h), "title")
		s.flush()
		for range rng.IntN(3) {
			s.draw(frame(h), "")
			s.flush()
		}
		before, _ := out.state()
		var joined []byte
		s.Join(func(repaint []byte) { joined = slices.Clone(repaint) })
		for k := range 1 + rng.IntN(3) {
			f := frame(h)
			s.draw(f, "")
			s.flush()
			all, _ := out.state()
			got := uitest.New(w, h)
			got.Write(t, string(joined)+all[len(before):])
			want := uitest.New(w, h)
			want.Write(t, all)
			uitest.Same(t, got, want, fmt.Sprintf("case %d, frame %d after the join (%q)", i, k, f))
			if !strings.HasPrefix(string(joined), screenEnter) || !strings.Contains(string(joined), mouseOn) ||
				!strings.Contains(string(joined), ansi.SetWindowTitle("title")) {
				t.Fatalf("case %d: repaint %q lacks the screen's modes or title", i, joined)
			}
		}
		if t.Failed() {
			return
		}
	}
}

// TestScreenClustersOverOldText: on a terminal that draws an emoji narrower than uptty
// measures it (tmux 3.3: ❤️ and 1️⃣ one cell), the cell the cursor skips after it is blank, not
// what the row showed before (a filter that brings the row up, a resize).
func TestScreenClustersOverOldText(t *testing.T) {
	names := []string{"❤️ Heart", "1️⃣ One", "👍🏽 Thumbs", "خدمة API"}
	frame := func(fill bool) string {
		lines := make([]string, len(names))
		for i, n := range names {
			if fill {
				n = "%%%%%%%%%%%%"
			}
			lines[i] = text.Fit(n, 12, "") + "│" + red + "UP" + reset
		}
		return strings.Join(lines, "\n")
	}
	const w = 20
	h := len(names)
	for _, widths := range []func(string) int{uitest.PerCodePoint, nil} {
		var pt painter
		v := uitest.New(w, h)
		v.Widths = widths
		v.Write(t, pt.step(frame(true), w, h, true))
		v.Write(t, pt.step(frame(false), w, h, false))
		for y, n := range names {
			var got strings.Builder
			for _, c := range v.Cells[y] {
				got.WriteString(c.S)
			}
			if strings.Contains(got.String(), "%") {
				t.Errorf("per code point %v: row %q = %q, want nothing left of the row before\n%s", widths != nil, n, got.String(), v)
			}
		}
	}
}

// TestScreenPinsClusters: on a terminal that draws a grapheme of several code points (a ZWJ
// sequence, a flag, a skin tone, a variation selector, a keycap) at another width than uptty
// measures, every column after it is still where the frame has it, on the first frame and
// after a diff; and a keycap, which uptty measures two cells wide, is drawn whole on a
// grapheme-aware terminal that draws it so.
func TestScreenPinsClusters(t *testing.T) {
	names := []string{"👨‍👩‍👧 Family", "🇫🇷 Paris", "👍🏽 Thumbs", "❤️ Heart", "🏳️‍🌈 Pride", "Plain", "a 👩🏽‍💻 b 🇰🇷", "1️⃣ One #️⃣"}
	frame := func(state string) string {
		lines := make([]string, len(names))
		for i, n := range names {
			lines[i] = text.Fit(n, 12, "") + "│" + red + state + reset
		}
		return strings.Join(lines, "\n")
	}
	const w = 20
	h := len(names)
	for _, term := range []struct {
		name   string
		widths func(string) int
	}{{"per code point", uitest.PerCodePoint}, {"grapheme-aware", nil}} {
		t.Run(term.name, func(t *testing.T) {
			var pt painter
			v := uitest.New(w, h)
			v.Widths = term.widths
			for _, step := range []struct {
				state string
				full  bool
			}{{"UP", true}, {"DOWN", false}, {"UP", false}} {
				v.Write(t, pt.step(frame(step.state), w, h, step.full))
				for y, n := range names {
					row := v.Cells[y]
					var got, all strings.Builder
					for x, c := range row {
						if x >= 12 {
							got.WriteString(c.S)
						}
						all.WriteString(c.S)
					}
					if want := "│" + step.state; !strings.HasPrefix(got.String(), want) {
						t.Errorf("%s: row %q from column 12 = %q, want %q\n%s", step.state, n, got.String(), want, v)
					}
					if strings.HasPrefix(n, "1️⃣") && term.widths == nil && !strings.HasPrefix(all.String(), "1️⃣ One #️⃣") {
						t.Errorf("%s: row %q = %q, want its keycaps whole", step.state, n, all.String())
					}
				}
			}
		})
	}
}
