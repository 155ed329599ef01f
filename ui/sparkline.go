package ui

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptty/uptty/track"
)

// sparkline draws the newest samples that fit in width cells, newest at the right, padded with
// spaces on the left while there are fewer samples than cells. Bars scale from zero to the
// slowest passing sample shown, so a spike flattens the rest, as it should. A failed check is
// the fail glyph, whatever its latency, so that failures read without colour.
func sparkline(spark *track.Spark, width int, g glyphs) string {
	if width <= 0 {
		return ""
	}
	from := max(spark.Len()-width, 0)
	var top time.Duration
	for k := from; k < spark.Len(); k++ {
		if s := spark.At(k); s.OK && s.Latency > top {
			top = s.Latency
		}
	}
	var b strings.Builder
	b.Grow(width * 3)
	for range width - (spark.Len() - from) {
		b.WriteByte(' ')
	}
	levels := len(g.bars)
	for k := from; k < spark.Len(); k++ {
		s := spark.At(k)
		if !s.OK {
			b.WriteString(g.fail)
			continue
		}
		level := 0
		if top > 0 {
			level = int(float64(s.Latency)/float64(top)*float64(levels-1) + 0.5)
		}
		b.WriteString(g.bars[min(max(level, 0), levels-1)])
	}
	return b.String()
}

// paintSpark colours a sparkline: bars in one style, runs of failures in another, one span per
// run rather than per cell, which keeps a row's escape codes short.
func paintSpark(line string, g glyphs, bar, fail span) string {
	failRune, _ := utf8.DecodeRuneInString(g.fail)
	var b strings.Builder
	start, inFail := 0, false
	flush := func(end int) {
		if end > start {
			if inFail {
				b.WriteString(fail.paint(line[start:end]))
			} else {
				b.WriteString(bar.paint(line[start:end]))
			}
		}
		start = end
	}
	for i, r := range line {
		if f := r == failRune; f != inFail {
			flush(i)
			inFail = f
		}
	}
	flush(len(line))
	return b.String()
}
