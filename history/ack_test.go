package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestAckFromV5: a history of schema version 5 with an open outage opens upgraded, the outage
// intact and un-acked; an ack stored on it comes back after a restart with its outage, is
// listed by incidents (and in their JSON), and goes once the outage ends and when removed.
func TestAckFromV5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v5.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := migrate(ctx, db, path, migrations()[:5]); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO service (id, name, grp) VALUES (1, 'api', 'payments'), (2, 'db', '')",
		fmt.Sprintf("INSERT INTO outage (service, started, cause) VALUES (1, %d, 'refused')", t0.UnixMilli()),
		fmt.Sprintf("INSERT INTO outage (service, started, cause) VALUES (2, %d, 'timeout')", t0.UnixMilli()),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	services := []Service{{Name: "api", Group: "payments"}, {Name: "db"}}
	h, err := OpenLive(path, 0, services, time.Second)
	if err != nil {
		t.Fatalf("OpenLive(version 5) = %v", err)
	}
	if v := scalar[int](t, h.Store, "PRAGMA user_version"); v != len(migrations()) {
		t.Errorf("user_version after Open = %d, want %d", v, len(migrations()))
	}
	if len(h.Acks()) != 0 {
		t.Errorf("Acks() of a version 5 history = %v, want none", h.Acks())
	}
	list, err := h.Store.Incidents(time.Time{}, "api")
	if err != nil || len(list) != 1 || list[0].Ack != nil || list[0].End != nil {
		t.Fatalf("Incidents(api) = %+v, %v; want its open outage, un-acked", list, err)
	}
	ack := track.Ack{Start: t0.Add(300 * time.Microsecond), By: "alice", At: t0.Add(5 * time.Minute), Note: "restarting the pool"}
	if err := h.SetAck(ctx, "api", ack); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	h, err = OpenLive(path, 0, services, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := h.Acks()["api"]
	if !ok || got.By != "alice" || got.Note != "restarting the pool" || !got.At.Equal(ack.At) || !got.Of(track.Outage{Start: t0}) {
		t.Errorf("Acks()[api] after a restart = %+v, %v; want alice's ack of the outage at %v", got, ok, t0)
	}
	if _, ok := h.Acks()["db"]; ok {
		t.Error("Acks()[db] is set; want only api acked")
	}
	list, err = h.Store.Incidents(time.Time{}, "")
	if err != nil || len(list) != 2 {
		t.Fatalf("Incidents = %+v, %v; want 2", list, err)
	}
	var docs []string
	for _, in := range list {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	at := ack.At.Local().Format(time.RFC3339)
	for _, want := range []string{`"ack":{"by":"alice","at":"` + at + `","note":"restarting the pool"}`, `"ack":null`} {
		if !strings.Contains(strings.Join(docs, "\n"), want) {
			t.Errorf("incidents JSON does not hold %s:\n%s", want, strings.Join(docs, "\n"))
		}
	}

	// The outage ends: its ack stays in the record, and no longer comes back as open.
	end := t0.Add(time.Hour)
	h.Record("api", track.Check{Start: end, OK: true}, []track.Event{{Kind: track.OutageEnded, At: end,
		Outage: track.Outage{Start: t0, End: end, Cause: "refused"}}})
	if err := h.Unack(ctx, "db", t0); err != nil {
		t.Fatal(err)
	}
	flush(t, h.Store)
	if acks, err := h.Store.OpenAcks(); err != nil || len(acks) != 0 {
		t.Errorf("OpenAcks after the outage ended = %v, %v; want none", acks, err)
	}
	list, _ = h.Store.Incidents(time.Time{}, "api")
	if len(list) != 1 || list[0].Ack == nil || list[0].Ack.By != "alice" || list[0].End == nil {
		t.Errorf("Incidents(api) after the end = %+v; want the ended outage with alice's ack", list)
	}
	h.Close()
}

// TestUnack: removing an ack leaves the outage as it was before it.
func TestUnack(t *testing.T) {
	s, _ := openTest(t, Options{Now: newClock(t0.Add(time.Hour)).Now})
	s.Register("api", "", 0)
	s.RecordEvent("api", "", track.Event{Kind: track.OutageStarted, At: t0, Outage: track.Outage{Start: t0, Cause: "refused"}})
	ctx := context.Background()
	if err := s.SetAck(ctx, "api", track.Ack{Start: t0, By: "bob", At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if acks, _ := s.OpenAcks(); acks["api"].By != "bob" {
		t.Fatalf("OpenAcks = %v, want bob's", acks)
	}
	if err := s.Unack(ctx, "api", t0); err != nil {
		t.Fatal(err)
	}
	if acks, err := s.OpenAcks(); err != nil || len(acks) != 0 {
		t.Errorf("OpenAcks after Unack = %v, %v; want none", acks, err)
	}
	if err := s.SetAck(ctx, "api", track.Ack{By: "bob"}); err == nil {
		t.Error("SetAck without the outage's start = nil, want an error")
	}
}
