package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/track"
)

// TestHeaderKeepsDownCount: however narrow the terminal, the header keeps the count of DOWN
// services whole, the one thing a paged user needs from it; the name, the DEMO mark, the other
// counts, a note and the clock give way first. Below ~30 columns it used to drop the count
// and keep "uptty" and the clock.
func TestHeaderKeepsDownCount(t *testing.T) {
	paused := track.Status{State: track.Paused, Outage: track.Outage{Start: fixedNow.Add(-time.Minute)}}
	cases := []struct {
		name string
		down string
		set  func(Model) Model
	}{
		{"demo", "1 DOWN", func(m Model) Model { return m }},
		{"plain", "1 DOWN", func(m Model) Model { m.demo = false; return m }},
		{"paused", "2 DOWN (1 paused)", func(m Model) Model {
			next, _ := m.Update(statusMsg{"Checkout API": paused})
			return next.(Model)
		}},
		{"not saved", "1 DOWN", func(m Model) Model { m.hist.saveErr = errors.New("disk full"); return m }},
		{"disconnected", "1 DOWN", func(m Model) Model {
			next, _ := m.Update(LinkMsg{Down: true, Since: fixedNow.Add(-75 * time.Second)})
			return next.(Model)
		}},
		{"finding", "1 DOWN", func(m Model) Model { return press(m, "!") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.set(fixtureModel(80, 24, termenv.Ascii, false))
			for w := 120; w >= 1; w-- {
				next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: 12})
				header := strings.SplitN(ansi.Strip(next.(Model).View()), "\n", 2)[0]
				if hw := ansi.StringWidth(header); hw > w {
					t.Errorf("width %d: header is %d cells: %q", w, hw, header)
				}
				want := tc.down
				if w < len(want) { // the count without its notes, cut at last
					want = strings.Join(strings.Fields(want)[:2], " ")
					want = want[:min(w, len(want))]
				}
				if !strings.Contains(header, want) {
					t.Errorf("width %d: header %q lost %q", w, header, want)
				}
				// Next to the count, the demo says it is one (the count is not real).
				if tc.name == "demo" && w >= len(" DEMO   1 DOWN") && !strings.Contains(header, "DEMO") {
					t.Errorf("width %d: header %q lost the DEMO mark", w, header)
				}
			}
		})
	}
}
