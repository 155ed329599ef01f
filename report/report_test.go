package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/uptty/uptty/track"
)

func TestWriteCheckTable(t *testing.T) {
	services, st := fixture(fixedNow)
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteCheckTable(&b, services, st, color); err != nil {
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
