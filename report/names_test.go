package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/history"
)

// TestTablesCutLongNames: one service with a very long name (here 200 cells) must not widen the
// name column of every row past what a terminal shows: the tables cut names at maxNameW cells,
// with "…"; --json keeps them whole.
func TestTablesCutLongNames(t *testing.T) {
	long := strings.Repeat("Very long service name ", 9)[:200]
	services, st := fixture(fixedNow)
	services[0].Name = long
	var b bytes.Buffer
	if err := WriteCheckTable(&b, services, st, false, false, 0); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if w := strings.Index(lines[0], "LATENCY") - strings.Index(lines[0], "NAME"); w > maxNameW+2+latW {
		t.Errorf("check: the NAME column is %d cells, want at most %d:\n%s", w, maxNameW+2+latW, lines[0])
	}
	if !strings.Contains(b.String(), long[:maxNameW-1]+"…") {
		t.Errorf("check: the long name is not cut with …:\n%s", b.String())
	}

	at := time.Date(2026, 12, 1, 21, 47, 2, 0, time.UTC)
	b.Reset()
	incidents := incidentFixture()
	incidents[0].Service = long
	if err := WriteIncidentsTable(&b, incidents, time.UTC, false, 0); err != nil {
		t.Fatal(err)
	}
	head := strings.Split(b.String(), "\n")[0]
	if w := strings.Index(head, "CAUSE") - strings.Index(head, "SERVICE"); w > maxNameW+2 {
		t.Errorf("incidents: the SERVICE column is %d cells, want at most %d:\n%s", w, maxNameW+2, head)
	}

	b.Reset()
	alerts := []history.Outgoing{{ID: "a", Service: long, Event: "down", Sender: "pager", State: "sent", Attempts: 1, Created: at}}
	if err := WriteAlertsTable(&b, alerts, time.UTC, false, 0); err != nil {
		t.Fatal(err)
	}
	head = strings.Split(b.String(), "\n")[0]
	if w := strings.Index(head, "EVENT") - strings.Index(head, "SERVICE"); w > maxNameW+2 {
		t.Errorf("alerts: the SERVICE column is %d cells, want at most %d:\n%s", w, maxNameW+2, head)
	}
}
