package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/text"
)

// TestLastColumnBelow: on an 80-column terminal, the CAUSE of `uptty incidents` and the ERROR of
// `uptty alerts`, which the fixed columns before them left eight columns, go on a line of their
// own under each row instead of breaking mid-word, and an END on its START's date is its time
// alone; no line passes 80. Where they fit (a wide
// terminal), and in a file or a pipe (width 0), the table is as it was.
func TestLastColumnBelow(t *testing.T) {
	kst := time.FixedZone("KST", 9*3600)
	at := time.Date(2026, 12, 1, 21, 47, 2, 0, time.UTC)
	alerts := []history.Outgoing{{ID: "1", Service: "Checkout API", Event: "down", Sender: "team", State: "failed",
		Attempts: 3, Created: at, LastError: "webhook: status 502, want 2xx: bad gateway from the proxy"}}
	incidents := ackedFixture()
	end := incidents[1].Start.Add(time.Hour) // on its start's date: END is its time alone
	incidents[1].End, incidents[1].Duration = &end, time.Hour
	write := map[string]func(width int) string{
		"incidents": func(width int) string {
			var b bytes.Buffer
			WriteIncidentsTable(&b, incidents, kst, false, width)
			return b.String()
		},
		"alerts": func(width int) string {
			var b bytes.Buffer
			WriteAlertsTable(&b, alerts, time.UTC, false, width)
			return b.String()
		},
	}
	for name, table := range write {
		narrow := table(80)
		lines := strings.Split(strings.TrimSuffix(narrow, "\n"), "\n")
		for _, l := range lines {
			if text.Width(l) > 80 {
				t.Errorf("%s at 80 columns: line %q is %d wide", name, l, text.Width(l))
			}
		}
		if len(lines) < 2 || !strings.HasPrefix(lines[1], belowIndent) || strings.TrimSpace(lines[1]) == "" {
			t.Errorf("%s at 80 columns =\n%s\nwant the last heading on a line of its own under the others", name, narrow)
		}
		for _, want := range []string{"status 503, want 200-399", "connection refused", "bad gateway from the proxy"} {
			if strings.Contains(table(0), want) && !strings.Contains(narrow, belowIndent+want) &&
				!strings.Contains(narrow, want) {
				t.Errorf("%s at 80 columns lost %q:\n%s", name, want, narrow)
			}
		}
		if wide := table(400); wide != table(0) {
			t.Errorf("%s at 400 columns =\n%s\nwant as in a pipe:\n%s", name, wide, table(0))
		}
	}
}
