package history

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestErrFileGone: a history whose directory is removed under it (rm -rf of the state
// directory, a cleanup job) goes on committing into a file nothing will read again; Err says
// so, once it has looked again, so that /healthz and the screen do not report it healthy.
func TestErrFileGone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC).UnixNano())
	s, err := Open(filepath.Join(dir, "history.db"), Options{Now: func() time.Time { return time.Unix(0, now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Err(); err != nil {
		t.Fatalf("Err() of a new history = %v, want nil", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	now.Add(int64(goneEvery))
	err = s.Err()
	if err == nil || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("Err() once its directory is removed = %v, want it to say the file was deleted", err)
	}
}

// TestCloseFileGone: Close of a history whose file was deleted under it says so, however soon
// after: the commits went into a file nothing will read, and a stop that logged "history
// saved" (uptty serve did) would be a lie.
func TestCloseFileGone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, err := Open(filepath.Join(dir, "history.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Err(); err != nil {
		t.Fatalf("Err() of a new history = %v, want nil", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("Close() once its directory is removed = %v, want it to say the file was deleted", err)
	}
}
