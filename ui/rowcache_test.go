package ui

import (
	"math/rand/v2"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// TestRowCacheDrawsWhatADrawDoes checks that a screen whose rows come from the row cache is
// the screen drawn afresh, through what changes a row: statuses, the clock, the cursor,
// scrolling, a filter, a resize, a reload, and a mark that changes without a status. A batch
// of statuses that changes only looks gives the last frame again (looksOnly).
func TestRowCacheDrawsWhatADrawDoes(t *testing.T) {
	m := fixtureModel(120, 12, termenv.TrueColor, false)
	marked := map[string]bool{}
	m.mark = func(name string) notify.Mark { return notify.Mark{Maintenance: marked[name]} }
	at := fixedNow.Add(-time.Hour)
	states := []track.Status{
		{State: track.Up, LastAt: at, LastOK: true, LastLatency: 12 * time.Millisecond, AsOf: at, Observed: time.Hour},
		{State: track.Up, LastAt: at, LastOK: true, LastLatency: 250 * time.Millisecond, AsOf: at, Observed: time.Hour},
		{State: track.Down, Reason: "refused", Outage: track.Outage{Start: at}},
		{State: track.Up, Outage: track.Outage{Start: at, End: at.Add(time.Minute)}},
		{State: track.Pending, Reason: "timeout"},
	}
	key := func(s string) tea.Msg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	rng := rand.New(rand.NewPCG(3, 4))
	now := fixedNow
	for step := range 300 {
		var msg tea.Msg
		switch r := rng.IntN(10); {
		case r < 4:
			batch := statusMsg{}
			for range rng.IntN(4) + 1 {
				batch[m.services[rng.IntN(len(m.services))].Name] = states[rng.IntN(len(states))]
			}
			msg = batch
		case r == 4:
			now = now.Add(time.Second)
			msg = tickMsg(now)
		case r == 5:
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case r == 6:
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case r == 7:
			msg = tea.WindowSizeMsg{Width: 60 + rng.IntN(80), Height: 8 + rng.IntN(10)}
		case r == 8:
			name := m.services[rng.IntN(len(m.services))].Name
			marked[name] = !marked[name]
			continue // no message: the next frame must show it all the same
		default:
			if rng.IntN(2) == 0 {
				msg = key("!") // problems only, and back
			} else {
				msg = Reloaded{Services: m.services, Quiet: true}
			}
		}
		batch, isBatch := msg.(statusMsg)
		held := isBatch && m.looksOnly(batch)
		last := m.View()
		next, _ := m.Update(msg)
		m = next.(Model)
		got := m.View()
		if held {
			if got != last {
				t.Fatalf("step %d: a batch that changes only looks drew a new frame:\n%s\nwant the last:\n%s", step, got, last)
			}
			continue
		}
		fresh := m
		fresh.drawn = nil
		if want := fresh.View(); got != want {
			t.Fatalf("step %d (%T): the screen from the row cache differs from a fresh draw:\n%s\nwant:\n%s", step, msg, got, want)
		}
	}
}
