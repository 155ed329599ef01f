package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"
	"golang.org/x/text/width"

	"github.com/uptty/uptty/text"
)

// checkScreen fails when a screen is taller or wider than w x h.
func checkScreen(t *testing.T, got string, w, h int) {
	t.Helper()
	lines := strings.Split(got, "\n")
	if len(lines) > max(h, 0) {
		t.Errorf("View() has %d lines, want at most %d", len(lines), h)
	}
	for i, l := range lines {
		if cw := ansi.StringWidth(l); cw > max(w, 0) {
			t.Errorf("line %d is %d cells wide, want at most %d: %q", i, cw, w, l)
		}
	}
}

func TestHistoryGolden(t *testing.T) {
	tests := []struct {
		name    string
		w, h    int
		profile termenv.Profile
		wide    bool
		keys    []string
		setup   func(*fakeArchive)
		settle  bool
	}{
		{"history_80x24", 80, 24, termenv.Ascii, false, []string{"j", "j", "enter"}, nil, true},
		{"history_120x40", 120, 40, termenv.Ascii, false, []string{"j", "j", "enter"}, nil, true},
		{"history_120x40_7d", 120, 40, termenv.Ascii, false, []string{"j", "j", "enter", "3"}, nil, true},
		{"history_80x24_wide", 80, 24, termenv.Ascii, true, []string{"j", "j", "enter"}, nil, true},
		{"history_80x24_loading", 80, 24, termenv.Ascii, false, []string{"j", "j", "enter"}, nil, false},
		{"history_80x24_failing", 80, 24, termenv.Ascii, false, []string{"j", "j", "enter"}, func(f *fakeArchive) {
			f.set(errString("history file /var/lib/uptty/history.db cannot be read: disk I/O error"),
				errString("history file /var/lib/uptty/history.db cannot be written, history is not being saved: disk full"))
		}, true},
		{"history_60x12_scrolled", 60, 12, termenv.Ascii, false, []string{"j", "j", "enter", "pgdown"}, nil, true},
		{"history_help_80x24", 80, 24, termenv.Ascii, false, []string{"?", "G"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa := newFakeArchive(fixedNow)
			if tt.setup != nil {
				tt.setup(fa)
			}
			m := archiveModel(tt.w, tt.h, tt.profile, tt.wide, fa)
			m = settle(t, m, m.checkSave())
			if tt.settle {
				m = pressSettled(t, m, tt.keys...)
			} else {
				m = press(m, tt.keys...)
			}
			got := m.View()
			golden.RequireEqual(t, []byte(got)) // testdata/TestHistoryGolden/<name>.golden
			checkScreen(t, got, tt.w, tt.h)
		})
	}
}

// TestHistoryAnySize draws the detail view with history at every size up to 40x16 and some
// degenerate ones, before and after the Archive answers: none may panic or overflow.
func TestHistoryAnySize(t *testing.T) {
	for _, wide := range []bool{false, true} {
		loading := press(archiveModel(80, 24, termenv.ANSI256, wide, newFakeArchive(fixedNow)), "enter")
		loaded := pressSettled(t, archiveModel(80, 24, termenv.ANSI256, wide, newFakeArchive(fixedNow)), "enter")
		for name, m := range map[string]Model{"loading": loading, "loaded": loaded} {
			for w := -1; w <= 40; w++ {
				for h := -1; h <= 16; h++ {
					next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
					got := next.(Model).View()
					if got == "" {
						continue
					}
					lines := strings.Split(got, "\n")
					if len(lines) > max(h, 0) {
						t.Errorf("%s %dx%d: %d lines", name, w, h, len(lines))
					}
					for _, l := range lines {
						if ansi.StringWidth(l) > max(w, 0) {
							t.Errorf("%s %dx%d: line %q is too wide", name, w, h, l)
						}
					}
				}
			}
		}
	}
}

// TestHistoryWideModeNoAmbiguous: with AmbiguousWide, the history panes and their help hold
// no East Asian ambiguous-width character: no block elements, no box drawing.
func TestHistoryWideModeNoAmbiguous(t *testing.T) {
	for _, keys := range [][]string{{"enter"}, {"j", "j", "enter"}, {"j", "j", "enter", "4"}, {"?"}} {
		fa := newFakeArchive(fixedNow)
		fa.set(nil, errString("disk full"))
		m := archiveModel(120, 60, termenv.Ascii, true, fa)
		m = pressSettled(t, settle(t, m, m.checkSave()), keys...)
		for _, r := range m.View() {
			if width.LookupRune(r).Kind() == width.EastAsianAmbiguous {
				t.Errorf("keys %v: View() holds %q (U+%04X), ambiguous width", keys, r, r)
			}
		}
	}
}

// TestHistoryNoEscapes: escape sequences in an Archive error never reach the screen, and an
// archived cause, which the probe runner cleaned before it was stored, is shown as it is.
func TestHistoryNoEscapes(t *testing.T) {
	const esc = "\x1b[2J\x1b]0;owned\x07\x1b[31m"
	for _, fail := range []bool{false, true} {
		fa := newFakeArchive(fixedNow)
		fa.cause = text.CleanText("cause"+esc+" here", 0)
		if fail {
			fa.set(errString("query"+esc), errString("save"+esc))
		}
		m := archiveModel(200, 60, termenv.Ascii, false, fa)
		got := pressSettled(t, settle(t, m, m.checkSave()), "j", "j", "enter", "3").View()
		if strings.ContainsAny(got, "\x1b\x07\r") {
			t.Errorf("fail=%v: a control character in View():\n%q", fail, got)
		}
		if want := "cause here"; !fail && !strings.Contains(got, want) {
			t.Errorf("View() does not show the cleaned cause %q:\n%s", want, got)
		}
	}
}
