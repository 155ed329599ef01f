package history

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/track"
)

// TestMain runs the child roles of the multi-process tests when asked to (the test binary
// re-executed with childEnv set), and otherwise the tests, then checks that no goroutine leaked.
func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role, os.Getenv(childPathEnv)))
	}
	// The tests run with SQLite's page pool, as a live history of pagePoolFrom services or
	// more does; SQLite takes it only before the first database is open.
	if err := usePagePool(); err != nil {
		panic(err)
	}
	goleak.VerifyTestMain(m)
}

// t0 is a fixed start for synthetic history.
var t0 = time.Date(2026, 5, 5, 12, 0, 0, 0, time.UTC)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// openTest opens a store in a fresh file of the test's temp dir, closed at cleanup.
func openTest(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func flush(t testing.TB, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush = %v", err)
	}
}

// execWriter runs sql on the writer's connection, after everything queued before it.
func execWriter(t testing.TB, s *Store, sql string) {
	t.Helper()
	if err := s.request(context.Background(), op{kind: opExec, more: &opMore{sql: sql}}); err != nil {
		t.Fatalf("exec %q = %v", sql, err)
	}
}

// holdWriter blocks the writer until the returned release is called.
func holdWriter(t testing.TB, s *Store) (release func()) {
	t.Helper()
	held, free := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- s.request(context.Background(), op{kind: opExec, more: &opMore{hook: func() { close(held); <-free }}})
	}()
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("writer never took the hold")
	}
	return func() {
		close(free)
		if err := <-errc; err != nil {
			t.Errorf("hold = %v", err)
		}
	}
}

// result is a check result at t0+at.
func result(at time.Duration, latency time.Duration, ok bool, reason string) track.Check {
	r := track.Check{Start: t0.Add(at), Latency: latency, OK: ok}
	if ok {
		r.Warning = reason
	} else {
		r.Reason = reason
	}
	return r
}

// scalar runs a one-value query on the store's readers.
func scalar[T any](t testing.TB, s *Store, query string, args ...any) T {
	t.Helper()
	var v T
	if err := s.ro.QueryRow(query, args...).Scan(&v); err != nil {
		t.Fatalf("%s = %v", query, err)
	}
	return v
}

// minuteChecks is the number of checks in the per-minute tier.
func minuteChecks(t testing.TB, s *Store) int64 {
	t.Helper()
	var n int64
	for _, m := range packedMinutes(t, s, "") {
		n += m.checks
	}
	return n
}

// packedMinutes reads the per-minute tier of one service ("": all of them) by the start of
// each minute; the aggregates of services with the same minute are added up.
func packedMinutes(t testing.TB, s *Store, service string) map[int64]*agg {
	t.Helper()
	rows, err := s.ro.Query("SELECT p.start, p.data FROM minute_pack p JOIN service s ON s.id = p.service WHERE ? IN ('', s.name)", service)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]*agg{}
	for rows.Next() {
		var hour int64
		var blob []byte
		if err := rows.Scan(&hour, &blob); err != nil {
			t.Fatal(err)
		}
		err := decodeMinutes(blob, func(i int, a *agg) {
			k := hour + int64(i)*minuteMS
			if out[k] == nil {
				out[k] = &agg{}
			}
			out[k].merge(a)
		})
		if err != nil {
			t.Fatalf("minute_pack at %d: %v", hour, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// hourChecks is the number of checks in the per-hour tier, packed or not.
func hourChecks(t testing.TB, s *Store) int64 {
	t.Helper()
	return scalar[int64](t, s, "SELECT (SELECT coalesce(sum(checks), 0) FROM agg_hour) + (SELECT coalesce(sum(checks), 0) FROM hour_pack)")
}
