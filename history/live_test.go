package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestOpenLive covers what the live monitor does with each kind of history file.
func TestOpenLive(t *testing.T) {
	dir := t.TempDir()
	services := []Service{{Name: "API", Group: "core", Interval: time.Second}, {Name: "New"}}
	now := time.Now()

	// A first run records an outage of API and quits.
	saved := filepath.Join(dir, "state", "uptty", "history.db")
	first, err := OpenLive(saved, 0, services, 0)
	if _, found := first.Restore("API"); err != nil || first.Hint != "" || found {
		t.Fatalf("OpenLive(new file) = %+v, %v; want a store, no hint, nothing found", first, err)
	}
	if fi, err := os.Stat(filepath.Dir(saved)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("history dir = %v, %v; want mode 0700", fi.Mode(), err)
	}
	tr := track.NewTracker(track.Policy{FailureThreshold: 2})
	for k, ok := range []bool{true, false, false, true} {
		r := track.Check{Start: now.Add(time.Duration(k-4) * time.Second), Latency: time.Millisecond, OK: ok}
		if !ok {
			r.Reason = "connection refused"
		}
		evs := tr.Observe(r) // first: the state recorded is the one the result left
		first.Record("API", r, evs)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	foreign := filepath.Join(dir, "foreign.db")
	os.WriteFile(foreign, []byte("SQLite format 3\x00 but not really"), 0o600)
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o600)
	newer := filepath.Join(dir, "newer.db")
	makeNewer(t, newer)
	holder, err := Open(saved, Options{})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		path      string
		wantErr   string
		wantHint  string
		wantFound bool
		wantPath  string // of the store written to: "" in memory
		wantView  string // of the store read for charts
	}{
		{name: "in use", path: saved, wantHint: fmt.Sprintf("history in use by another uptty (pid %d): not saving; quit that one first", os.Getpid()),
			wantFound: true, wantView: saved},
		{name: "in memory", path: ""},
		{name: "not a history", path: foreign, wantErr: foreign},
		{name: "newer schema", path: newer, wantErr: newer},
		{name: "cannot be created", path: filepath.Join(notDir, "history.db"), wantHint: "history not saved: history file " + notDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := OpenLive(tt.path, 0, services, 0)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OpenLive(%s) error = %v, want one naming %s", tt.path, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenLive(%s) error = %v", tt.path, err)
			}
			defer h.Close()
			if !strings.HasPrefix(h.Hint, tt.wantHint) || tt.wantHint == "" && h.Hint != "" {
				t.Errorf("Hint = %q, want %q", h.Hint, tt.wantHint)
			}
			if h.Store.Path() != tt.wantPath || h.View.Path() != tt.wantView {
				t.Errorf("store, view paths = %q, %q; want %q, %q", h.Store.Path(), h.View.Path(), tt.wantPath, tt.wantView)
			}
			st, found := h.Restore("API")
			if found != tt.wantFound {
				t.Fatalf("Restore(API) found = %v, want %v", found, tt.wantFound)
			}
			if _, newFound := h.Restore("New"); newFound {
				t.Errorf("Restore(New) found a service history never saw")
			}
			if found && (st.State != track.Up || len(st.Outages) != 1 || st.Outages[0].Open() || st.Outages[0].Cause != "connection refused") {
				t.Errorf("Restore(API) = %v, outages %+v; want UP after an outage for connection refused", st.State, st.Outages)
			}
		})
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}

	// Once the other uptty has quit, the file is ours again.
	again, err := OpenLive(saved, 0, services, 0)
	if _, found := again.Restore("API"); err != nil || again.Hint != "" || !found || again.Store.Path() != saved || again.View != again.Store {
		t.Fatalf("OpenLive(after the other quit) = hint %q, found %v, path %q, %v; want the file, restored", again.Hint, found, again.Store.Path(), err)
	}
	if err := again.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
	if err := again.Store.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("Close() after Close = %v, want %v", err, ErrClosed)
	}
}

// makeNewer writes a history file at path as a newer uptty would have left it.
func makeNewer(t *testing.T, path string) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
}

// TestRecordCommitsResultWithItsEvents: the result that made a service DOWN and the outage it
// opened are one write, so history never holds a DOWN state without its outage.
func TestRecordCommitsResultWithItsEvents(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "h.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Register("API", "core", time.Second)
	tr := track.NewTracker(track.Policy{FailureThreshold: 2})
	t0 := time.Now().Add(-time.Minute)
	for k := range 3 {
		r := track.Check{Start: t0.Add(time.Duration(k) * time.Second), Latency: time.Millisecond, Reason: "connection refused"}
		evs := tr.Observe(r)
		s.Record("API", "core", r, evs)
	}
	s.Record("API", "core", track.Check{}, tr.Pause(t0.Add(5*time.Second)))
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	st, err := s.Restore("API")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Outages); st.State != track.Paused || n != 1 || !st.Outages[0].Open() ||
		!st.Outages[0].Start.Equal(t0.Truncate(time.Millisecond)) || st.Checks != 3 {
		t.Errorf("Restore() = %v, outages %+v, %d checks; want PAUSED with the outage open since %v and 3 checks",
			st.State, st.Outages, st.Checks, t0)
	}
}

// TestOpenLiveWaitsForTheQuittingOne: a restart starts the new uptty while the old one is still
// closing the file; the new one must get the file, not give up saving for its whole run.
func TestOpenLiveWaitsForTheQuittingOne(t *testing.T) {
	if !canLock {
		t.Skip("no lock file here")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	old, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	old.closing() // what Close says first, while it still commits
	released := time.AfterFunc(200*time.Millisecond, func() { old.Close() })
	defer released.Stop()
	h, err := OpenLive(path, 0, []Service{{Name: "API"}}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Hint != "" || h.Store.Path() != path {
		t.Errorf("OpenLive() = hint %q, path %q; want the file, saving", h.Hint, h.Store.Path())
	}
}

// TestOpenLiveDoesNotWaitForARunningOne: an uptty that holds the file and runs (uptty serve
// beside the screen) is not waited for: the screen starts at once, saying it is not saving.
func TestOpenLiveDoesNotWaitForARunningOne(t *testing.T) {
	if !canLock {
		t.Skip("no lock file here")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	running, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	opened := make(chan *Live, 1)
	go func() {
		h, err := OpenLive(path, 0, []Service{{Name: "API"}}, time.Hour)
		if err != nil {
			t.Error(err)
		}
		opened <- h
	}()
	select {
	case h := <-opened:
		if h == nil {
			return
		}
		defer h.Close()
		want := fmt.Sprintf("history in use by another uptty (pid %d): not saving; quit that one first", os.Getpid())
		if h.Hint != want {
			t.Errorf("OpenLive() hint = %q, want %q", h.Hint, want)
		}
	case <-time.After(time.Minute):
		t.Fatal("OpenLive waited for an uptty that holds the file and is not closing")
	}
}

// TestRestoreAllAsRestore: RestoreAll (parallel, prepared, one read transaction per worker)
// answers exactly as Restore one service at a time, and OpenLiveDeferred then RestoreAll gives
// the live monitor what OpenLive does.
func TestRestoreAllAsRestore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	services, names := numberedServices(300)
	names = append(names, "never seen")
	live, err := OpenLive(path, 0, services, 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 300 {
		tr := track.NewTracker(track.Policy{FailureThreshold: 2})
		for k := range 5 + i%7 {
			r := track.Check{Start: now.Add(time.Duration(k-20) * time.Second), Latency: time.Duration(1+i) * time.Millisecond, OK: (i+k)%4 != 0}
			if !r.OK {
				r.Reason = "connection refused"
			}
			live.Record(names[i], r, tr.Observe(r))
		}
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all := s.RestoreAll(names)
	for i, name := range names {
		want, err := s.Restore(name)
		if all[i].Err != nil || err != nil || !reflect.DeepEqual(all[i].Saved, want) {
			t.Errorf("RestoreAll()[%s] = %+v, %v; want %+v, %v as Restore", name, all[i].Saved, all[i].Err, want, err)
		}
	}
	eager, err := OpenLive(path, 0, services, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wants []track.Saved
	for _, name := range names {
		st, _ := eager.Restore(name)
		wants = append(wants, st)
	}
	eager.Close()
	lazy, err := OpenLiveDeferred(path, Options{}, services, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lazy.Close()
	if _, ok := lazy.Restore("svc1"); ok {
		t.Error("OpenLiveDeferred restored before RestoreAll")
	}
	if hint := lazy.RestoreAll(); hint != "" {
		t.Errorf("RestoreAll() = %q, want no hint", hint)
	}
	for i, name := range names {
		if got, _ := lazy.Restore(name); !reflect.DeepEqual(got, wants[i]) {
			t.Errorf("deferred Restore(%s) = %+v, want %+v as OpenLive's", name, got, wants[i])
		}
	}
	// Each state is handed over once, and then no longer held.
	if _, ok := lazy.Restore(names[0]); ok || lazy.saved != nil {
		t.Errorf("Restore(%s) again = found %v, %d states held; want none: each is handed over once", names[0], ok, len(lazy.saved))
	}
}

// numberedServices are n services svc0, svc1, … checked every second, and their names.
func numberedServices(n int) ([]Service, []string) {
	services, names := make([]Service, n), make([]string, n)
	for i := range n {
		names[i] = fmt.Sprint("svc", i)
		services[i] = Service{Name: names[i], Interval: time.Second}
	}
	return services, names
}

// TestRestoreAllGoroutinesAndSnapshot: RestoreAll starts no goroutine per query (a database/sql
// Tx starts one for every query, three a service: 30,000 at a start of 10,000 services), and
// leaves no reader inside its read transaction: a second RestoreAll sees what was written
// after the first.
func TestRestoreAllGoroutinesAndSnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	services, names := numberedServices(300)
	live, err := OpenLive(path, 0, services, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	now := time.Now().Add(-time.Minute)
	record := func(k int) {
		for i := range 300 {
			live.Record(names[i], track.Check{Start: now.Add(time.Duration(k) * time.Second), Latency: time.Millisecond, OK: true}, nil)
		}
		if err := live.Store.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	record(0)
	created := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(created)
	before := created[0].Value.Uint64()
	first := live.Store.RestoreAll(names)
	metrics.Read(created)
	if n := created[0].Value.Uint64() - before; n > 50 {
		t.Errorf("RestoreAll of %d services started %d goroutines, want at most 50 (its workers and SQLite's)", len(names), n)
	}
	record(1)
	second := live.Store.RestoreAll(names)
	for i, name := range names {
		if first[i].Err != nil || second[i].Err != nil {
			t.Fatalf("RestoreAll()[%s]: %v, %v", name, first[i].Err, second[i].Err)
		}
		if got, want := len(second[i].Saved.Recent), len(first[i].Saved.Recent)+1; got != want {
			t.Errorf("second RestoreAll()[%s] = %d recent checks, want %d: a reader kept the first one's snapshot", name, got, want)
		}
	}
}

// TestOpenLiveQueueHoldsARound checks that the live store's queue has room for a result of
// every service beyond the default: the first round checks them all within seconds, faster
// than the writer commits while the checks take the CPU.
func TestOpenLiveQueueHoldsARound(t *testing.T) {
	services := make([]Service, 10_000)
	for i := range services {
		services[i] = Service{Name: fmt.Sprint("svc-", i), Interval: 10 * time.Second}
	}
	h, err := OpenLive(filepath.Join(t.TempDir(), "history.db"), 0, services, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got, want := h.Store.queue.limit, defaultQueueSize+len(services); got != want {
		t.Errorf("queue of %d writes, want %d", got, want)
	}
}

// TestInUseByServe: an uptty that finds the history held by uptty serve says where that one
// serves, and that uptty attach shows it, rather than only that it is in use; one held by
// another live screen says what to do to save here.
func TestInUseByServe(t *testing.T) {
	if !canLock {
		t.Skip("no file locks here")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	const url = "http://127.0.0.1:9870"
	server, err := Open(path, Options{Serving: url})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrInUse) || InUseServing(err) != url || !strings.Contains(err.Error(), "in use by uptty serve at "+url) {
		t.Errorf("Open beside uptty serve = %v (serving %q), want in use by uptty serve at %s", err, InUseServing(err), url)
	}
	h, err := OpenLive(path, 0, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "history in use by uptty serve, not saving: uptty attach " + url
	if h.Hint != want {
		t.Errorf("hint beside uptty serve = %q, want %q", h.Hint, want)
	}
	if h.Attach != "uptty attach "+url {
		t.Errorf("Attach beside uptty serve = %q, want %q", h.Attach, "uptty attach "+url)
	}
	h.Close()
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}

	// A server with TLS and a token: the command has what attach needs, so that it works as
	// written, and the message still names the URL alone.
	const cmd = "uptty attach https://127.0.0.1:9870 --ca /etc/uptty/tls/fullchain.pem --token-file /etc/uptty/token"
	server, err = Open(path, Options{Serving: "https://127.0.0.1:9870", Attach: cmd})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if _, err = Open(path, Options{}); InUseServing(err) != "https://127.0.0.1:9870" ||
		!strings.Contains(err.Error(), "in use by uptty serve at https://127.0.0.1:9870 (pid") {
		t.Errorf("Open beside uptty serve with TLS = %v (serving %q), want in use by uptty serve at its URL", err, InUseServing(err))
	}
	h, err = OpenLive(path, 0, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if want := "history in use by uptty serve, not saving: " + cmd; h.Hint != want {
		t.Errorf("hint beside uptty serve with TLS = %q, want %q", h.Hint, want)
	}
	if h.Attach != cmd {
		t.Errorf("Attach beside uptty serve with TLS = %q, want %q", h.Attach, cmd)
	}
}
