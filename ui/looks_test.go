package ui

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// TestLooksOnlyWaitsForTheTick drives a screen as the program does (Update, then View handed
// to the Screen) on a fake clock: a batch that changes only how a service looks writes
// nothing until the tick, which shows it; a state change and a key are written at once, the
// key with the looks that waited.
func TestLooksOnlyWaitsForTheTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := newSignalWriter()
		s := NewScreen(ScreenOptions{Out: out, FPS: FrameRate})
		defer s.Close()
		now := fixedNow
		m := quietModel(func() time.Time { return now })
		var tm tea.Model = s.Model(m)
		s.resize(120, 40)
		s.start()
		send := func(msg tea.Msg) string {
			t.Helper()
			tm, _ = tm.Update(msg)
			tm.View()
			fakeclock.Elapse(time.Second / FrameRate) // past the screen's frame interval
			return ansi.Strip(tm.(screenModel).Model.(Model).View())
		}
		send(nil)
		_, writes := out.state()
		steady := tm.(screenModel).Model.(Model).status[0]
		faster := steady
		faster.LastLatency = 123 * time.Millisecond
		faster.Spark.Push(track.Sample{Latency: faster.LastLatency, OK: true})
		look := statusMsg{"steady": faster}

		expect := func(what string, screen string, wantWrite, wantLatency bool) {
			t.Helper()
			_, n := out.state()
			if wrote := n > writes; wrote != wantWrite {
				t.Errorf("%s: screen written = %v, want %v", what, wrote, wantWrite)
			}
			writes = n
			if shown := strings.Contains(screen, "123ms"); shown != wantLatency {
				t.Errorf("%s: the new latency shown = %v, want %v:\n%s", what, shown, wantLatency, screen)
			}
		}
		expect("a new latency", send(look), false, false)
		now = now.Add(time.Second)
		expect("the tick after it", send(tickMsg(now)), true, true)

		faster.LastLatency = 99 * time.Millisecond
		expect("another latency", send(statusMsg{"steady": faster}), false, true)
		down := faster
		down.State, down.Outage = track.Down, track.Outage{Start: now}
		screen := send(statusMsg{"steady": down})
		expect("a state change", screen, true, false)
		if !strings.Contains(screen, "2 DOWN") {
			t.Errorf("after a state change the header lacks 2 DOWN:\n%s", screen)
		}

		down.Reason = "refused, again"
		expect("a new reason in the same state", send(statusMsg{"steady": down}), false, false)
		screen = send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
		expect("a key", screen, true, false)
		if !strings.Contains(screen, "refused, again") {
			t.Errorf("the key's frame lacks the reason that waited:\n%s", screen)
		}
	})
}

// TestUnhandledMessageKeepsTheFrame: a message the model does not handle (Bubble Tea sends the
// window title's back through it) draws nothing again, so that a mark set without a message
// waits for the tick as it does after a batch that changes only looks.
func TestUnhandledMessageKeepsTheFrame(t *testing.T) {
	now := fixedNow
	m := quietModel(func() time.Time { return now })
	maint := false
	m.mark = func(name string) notify.Mark { return notify.Mark{Maintenance: maint && name == "steady"} }
	before := m.View()
	maint = true
	type titleMsg string
	next, _ := m.Update(titleMsg("uptty: 1 DOWN"))
	m = next.(Model)
	if got := m.View(); got != before {
		t.Errorf("after a message the model does not handle, View = \n%s\nwant the last frame:\n%s", got, before)
	}
	next, _ = m.Update(tickMsg(now.Add(time.Second)))
	m = next.(Model)
	if got := ansi.Strip(m.View()); !strings.Contains(got, "MAINT") {
		t.Errorf("the tick's frame lacks the mark set before it:\n%s", got)
	}
}

func TestLooksOnly(t *testing.T) {
	m := quietModel(func() time.Time { return fixedNow })
	down := m.status[1] // "down", its outage going on
	up := m.status[0]
	change := func(s track.Status, f func(*track.Status)) track.Status { f(&s); return s }
	for _, tc := range []struct {
		name  string
		batch statusMsg
		want  bool
	}{
		{"a new latency and sample", statusMsg{"steady": change(up, func(s *track.Status) {
			s.LastLatency = time.Second
			s.Spark.Push(track.Sample{Latency: time.Second, OK: true})
		})}, true},
		{"another reason, still DOWN", statusMsg{"down": change(down, func(s *track.Status) { s.Reason = "timeout" })}, true},
		{"the outage's start in another zone", statusMsg{"down": change(down, func(s *track.Status) { s.Outage.Start = s.Outage.Start.UTC() })}, true},
		{"a service it does not show", statusMsg{"gone": {State: track.Down}}, true},
		{"UP to DEGRADED", statusMsg{"steady": change(up, func(s *track.Status) { s.State = track.Degraded })}, false},
		{"paused", statusMsg{"down": change(down, func(s *track.Status) { s.State = track.Paused })}, false},
		{"the outage ended", statusMsg{"down": change(down, func(s *track.Status) { s.State, s.Outage.End = track.Up, fixedNow })}, false},
		{"one look and one state", statusMsg{"steady": change(up, func(s *track.Status) { s.LastLatency++ }), "down": change(down, func(s *track.Status) { s.State = track.Up })}, false},
	} {
		if got := m.looksOnly(tc.batch); got != tc.want {
			t.Errorf("%s: looksOnly = %v, want %v", tc.name, got, tc.want)
		}
	}
}
