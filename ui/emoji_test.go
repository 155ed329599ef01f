package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/ui/uitest"
)

// emojiNames are names made of grapheme clusters of several code points: a ZWJ family, a flag,
// a skin tone, a combining accent, a ZWJ sequence with a variation selector, a keycap.
var emojiNames = []string{"👨‍👩‍👧 Family API", "🇫🇷 Paris edge", "👍🏽 Thumbs", "Cafe\u0301 menu",
	"👩🏽‍💻 Dev portal 👨‍👩‍👧‍👦 and a long tail", "🏳️‍🌈 Pride", "❤️ Heart", "1️⃣ First"}

// TestEmojiGolden: names of multi-code-point graphemes take the cells text.Width gives
// each cluster (two for each emoji, keycaps too) in every column that follows them, in the list and on the wallboard, and are
// cut between clusters, never after a joiner. (How a terminal that measures otherwise shows
// them is TestScreenPinsClusters'.)
func TestEmojiGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		keys []string
	}{{"list_80x24", nil}, {"wall_80x24", []string{"W"}}, {"detail_80x24", []string{"enter"}}} {
		t.Run(tt.name, func(t *testing.T) {
			services, st := fixture(fixedNow)
			for i := range services {
				services[i].Name = emojiNames[i]
			}
			snaps, src := split(services, st)
			m := New(services, snaps, src, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst})
			next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			got := press(next.(Model), tt.keys...).View()
			golden.RequireEqual(t, []byte(got))
			for i, l := range strings.Split(got, "\n") {
				if w := text.Width(l); w > 80 {
					t.Errorf("line %d is %d cells wide, want at most 80: %q", i, w, l)
				}
				if strings.Contains(l, "\u200d…") || strings.Contains(l, "\u200d ") {
					t.Errorf("line %d cut a joined emoji after its joiner: %q", i, l)
				}
			}
			if tt.name == "list_80x24" {
				// every service row has its uptime figure ending in the same column
				col := -1
				for _, l := range strings.Split(got, "\n") {
					if k := strings.Index(l, "%"); k > 0 && strings.Contains(l, "  ") {
						if c := text.Width(l[:k]); col < 0 {
							col = c
						} else if c != col {
							t.Errorf("uptime ends at cell %d, want %d: %q", c, col, l)
						}
					}
				}
			}
			if tt.name == "list_80x24" {
				// drawn by the screen on a terminal that measures as uptty does and on one that
				// adds up code points (tmux 3.3, xterm), the uptime figures still line up
				for _, widths := range []func(string) int{nil, uitest.PerCodePoint} {
					var pt painter
					v := uitest.New(80, 24)
					v.Widths = widths
					v.Write(t, pt.step(got, 80, 24, true))
					col := -1
					for y, row := range v.Cells {
						for x, c := range row {
							if c.S != "%" {
								continue
							}
							if col < 0 {
								col = x
							} else if x != col {
								t.Errorf("per code point %v: row %d's uptime ends at column %d, want %d\n%s", widths != nil, y, x, col, v)
							}
						}
					}
				}
			}
			if tt.name == "wall_80x24" {
				// a band of tiles: every line of it as wide as its top border
				band := -1
				for _, l := range strings.Split(got, "\n") {
					switch {
					case strings.HasPrefix(l, "╭"):
						band = text.Width(l)
					case strings.HasPrefix(l, "│") && band >= 0 && text.Width(l) != band:
						t.Errorf("tile line is %d cells wide, its band %d: %q", text.Width(l), band, l)
					}
				}
			}
		})
	}
}

// TestEmojiHighlightWhole: a filter that matches a keycap's digit highlights the keycap whole:
// split by a style sequence it was a digit and two stray marks, one cell short, and the row's
// columns after it moved left.
func TestEmojiHighlightWhole(t *testing.T) {
	services, st := fixture(fixedNow)
	for i := range services {
		services[i].Name = emojiNames[i]
	}
	snaps, src := split(services, st)
	m := New(services, snaps, src, Options{Renderer: renderer(termenv.ANSI256), Now: func() time.Time { return fixedNow }, Location: kst})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	got := press(next.(Model), "/", "1", "enter").View()
	if !strings.Contains(got, "1️⃣") {
		t.Errorf("the keycap is split by the highlight:\n%q", got)
	}
	col := -1
	for _, l := range strings.Split(got, "\n") {
		if k := strings.Index(l, "%"); k > 0 && strings.Contains(l, "ms") {
			if c := text.Width(l[:k]); col < 0 {
				col = c
			} else if c != col {
				t.Errorf("uptime ends at cell %d, want %d: %q", c, col, l)
			}
		}
	}
}

// typeKeys sends each of keys as a terminal does, one key press of its runes each.
func typeKeys(m Model, keys ...string) Model {
	for _, k := range keys {
		next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		m = next.(Model)
	}
	return m
}

// lastLine is the bottom line of the screen.
func lastLine(m Model) string {
	lines := strings.Split(m.View(), "\n")
	return lines[len(lines)-1]
}

// TestKeycapTyped: keycaps (1️⃣) typed into the filter or an ack note are two cells each, as
// in the tables: a line longer than its room showed "/…" and nothing of what was typed,
// ansi.TruncateLeft taking each keycap for one cell; backspace took away the enclosing mark
// and left a digit with a stray selector; and a filter filling its room pushed "N of M shown"
// off the line.
func TestKeycapTyped(t *testing.T) {
	keycaps := make([]string, 30)
	for i := range keycaps {
		keycaps[i] = string(rune('0'+i%10)) + "\uFE0F\u20E3"
	}
	typed := "ab" + strings.Join(keycaps, "")
	for _, size := range [][2]int{{80, 24}, {60, 12}} {
		t.Run(fmt.Sprintf("filter_%dx%d", size[0], size[1]), func(t *testing.T) {
			m := typeKeys(press(fixtureModel(size[0], size[1], termenv.Ascii, false), "/"), "a", "b")
			m = typeKeys(m, keycaps...)
			if m.find.filter != typed {
				t.Fatalf("filter = %q, want %q", m.find.filter, typed)
			}
			line := lastLine(m)
			golden.RequireEqual(t, []byte(line))
			if w := text.Width(line); w != size[0] {
				t.Errorf("filter line is %d cells, want %d: %q", w, size[0], line)
			}
			if !strings.Contains(line, "8\uFE0F\u20E39\uFE0F\u20E3_") || !strings.HasSuffix(line, "0 of 8 shown") {
				t.Errorf("filter line does not end in the last keycaps typed, the cursor and the count: %q", line)
			}
			m = press(m, "backspace")
			if want := strings.TrimSuffix(typed, keycaps[29]); m.find.filter != want {
				t.Errorf("after backspace filter = %q, want %q", m.find.filter, want)
			}
		})
	}
	t.Run("ack_80x24", func(t *testing.T) {
		m, _ := ackFixture(t, Options{})
		m = typeKeys(press(m, "a"), "a", "b")
		m = typeKeys(m, keycaps...)
		if m.acking.note != typed {
			t.Fatalf("note = %q, want %q", m.acking.note, typed)
		}
		line := lastLine(m)
		golden.RequireEqual(t, []byte(line))
		if w := text.Width(line); w != 80 && w != 79 { // a cell left over cannot hold half a keycap
			t.Errorf("ack line is %d cells, want the 80 of the screen: %q", w, line)
		}
		if !strings.Contains(line, "8\uFE0F\u20E39\uFE0F\u20E3_") || !strings.HasSuffix(line, "esc cancel") {
			t.Errorf("ack line does not end in the last keycaps typed, the cursor and its keys: %q", line)
		}
		m = press(m, "backspace")
		if want := strings.TrimSuffix(typed, keycaps[29]); m.acking.note != want {
			t.Errorf("after backspace note = %q, want %q", m.acking.note, want)
		}
	})
}

// TestKeycapPasteCapped: a paste longer than the filter (or an ack note) may hold is cut
// between clusters: cut by code points it could end in a digit and its variation selector
// without the enclosing mark, which terminals draw as an emoji of another width.
func TestKeycapPasteCapped(t *testing.T) {
	paste := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("1\uFE0F\u20E3", 400)), Paste: true}
	m := press(fixtureModel(80, 24, termenv.Ascii, false), "/")
	next, _ := m.Update(paste)
	if f := next.(Model).find.filter; !strings.HasSuffix(f, "1\uFE0F\u20E3") || len([]rune(f)) > maxFilter {
		t.Errorf("filter of %d runes ends %q, want at most %d ending in a whole keycap", len([]rune(f)), f[len(f)-8:], maxFilter)
	}
	a, _ := ackFixture(t, Options{})
	next, _ = press(a, "a").Update(paste)
	if n := next.(Model).acking.note; !strings.HasSuffix(n, "1\uFE0F\u20E3") || len([]rune(n)) > maxAckNote {
		t.Errorf("ack note of %d runes ends %q, want at most %d ending in a whole keycap", len([]rune(n)), n[len(n)-8:], maxAckNote)
	}
}

// TestCleanTypedCutsWhole: the cap keeps a last cluster that is whole and drops one that the
// rest of the text goes on with.
func TestCleanTypedCutsWhole(t *testing.T) {
	for _, tt := range []struct {
		s     string
		limit int
		want  string
	}{
		{"abcd", 3, "abc"},
		{"ab1\uFE0F\u20E3", 3, "ab"},
		{"ab1\uFE0F\u20E3", 5, "ab1\uFE0F\u20E3"},
		{"a1\uFE0F\u20E3b", 4, "a1\uFE0F\u20E3"},
		{"ab\r\ncd", 3, "ab "},
	} {
		if got := cleanTyped(tt.s, tt.limit); got != tt.want {
			t.Errorf("cleanTyped(%q, %d) = %q, want %q", tt.s, tt.limit, got, tt.want)
		}
	}
}
