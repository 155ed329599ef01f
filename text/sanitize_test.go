package text

import (
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"empty", "", 10, ""},
		{"plain", "connection refused", 0, "connection refused"},
		{"whitespace runs", "  a \t\n\r b\v\fc  ", 0, "a b c"},
		{"sgr", "\x1b[31mred\x1b[0m text", 0, "red text"},
		{"csi with intermediates", "a\x1b[?25l\x1b[2 qb", 0, "ab"},
		{"osc title bel", "\x1b]0;owned\x07after", 0, "after"},
		{"osc hyperlink st", "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", 0, "link"},
		{"dcs", "\x1bP1$r0m\x1b\\x", 0, "x"},
		{"apc pm sos", "\x1b_a\x1b\\\x1b^b\x1b\\\x1bXc\x1b\\d", 0, "d"},
		{"charset designation", "\x1b(Bx", 0, "x"},
		{"two byte escapes", "\x1bcx\x1b7y\x1b=", 0, "xy"},
		{"unterminated osc swallows the rest", "ok\x1b]0;evil title", 0, "ok"},
		{"unterminated csi", "ok\x1b[31", 0, "ok"},
		{"csi broken by newline", "\x1b[31\nx", 0, "x"},
		{"lone esc at end", "ok\x1b", 0, "ok"},
		{"osc ended by new escape", "\x1b]0;t\x1b[1mx", 0, "x"},
		{"c0 and del", "a\x00b\x07c\x7fd\x08e", 0, "abcde"},
		{"8-bit csi", "\u009b31mX", 0, "X"},
		{"8-bit osc", "\u009d0;t\u009cY", 0, "Y"},
		{"other c1", "a\u0080\u0099b", 0, "ab"},
		{"nel is a space", "a\u0085b", 0, "a b"},
		{"invalid utf8", "a\xffb", 0, "a\uFFFDb"},
		{"invalid run is one", "a\xff\xfe\xc0b", 0, "a\uFFFDb"},
		{"truncated rune", "ok\xe2\x82", 0, "ok\uFFFD"},
		{"bidi override", "abc\u202Edef\u202C", 0, "abcdef"},
		{"bidi isolates and marks", "\u2066x\u2069\u200Fy\u061C", 0, "xy"},
		{"bom and zwsp", "\uFEFFa\u200Bb", 0, "ab"},
		{"zwj emoji kept", "👨\u200D👩\u200D👧", 0, "👨\u200D👩\u200D👧"},
		{"korean", "서비스 정상", 0, "서비스 정상"},
		{"unicode spaces", "a\u00A0\u2028\u3000b", 0, "a b"},
		{"cut ascii", "abcdefghij", 5, "abcd…"},
		{"fits exactly", "abcde", 5, "abcde"},
		{"cut wide", "가나다라마", 6, "가나…"},
		{"cut wide odd", "가나다라마", 5, "가나…"},
		{"wide fits", "가나다", 6, "가나다"},
		{"cut to one", "abc", 1, "…"},
		{"ascii then wide mark", "0\u302e", 1, "…"},
		{"ascii then wide mark fits", "0\u302e", 3, "0\u302e"},
		{"keycap is two cells", "1️⃣2️⃣3️⃣", 5, "1️⃣2️⃣…"},
		{"keycaps fit", "1️⃣2️⃣", 4, "1️⃣2️⃣"},
		{"no space before Ellipsis", "ab cdef", 4, "ab…"},
		{"cut after cleaning", "\x1b[1m" + strings.Repeat("x", 20) + "\x1b[0m", 8, "xxxxxxx…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in, tt.max); got != tt.want {
				t.Errorf("CleanText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

// A run of zero-width marks must not make a narrow but huge result.
func TestCleanTextBoundsBytes(t *testing.T) {
	in := "a" + strings.Repeat("\u0301", 100000)
	got := CleanText(in, 20)
	if len(got) > 16*20+64 {
		t.Errorf("len(CleanText(zalgo, 20)) = %d, want <= %d", len(got), 16*20+64)
	}
	if !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("CleanText(zalgo, 20) ends %q, want %q", got[len(got)-3:], Ellipsis)
	}
	if again := CleanText(got, 20); again != got {
		t.Errorf("CleanText(CleanText(zalgo)) changed the text: %d bytes, want %d", len(again), len(got))
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{
		"", "ok", "\x1b[31mred\x1b[0m", "\x1b]0;t\x07x", "\x1bP\x1b\\", "\u009b1m", "\u009d\u009c",
		"a\xffb", "가나다라마바사", "👨\u200D👩\u200D👧 family", "abc\u202Edef", " \t\n ",
		"\x1b[", "\x1b]", "\xc2", "\u0301\u0301", "0\u302e", strings.Repeat("x ", 100),
	} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 200
		got := CleanText(s, max)
		if v := Violation(got, max); v != "" {
			t.Fatalf("CleanText(%q, %d) = %q: %s", s, max, got, v)
		}
		if again := CleanText(got, max); again != got {
			t.Fatalf("CleanText(CleanText(%q, %d)) = %q, want %q (idempotent)", s, max, again, got)
		}
	})
}

func BenchmarkCleanText(b *testing.B) {
	inputs := []struct{ name, s string }{
		{"plain", "connection refused"},
		{"escapes", "\x1b[31mstatus\x1b[0m \x1b]0;title\x07 DOWN\tnow\n"},
		{"korean", "결제 서비스 응답 없음 — 다시 시도하세요 "},
		{"long-cut", strings.Repeat("abc \x1b[1mdef\x1b[0m ", 20000)},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				CleanText(in.s, 120)
			}
		})
	}
}
