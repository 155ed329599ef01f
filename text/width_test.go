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

// TestTail: the end of a line being typed, cut in front at a cluster's edge, measured as Width
// measures (a keycap two cells, which ansi.TruncateLeft took as one and so cut too much).
func TestTail(t *testing.T) {
	for _, tt := range []struct {
		s    string
		w    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "…cd"},
		{"1️⃣2️⃣3️⃣", 6, "1️⃣2️⃣3️⃣"},
		{"1️⃣2️⃣3️⃣", 5, "…2️⃣3️⃣"},
		{"1️⃣2️⃣3️⃣", 4, "…3️⃣"}, // the 1 cell left over cannot hold half a keycap
		{"ab1️⃣2️⃣", 5, "…1️⃣2️⃣"},
		{"결제결제", 5, "…결제"},
		{"👨‍👩‍👧x", 2, "…x"},
		{"Cafe\u0301", 3, "…fe\u0301"},
		{"abc", 0, ""},
		{"abcd", 1, "…"},
	} {
		got := Tail(tt.s, tt.w, "…")
		if got != tt.want {
			t.Errorf("Tail(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
		if Width(got) > tt.w {
			t.Errorf("Width(Tail(%q, %d)) = %d, want at most %d", tt.s, tt.w, Width(got), tt.w)
		}
	}
}

// TestDropLastCluster: backspace takes away what the terminal drew as one character: a keycap,
// a family, a flag, a letter with its accent, not the last code point of one.
func TestDropLastCluster(t *testing.T) {
	for _, tt := range []struct{ s, want string }{
		{"ab", "a"},
		{"a1️⃣", "a"},
		{"x👨‍👩‍👧", "x"},
		{"🇫🇷🇰🇷", "🇫🇷"},
		{"Cafe\u0301", "Caf"},
		{"결제", "결"},
		{"", ""},
	} {
		if got := DropLastCluster(tt.s); got != tt.want {
			t.Errorf("DropLastCluster(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
