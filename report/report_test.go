package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui/uitest"
)

func TestWriteCheckTable(t *testing.T) {
	services, st := fixture(fixedNow)
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteCheckTable(&b, services, st, color, false, 0); err != nil {
			t.Fatalf("WriteCheckTable(color=%v) = %v, want nil", color, err)
		}
		got := b.String()
		name := "check_table"
		if color {
			name += "_color"
			if !strings.Contains(got, "\x1b[") {
				t.Errorf("WriteCheckTable(color=true) has no colour")
			}
		} else if strings.Contains(got, "\x1b") {
			t.Errorf("WriteCheckTable(color=false) has escape codes")
		}
		t.Run(name, func(t *testing.T) { golden.RequireEqual(t, []byte(got)) })

		// Every row's LATENCY column ends at the same display column, Korean name included.
		lines := strings.Split(strings.TrimRight(ansi.Strip(got), "\n"), "\n")
		end := strings.Index(lines[0], "LATENCY") + len("LATENCY") - 1
		for _, l := range lines[1:] {
			c := cellsOf(l)[end]
			if c != "s" && c != "-" {
				t.Errorf("WriteCheckTable row %q: cell %d = %q, want the end of a latency", l, end, c)
			}
		}
		for _, secret := range []string{"SECRET", "hunter2"} {
			if strings.Contains(got, secret) {
				t.Errorf("WriteCheckTable shows %q", secret)
			}
		}
	}
}

func TestWriteCheckJSON(t *testing.T) {
	services, st := fixture(fixedNow)
	st[0].LastLatency = 12345 * time.Microsecond
	var b bytes.Buffer
	if err := WriteCheckJSON(&b, time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC), services, st); err != nil {
		t.Fatalf("WriteCheckJSON() = %v, want nil", err)
	}
	var doc struct {
		CheckedAt string                     `json:"checked_at"`
		Services  []map[string]any           `json:"services"`
		Summary   map[string]json.RawMessage `json:"summary"`
	}
	dec := json.NewDecoder(bytes.NewReader(b.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decoding %s: %v", b.String(), err)
	}
	if doc.CheckedAt != "2026-11-25T13:00:00Z" {
		t.Errorf("checked_at = %q, want %q", doc.CheckedAt, "2026-11-25T13:00:00Z")
	}
	if len(doc.Services) != len(services) {
		t.Fatalf("len(services) = %d, want %d", len(doc.Services), len(services))
	}
	want := []map[string]any{
		{"name": "Checkout API", "group": "payments", "url": "https://api.example.com/healthz", "state": "up", "latency_ms": 12.3, "error": ""},
		{"name": "결제 게이트웨이", "group": "payments", "url": "https://pay.example.kr/health", "state": "down", "latency_ms": 140.0, "error": "status 503, want 200-399"},
		{"name": "Search", "group": "search", "url": "http://search.internal:9200/_cluster/health", "state": "degraded", "latency_ms": 1240.0, "error": "slow: 1.24s > 800ms"},
		{"name": "Login", "group": "", "url": "tcp://auth.internal:443", "state": "pending", "latency_ms": 0.3, "error": "connection refused"},
		{"name": "Billing DB", "group": "data", "url": "tcp://db.internal:5432", "state": "unknown", "latency_ms": 0.0, "error": "not checked"},
		{"name": "Nightly report", "group": "data", "url": "", "state": "paused", "latency_ms": 2017.0, "error": "paused"},
	}
	for i, w := range want {
		for k, v := range w {
			if got := doc.Services[i][k]; got != v {
				t.Errorf("services[%d].%s = %#v, want %#v", i, k, got, v)
			}
		}
		if len(doc.Services[i]) != 6 {
			t.Errorf("services[%d] has keys %v, want exactly name, group, url, state, latency_ms, error", i, doc.Services[i])
		}
	}
	// The contract's three counts, then one for each other state, so that the counts add up
	// to the number of services.
	wantSummary := map[string]string{"up": "3", "degraded": "1", "down": "1", "pending": "1", "paused": "1", "unknown": "1"}
	if len(doc.Summary) != len(wantSummary) {
		t.Errorf("summary = %v, want exactly up, degraded, down, pending, paused, unknown", doc.Summary)
	}
	for k, v := range wantSummary {
		if got := string(doc.Summary[k]); got != v {
			t.Errorf("summary.%s = %s, want %s", k, got, v)
		}
	}
	if strings.Contains(b.String(), "SECRET") || strings.Contains(b.String(), "hunter2") {
		t.Errorf("WriteCheckJSON shows a secret:\n%s", b.String())
	}
}

func TestReasonText(t *testing.T) {
	tests := []struct {
		name string
		st   track.Status
		want string
	}{
		{"up has none", track.Status{State: track.Up, Reason: "ignored"}, ""},
		{"down", track.Status{State: track.Down, Reason: "timeout after 3s"}, "timeout after 3s"},
		{"never checked", track.Status{}, "not checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reasonText(tt.st); got != tt.want {
				t.Errorf("reasonText(%s) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

// cellsOf maps each display column of line to the character that starts there.
func cellsOf(line string) map[int]string {
	cells := map[int]string{}
	col := 0
	for _, r := range line {
		cells[col] = string(r)
		col += ansi.StringWidth(string(r))
	}
	return cells
}

// TestWriteCheckTableOnTerminal: names whose emoji a terminal draws at another width than uptty
// measures (tmux 3.3 draws 👍🏽 four cells, ❤️ and 1️⃣ one) leave LATENCY and REASON where the
// header has them when the table goes to a terminal; a file or pipe gets no escape sequences.
func TestWriteCheckTableOnTerminal(t *testing.T) {
	services, st := fixture(fixedNow)
	for i, name := range []string{"👍🏽 Thumbs", "❤️ Heart", "1️⃣ First", "👨‍👩‍👧 Family"} {
		services[i].Name = name
	}
	for _, tt := range []struct {
		name   string
		widths func(string) int
	}{{"per code point", uitest.PerCodePoint}, {"grapheme-aware", nil}} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteCheckTable(&b, services, st, false, true, 0); err != nil {
				t.Fatalf("WriteCheckTable() = %v, want nil", err)
			}
			v := uitest.New(120, len(services)+2)
			v.Widths = tt.widths
			v.Write(t, strings.ReplaceAll(b.String(), "\n", "\r\n")) // as the terminal's line discipline does
			header := row(v, 0)
			lat, reason := strings.Index(header, "LATENCY"), strings.Index(header, "REASON")
			for y := 1; y <= len(services); y++ {
				r := row(v, y)
				if c := r[lat+len("LATENCY")-1]; c != 's' && c != '-' {
					t.Errorf("row %d = %q: column %d = %q, want the end of a latency", y, r, lat+len("LATENCY")-1, c)
				}
				if reason < len(r) && r[reason-1] != ' ' {
					t.Errorf("row %d = %q: reason does not start at column %d", y, r, reason)
				}
			}
		})
	}
}

// row is line y of v as one character a cell, "#" standing for any wide or combined grapheme.
func row(v *uitest.Term, y int) string {
	var b strings.Builder
	for _, c := range v.Cells[y] {
		switch {
		case c.S == "":
			b.WriteByte('#')
		case len(c.S) > 1:
			b.WriteByte('#')
		default:
			b.WriteString(c.S)
		}
	}
	return b.String()
}

// TestWriteIncidentsTableOnTerminal: as TestWriteCheckTableOnTerminal, for uptty incidents:
// ACK and CAUSE stay under their headings after a service whose emoji the terminal draws at
// another width.
func TestWriteIncidentsTableOnTerminal(t *testing.T) {
	list := ackedFixture()
	list = append(list, list...)
	for i, name := range []string{"👍🏽 Thumbs", "❤️ Heart", "1️⃣ First", "Plain"} {
		list[i].Service = name
	}
	for _, tt := range []struct {
		name   string
		widths func(string) int
	}{{"per code point", uitest.PerCodePoint}, {"grapheme-aware", nil}} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteIncidentsTable(&b, list, kst, true, 0); err != nil {
				t.Fatal(err)
			}
			v := uitest.New(160, len(list)+2)
			v.Widths = tt.widths
			v.Write(t, strings.ReplaceAll(b.String(), "\n", "\r\n"))
			header := row(v, 0)
			ack, cause := strings.Index(header, "ACK"), strings.Index(header, "CAUSE")
			for y := 1; y <= len(list); y++ {
				r := row(v, y)
				if list[y-1].Ack != nil && r[ack] != 'a' {
					t.Errorf("row %d = %q: column %d = %q, want the ack's alice", y, r, ack, r[ack])
				}
				if c := r[cause]; r[cause-1] != ' ' || c != 'c' && c != 's' {
					t.Errorf("row %d = %q: column %d = %q, want the start of the cause", y, r, cause, c)
				}
			}
		})
	}
}

// TestWriteAlertsTableOnTerminal: as TestWriteCheckTableOnTerminal, for uptty alerts: EVENT
// stays under its heading after a service whose emoji the terminal draws at another width.
func TestWriteAlertsTableOnTerminal(t *testing.T) {
	at := time.Date(2026, 12, 1, 21, 47, 2, 0, time.UTC)
	var list []history.Outgoing
	for _, name := range []string{"👍🏽 Thumbs", "❤️ Heart", "1️⃣ First", "Plain"} {
		list = append(list, history.Outgoing{ID: name, Service: name, Event: "down", Sender: "team", State: "sent", Attempts: 1, Created: at})
	}
	var b bytes.Buffer
	if err := WriteAlertsTable(&b, list, time.UTC, true, 0); err != nil {
		t.Fatal(err)
	}
	v := uitest.New(120, len(list)+2)
	v.Widths = uitest.PerCodePoint
	v.Write(t, strings.ReplaceAll(b.String(), "\n", "\r\n"))
	event := strings.Index(row(v, 0), "EVENT")
	for y := 1; y <= len(list); y++ {
		if r := row(v, y); !strings.HasPrefix(r[event:], "down   team") {
			t.Errorf("row %d = %q: EVENT does not start at column %d", y, r, event)
		}
	}
}

// TestWriteCheckTableFitsTerminal: on a terminal, the name column gives up width (down to 20
// cells) so that each row's reason fits the line: at 80 columns one long name pushed every
// reason past the edge, and the terminal broke them over two lines ("connection" / "refused").
// A file or a pipe (no width) keeps names up to 48 cells.
func TestWriteCheckTableFitsTerminal(t *testing.T) {
	services, st := fixture(fixedNow)
	services[0].Name = "A really quite extraordinarily long service name that goes on"
	st[1].State, st[1].Reason = track.Down, "connection refused after 3 tries"
	for _, tt := range []struct {
		width, nameW int
	}{{80, 80 - 21 - len("connection refused after 3 tries")}, {200, 48}, {0, 48}, {40, 20}} {
		var b bytes.Buffer
		if err := WriteCheckTable(&b, services, st, false, false, tt.width); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
		if got := strings.Index(lines[0], "LATENCY") - 2 - len("STATE   ") - 2; got != tt.nameW {
			t.Errorf("width %d: name column %d cells, want %d:\n%s", tt.width, got, tt.nameW, b.String())
		}
		for _, l := range lines {
			if tt.width >= 80 && text.Width(l) > tt.width {
				t.Errorf("width %d: line %q is %d cells", tt.width, l, text.Width(l))
			}
		}
		if !strings.Contains(b.String(), "connection refused after 3 tries") {
			t.Errorf("width %d: the reason is cut:\n%s", tt.width, b.String())
		}
	}
}
