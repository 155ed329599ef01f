package text

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Ellipsis marks text that CleanText cut short.
const Ellipsis = "…"

// CleanText makes text from the network safe to draw on one line of a terminal: the result is
// valid UTF-8 with no control characters at all. Escape sequences (CSI, OSC, DCS, SOS, PM, APC,
// in their 7-bit and 8-bit forms) are removed whole, so that neither their introducer nor their
// payload reaches the screen; other C0 and C1 controls and DEL are dropped; invalid UTF-8 becomes
// U+FFFD; bidirectional overrides and other invisible format marks, which could make text read
// differently from what it is, are removed; runs of whitespace become one space and the ends are
// trimmed. If maxWidth > 0 the result is at most maxWidth display cells wide (as the UI measures
// them) and ends in "…" when it was cut; maxWidth <= 0 means no limit.
func CleanText(s string, maxWidth int) string {
	if plainASCII(s) && (maxWidth <= 0 || len(s) <= maxWidth) {
		return s
	}
	// A byte bound as well as a width bound: zero-width runes (combining marks) could otherwise
	// make a huge result that is narrow on screen. It leaves room for long emoji sequences.
	byteLimit, size := -1, len(s)
	if maxWidth > 0 {
		byteLimit = 16*maxWidth + 64
		size = min(size, byteLimit)
	}
	var b strings.Builder
	b.Grow(size)
	space, cut := false, false
	emit := func(r rune) bool {
		space = space && b.Len() > 0
		need := utf8.RuneLen(r)
		if space {
			need++
		}
		if byteLimit >= 0 && b.Len()+need > byteLimit {
			cut = true
			return false
		}
		if space {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == 0x1b:
				i = skipEscape(s, i)
			case c == ' ' || c >= '\t' && c <= '\r':
				space = true
			case c < 0x20 || c == 0x7f:
				// Other C0 controls are dropped without a trace.
			default:
				if !emit(rune(c)) {
					i = len(s)
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// One replacement character stands for a whole run of invalid bytes.
			for i < len(s) {
				if r2, n := utf8.DecodeRuneInString(s[i:]); r2 != utf8.RuneError || n != 1 {
					break
				}
				i++
			}
			if !emit(utf8.RuneError) {
				i = len(s)
			}
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(s, i)
		case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f: // DCS, SOS, OSC, PM, APC
			i = skipString(s, i)
		case r == 0x85: // NEL is a line break
			space = true
		case r < 0xa0: // the other C1 controls
		case unicode.IsSpace(r):
			space = true
		case invisible(r):
		default:
			if !emit(r) {
				i = len(s)
			}
		}
	}
	out := b.String()
	if maxWidth <= 0 {
		return out
	}
	if cut {
		// Room for the Ellipsis within the byte bound, so that cleaning the result again
		// changes nothing.
		n := min(byteLimit-len(Ellipsis), len(out))
		for n > 0 && n < len(out) && !utf8.RuneStart(out[n]) {
			n--
		}
		out = out[:n]
	}
	return fitWidth(out, maxWidth, cut)
}

// plainASCII reports whether s is printable ASCII with single inner spaces, which CleanText
// returns as it is.
func plainASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prev := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == ' ' && prev == ' ' {
			return false
		}
		prev = c
	}
	return true
}

// invisible reports whether r is a bidirectional control or an invisible format mark. Joiners
// (U+200C, U+200D) stay: emoji and several scripts need them.
func invisible(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200b, r == 0x200e, r == 0x200f, r == 0xfeff:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x2069:
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotation marks
		return true
	}
	return false
}

// skipEscape returns the index just past the escape sequence whose ESC was at i-1. A malformed
// sequence ends at the first byte that cannot belong to it, which is then read as text.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipString(s, i+1)
	case c >= 0x20 && c <= 0x2f: // intermediates, then a final byte: ESC ( B
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e: // two-byte sequences: ESC c, ESC 7, ESC =
		return i + 1
	}
	return i
}

// skipCSI returns the index past a control sequence's parameters, intermediates and final byte.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString returns the index past a control string (OSC, DCS...) and its terminator: BEL,
// ESC \ or 8-bit ST. An unterminated string runs to the end of s, as a terminal would swallow
// it. Another ESC ends the string without being consumed, so a new sequence is parsed as one.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c:
			return i + 2
		}
		i++
	}
	return i
}

// fitWidth cuts clean text s to at most maxWidth cells, grapheme by grapheme, ending it in "…"
// if it was cut here or before (cut).
func fitWidth(s string, maxWidth int, cut bool) string {
	if !cut && plainASCII(s) && len(s) <= maxWidth {
		return s
	}
	width, keep := 0, -1
	for i := 0; i < len(s); {
		// Measured as Width measures: an ASCII byte is one cell even where a combining mark
		// follows it, but a keycap is two.
		n, w := 1, 1
		if k := KeycapLen(s[i:]); k > 0 {
			n, w = k, 2
		} else if s[i] >= utf8.RuneSelf {
			var cluster string
			cluster, w = ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
			n = len(cluster)
		}
		if keep < 0 && width+w > maxWidth-1 {
			keep = i
		}
		width += w
		if width > maxWidth {
			break
		}
		i += n
	}
	switch {
	case width > maxWidth:
	case cut && keep < 0:
		keep = len(s)
	case cut:
	default:
		return s
	}
	return strings.TrimRight(s[:keep], " ") + Ellipsis
}

// Violation describes how s breaks CleanText's promises, "" if it keeps them: tests of every
// output use it to prove that no text from the network reaches a terminal unclean.
func Violation(s string, max int) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return "control byte"
		}
	}
	for _, r := range s {
		if r >= 0x80 && r <= 0x9f {
			return "C1 control"
		}
		if invisible(r) {
			return "bidi or invisible mark"
		}
	}
	if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		return "untrimmed or doubled space"
	}
	if max > 0 && Width(s) > max {
		return "too wide"
	}
	return ""
}

// Escape writes control characters, invisible marks and invalid bytes in s as Go escapes
// (\x1b, \u200b, \xff), leaving the rest as it is: for messages that must show exactly what a
// file holds, such as config errors, without letting it act on the terminal.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if escaped(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + hex2(s[i]))
		case escaped(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// escaped reports whether Escape writes r as an escape. utf8.RuneError stands for invalid
// bytes as well as for itself; both are written as escapes.
func escaped(r rune) bool {
	return r < 0x20 || r >= 0x7f && r < 0xa0 || invisible(r) || r == utf8.RuneError
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
