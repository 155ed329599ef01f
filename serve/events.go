package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// hub is the set of event stream clients. The fan-out goroutine fills their queues; each
// client's handler drains its own.
type hub struct {
	mu      sync.Mutex
	clients map[*client]struct{}
	// wantSnap is set when some client needs a snapshot; interrupt wakes the fan-out from
	// Next to take it.
	wantSnap  bool
	interrupt context.CancelFunc
	// overflows counts the times a client fell behind and lost its backlog; refused, the
	// streams refused for being over MaxStreams.
	overflows, refused int
	refusing           bool // the last stream was refused, and none has ended since
	// watches are the in-process subscribers (watch.go).
	watches map[*Watch]struct{}
	// reload is how the last reload of the config went (see Server.Reloaded).
	reload reloadOutcome
}

// client is one event stream's queue.
type client struct {
	wake chan struct{} // cap 1: the queue has something

	mu       sync.Mutex
	queue    [][]byte // encoded events, oldest first
	size     int      // bytes in queue
	needSnap bool     // the backlog was dropped (or never began): a snapshot comes next
	// reload is the newest `reload` event not yet written. It is kept apart from the queue,
	// which a snapshot replaces: the snapshot may have been read before the reload ended.
	reload []byte
}

// push queues ev (events already encoded) for c unless that would pass limit bytes; then it
// drops the backlog and reports that c needs a snapshot instead.
func (c *client) push(ev []byte, limit int) (overflow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.needSnap {
		return false // a snapshot is coming: it tells more than ev
	}
	if c.size+len(ev) > limit {
		c.queue, c.size, c.needSnap = nil, 0, true
		return true
	}
	c.queue = append(c.queue, ev)
	c.size += len(ev)
	c.signal()
	return false
}

// note queues ev, a `reload` event, after what is queued, in place of one not yet written.
func (c *client) note(ev []byte) {
	c.mu.Lock()
	c.reload = ev
	c.mu.Unlock()
	c.signal()
}

// take empties c's queue, the reload event last.
func (c *client) take() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	if c.reload != nil {
		q = append(q, c.reload)
	}
	c.queue, c.size, c.reload = nil, 0, nil
	return q
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// DefaultMaxStreams is how many event streams a server holds at once unless told otherwise:
// far more people than look at one poller, few enough that their buffers (256 KiB each at
// most) stay within 64 MiB.
const DefaultMaxStreams = 256

// streamRetry is the Retry-After of a stream refused for being over the cap, in seconds.
const streamRetry = "10"

// subscribe adds a client that starts with a snapshot; nil when MaxStreams are open already.
// The first refusal of a run of them is logged, not every one: a client that retries in a loop
// must not flood the log.
func (s *Server) subscribe() *client {
	c := &client{wake: make(chan struct{}, 1), needSnap: true}
	s.hub.mu.Lock()
	if len(s.hub.clients) >= s.opts.MaxStreams {
		s.hub.refused++
		first := !s.hub.refusing
		s.hub.refusing = true
		s.hub.mu.Unlock()
		if first {
			s.log.Warn("event streams refused: too many open", "max_streams", s.opts.MaxStreams)
		}
		return nil
	}
	s.hub.clients[c] = struct{}{}
	s.hub.mu.Unlock()
	s.wantSnapshot()
	return c
}

func (s *Server) unsubscribe(c *client) {
	s.hub.mu.Lock()
	delete(s.hub.clients, c)
	s.hub.refusing = false
	s.hub.mu.Unlock()
}

// wantSnapshot asks the fan-out for a snapshot for the clients that need one.
func (s *Server) wantSnapshot() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.wantSnap = true
	if s.hub.interrupt != nil {
		s.hub.interrupt()
	}
}

// fanout is the one reader of the monitor's Next: it logs state changes and hands every
// stream client its events, and it takes the snapshots clients need. Snapshots are taken here,
// between batches, so that no client gets a batch older than the snapshot it already has.
//
// A batch that changes some service's state or outage goes to the streams at once, and what
// was held goes with it; one that only moves latencies, samples or reasons is held until just
// before the clock's next second (heldLead), each service's newest status once. A viewer
// learns of a change of state as soon as before, and a stream costs one wake-up and one write
// a second for the rest rather than one a batch (five a second): on a small VM a wake-up and a
// write cost about as much as the kilobytes they carry.
func (s *Server) fanout(ctx context.Context, seen *byService[track.Standing]) {
	held := heldEvents{statuses: map[string]track.Status{}}
	for {
		s.hub.mu.Lock()
		snap := s.hub.wantSnap
		s.hub.wantSnap = false
		next, cancel := held.waiting(ctx)
		s.hub.interrupt = cancel
		s.hub.mu.Unlock()
		if snap {
			cancel()
			// What is held is older than the snapshot: the clients that get one must not have
			// it after it, the others must not lose it.
			s.release(&held)
			s.sendSnapshots()
			continue
		}
		batch, err := s.opts.Monitor.Next(next)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err == nil { // else interrupted for a snapshot, or the second is up
			changed := s.logChanges(batch, seen)
			s.broadcast(batch, &held)
			if changed {
				s.release(&held)
			}
		}
		if !held.due.IsZero() && !time.Now().Before(held.due) {
			s.release(&held)
		}
	}
}

// heldEvents are the changes the fan-out holds back for the streams until the clock's next
// second: each service's latest status, and when they go out.
type heldEvents struct {
	statuses map[string]track.Status
	due      time.Time // zero while nothing is held
}

// hold adds batch to what is held, its statuses replacing older ones of the same services.
func (h *heldEvents) hold(batch map[string]track.Status) {
	if len(batch) == 0 {
		return
	}
	for name, st := range batch {
		h.statuses[name] = st
	}
	if h.due.IsZero() {
		now := time.Now()
		second := now.Add(heldLead).Truncate(time.Second).Add(time.Second - heldLead)
		// A wait, not a wall-clock time: a clock stepped back must not hold events longer.
		h.due = now.Add(second.Sub(now))
	}
}

// heldLead is how long before the clock's second held events go out: an attached screen draws
// such changes on its clock's tick, on the second, and they should be there by then, not a
// second later, over a network and between clocks a little apart.
const heldLead = 200 * time.Millisecond

// waiting is ctx for the wait on the monitor's next batch: done when the held events are due.
func (h *heldEvents) waiting(ctx context.Context) (context.Context, context.CancelFunc) {
	if h.due.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, h.due)
}

func (h *heldEvents) clear() {
	clear(h.statuses)
	h.due = time.Time{}
}

// sendSnapshots queues one fresh snapshot for every client that needs one.
func (s *Server) sendSnapshots() {
	now := s.opts.Now()
	ev := encodeEvent("snapshot", s.statusOf(now))
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for c := range s.hub.clients {
		c.mu.Lock()
		if c.needSnap {
			c.queue, c.size, c.needSnap = [][]byte{ev}, len(ev), false
			c.signal()
		}
		c.mu.Unlock()
	}
}

// broadcast hands batch to the watches at once, and holds it for the event streams (see
// release). With no stream open nothing is held: a stream opened from now on starts with a
// snapshot, taken after this batch is in the monitor's status.
func (s *Server) broadcast(batch map[string]track.Status, held *heldEvents) {
	s.hub.mu.Lock()
	s.hub.watchBroadcast(batch)
	streams := len(s.hub.clients)
	s.hub.mu.Unlock()
	if streams == 0 {
		held.clear()
		return
	}
	held.hold(batch)
}

// release queues a `service` event per held service for every client, and holds nothing
// more; the bytes are encoded once and shared.
func (s *Server) release(held *heldEvents) {
	if len(held.statuses) == 0 {
		held.clear()
		return
	}
	now := s.opts.Now()
	var buf bytes.Buffer
	for _, svc := range s.services() { // in the config's order, as the snapshot lists them
		if st, ok := held.statuses[svc.Name]; ok {
			buf.Write(encodeEvent("service", s.serviceOf(svc, st, now)))
		}
	}
	held.clear()
	if buf.Len() == 0 {
		return
	}
	ev := buf.Bytes()
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for c := range s.hub.clients {
		if c.push(ev, s.opts.ClientBuffer) {
			s.hub.wantSnap = true
			s.hub.overflows++
			s.log.Debug("event stream client fell behind: its backlog is dropped and a snapshot sent instead")
		}
	}
}

// loggedStates are the services' states and outages as restored from history: only changes
// from them are logged.
func (s *Server) loggedStates() *byService[track.Standing] {
	svcs, last := s.snapshot()
	index, gen := s.layout()
	seen := &byService[track.Standing]{}
	seen.lay(index, gen)
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.logged = &byService[loggedState]{}
	s.logged.lay(index, gen)
	for i, svc := range svcs {
		seen.set(svc.Name, last[i].Standing())
		s.logged.set(svc.Name, loggedState{last[i].State, last[i].LastAt})
	}
	return seen
}

// loggedState is what the log last said of a service: its state, as of the check begun at.
type loggedState struct {
	state track.State
	at    time.Time
}

// logChanges logs every service whose state differs from what the log last said (logStates),
// records in seen what batch shows, and reports whether any service's state or outage changed
// from seen's. It walks the batch, not the config (at 10,000 services a walk of every service
// per batch was 2% of serve's CPU).
func (s *Server) logChanges(batch map[string]track.Status, seen *byService[track.Standing]) (changed bool) {
	seen.lay(s.layout())
	for name, st := range batch {
		if was, is := seen.get(name), st.Standing(); !was.Same(is) {
			changed = true
			seen.set(name, is)
		}
	}
	if changed {
		s.logStates(batch)
	}
	return changed
}

// LogChange logs the change of state of the service named name that the log has not said yet.
// The alert log lines call it first: the monitor's batches reach the fan-out up to its batch
// interval after the alert engine had the change, and a failed delivery was logged before the
// state change that caused it. Only the service's current state is logged, as the fan-out would.
func (s *Server) LogChange(name string) {
	if st, ok := s.opts.Monitor.Status(name); ok {
		s.logStates(map[string]track.Status{name: st})
	}
}

// logStates logs every service of batch whose state differs from what the log last said, in
// the config's order, and records it as said. A status older than what was said (a batch taken
// before LogChange read a newer one) is skipped: the log never goes back in time. Only names,
// states, masked reasons and display URLs are logged: never a secret.
func (s *Server) logStates(batch map[string]track.Status) {
	svcs, byName := s.catalogue()
	type move struct {
		i    int // the service's position in the config
		from track.State
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.logged == nil {
		return // not serving yet: Serve starts the log from what history restored
	}
	s.logged.lay(s.layout())
	var moved []move
	for name, st := range batch {
		i, ok := byName[name]
		if !ok {
			continue
		}
		was := s.logged.get(name)
		if st.State == was.state || st.LastAt.Before(was.at) {
			continue
		}
		s.logged.set(name, loggedState{st.State, st.LastAt})
		moved = append(moved, move{i, was.state})
	}
	slices.SortFunc(moved, func(a, b move) int { return a.i - b.i })
	for _, m := range moved {
		svc, from := svcs[m.i], m.from
		st := batch[svc.Name]
		attrs := []any{"service", svc.Name, "from", from.String(), "to", st.State.String()}
		if svc.Group != "" {
			attrs = append(attrs, "group", svc.Group)
		}
		if u := svc.DisplayURL(); u != "" {
			attrs = append(attrs, "url", u)
		}
		if st.Reason != "" {
			attrs = append(attrs, "reason", st.Reason)
		}
		level := slog.LevelInfo
		switch o, ended := st.EndedOutage(); {
		case st.State == track.Down:
			level = slog.LevelWarn
			if s.opts.Via != nil {
				if via := s.opts.Via(svc.Name); via != "" {
					attrs = append(attrs, "via", via)
				}
			}
		case from == track.Down && ended:
			d := text.WrittenDuration(o.Start, o.End) // as the API and `uptty incidents` say it
			attrs = append(attrs, "outage", text.FormatDuration(d), "outage_s", int64(d/time.Second))
		}
		s.log.Log(context.Background(), level, "state changed", attrs...)
	}
}

// encodeEvent is one Server-Sent Event: its name and v as one line of JSON.
func encodeEvent(name string, v any) []byte {
	var b bytes.Buffer
	b.WriteString("event: " + name + "\ndata: ")
	enc := json.NewEncoder(&b) // one line: strings escape their newlines
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // our own types always encode
	b.WriteString("\n")
	return b.Bytes()
}

// heartbeat is the comment an idle stream gets; clients ignore it.
var heartbeat = []byte(": heartbeat\n\n")

// events streams a snapshot, then the changes, until the client or the server goes away.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	c := s.subscribe()
	if c == nil {
		w.Header().Set("Retry-After", streamRetry)
		http.Error(w, fmt.Sprintf("too many event streams open (%d, the server's --max-streams): retry later", s.opts.MaxStreams),
			http.StatusServiceUnavailable)
		return
	}
	defer s.unsubscribe(c)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx would hold events back
	// Not chunked: the stream ends only when the connection does, and a second's events then go
	// out in one write call rather than three (net/http's 4 KB buffer, the data, the chunk's
	// end), each a loopback segment and a wake-up of the reader to pay for.
	h.Set("Transfer-Encoding", "identity")

	write := func(chunks ...[]byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
		for _, b := range chunks {
			if _, err := w.Write(b); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	w.WriteHeader(http.StatusOK)
	if !write() {
		return
	}
	beat := time.NewTicker(s.opts.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-c.wake:
			if q := c.take(); len(q) > 0 && !write(q...) {
				return
			}
		case <-beat.C:
			if !write(heartbeat) {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		}
	}
}
