package text

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit truncates s to w display cells (with the tail mark when cut) and pads it with spaces to
// exactly w cells, so that every column starts at the same display column whatever the script.
func Fit(s string, w int, tail string) string {
	s, pad := cut(s, w, tail)
	return s + pad
}

// FitLeft is Fit with the padding on the left, for numbers.
func FitLeft(s string, w int, tail string) string {
	s, pad := cut(s, w, tail)
	return pad + s
}

// cut truncates s to w cells and returns the padding that makes it exactly w wide.
func cut(s string, w int, tail string) (string, string) {
	if w <= 0 {
		return "", ""
	}
	sw := Width(s)
	if sw > w {
		s = Truncate(s, w, tail)
		sw = Width(s)
	}
	return s, strings.Repeat(" ", max(w-sw, 0))
}

// Widest returns the display width of the widest of names, in cells.
func Widest(names []string) int {
	w := 0
	for _, n := range names {
		w = max(w, Width(n))
	}
	return w
}

// keycapMark is what follows a digit, # or * in a keycap emoji (1️⃣): the emoji variation
// selector and the combining enclosing keycap.
const keycapMark = "\uFE0F\u20E3"

func isKeycapBase(c byte) bool { return c >= '0' && c <= '9' || c == '#' || c == '*' }

// KeycapLen is the length in bytes of the keycap s starts with, 0 if it starts with none: a
// decoder that reads ASCII a byte at a time (ansi's) would split it.
func KeycapLen(s string) int {
	if len(s) > len(keycapMark) && isKeycapBase(s[0]) && strings.HasPrefix(s[1:], keycapMark) {
		return 1 + len(keycapMark)
	}
	return 0
}

// Width is s's display width in cells, escape sequences left out: ansi.StringWidth's, which
// measures each grapheme cluster as grapheme-aware terminals draw it, except a keycap (1️⃣),
// whose ASCII base ansi reads on its own as one cell; such terminals draw it two cells wide,
// as they do every emoji. The screen and every column of the UI measure with it.
func Width(s string) int {
	w := ansi.StringWidth(s)
	for i := strings.Index(s, keycapMark); i >= 0; {
		if i > 0 && isKeycapBase(s[i-1]) {
			w++
		}
		k := strings.Index(s[i+len(keycapMark):], keycapMark)
		if k < 0 {
			break
		}
		i += len(keycapMark) + k
	}
	return w
}

// Truncate is ansi.Truncate by Width: s cut to at most w cells, with tail where it was cut,
// never inside a keycap, its escape sequences kept.
func Truncate(s string, w int, tail string) string {
	if !strings.Contains(s, keycapMark) {
		return ansi.Truncate(s, w, tail)
	}
	if Width(s) <= w {
		return s
	}
	room := w - Width(tail)
	if room < 0 {
		room, tail = w, ""
	}
	var b strings.Builder
	p := ansi.NewParser()
	var state byte
	col, done := 0, false
	for len(s) > 0 {
		seq, width, n, next := ansi.DecodeSequence(s, state, p)
		state, s = next, s[n:]
		if width == 1 && len(seq) == 1 && isKeycapBase(seq[0]) && strings.HasPrefix(s, keycapMark) {
			seq, width, s = seq+keycapMark, 2, s[len(keycapMark):]
		}
		switch {
		case width == 0 && len(seq) > 0 && (seq[0] == ansi.ESC || seq[0] >= 0x80 && seq[0] < 0xa0):
			b.WriteString(seq) // what the rest sets of the pen still applies
		case done:
		case width > 0 && col+width > room:
			done = true
			b.WriteString(tail)
		default:
			b.WriteString(seq)
			col += width
		}
	}
	return b.String()
}

// InsecureNote marks a service whose certificates are not checked (insecure: true), wherever a
// passing service's reason would go.
const InsecureNote = "insecure: certificates not verified"

// Tail is the end of plain text s in at most w cells, with mark in front where it was cut: a
// line being typed shows where the typing is. It cuts between grapheme clusters, each
// measured by Width, so a keycap or a family is kept or left out whole.
func Tail(s string, w int, mark string) string {
	if Width(s) <= w {
		return s
	}
	room := w - Width(mark)
	if room < 0 {
		return ""
	}
	var clusters []string
	for rest := s; rest != ""; {
		c, _ := ansi.FirstGraphemeCluster(rest, ansi.GraphemeWidth)
		if c == "" { // cannot happen on a non-empty string; guards the loop all the same
			break
		}
		clusters = append(clusters, c)
		rest = rest[len(c):]
	}
	start, used := len(clusters), 0
	for start > 0 {
		cw := Width(clusters[start-1])
		if used+cw > room {
			break
		}
		used += cw
		start--
	}
	return mark + strings.Join(clusters[start:], "")
}

// DropLastCluster is s without its last grapheme cluster: what backspace takes away, the
// whole of what the terminal drew as one character (a keycap, a flag, a letter and its
// accent), never the last code point of one.
func DropLastCluster(s string) string {
	last := 0
	for i := 0; i < len(s); {
		c, _ := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		if c == "" {
			break
		}
		last = i
		i += len(c)
	}
	return s[:last]
}
