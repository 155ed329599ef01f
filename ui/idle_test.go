package ui

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/track"
)

// quietModel is three services at 120x40: UP with no downtime, DOWN for 4 minutes, and UP
// after 30 s of downtime in an hour; the clock from now.
func quietModel(now func() time.Time) Model {
	at := now()
	services := []config.Service{
		svc("steady", "", "http://127.0.0.1:1/", kindHTTP),
		svc("down", "", "http://127.0.0.1:2/", kindHTTP),
		svc("flaky", "", "http://127.0.0.1:3/", kindHTTP),
	}
	up := track.Status{State: track.Up, Since: at.Add(-time.Hour), LastAt: at, LastOK: true, AsOf: at, Observed: time.Hour}
	flaky := up
	flaky.Downtime = 30 * time.Second
	down := track.Status{State: track.Down, Reason: "refused", Outage: track.Outage{Start: at.Add(-4 * time.Minute)}, AsOf: at, Observed: time.Hour}
	m := New(services, map[string]track.Status{"steady": up, "down": down, "flaky": flaky}, nil, Options{
		Renderer: renderer(termenv.ANSI256), Now: now, Location: kst,
	})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return next.(Model)
}

// TestQuietTickIsOneCmd: a second with nothing else to do is the tick's Cmd alone, which
// brings the next whole second: no batch, no other Cmd (each is a goroutine woken every
// second, which is what an idle monitor costs).
func TestQuietTickIsOneCmd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fakeclock.Elapse(300 * time.Millisecond) // off the second, as a real start is
		m := quietModel(time.Now)
		defer m.cancel()
		for range 3 {
			now := time.Now()
			want := now.Truncate(time.Second).Add(time.Second)
			next, cmd := m.Update(tickMsg(now))
			m = next.(Model)
			if cmd == nil {
				t.Fatal("Update(tick) returned no Cmd, want the next tick")
			}
			msg := cmd()
			at, ok := msg.(tickMsg)
			if !ok {
				t.Fatalf("Update(tick)'s Cmd returned a %T, want a tickMsg alone", msg)
			}
			if !time.Time(at).Equal(want) || !time.Now().Equal(want) {
				t.Errorf("tick at %v (now %v), want %v", time.Time(at), time.Now(), want)
			}
		}
	})
}

// TestQuietTickRestylesNoRow: a second that changes none of a row's texts draws no row again
// (its cache entry is kept); the DOWN row, whose outage clock ticks, is drawn again, and the
// screen is the one a fresh draw gives.
func TestQuietTickRestylesNoRow(t *testing.T) {
	now := fixedNow
	m := quietModel(func() time.Time { return now })
	_ = m.View()
	before := make([]rowKey, len(m.drawn.lines))
	for i, e := range m.drawn.lines {
		before[i] = e.key
	}
	next, _ := m.Update(tickMsg(now.Add(time.Second)))
	m = next.(Model)
	got := m.View()
	fresh := m
	fresh.drawn = nil
	if want := fresh.View(); got != want {
		t.Fatalf("the screen after a tick differs from a fresh draw:\n%s\nwant:\n%s", got, want)
	}
	for line, e := range m.drawn.lines {
		if e.key.svc == nil {
			continue
		}
		name := e.key.svc.Name
		// flaky's uptime creeps up by less than its two decimals show in a second.
		wantSame := name == "steady" || name == "flaky"
		if same := e.key == before[line]; same != wantSame {
			t.Errorf("row %q kept its cache entry = %v, want %v (outage %q, uptime %q)", name, same, wantSame, e.key.tx.outage, e.key.tx.uptime)
		}
	}
}

// TestPainterReusesWhatAFreshParseGives: the painter keeps its parser, lines and line texts from
// frame to frame; the grid it leaves must be the one a fresh parse of the frame gives, through
// SGR that carries over lines, wide and combining graphemes, lines cut to the width, OSC
// sequences and a change of height.
func TestPainterReusesWhatAFreshParseGives(t *testing.T) {
	frames := []struct {
		frame string
		w, h  int
	}{
		{"plain\nlines", 20, 4},
		{"\x1b[1;31mred and bold\nstill red\x1b[m back\nnone", 20, 4},
		{"wide 日本語 here\ncafe\u0301 combining\n\x1b[38;5;200mcolour", 12, 4},
		{"a line far longer than the width \x1b[32mgreen after the cut\nnext is green", 10, 3},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ text\nafter", 20, 3},
		{"one\ntwo\nthree\nfour\nfive\nsix", 20, 4}, // the last h lines
		{"shorter", 20, 2},
		{"shorter", 20, 2},
		{"\x1b[7mreverse   \x1b[m\n   ", 8, 2},
	}
	var pt painter
	for k, f := range frames {
		pt.buf = pt.render(pt.buf[:0], f.frame, f.w, f.h, k == 0)
		want := parseFrame(f.frame, f.w, f.h, nil)
		if pt.last.w != want.w || pt.last.h != want.h || len(pt.last.lines) != len(want.lines) {
			t.Fatalf("frame %d: grid %dx%d with %d lines, want %dx%d with %d", k, pt.last.w, pt.last.h, len(pt.last.lines), want.w, want.h, len(want.lines))
		}
		for y := range want.lines {
			g, w := pt.last.lines[y], want.lines[y]
			if g.raw != w.raw || g.opaque != w.opaque || g.start != w.start || g.end != w.end || !sameCells(g.cells, w.cells) {
				t.Errorf("frame %d line %d = %+v, want %+v", k, y, g, w)
			}
		}
	}
}

func sameCells(a, b []cell) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestParseLineASCIIFastPath: a line of printable ASCII is read as the decoder reads it, cell
// for cell, with the pen of the SGR around it.
func TestParseLineASCIIFastPath(t *testing.T) {
	line := "ok \x1b[1mbold\x1b[22m ~!" + strings.Repeat("x", 30)
	got := parseLine(line, 20, style{}, newParser(), nil)
	if len(got.cells) != 20 || got.opaque {
		t.Fatalf("parseLine = %d cells, opaque %v; want 20, not opaque", len(got.cells), got.opaque)
	}
	var text strings.Builder
	for i, c := range got.cells {
		text.WriteString(c.s)
		if bold := c.attrs&attrBold != 0; bold != (i >= 3 && i < 7) {
			t.Errorf("cell %d %q bold = %v", i, c.s, bold)
		}
	}
	if want := "ok bold ~!" + strings.Repeat("x", 10); text.String() != want {
		t.Errorf("cells read %q, want %q", text.String(), want)
	}
}

// TestKeptLinesAreAFreshDraw: the header, footer and column titles kept from frame to frame
// (headerKey, footerKey, titlesKey) are what a fresh draw gives, through ticks, a state change,
// a filter, a reload's note, widths too narrow for the clock and back, and a cursor move.
func TestKeptLinesAreAFreshDraw(t *testing.T) {
	now := fixedNow
	m := quietModel(func() time.Time { return now })
	check := func(step string) {
		t.Helper()
		got := m.View()
		fresh := m
		fresh.drawn = nil
		if want := fresh.View(); got != want {
			t.Fatalf("%s: the screen differs from a fresh draw:\n%s\nwant:\n%s", step, got, want)
		}
	}
	update := func(msg tea.Msg) {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	tick := func() {
		now = now.Add(time.Second)
		update(tickMsg(now))
	}
	check("start")
	tick()
	check("a tick")
	s := m.status[m.index["steady"]]
	s.State, s.Reason, s.Outage = track.Down, "timeout", track.Outage{Start: now}
	update(statusMsg{"steady": s})
	check("steady goes DOWN")
	tick()
	check("a tick with two outages")
	update(Reloaded{Services: m.services})
	check("reloaded")
	for _, w := range []int{12, 20, 40, 120} {
		update(tea.WindowSizeMsg{Width: w, Height: 10})
		check("width " + itoa(w))
		tick()
		check("a tick at width " + itoa(w))
	}
	m = press(m, "down", "!")
	check("a cursor move and problems only")
	tick()
	check("a tick with problems only")
	// Where the header has no room for it, the column titles say what the list hides.
	for _, w := range []int{30, 33, 36, 40, 44} {
		update(tea.WindowSizeMsg{Width: w, Height: 10})
		check("problems only at width " + itoa(w))
		m = press(m, "!")
		check("problems only off at width " + itoa(w))
		m = press(m, "!")
		check("problems only on again at width " + itoa(w))
	}
	update(tea.WindowSizeMsg{Width: 120, Height: 40})
	now = now.Add(reloadedFor)
	update(tickMsg(now))
	check("the reload's note gone")
}

// TestPainterReusesCellsOfLinesThatAlternate: a line parsed into the cells of the line it
// replaced two frames back, while the frame between shares other lines' cells, is laid out as
// a fresh parse gives it, and the diff against the frame before still sees that frame.
func TestPainterReusesCellsOfLinesThatAlternate(t *testing.T) {
	frames := []string{"aaaa\nbbbb\ncccc", "aaaa\nBBBB\ncccc", "AAAA\nbbbb\ncccc", "aaaa\nbbbb\nCCCC", "aaaa\nBBBB\ncccc", "aaaa\nBBBB\ncccc"}
	var pt painter
	for k, f := range frames {
		pt.buf = pt.render(pt.buf[:0], f, 4, 3, k == 0)
		want := parseFrame(f, 4, 3, nil)
		for y := range want.lines {
			if g := pt.last.lines[y]; g.raw != want.lines[y].raw || !sameCells(g.cells, want.lines[y].cells) {
				t.Errorf("frame %d line %d = %q %v, want %q", k, y, g.raw, g.cells, want.lines[y].raw)
			}
		}
		if k > 0 && f != frames[k-1] && len(pt.buf) == 0 {
			t.Errorf("frame %d changed but wrote nothing", k)
		}
		if k > 0 && f == frames[k-1] && len(pt.buf) != 0 {
			t.Errorf("frame %d is the one before but wrote %q", k, pt.buf)
		}
	}
}
