package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// TestHelpWraps: at any width with room for a few words, every help explanation is on the page
// whole, wrapped under its description column rather than cut, and the page scrolls to its end.
func TestHelpWraps(t *testing.T) {
	descs := []string{
		"UP, DEGRADED, PENDING (failing, not yet down), DOWN, UNKNOWN, PAUSED",
		"uptty was not running or the service was paused: a gap, neither up nor down",
	}
	for _, w := range []int{120, 80, 60, 40, 24} {
		m := press(archiveModel(w, 12, termenv.Ascii, false, newFakeArchive(fixedNow)), "?")
		all := m.helpLines()
		var text strings.Builder
		for k, l := range all {
			l = ansi.Strip(l)
			if cw := ansi.StringWidth(l); cw > w {
				t.Errorf("width %d: help line %d is %d cells wide: %q", w, k, cw, l)
			}
			if ind := strings.Repeat(" ", helpIndent); strings.HasPrefix(l, ind) {
				// A continuation: it starts in the description column, not left of it or past it.
				if l[helpIndent] == ' ' {
					t.Errorf("width %d: help line %d = %q, want it to start at cell %d", w, k, l, helpIndent)
				}
				text.WriteString(" " + l[helpIndent:])
				continue
			}
			text.WriteString("\n" + l)
		}
		for _, d := range append(descs, m.keys.Window.Help().Desc) {
			if !strings.Contains(text.String(), d) {
				t.Errorf("width %d: help does not hold %q whole:\n%s", w, d, text.String())
			}
		}
		if strings.Contains(text.String(), m.st.g.ellipsis) {
			t.Errorf("width %d: help cuts a line:\n%s", w, text.String())
		}
		// The last line of the page is reachable.
		bottom := press(m, "G").View()
		last := ansi.Strip(all[len(all)-1])
		if !strings.Contains(bottom, last) {
			t.Errorf("width %d: after G the help does not show its last line %q:\n%s", w, last, bottom)
		}
	}
}

// TestFooterNamesItsKeys: every key a footer entry names is one its binding answers to, in
// every view, so the footer cannot drift from the keymap.
func TestFooterNamesItsKeys(t *testing.T) {
	k := newKeyMap()
	for _, v := range []view{listView, detailView, helpView} {
		for _, history := range []bool{false, true} {
			for _, b := range k.footer(v, history, history) {
				label := b.Help().Key
				var named []string
				parts := strings.Split(strings.ReplaceAll(label, " or ", "/"), "/")
				if label == "/" {
					parts = []string{"/"} // the filter's own key, not a separator
				}
				for _, part := range parts {
					if lo, hi, ok := strings.Cut(part, "-"); ok && len(lo) == 1 && len(hi) == 1 {
						for c := lo[0]; c <= hi[0]; c++ {
							named = append(named, string(c))
						}
						continue
					}
					named = append(named, part)
				}
				for _, n := range named {
					if !slices.Contains(b.Keys(), n) {
						t.Errorf("footer(%v, %v) entry %q names %q, not one of its keys %v", v, history, label, n, b.Keys())
					}
				}
			}
		}
	}
}
