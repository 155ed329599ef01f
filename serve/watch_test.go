package serve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/uptty/uptty/track"
)

// nextUntil reads w until every named service is in state, starting from its snapshot: a
// service may have got there before the watch began.
func nextUntil(t *testing.T, w *Watch, state track.State, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, now := w.Snapshot()
	left := map[string]bool{}
	for _, n := range names {
		if now[n].State != state {
			left[n] = true
		}
	}
	for len(left) > 0 {
		batch, err := w.Next(ctx)
		if err != nil {
			t.Fatalf("Next waiting for %v %v: %v", names, state, err)
		}
		for name, st := range batch {
			if st.State == state {
				delete(left, name)
			}
		}
	}
}

// TestWatch: a watch gets the monitor's changes as statuses, one that is not read holds at most
// a few batches of one status per service however many changes it missed (and the monitor and
// the other watches go on meanwhile), pausing through it reaches the monitor, and Close ends a
// waiting Next.
func TestWatch(t *testing.T) {
	up := newTarget(t)
	const n = 4
	var cfg strings.Builder
	cfg.WriteString("defaults: {interval: 1s, timeout: 1s}\nservices:\n")
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("Service %d", i)
		fmt.Fprintf(&cfg, "  - {name: %q, url: %q}\n", names[i], up.URL)
	}
	f := start(t, cfg.String(), nil)
	w := f.srv.Watch()
	services, status := w.Snapshot()
	if len(services) != n || len(status) != n {
		t.Fatalf("Snapshot = %d services, %d statuses; want %d each", len(services), len(status), n)
	}
	nextUntil(t, w, track.Up, names...)

	idle := f.srv.Watch() // never read while the others change
	defer idle.Close()
	for range 5 {
		for _, name := range names {
			w.Pause(name)
		}
		nextUntil(t, w, track.Paused, names...)
		for _, name := range names {
			w.Resume(name)
		}
		nextUntil(t, w, track.Up, names...)
	}
	idle.mu.Lock()
	batches, most := len(idle.pending), 0
	for _, b := range idle.pending {
		most = max(most, len(b))
	}
	idle.mu.Unlock()
	if batches > maxPending || most > n {
		t.Errorf("an unread watch holds %d batches of up to %d statuses, want at most %d of at most %d (one per service)",
			batches, most, maxPending, n)
	}
	batch, err := idle.Next(context.Background())
	if err != nil || len(batch) == 0 {
		t.Errorf("an unread watch's Next = %d statuses, %v; want what it missed", len(batch), err)
	}

	done := make(chan error, 1)
	go func() { _, err := w.Next(context.Background()); done <- err }()
	w.Close()
	if err := <-done; !errors.Is(err, ErrWatchClosed) {
		t.Errorf("Next after Close = %v, want ErrWatchClosed", err)
	}
}

// TestWatchReload: after SetServices a watch's Next returns and ServicesChanged says so, once.
func TestWatchReload(t *testing.T) {
	up := newTarget(t)
	f := start(t, "services:\n  - {name: api, url: \""+up.URL+"\"}\n", nil)
	w := f.srv.Watch()
	defer w.Close()
	nextUntil(t, w, track.Up, "api")
	f.srv.SetServices(f.cfg.Services)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := w.Next(ctx); err != nil {
		t.Fatalf("Next after SetServices = %v", err)
	}
	if !w.ServicesChanged() {
		t.Error("ServicesChanged after SetServices = false, want true")
	}
	if w.ServicesChanged() {
		t.Error("ServicesChanged a second time = true, want false")
	}
}

// TestWatchMerge: the batches a watch holds read as one, each service's latest status winning.
func TestWatchMerge(t *testing.T) {
	up, down := track.Status{State: track.Up}, track.Status{State: track.Down}
	for _, tt := range []struct {
		name    string
		batches []map[string]track.Status
		want    map[string]track.Status
	}{
		{"none", nil, map[string]track.Status{}},
		{"one", []map[string]track.Status{{"a": up}}, map[string]track.Status{"a": up}},
		{"latest wins", []map[string]track.Status{{"a": up, "b": up}, {"a": down}, {"c": down}},
			map[string]track.Status{"a": down, "b": up, "c": down}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := merge(tt.batches); !maps.Equal(got, tt.want) {
				t.Errorf("merge(%v) = %v, want %v", tt.batches, got, tt.want)
			}
		})
	}
}
