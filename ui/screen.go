package ui

import (
	"io"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"github.com/uptty/uptty/text"
)

// Bubble Tea v1's own renderer wakes at its frame rate for the whole run, changed or not, and
// rewrites every changed line whole: an idle monitor paid for the wake-ups, and a ticking
// outage clock cost its whole row each second. Screen replaces it (the program runs with
// tea.WithoutRenderer, which still calls View after every message): it sleeps until a frame
// differs from the one on the terminal, and then writes only the cells that changed.

// screenEnter and screenLeave are what the screen turns on and off around a run: the alternate
// screen (cleared), the hidden cursor and bracketed paste, with the pen reset on the way out.
// The alternate screen is cleared before it is left too: tmux resizes it to the main screen's
// size as it leaves it, and in a pane that grew meanwhile what was drawn past the old width
// came back on the shell's screen, a stale frame above the prompt.
const (
	screenEnter = "\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l\x1b[?2004h"
	screenLeave = "\x1b[m\x1b[H\x1b[2J\x1b[?2004l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1049l\x1b[?25h"
	mouseOn     = "\x1b[?1002h\x1b[?1006h"
	mouseAllOn  = "\x1b[?1003h\x1b[?1006h"
	mouseOff    = "\x1b[?1002l\x1b[?1003l\x1b[?1006l"
)

// LeaveScreen is what a Screen writes last (Close): it gives a terminal its main screen, cursor
// and pen back. A terminal that joined a screen (Join) and leaves it before the screen closes
// is written this.
const LeaveScreen = screenLeave

// ScreenOptions say where a Screen draws.
type ScreenOptions struct {
	// Out receives every byte: a terminal, or an SSH session.
	Out io.Writer
	// TTY, when set, is the terminal the program reads keys from: the screen puts it in raw
	// mode for the run (and back on Close or a suspend), reads the window's size from Out
	// when Out is a terminal, and listens for size changes. Without it the screen's size
	// comes from the tea.WindowSizeMsg the program is sent (an SSH session's).
	TTY *os.File
	// FPS is how many frames a second it writes at most; changes in between are coalesced
	// into the next frame. 0 is 20.
	FPS int
	// Mouse turns on the mouse's cell motion reports for the run.
	Mouse bool
}

// Screen draws a Bubble Tea program's frames to a terminal in the program's place: the
// alternate screen, only the cells that changed, at most FPS frames a second and nothing
// while nothing changes. The frames are written by a goroutine of its own, so a slow terminal
// never holds up the program. Use Model to wrap the program's model, ProgramOptions for the
// program, and Close once the program's Run returned.
type Screen struct {
	out      io.Writer
	raw      io.Closer // out's own terminal file (openRawTerminal), closed by Close
	tty      *os.File
	mouse    bool
	interval time.Duration

	mu      sync.Mutex
	frame   string   // the newest frame handed over
	dirty   bool     // frame is not on the terminal yet
	w, h    int      // the terminal's size; 0 until known
	full    bool     // the next frame repaints the whole screen
	seqs    []string // control sequences for the terminal, written before the next frame
	title   string   // the window title last queued
	running bool     // the writer goroutine runs
	closed  bool
	wake    chan struct{}
	stop    chan struct{}  // closed to stop the writer goroutine
	exited  chan struct{}  // closed when it stopped
	saved   *term.State    // tty's mode before the run
	ticks   chan os.Signal // size change signals
	done    chan struct{}  // closed by Close
	modes   [3]string      // the mouse, cursor and paste sequences last queued ("": as screenEnter left them)

	// wmu is held while a frame is rendered and written, and by Join: pt is what the
	// terminal shows.
	wmu sync.Mutex
	pt  painter
}

// painter is what one writer goroutine knows of the terminal.
type painter struct {
	last screenGrid // what the screen shows
	pen  sgrState
	buf  []byte
	// p, spare and split are kept from frame to frame: a frame's parser (ansi.NewParser's
	// buffer alone is 64 KB), lines and line texts were most of what a frame allocated, and
	// of what an idle second cost in the garbage collector's time.
	p     *ansi.Parser
	spare []screenLine // the lines of the grid before last, for the next one
	split []string
}

// NewScreen returns a Screen for opts; it draws nothing before the program starts.
func NewScreen(opts ScreenOptions) *Screen {
	fps := opts.FPS
	if fps <= 0 {
		fps = 20
	}
	out := opts.Out
	raw := openRawTerminal(out)
	if raw != nil {
		out = raw
	}
	return &Screen{
		out: out, raw: raw, tty: opts.TTY, mouse: opts.Mouse,
		interval: time.Second / time.Duration(fps),
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
}

// ProgramOptions are the options a program drawn by s needs: no renderer of Bubble Tea's own,
// and a filter that gives the terminal back before a suspend.
func (s *Screen) ProgramOptions() []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithoutRenderer(), tea.WithFilter(s.filter)}
}

// Model wraps m so that its frames, its window title and its size go to s.
func (s *Screen) Model(m tea.Model) tea.Model { return screenModel{Model: m, s: s} }

// filter runs before Bubble Tea acts on a message: a suspend must find the terminal restored.
func (s *Screen) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	if _, ok := msg.(tea.SuspendMsg); ok {
		s.release()
	}
	return msg
}

// Close stops drawing and puts the terminal back as it was: the main screen, the cursor, no
// mouse reports, cooked input. It is safe to call more than once.
func (s *Screen) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
		if s.ticks != nil {
			signal.Stop(s.ticks)
		}
	}
	s.mu.Unlock()
	s.release()
	s.mu.Lock()
	raw := s.raw
	s.raw = nil
	s.mu.Unlock()
	if raw != nil {
		_ = raw.Close()
	}
}

// start takes the terminal: raw input, the alternate screen, and the writer goroutine.
func (s *Screen) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running || s.closed {
		return
	}
	if s.tty != nil {
		if st, err := term.MakeRaw(s.tty.Fd()); err == nil {
			s.saved = st
		}
	}
	seqs := screenEnter
	if s.mouse {
		seqs += mouseOn
	}
	// Written before the goroutine starts, and the full repaint after it, in this order.
	s.seqs = append([]string{seqs}, s.seqs...)
	s.full, s.dirty = true, s.frame != ""
	s.running = true
	s.stop, s.exited = make(chan struct{}), make(chan struct{})
	go s.loop(s.stop, s.exited)
	s.poke()
}

// release stops the writer goroutine and gives the terminal back. A terminal that does not
// take the last frame within a second is not waited for any longer.
func (s *Screen) release() {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.running = false
	close(s.stop)
	exited := s.exited
	s.mu.Unlock()
	select {
	case <-exited:
	case <-time.After(time.Second):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = io.WriteString(s.out, screenLeave)
	if s.saved != nil {
		_ = term.Restore(s.tty.Fd(), s.saved)
		s.saved = nil
	}
}

// resume takes the terminal again after a suspend, with a full repaint.
func (s *Screen) resume() { s.start() }

// poke wakes the writer goroutine; s.mu is held.
func (s *Screen) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// draw hands frame over to the writer goroutine, with the window title when the model has
// one; it never waits for the terminal.
func (s *Screen) draw(frame, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setTitle(title)
	if frame == s.frame && !s.full && len(s.seqs) == 0 {
		return
	}
	s.frame, s.dirty = frame, true
	s.poke()
}

// setTitle queues the window title t when it changed; s.mu is held.
func (s *Screen) setTitle(t string) {
	if t != "" && t != s.title {
		s.title = t
		s.seqs = append(s.seqs, ansi.SetWindowTitle(t))
		s.poke()
	}
}

// resize records the terminal's new size; the next frame repaints everything, as a terminal
// may have rewrapped or cut what it showed.
func (s *Screen) resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w == s.w && h == s.h {
		return
	}
	s.w, s.h, s.full, s.dirty = w, h, true, true
	s.poke()
}

// repaint makes the next frame a full one (tea.ClearScreen).
func (s *Screen) repaint() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.full, s.dirty = true, true
	s.poke()
}

// send queues a control sequence for the terminal.
func (s *Screen) send(seq string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seqs = append(s.seqs, seq)
	switch seq {
	case mouseOn, mouseAllOn, mouseOff:
		s.modes[0] = seq
	case "\x1b[?25h", "\x1b[?25l":
		s.modes[1] = seq
	case "\x1b[?2004h", "\x1b[?2004l":
		s.modes[2] = seq
	}
	s.poke()
}

// Join calls attach with what draws the screen as it is now on a terminal that shows none of
// it yet (the alternate screen, the modes, the title, every cell, and the pen where the next
// frame expects it), while no frame is written. A writer that hands each frame's bytes to
// several terminals adds one in attach: from then on the frames hold for it as for the
// others, and the screen's model, render and encoding are paid once for all of them.
func (s *Screen) Join(attach func(repaint []byte)) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	b := []byte(screenEnter)
	if s.mouse {
		b = append(b, mouseOn...)
	}
	for _, m := range s.modes {
		b = append(b, m...)
	}
	if s.title != "" {
		b = append(b, ansi.SetWindowTitle(s.title)...)
	}
	s.mu.Unlock()
	if last := &s.pt.last; last.w > 0 && last.h > 0 {
		// screenEnter cleared the screen and homed the cursor with the pen reset.
		pen := sgrState{known: true, placed: true}
		blank := blankGrid(last.w, last.h)
		b = diffFrames(b, &blank, last, &pen, newParser())
		// The next frame is written for the pen the others' terminals have.
		if want := s.pt.pen; want.known || want.placed {
			if want.known {
				b = setPen(b, &pen, want.style)
			}
			if want.placed {
				pen.placed = false
				b = moveTo(b, &pen, want.y, want.x)
			}
		}
	}
	attach(b)
}

// loop writes frames until stop is closed: at once when one comes after a quiet spell, and no
// sooner than interval after the last write otherwise. It holds no timer while idle.
func (s *Screen) loop(stop <-chan struct{}, exited chan<- struct{}) {
	defer close(exited)
	var next time.Time
	var timer *time.Timer
	for {
		select {
		case <-s.wake:
		case <-stop:
			return
		}
		if d := time.Until(next); d > 0 {
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			select {
			case <-timer.C:
			case <-stop:
				timer.Stop()
				return
			}
		}
		if s.flush() {
			next = time.Now().Add(s.interval)
		}
	}
}

// flush writes what changed since the last write, and reports whether it wrote anything.
func (s *Screen) flush() bool {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	pt := &s.pt
	s.mu.Lock()
	seqs, frame, dirty, full, w, h := s.seqs, s.frame, s.dirty, s.full, s.w, s.h
	s.seqs, s.dirty = nil, false
	if dirty && w > 0 && h > 0 {
		s.full = false
	}
	s.mu.Unlock()
	b := pt.buf[:0]
	for _, seq := range seqs {
		b = append(b, seq...)
	}
	if dirty && w > 0 && h > 0 {
		b = pt.render(b, frame, w, h, full)
	}
	pt.buf = b
	if len(b) == 0 {
		return false
	}
	_, _ = s.out.Write(b)
	return true
}

// render appends to b what turns the terminal's screen into frame.
func (pt *painter) render(b []byte, frame string, w, h int, full bool) []byte {
	if pt.p == nil {
		pt.p = newParser()
	}
	pt.split = splitLines(pt.split[:0], frame)
	next := layFrame(pt.split, w, h, &pt.last, pt.p, pt.spare)
	if full || pt.last.w != w || pt.last.h != h {
		b = append(b, "\x1b[m\x1b[H\x1b[2J"...)
		pt.pen = sgrState{known: true, placed: true}
		pt.last = blankGrid(w, h)
	}
	b = diffFrames(b, &pt.last, &next, &pt.pen, pt.p)
	// The old grid's lines are reused for the frame after next; their cells are not: a line
	// that did not change shares its cells with the grid that follows.
	pt.spare, pt.last = pt.last.lines, next
	return b
}

// newParser is a parser for frames: the screen reads SGR parameters, never the data of an
// OSC or DCS (a line holding one is written whole), so its data buffer is small.
func newParser() *ansi.Parser {
	p := new(ansi.Parser)
	p.SetParamsSize(32)
	p.SetDataSize(256)
	return p
}

// splitLines appends the lines of frame to dst, as strings.Split(frame, "\n") would.
func splitLines(dst []string, frame string) []string {
	for {
		i := strings.IndexByte(frame, '\n')
		if i < 0 {
			return append(dst, frame)
		}
		dst, frame = append(dst, frame[:i]), frame[i+1:]
	}
}

// screenModel is a program's model drawn by a Screen.
type screenModel struct {
	tea.Model
	s *Screen
}

// resizedMsg is the terminal's new size, read after a size change signal.
type resizedMsg tea.WindowSizeMsg

// titleType is the type of tea.SetWindowTitle's message, which is not exported.
var titleType = reflect.TypeOf(tea.SetWindowTitle("")())

func (m screenModel) Init() tea.Cmd {
	m.s.start()
	cmds := []tea.Cmd{m.Model.Init()}
	if m.s.tty != nil {
		m.s.mu.Lock()
		if m.s.ticks == nil && len(resizeSignals) > 0 {
			m.s.ticks = make(chan os.Signal, 1)
			signal.Notify(m.s.ticks, resizeSignals...)
		}
		m.s.mu.Unlock()
		cmds = append(cmds, m.s.size, m.s.waitResize)
	}
	return tea.Batch(cmds...)
}

// size reads the terminal's size.
func (s *Screen) size() tea.Msg {
	f, ok := s.out.(term.File)
	if !ok {
		f = s.tty
	}
	w, h, err := term.GetSize(f.Fd())
	if err != nil {
		return nil
	}
	return resizedMsg{Width: w, Height: h}
}

// waitResize waits for the next size change signal, then reads the size.
func (s *Screen) waitResize() tea.Msg {
	s.mu.Lock()
	ticks := s.ticks
	s.mu.Unlock()
	if ticks == nil {
		return nil
	}
	select {
	case <-ticks:
		return s.size()
	case <-s.done:
		return nil
	}
}

func (m screenModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var again tea.Cmd
	switch msg := msg.(type) {
	case resizedMsg:
		m.s.resize(msg.Width, msg.Height)
		again = m.s.waitResize
		next, cmd := m.Model.Update(tea.WindowSizeMsg(msg))
		m.Model = next
		return m, tea.Batch(cmd, again)
	case tea.WindowSizeMsg:
		m.s.resize(msg.Width, msg.Height)
	case tea.ResumeMsg:
		m.s.resume()
		if m.s.tty != nil {
			again = m.s.size
		}
	}
	switch {
	case reflect.TypeOf(msg) == titleType:
		m.s.mu.Lock()
		m.s.setTitle(reflect.ValueOf(msg).String())
		m.s.mu.Unlock()
	case msg == tea.ClearScreen():
		m.s.repaint()
	case msg == tea.EnableMouseCellMotion():
		m.s.send(mouseOn)
	case msg == tea.EnableMouseAllMotion():
		m.s.send(mouseAllOn)
	case msg == tea.DisableMouse():
		m.s.send(mouseOff)
	case msg == tea.ShowCursor():
		m.s.send("\x1b[?25h")
	case msg == tea.HideCursor():
		m.s.send("\x1b[?25l")
	case msg == tea.EnableBracketedPaste():
		m.s.send("\x1b[?2004h")
	case msg == tea.DisableBracketedPaste():
		m.s.send("\x1b[?2004l")
	}
	next, cmd := m.Model.Update(msg)
	m.Model = next
	if again != nil {
		cmd = tea.Batch(cmd, again)
	}
	return m, cmd
}

// Titled is a model that says its window title. Its title is written with the frame that
// View returns, where the tea.SetWindowTitle it also sends would come a message later: a
// screen and its title (a tmux tab) that show the same counts.
type Titled interface {
	WindowTitle() string
}

// View hands the frame to the screen; Bubble Tea's renderer, off, gets nothing.
func (m screenModel) View() string {
	title := ""
	if t, ok := m.Model.(Titled); ok {
		title = t.WindowTitle()
	}
	m.s.draw(m.Model.View(), title)
	return ""
}

// WindowTitle is the model's window title (Titled).
func (m Model) WindowTitle() string { return m.title }

// The cells of a frame.

// sgr attribute bits.
const (
	attrBold uint16 = 1 << iota
	attrFaint
	attrItalic
	attrUnderline
	attrBlink
	attrRapidBlink
	attrReverse
	attrConceal
	attrStrike
	attrOverline
)

// sgrAttrs are the attributes' SGR parameters, in bit order.
var sgrAttrs = [...]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "53"}

// color is a colour as written in SGR: 0 is the default; the top byte says how it was given
// (1: one of the 16, 2: one of 256, 3: RGB) and the rest is its index or RGB value.
type color uint32

const (
	colorBasic color = 1 << 24
	color256   color = 2 << 24
	colorRGB   color = 3 << 24
)

// style is a cell's SGR state.
type style struct {
	attrs      uint16
	fg, bg, ul color
}

// sgrState is the pen of the terminal: the style its next character takes, if known, and
// where the cursor is, if known.
type sgrState struct {
	style
	known  bool
	x, y   int
	placed bool
}

// cell is one column of the screen. A wide grapheme is in its first column; the second has
// an empty s and width 0.
type cell struct {
	s     string
	width uint8
	style
}

var blankCell = cell{s: " ", width: 1}

// screenLine is one row of the screen. An opaque line holds sequences other than SGR (or a
// grapheme whose width terminals disagree on): it is written whole, as Bubble Tea did, from
// raw with the style start.
type screenLine struct {
	cells  []cell
	opaque bool
	raw    string
	start  style // the pen before the line
	end    style // the pen after it
}

// screenGrid is what the screen shows, a line per row.
type screenGrid struct {
	w, h  int
	lines []screenLine
}

func blankGrid(w, h int) screenGrid {
	g := screenGrid{w: w, h: h, lines: make([]screenLine, h)}
	for i := range g.lines {
		g.lines[i] = blankLine(w)
	}
	return g
}

func blankLine(w int) screenLine {
	l := screenLine{cells: make([]cell, w)}
	for i := range l.cells {
		l.cells[i] = blankCell
	}
	return l
}

// parseFrame lays frame out on a w x h screen as Bubble Tea's renderer did: lines cut to the
// width, and only the last h lines when there are more. A line as in prev (the frame before)
// is taken from it: most lines of most frames did not change.
func parseFrame(frame string, w, h int, prev *screenGrid) screenGrid {
	return layFrame(strings.Split(frame, "\n"), w, h, prev, newParser(), nil)
}

// layFrame is parseFrame of a frame's lines, with the parser p; the grid's lines reuse spare's
// array when it is long enough, and a line parsed anew the cells of spare's line at its row
// when prev does not share them. spare is the grid before prev: its lines are prev's where
// they did not change, and their cells are no one's once prev's differ.
func layFrame(lines []string, w, h int, prev *screenGrid, p *ansi.Parser, spare []screenLine) screenGrid {
	g := screenGrid{w: w, h: h}
	if cap(spare) >= h {
		g.lines = spare[:h]
	} else {
		g.lines = make([]screenLine, h)
	}
	skipped := lines
	if len(lines) > h {
		skipped, lines = lines[:len(lines)-h], lines[len(lines)-h:]
	} else {
		skipped = nil
	}
	var pen style
	for _, l := range skipped { // their SGR carries over, as on a terminal
		pen = endStyle(l, pen, p)
	}
	for i := range g.lines {
		if i >= len(lines) {
			g.lines[i] = blankLine(w)
			continue
		}
		if prev != nil && prev.w == w && i < len(prev.lines) {
			if l := &prev.lines[i]; l.raw == lines[i] && l.start == pen && l.cells != nil {
				g.lines[i] = *l
				pen = l.end
				continue
			}
		}
		g.lines[i] = parseLine(lines[i], w, pen, p, freeCells(spare, prev, i))
		pen = g.lines[i].end
	}
	return g
}

// freeCells is the cells of spare's line i when prev's line i does not share them, emptied,
// for a line to be parsed into; nil when there are none.
func freeCells(spare []screenLine, prev *screenGrid, i int) []cell {
	if i >= len(spare) || cap(spare[i].cells) == 0 {
		return nil
	}
	c := spare[i].cells[:0]
	if prev != nil && i < len(prev.lines) {
		if p := prev.lines[i].cells; cap(p) > 0 && &p[:1][0] == &c[:1][0] {
			return nil
		}
	}
	return c
}

// endStyle is the pen after line, which started with pen.
func endStyle(line string, pen style, p *ansi.Parser) style {
	if !strings.Contains(line, "\x1b[") {
		return pen
	}
	var state byte
	for len(line) > 0 {
		seq, _, n, next := ansi.DecodeSequence(line, state, p)
		state, line = next, line[n:]
		if len(seq) > 1 && seq[0] == ansi.ESC && ansi.Cmd(p.Command()).Final() == 'm' {
			pen, _ = applySGR(pen, p.Params())
		}
	}
	return pen
}

// parseLine reads line's first w columns into cells, line starting with the style pen, and
// the pen after the whole line. The cells are appended to buf, nil or empty.
func parseLine(line string, w int, pen style, p *ansi.Parser, buf []cell) screenLine {
	if cap(buf) < w {
		buf = make([]cell, 0, w)
	}
	l := screenLine{cells: buf, raw: line, start: pen}
	var state byte
	col := 0
	for len(line) > 0 {
		if c := line[0]; state == 0 && c >= 0x20 && c < 0x7f && col < w && text.KeycapLen(line) == 0 {
			// Printable ASCII, most of a frame, is a cell each: decoding it as a sequence
			// was most of a changed line's cost. A combining mark after it is decoded on its
			// own and makes the line opaque, as its cluster would.
			l.cells = append(l.cells, normal(cell{s: line[:1], width: 1, style: pen}))
			col++
			line = line[1:]
			continue
		}
		seq, width, n, next := decodeGrapheme(line, state, p)
		state, line = next, line[n:]
		switch {
		case width == 0 && len(seq) > 0 && (seq[0] == ansi.ESC || seq[0] >= 0x80 && seq[0] < 0xa0):
			cmd := ansi.Cmd(p.Command())
			if seq[0] == ansi.ESC && len(seq) > 2 && seq[1] == '[' && cmd.Final() == 'm' && cmd.Prefix() == 0 && cmd.Intermediate() == 0 {
				var ok bool
				if pen, ok = applySGR(pen, p.Params()); !ok {
					l.opaque = true
				}
				continue
			}
			l.opaque = true
		case width == 0:
			// Control characters and zero-width runs draw nothing.
			if len(seq) > 0 && seq[0] >= 0x20 {
				l.opaque = true
			}
		case col+width > w:
			// Cut to the width (a wide grapheme that does not fit is left out); what the
			// rest sets of the pen still carries over to the next line.
			pen = endStyle(line, pen, p)
			line = ""
		default:
			if width > 2 || len(seq) > 1 && !singleRune(seq) {
				// Clusters (ZWJ emoji, flags, combining marks) are where terminals disagree
				// about widths: the line is written whole, so no position after it is trusted.
				l.opaque = true
			}
			c := cell{s: seq, width: uint8(width), style: pen}
			l.cells = append(l.cells, normal(c))
			col += width
			for range width - 1 {
				l.cells = append(l.cells, cell{style: c.style})
			}
		}
	}
	for len(l.cells) < w {
		l.cells = append(l.cells, blankCell)
	}
	l.end = pen
	return l
}

// decodeGrapheme is ansi.DecodeSequence, but a keycap (1️⃣), which ansi reads as its ASCII
// base and marks of no width, is one grapheme two cells wide, as text.Width measures it.
func decodeGrapheme(s string, state byte, p *ansi.Parser) (seq string, width, n int, next byte) {
	if n := text.KeycapLen(s); state == 0 && n > 0 {
		return s[:n], 2, n, 0
	}
	return ansi.DecodeSequence(s, state, p)
}

func singleRune(s string) bool {
	for i := range s {
		if i > 0 {
			return false
		}
	}
	return true
}

// normal drops the style a space does not show (colour and weight of its glyph), so that
// equal-looking cells compare equal.
func normal(c cell) cell {
	if c.s == " " && c.attrs&attrReverse == 0 {
		c.fg = 0
		c.attrs &^= attrBold | attrFaint | attrItalic | attrBlink | attrRapidBlink | attrConceal
		if c.attrs&(attrUnderline|attrStrike|attrOverline) == 0 {
			c.ul = 0
		}
	}
	return c
}

// applySGR returns pen after the SGR parameters params; ok is false for parameters the screen
// does not model.
func applySGR(pen style, params ansi.Params) (style, bool) {
	if len(params) == 0 {
		return style{}, true
	}
	ok := true
	for i := 0; i < len(params); i++ {
		if params[i].HasMore() {
			return pen, false // sub-parameters (4:3, 38:2::r:g:b)
		}
		v := params[i].Param(0)
		switch {
		case v == 0:
			pen = style{}
		case v >= 1 && v <= 9:
			pen.attrs |= 1 << (v - 1)
		case v == 53:
			pen.attrs |= attrOverline
		case v == 22:
			pen.attrs &^= attrBold | attrFaint
		case v == 23:
			pen.attrs &^= attrItalic
		case v == 24:
			pen.attrs &^= attrUnderline
		case v == 25:
			pen.attrs &^= attrBlink | attrRapidBlink
		case v == 27:
			pen.attrs &^= attrReverse
		case v == 28:
			pen.attrs &^= attrConceal
		case v == 29:
			pen.attrs &^= attrStrike
		case v == 55:
			pen.attrs &^= attrOverline
		case v >= 30 && v <= 37:
			pen.fg = colorBasic | color(v-30)
		case v >= 90 && v <= 97:
			pen.fg = colorBasic | color(v-90+8)
		case v >= 40 && v <= 47:
			pen.bg = colorBasic | color(v-40)
		case v >= 100 && v <= 107:
			pen.bg = colorBasic | color(v-100+8)
		case v == 39:
			pen.fg = 0
		case v == 49:
			pen.bg = 0
		case v == 59:
			pen.ul = 0
		case v == 38 || v == 48 || v == 58:
			var c color
			c, i, ok = extColor(params, i)
			if !ok {
				return pen, false
			}
			switch v {
			case 38:
				pen.fg = c
			case 48:
				pen.bg = c
			default:
				pen.ul = c
			}
		default:
			return pen, false
		}
	}
	return pen, ok
}

// extColor reads the colour of 38;5;n or 38;2;r;g;b at params[i], and returns the index of
// its last parameter.
func extColor(params ansi.Params, i int) (color, int, bool) {
	if i+2 < len(params) && params[i+1].Param(0) == 5 {
		return color256 | color(params[i+2].Param(0)&0xff), i + 2, true
	}
	if i+4 < len(params) && params[i+1].Param(0) == 2 {
		r, g, b := params[i+2].Param(0)&0xff, params[i+3].Param(0)&0xff, params[i+4].Param(0)&0xff
		return colorRGB | color(r<<16|g<<8|b), i + 4, true
	}
	return 0, i, false
}

// appendColor appends c's SGR parameters for the foreground (base 30), background (40) or
// underline (50).
func appendColor(b []byte, c color, base int) []byte {
	v := int(c & 0xffffff)
	switch c &^ 0xffffff {
	case colorBasic:
		if v < 8 {
			return strconv.AppendInt(b, int64(base+v), 10)
		}
		if base == 50 {
			return append(append(b, "58;5;"...), strconv.Itoa(v)...)
		}
		return strconv.AppendInt(b, int64(base+60+v-8), 10)
	case color256:
		b = strconv.AppendInt(b, int64(base+8), 10)
		b = append(b, ";5;"...)
		return strconv.AppendInt(b, int64(v), 10)
	case colorRGB:
		b = strconv.AppendInt(b, int64(base+8), 10)
		b = append(b, ";2;"...)
		b = strconv.AppendInt(b, int64(v>>16), 10)
		b = append(b, ';')
		b = strconv.AppendInt(b, int64(v>>8&0xff), 10)
		b = append(b, ';')
		return strconv.AppendInt(b, int64(v&0xff), 10)
	}
	return strconv.AppendInt(b, int64(base+9), 10)
}

// setPen appends the shortest SGR sequence this screen knows from pen to st.
func setPen(b []byte, pen *sgrState, st style) []byte {
	if pen.known && pen.style == st {
		return b
	}
	if st == (style{}) {
		pen.style, pen.known = st, true
		return append(b, "\x1b[m"...)
	}
	b = append(b, "\x1b["...)
	from := pen.style
	// An attribute or colour to turn off needs a reset (22 would take bold and faint both).
	if !pen.known || from.attrs&^st.attrs != 0 || from.fg != 0 && st.fg == 0 ||
		from.bg != 0 && st.bg == 0 || from.ul != 0 && st.ul == 0 {
		b = append(b, '0', ';')
		from = style{}
	}
	for i, p := range sgrAttrs {
		if bit := uint16(1) << i; st.attrs&bit != 0 && from.attrs&bit == 0 {
			b = append(append(b, p...), ';')
		}
	}
	if st.fg != from.fg {
		b = append(appendColor(b, st.fg, 30), ';')
	}
	if st.bg != from.bg {
		b = append(appendColor(b, st.bg, 40), ';')
	}
	if st.ul != from.ul {
		b = append(appendColor(b, st.ul, 50), ';')
	}
	b[len(b)-1] = 'm'
	pen.style, pen.known = st, true
	return b
}

// diffFrames appends what turns the screen old into next: each changed run of cells, from its
// first changed cell, and the end of a line that got shorter erased.
func diffFrames(b []byte, old, next *screenGrid, pen *sgrState, p *ansi.Parser) []byte {
	for y := range next.lines {
		o, n := &old.lines[y], &next.lines[y]
		if o.raw == n.raw && o.start == n.start && o.opaque == n.opaque && len(o.cells) == len(n.cells) {
			continue // laid out the same: most lines of most frames
		}
		switch {
		case n.opaque:
			b = rawLine(b, y, n, next.w, pen, p)
		case o.opaque:
			// Where the terminal put o's cells is not known: every cell of n is written.
			b = diffLine(b, y, nil, n.cells, pen)
		default:
			b = diffLine(b, y, o.cells, n.cells, pen)
		}
	}
	return b
}

// rawLine writes line l at row y whole, cut to the width w (what the rest sets of the pen
// still written), and erases what is after it. After each grapheme of several code points (a
// ZWJ sequence, a flag, a skin tone, a variation selector, a keycap) the cursor is put where
// the frame's next column is: terminals disagree on such widths (tmux 3.3 draws 👍🏽 four cells wide and ❤️
// one, xterm 👨‍👩‍👧 six), and the columns after a name would otherwise be off by the difference.
// Where the terminal draws the grapheme wider, what follows overwrites its tail; narrower, a
// blank cell is left (its cells are erased before it is written).
func rawLine(b []byte, y int, l *screenLine, w int, pen *sgrState, p *ansi.Parser) []byte {
	b = moveTo(b, pen, y, 0)
	pen.known = false
	b = setPen(b, pen, l.start)
	line, col, cut := l.raw, 0, false
	var state byte
	for len(line) > 0 {
		seq, width, n, next := decodeGrapheme(line, state, p)
		state, line = next, line[n:]
		switch {
		case width == 0 && len(seq) > 0 && seq[0] >= 0x20 && seq[0] != ansi.ESC && (seq[0] < 0x80 || seq[0] >= 0xa0):
			// A zero-width mark goes with the grapheme before it, if that was written.
			if !cut {
				b = append(b, seq...)
			}
		case width == 0:
			b = append(b, seq...) // sequences: the pen, a hyperlink...
		case cut || col+width > w:
			cut = true
		default:
			pinned := !singleRune(seq)
			if pinned {
				// Blank its cells first (ECH, in the pen's background): a terminal that
				// draws it narrower would otherwise leave what the row showed before.
				b = append(b, "\x1b["...)
				b = strconv.AppendInt(b, int64(width), 10)
				b = append(b, 'X')
			}
			b = append(b, seq...)
			col += width
			if col < w && pinned {
				b = append(b, "\x1b["...)
				b = strconv.AppendInt(b, int64(y+1), 10)
				b = append(b, ';')
				b = strconv.AppendInt(b, int64(col+1), 10)
				b = append(b, 'H')
			}
		}
	}
	pen.known, pen.placed = false, false
	if col < w {
		b = setPen(b, pen, style{})
		b = append(b, "\x1b[K"...)
	}
	return b
}

// mergeGap is how many bytes of unchanged cells between two changed runs are rewritten
// rather than jumped over: a cursor move on the row costs 3-5.
const mergeGap = 4

// minShift is how many bytes of cells a shift must spare to be used: its sequences cost
// about 15.
const minShift = 24

// findShifts returns the runs [a, e) of n that are o moved one cell to the left (a sparkline
// that took a sample) and worth moving rather than writing. Rows with wide graphemes have
// none.
func findShifts(o, n []cell) [][2]int {
	w := len(n)
	for i := range w {
		if o[i].width != 1 || n[i].width != 1 {
			return nil
		}
	}
	var shifts [][2]int
	for a := 0; a < w-1; {
		if sameCell(&n[a], &o[a]) || !sameCell(&n[a], &o[a+1]) {
			a++
			continue
		}
		e, spared := a, 0
		for e < w-1 && sameCell(&n[e], &o[e+1]) {
			if !sameCell(&n[e], &o[e]) {
				spared += len(n[e].s)
			}
			e++
		}
		if spared >= minShift {
			shifts = append(shifts, [2]int{a, e})
		}
		a = e + 1
	}
	return shifts
}

// diffLine appends what turns row y's cells o into n; a nil o matches nothing. A run that
// moved one cell left is moved by deleting a cell at its start and inserting one at its end:
// what comes after it stays in place, and only the new last cell is written.
func diffLine(b []byte, y int, o, n []cell, pen *sgrState) []byte {
	w := len(n)
	// Cells before lo are the same in o and n: most changes are a few cells (a clock's
	// digits), and neither the runs nor the shifts below need to look there.
	lo := 0
	var shifts [][2]int
	if o != nil {
		for lo < w && sameCell(&o[lo], &n[lo]) {
			lo++
		}
		if lo == w {
			return b
		}
		hi := w
		for hi > lo && sameCell(&o[hi-1], &n[hi-1]) {
			hi--
		}
		// A shift spares at most the changed cells' bytes, all of them between lo and hi.
		if spanBytes(n[lo:hi]) >= minShift {
			if shifts = findShifts(o, n); shifts != nil {
				o = slices.Clone(o) // as the terminal shows it, shifts done
			}
		}
	}
	same := func(x int) bool { return o != nil && sameCell(&o[x], &n[x]) }
	// end is where n's last non-blank cell ends: past it, erasing is cheaper than writing.
	end := w
	for end > 0 && sameCell(&n[end-1], &blankCell) {
		end--
	}
	for x := lo; x < w; x++ {
		if len(shifts) > 0 && x == shifts[0][0] {
			a, e := shifts[0][0], shifts[0][1]
			shifts = shifts[1:]
			if !pen.known || pen.bg != 0 {
				b = setPen(b, pen, style{}) // the blanks take the pen's background
			}
			b = moveTo(b, pen, y, a)
			b = append(b, "\x1b[P"...)
			b = moveTo(b, pen, y, e)
			b = append(b, "\x1b[@"...)
			copy(o[a:e], n[a:e])
			o[e] = blankCell
		}
		if same(x) {
			continue
		}
		limit := w // a run stops where a shift starts
		if len(shifts) > 0 {
			limit = shifts[0][0]
		}
		from, last := x, x
		for from > 0 && n[from].width == 0 {
			from-- // the change is in the second half of a wide grapheme: write it whole
		}
		for j, gap := x+1, 0; j < limit; j++ {
			if !same(j) {
				last, gap = j, 0
				continue
			}
			if gap += len(n[j].s); gap > mergeGap || n[j].style != n[last].style {
				break
			}
		}
		to := last + 1
		for to < w && n[to].width == 0 {
			to++
		}
		b = moveTo(b, pen, y, from)
		erase := to > end
		if erase {
			// The rest of the row is blank in n: erased instead of written as spaces.
			to = max(end, from)
		}
		for i := from; i < to; i++ {
			if c := n[i]; c.width > 0 {
				b = setPen(b, pen, c.style)
				b = append(b, c.s...)
				pen.x += int(c.width)
			}
		}
		// At the last column the cursor waits to wrap: where it is next is not trusted.
		pen.placed = pen.placed && pen.x < w
		if erase {
			b = setPen(b, pen, style{})
			return append(b, "\x1b[K"...)
		}
		x = to - 1
	}
	return b
}

// sameCell is *a == *b without the call a string comparison makes: most cells are a byte,
// and the diff compares every cell of a changed line.
func sameCell(a, b *cell) bool {
	if a.style != b.style || a.width != b.width || len(a.s) != len(b.s) {
		return false
	}
	if len(a.s) == 1 {
		return a.s[0] == b.s[0]
	}
	return a.s == b.s
}

// spanBytes is how many bytes cells write.
func spanBytes(cells []cell) int {
	n := 0
	for i := range cells {
		n += len(cells[i].s)
	}
	return n
}

// moveTo appends the cursor's move to row y, column x (both from 0), unless it is there.
func moveTo(b []byte, pen *sgrState, y, x int) []byte {
	if pen.placed && pen.y == y {
		// On the same row a relative move is shorter.
		dx := x - pen.x
		pen.x = x
		switch {
		case dx == 0:
			return b
		case x == 0:
			return append(b, '\r')
		case dx == 1:
			return append(b, "\x1b[C"...)
		case dx > 0:
			return append(strconv.AppendInt(append(b, "\x1b["...), int64(dx), 10), 'C')
		case dx == -1:
			return append(b, "\x1b[D"...)
		default:
			return append(strconv.AppendInt(append(b, "\x1b["...), int64(-dx), 10), 'D')
		}
	}
	pen.x, pen.y, pen.placed = x, y, true
	b = append(b, "\x1b["...)
	b = strconv.AppendInt(b, int64(y+1), 10)
	if x > 0 {
		b = append(b, ';')
		b = strconv.AppendInt(b, int64(x+1), 10)
	}
	return append(b, 'H')
}
