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
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, tail)
		sw = ansi.StringWidth(s)
	}
	return s, strings.Repeat(" ", max(w-sw, 0))
}

// Widest returns the display width of the widest of names, in cells.
func Widest(names []string) int {
	w := 0
	for _, n := range names {
		w = max(w, ansi.StringWidth(n))
	}
	return w
}

// InsecureNote marks a service whose certificates are not checked (insecure: true), wherever a
// passing service's reason would go.
const InsecureNote = "insecure: certificates not verified"
