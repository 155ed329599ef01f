package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/muesli/termenv"
)

// BenchmarkViewDetail draws the detail view of a service, with its history panes loaded
// (chart, uptime windows, outages) and without history, at three screen sizes.
func BenchmarkViewDetail(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		for _, hist := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dx%d/history=%v", size[0], size[1], hist), func(b *testing.B) {
				var a Archive
				if hist {
					a = newFakeArchive(fixedNow)
				}
				m := pressSettled(b, archiveModel(size[0], size[1], termenv.ANSI256, false, a), "j", "j", "enter")
				b.ReportAllocs()
				var n int
				for b.Loop() {
					n = len(m.draw())
				}
				b.ReportMetric(float64(n), "bytes/frame")
			})
		}
	}
}

// BenchmarkTickDetail is one second passing in the detail view at 120x40: the tick's Update
// (which, with history, decides whether to refresh and checks Archive.Err in a Cmd it does not
// run here) and the redraw.
func BenchmarkTickDetail(b *testing.B) {
	for _, hist := range []bool{false, true} {
		b.Run(fmt.Sprint("history=", hist), func(b *testing.B) {
			var a Archive
			if hist {
				a = newFakeArchive(fixedNow)
			}
			m := pressSettled(b, archiveModel(120, 40, termenv.ANSI256, false, a), "j", "j", "enter")
			b.ReportAllocs()
			at := fixedNow
			for b.Loop() {
				at = at.Add(time.Second)
				next, _ := m.Update(tickMsg(at))
				m = next.(Model)
				_ = m.View()
			}
		})
	}
}
