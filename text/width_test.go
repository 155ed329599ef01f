package text

import "testing"

// TestWidthKeycap: a keycap (a digit, # or * with U+FE0F and U+20E3) is one grapheme two cells
// wide, as grapheme-aware terminals draw it; ansi.StringWidth reads its ASCII base alone.
func TestWidthKeycap(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"1️⃣", 2},
		{"1️⃣ First", 8},
		{"#️⃣*️⃣", 4},
		{"1⃣x", 2}, // no variation selector: the text keycap, one cell
		{"\x1b[1m1️⃣\x1b[m", 2},
		{"👍🏽 Thumbs", 9},
		{"결제", 4},
		{"plain", 5},
	} {
		if got := Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestFitKeycap(t *testing.T) {
	for _, tt := range []struct {
		s    string
		w    int
		want string
	}{
		{"1️⃣ First", 10, "1️⃣ First  "},
		{"1️⃣ First", 8, "1️⃣ First"},
		{"1️⃣ First", 7, "1️⃣ Fir…"},
		{"a1️⃣", 3, "a1️⃣"},
		{"ab1️⃣", 3, "ab…"},
		{"1️⃣2️⃣3️⃣", 5, "1️⃣2️⃣…"},
		{"1️⃣2️⃣3️⃣", 4, "1️⃣… "},
		{"1️⃣", 1, "…"},
	} {
		if got := Fit(tt.s, tt.w, "…"); got != tt.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
		if got := Width(Fit(tt.s, tt.w, "…")); got != tt.w {
			t.Errorf("Width(Fit(%q, %d)) = %d, want %d", tt.s, tt.w, got, tt.w)
		}
	}
	if got := Truncate("\x1b[1m1️⃣2️⃣\x1b[m", 3, ""); got != "\x1b[1m1️⃣\x1b[m" {
		t.Errorf("Truncate(bold keycaps, 3) = %q, want the first keycap with its style sequences", got)
	}
}
