package report

import (
	"bufio"
	"strings"

	"github.com/uptty/uptty/text"
)

// belowIndent starts the line a table's last column is written on when it goes under its row.
const belowIndent = "    "

// lastBelow reports whether a table whose last column starts at col should write that column
// on a line of its own under each row: on a terminal width columns wide (0: not a terminal, or
// one that does not say) that its widest cell would pass. At 80 columns the fixed columns of
// `uptty incidents` (two times with their zone, a duration, a name) left CAUSE eight, and every
// row broke mid-word over two lines ("status 4" / "01, want 200-399").
func lastBelow(width, col int, cells func(yield func(string) bool)) bool {
	if width <= 0 {
		return false
	}
	for c := range cells {
		if col+text.Width(c) > width {
			return true
		}
	}
	return false
}

// writeRow writes one row: line, the padded columns before the last, then last, after them or,
// below, on a line of its own.
func writeRow(bw *bufio.Writer, line, last string, below bool) {
	if below {
		bw.WriteString(strings.TrimRight(line, " ") + "\n")
		if last != "" {
			bw.WriteString(belowIndent + last + "\n")
		}
		return
	}
	bw.WriteString(strings.TrimRight(line+last, " ") + "\n")
}
