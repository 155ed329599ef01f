package serve

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// ErrWatchClosed is what Watch.Next returns once the watch is closed or the server stopped.
var ErrWatchClosed = errors.New("serve: watch closed")

// Watch is an in-process subscriber to the monitor's changes, such as an SSH viewer's screen:
// the fan-out hands it every batch the event streams get, as statuses rather than JSON. It
// never makes the fan-out wait: the batches not yet taken are kept as they are, shared with
// every other watch (a batch is never written once the monitor made it), and once more than
// a few are waiting they are merged by service name, so what a watch holds is bounded by the
// number of services however slowly it is read.
type Watch struct {
	s    *Server
	wake chan struct{} // cap 1: there is something to take

	mu       sync.Mutex
	pending  []map[string]track.Status // oldest first
	services bool                      // the service list changed since the last ServicesChanged
	reload   reloadOutcome             // a reload's outcome not yet taken by Reload; zero for none
	closed   bool
}

// maxPending is how many batches a watch keeps as they came before it merges them into one.
// Sharing the batch is what keeps 50 SSH viewers' feeds cheap: a copy of every changed
// status for each of them, per batch, was most of what their feeds cost.
const maxPending = 8

// Watch subscribes to the monitor's changes from now on; the caller reads its first snapshot
// with Snapshot. Close it when done.
func (s *Server) Watch() *Watch {
	w := &Watch{s: s, wake: make(chan struct{}, 1)}
	s.hub.mu.Lock()
	if s.hub.reload.err != "" {
		w.reload = s.hub.reload // an error still standing: a new screen says it too
	}
	if s.hub.watches == nil {
		s.hub.watches = map[*Watch]struct{}{}
	}
	s.hub.watches[w] = struct{}{}
	s.hub.mu.Unlock()
	return w
}

// Snapshot is the services and every one's status by name, as they are now.
func (w *Watch) Snapshot() ([]config.Service, map[string]track.Status) {
	svcs, st := w.s.snapshot()
	out := make(map[string]track.Status, len(svcs))
	for i, svc := range svcs {
		out[svc.Name] = st[i]
	}
	return svcs, out
}

// Next blocks until some services changed and returns their latest statuses by name. It
// returns ctx's error once ctx is done, and ErrWatchClosed once the watch is closed or the
// server stopped. After a reload it returns an empty batch: ServicesChanged and Reload then
// say so.
// The map may be shared with other watches: it must not be changed.
func (w *Watch) Next(ctx context.Context) (map[string]track.Status, error) {
	for {
		w.mu.Lock()
		closed := w.closed
		if !closed && (len(w.pending) > 0 || w.services || !w.reload.at.IsZero()) {
			batch := merge(w.pending)
			w.pending = nil
			w.mu.Unlock()
			return batch, nil
		}
		w.mu.Unlock()
		if closed {
			return nil, ErrWatchClosed
		}
		select {
		case <-w.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-w.s.stop:
			return nil, ErrWatchClosed
		}
	}
}

// ServicesChanged reports whether the service list changed (a reload) since it last said so;
// the caller then takes a fresh Snapshot.
func (w *Watch) ServicesChanged() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.services
	w.services = false
	return ch
}

// Reload reports, once, how the newest reload of the config the watch has not been told of
// ended: when, and why it failed (nil for a good one). A new watch is told of the last reload
// if it failed. at is zero when there is nothing new.
func (w *Watch) Reload() (at time.Time, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.reload
	w.reload = reloadOutcome{}
	if r.err != "" {
		err = errors.New(r.err)
	}
	return r.at, err
}

// Close ends the subscription; a pending Next returns ErrWatchClosed.
func (w *Watch) Close() {
	w.s.hub.mu.Lock()
	delete(w.s.hub.watches, w)
	w.s.hub.mu.Unlock()
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.signal()
}

// Pause stops checking a service, as the API's pause does.
func (w *Watch) Pause(name string) {
	if w.s.known(name) {
		w.s.opts.Monitor.Pause(name)
	}
}

// Resume starts checking a service again.
func (w *Watch) Resume(name string) {
	if w.s.known(name) {
		w.s.opts.Monitor.Resume(name)
	}
}

// Detail is what the monitor knows of a service beyond its status.
func (w *Watch) Detail(name string) (track.Detail, bool) { return w.s.opts.Monitor.Detail(name) }

func (w *Watch) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// push adds batch to what w has not taken yet.
func (w *Watch) push(batch map[string]track.Status) {
	w.mu.Lock()
	w.pending = append(w.pending, batch)
	if len(w.pending) > maxPending {
		w.pending = append(w.pending[:0], merge(w.pending))
	}
	w.mu.Unlock()
	w.signal()
}

// merge is batches as one: every service's latest status. A lone batch is itself.
func merge(batches []map[string]track.Status) map[string]track.Status {
	switch len(batches) {
	case 0:
		return map[string]track.Status{}
	case 1:
		return batches[0]
	}
	n := 0
	for _, b := range batches {
		n = max(n, len(b))
	}
	out := make(map[string]track.Status, n)
	for _, b := range batches {
		for name, st := range b {
			out[name] = st
		}
	}
	return out
}

// reloaded tells w the service list changed: what it held is stale.
func (w *Watch) reloaded() {
	w.mu.Lock()
	w.pending, w.services = nil, true
	w.mu.Unlock()
	w.signal()
}

// noteReload tells w how a reload ended. Called with hub.mu held.
func (w *Watch) noteReload(r reloadOutcome) {
	w.mu.Lock()
	w.reload = r
	w.mu.Unlock()
	w.signal()
}

// watchBroadcast hands batch to every watch. Called by the fan-out with hub.mu held.
func (h *hub) watchBroadcast(batch map[string]track.Status) {
	for w := range h.watches {
		w.push(batch)
	}
}
