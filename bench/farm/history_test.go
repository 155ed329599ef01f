//go:build linux

package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
)

// TestReadHistoryPacked: results the rollup packed (the hours before the last one) are read
// with the rows, every one of them.
func TestReadHistoryPacked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	start := time.Date(2026, 5, 5, 12, 0, 0, 0, time.UTC)
	now := start.Add(3 * time.Hour)
	s, err := history.Open(path, history.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	const every = 10 * time.Second
	n := 0
	for at := time.Duration(0); at < 3*time.Hour; at += every {
		s.RecordResult("svc-7", track.Check{Start: start.Add(at), Latency: time.Duration(20_000+n) * time.Microsecond, OK: n%10 != 0})
		n++
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollup(now); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var packed int
	if err := db.QueryRow("SELECT count(*) FROM raw_pack").Scan(&packed); err != nil || packed != 2 {
		t.Fatalf("raw_pack rows = %d, %v; want the two hours before the last", packed, err)
	}
	db.Close()
	got, err := readHistory(path)
	if err != nil {
		t.Fatalf("readHistory = %v", err)
	}
	if len(got) != n {
		t.Fatalf("readHistory = %d results, want %d", len(got), n)
	}
	seen := map[int64]bool{}
	for _, r := range got {
		i := (r.at - start.UnixMilli()) / every.Milliseconds()
		if r.svc != 7 || seen[r.at] || r.latency != 20_000+i || r.ok != (i%10 != 0) {
			t.Fatalf("result %+v: want svc 7, latency %d, ok %v, once", r, 20_000+i, i%10 != 0)
		}
		seen[r.at] = true
	}
}
