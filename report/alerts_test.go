package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/uptty/uptty/history"
)

// TestAlertsTable: columns aligned, newest first as given, attempts right-aligned, control
// bytes in an error cleaned; a sent alert shows no error, though an earlier attempt failed.
func TestAlertsTable(t *testing.T) {
	at := time.Date(2026, 12, 1, 21, 47, 2, 0, time.UTC)
	list := []history.Outgoing{
		{ID: "b", Service: "Checkout API", Event: "up", Sender: "team", State: "sent", Attempts: 1, Created: at.Add(time.Hour)},
		{ID: "c", Service: "db", Event: "down", Sender: "team", State: "sent", Attempts: 3, LastError: "webhook: status 502", Created: at},
		{ID: "a", Service: "db", Event: "down", Sender: "pager", State: "failed", Attempts: 12, LastError: "webhook: status 500\x1b[2J", Created: at},
	}
	var b bytes.Buffer
	if err := WriteAlertsTable(&b, list, time.UTC, false, 0); err != nil {
		t.Fatal(err)
	}
	want := "TIME                     SERVICE       EVENT  SENDER  STATE   ATTEMPTS  ERROR\n" +
		"2026-12-01 22:47:02 UTC  Checkout API  up     team    sent           1\n" +
		"2026-12-01 21:47:02 UTC  db            down   team    sent           3\n" +
		"2026-12-01 21:47:02 UTC  db            down   pager   failed        12  webhook: status 500\n"
	if got := b.String(); got != want {
		t.Errorf("WriteAlertsTable =\n%s\nwant\n%s", got, want)
	}
	b.Reset()
	WriteAlertsTable(&b, nil, time.UTC, false, 0)
	if b.String() != "no alerts\n" {
		t.Errorf("WriteAlertsTable(none) = %q, want \"no alerts\\n\"", b.String())
	}
}

// TestAlertsJSON: the documented shape, nulls for unset times, [] for none; a sent alert has no
// last_error, though its first attempt failed.
func TestAlertsJSON(t *testing.T) {
	at := time.Date(2026, 12, 1, 21, 47, 2, 0, time.Local)
	var b bytes.Buffer
	if err := WriteAlertsJSON(&b, []history.Outgoing{{ID: "a", Service: "db", Event: "down", Sender: "team",
		State: "sent", Attempts: 2, LastError: "webhook: status 500", Created: at, SentAt: at.Add(time.Second)}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Alerts []map[string]any `json:"alerts"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Alerts) != 1 {
		t.Fatalf("WriteAlertsJSON = %s, %v", b.String(), err)
	}
	a := doc.Alerts[0]
	for k, want := range map[string]any{"id": "a", "time": at.Format(time.RFC3339), "service": "db", "event": "down",
		"sender": "team", "state": "sent", "attempts": 2.0, "last_error": "", "next_at": nil,
		"sent_at": at.Add(time.Second).Format(time.RFC3339)} {
		if a[k] != want {
			t.Errorf("alerts[0][%q] = %v, want %v", k, a[k], want)
		}
	}
	b.Reset()
	WriteAlertsJSON(&b, nil)
	if got := b.String(); got != "{\n  \"alerts\": []\n}\n" {
		t.Errorf("WriteAlertsJSON(none) = %q", got)
	}
}
