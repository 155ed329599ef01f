package history

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/uptty/uptty/track"
)

// Live is the history of a live monitor: the store it writes to and the statuses it starts
// from.
type Live struct {
	// Store is where results go; never nil: in memory when the file cannot be written.
	Store *Store
	// View is the store to read charts and uptime windows from: Store, or the file opened
	// read-only while another uptty writes it, since that one holds the fuller history.
	View *Store
	// Hint is what the user should know about the history, "" when all is well.
	Hint string
	// Attach is, when uptty serve holds the history file, the uptty attach command that shows
	// it (see InUseAttach), also at the end of Hint: a screen too narrow for the whole Hint
	// can show the command elsewhere.
	Attach string
	// InUse says that another uptty writes the history file: this one keeps its results in
	// memory, and leaves alerting to that one, whose outbox it is, when it has the same config
	// (HolderConfig).
	InUse bool
	// HolderConfig is, when InUse, the config file of the uptty that writes the history (see
	// Options.Config); "" when it did not say (an older uptty).
	HolderConfig string

	saved map[string]track.Saved // by service name: what history last saw of the services it knew
	vias  map[string]string      // by service name: the dependency its open outage was put down to
	acks  map[string]track.Ack   // by service name: its open outage's ack

	// What RestoreAll reads from, and whether it closes it after: the file read-only when
	// this uptty could not write it.
	names       []string
	source      *Store
	closeSource bool
	restoreOnce sync.Once
	readHint    string
}

// Service is what history is told of a monitored service: the name it is known by, its group,
// and how often it is checked (see Store.Register).
type Service struct {
	Name     string
	Group    string
	Interval time.Duration
}

// OpenLive opens the history a live monitor keeps for services: the file at path ("" keeps it
// in memory) with raw results kept for retention (see Options), registering every service and
// reading back what each showed before. A file
// that is not an uptty history, or comes from a newer uptty, is an error (the user must decide
// what to do with it; it is never touched). A file in use by another uptty, or one that cannot
// be written, is not: this uptty keeps its history in memory and says so in the hint, starting
// from what the file holds if it can be read.
//
// A file in use is asked for again until wait has passed: when uptty is restarted, the one
// quitting may still be committing its last results, and the new one must not give up saving
// for its whole run because it started a few milliseconds early.
func OpenLive(path string, retention time.Duration, services []Service, wait time.Duration) (*Live, error) {
	return OpenLiveWith(path, Options{Retention: retention}, services, wait)
}

// OpenLiveWith is OpenLive with the store's options: Retention and Raw as the config sets them.
func OpenLiveWith(path string, opts Options, services []Service, wait time.Duration) (*Live, error) {
	h, err := OpenLiveDeferred(path, opts, services, wait)
	if err != nil {
		return nil, err
	}
	if hint := h.RestoreAll(); h.Hint == "" {
		h.Hint = hint
	}
	return h, nil
}

// OpenLiveDeferred is OpenLiveWith without reading back what the services showed: RestoreAll
// does that, so that a screen can draw its first frame before the restore, which takes about
// a second for 10,000 services.
func OpenLiveDeferred(path string, opts Options, services []Service, wait time.Duration) (*Live, error) {
	h := &Live{}
	if opts.QueueSize <= 0 {
		// The first round checks every service within a few seconds, while the checks take
		// the CPU the writer would commit with: at 10,000 services a queue of 4,096 overflowed
		// in it and lost ~4,000 first results. Room for a result of each service holds a round
		// whatever the writer's pace.
		opts.QueueSize = defaultQueueSize + len(services)
	}
	if len(services) >= pagePoolFrom {
		usePagePool() // an error leaves SQLite as it was: its pages in 8 KiB slots
	}
	store, err := openWaiting(path, opts, wait)
	source := store
	closeSource := false
	switch {
	case err == nil:
	case errors.Is(err, ErrNotHistory) || errors.Is(err, ErrNewerSchema):
		return nil, fmt.Errorf("%w\nmove it away, or set history.path in the config to use another file", err)
	case errors.Is(err, ErrUnsafe) || errors.Is(err, errNotFile):
		return nil, err // the message says what to do
	case opts.MustWrite && !errors.Is(err, ErrInUse):
		return nil, fmt.Errorf("%w\nfix that, or set history.path in the config to another file (\"\" keeps history in memory)", err)
	default:
		inUse := errors.Is(err, ErrInUse)
		h.InUse, h.HolderConfig = inUse, InUseConfig(err)
		switch attach := InUseAttach(err); {
		// Said within 80 columns (the hint line is cut there), what to do included, unless
		// the command needs more: a CA, the token's source (then see Attach).
		case attach != "":
			// One poller is the point: the screen of that one, not a second.
			h.Hint = "history in use by uptty serve, not saving: " + attach
			h.Attach = attach
		case inUse:
			h.Hint = "history in use by another uptty" + pidOf(err) + ": not saving; quit that one first"
		default:
			h.Hint = "history not saved: " + err.Error()
		}
		if store, err = Open("", opts); err != nil {
			return nil, err
		}
		// What the other uptty (or an earlier one) saved is still worth showing.
		source, err = Open(path, Options{ReadOnly: true})
		switch {
		case err != nil:
			source = nil
		case inUse:
			h.View = source // closed by close
		default:
			closeSource = true // once restored
		}
	}
	h.Store = store
	if h.View == nil {
		h.View = store
	}
	h.saved = make(map[string]track.Saved, len(services))
	if source != nil {
		h.vias, _ = source.OpenVias() // without them, a dependent reads DOWN on its own until it recovers
		h.acks, _ = source.OpenAcks() // without them, an acked outage reminds again: noise, not a loss
	}
	h.names = make([]string, len(services))
	for i, svc := range services {
		store.Register(svc.Name, svc.Group, svc.Interval)
		h.View.Register(svc.Name, svc.Group, svc.Interval)
		h.names[i] = svc.Name
	}
	h.source, h.closeSource = source, closeSource
	return h, nil
}

// RestoreAll reads back what each service showed before, for Restore, once; OpenLiveWith has
// done it already. It returns what the user should know when history could not be read, ""
// when all is well.
func (h *Live) RestoreAll() string {
	h.restoreOnce.Do(func() {
		if h.source == nil {
			return
		}
		for i, r := range h.source.RestoreAll(h.names) {
			st, err := r.Saved, r.Err
			if err != nil {
				if h.readHint == "" {
					h.readHint = "history not read: " + err.Error()
				}
				continue
			}
			if len(st.Recent) > 0 || st.State != track.Unknown || len(st.Outages) > 0 {
				h.saved[h.names[i]] = st
			}
		}
		if h.closeSource {
			h.source.Close()
		}
		h.source = nil
	})
	return h.readHint
}

// pidOf finds " (pid N)" in an in-use error's message, "" when it has none.
func pidOf(err error) string {
	msg := err.Error()
	i := strings.LastIndex(msg, " (pid ")
	if i < 0 || !strings.HasSuffix(msg, ")") {
		return ""
	}
	return msg[i:]
}

// Restore is the monitor's Options.Restore: the service named name as history last saw it.
// It hands each service's state over once and forgets it: kept, 10,000 services' restored
// rings were some 80 MB held for the whole run.
func (h *Live) Restore(name string) (track.Saved, bool) {
	st, ok := h.saved[name]
	delete(h.saved, name)
	if len(h.saved) == 0 && h.source == nil {
		h.saved = nil // a map keeps its buckets when emptied
	}
	return st, ok
}

// Via is the dependency the open outage of the service named name was put down to before the
// restart, "" when none.
func (h *Live) Via(name string) string { return h.vias[name] }

// Vias are the dependencies the open outages were put down to before the restart, by service.
func (h *Live) Vias() map[string]string { return h.vias }

// Acks are the acks of the outages going on before the restart, by service.
func (h *Live) Acks() map[string]track.Ack { return h.acks }

// SetAck stores an ack with the outage it belongs to, in the history this monitor writes its
// outages to.
func (h *Live) SetAck(ctx context.Context, name string, a track.Ack) error {
	return h.Store.SetAck(ctx, name, a)
}

// Unack removes the ack of the outage that began at start.
func (h *Live) Unack(ctx context.Context, name string, start time.Time) error {
	return h.Store.Unack(ctx, name, start)
}

// Silences returns the silences in force at now, from the file when another uptty writes it.
func (h *Live) Silences(now time.Time) ([]Silence, error) { return h.View.Silences(now) }

// SetSilence stores x where Silences reads it: through this uptty's writer, or beside the
// other uptty that holds the file.
func (h *Live) SetSilence(ctx context.Context, x Silence) error {
	if h.View != h.Store {
		return SetSilenceAt(h.View.Path(), x)
	}
	return h.Store.SetSilence(ctx, x)
}

// Unsilence removes the silences named name, as SetSilence stores them.
func (h *Live) Unsilence(ctx context.Context, name string) (int, error) {
	if h.View != h.Store {
		return UnsilenceAt(h.View.Path(), name)
	}
	return h.Store.Unsilence(ctx, name)
}

// Record is the monitor's Options.OnResult: it hands every result and event to the store,
// which never blocks, under the group the service was registered with.
func (h *Live) Record(name string, r track.Check, events []track.Event) {
	h.Store.record(name, "", false, r, events)
}

// RecordWith is Record with the alerts the result caused and the maintenance mark of an
// outage it starts (see Store.RecordWith).
func (h *Live) RecordWith(name string, r track.Check, events []track.Event, x Extra) {
	h.Store.recordWith(name, "", false, r, events, x)
}

// Close commits what is queued and closes the stores. An error means the last results were
// not saved.
func (h *Live) Close() error {
	h.restoreOnce.Do(func() {}) // no restore after this
	if h.closeSource && h.source != nil {
		h.source.Close()
		h.source = nil
	}
	if h.View != h.Store {
		h.View.Close()
	}
	return h.Store.Close()
}

// Unsaved is Store.Unsaved: how long history was not saved, to tell at exit.
func (h *Live) Unsaved() string { return h.Store.Unsaved() }

// openWaiting opens path, retrying for at most wait while another uptty holds it and is closing
// it (a restart: the old one commits its last results). One that holds it and runs is
// answered at once: waiting for it would only delay the first frame.
func openWaiting(path string, opts Options, wait time.Duration) (*Store, error) {
	deadline := time.Now().Add(wait)
	retry := time.NewTicker(50 * time.Millisecond)
	defer retry.Stop()
	for {
		store, err := Open(path, opts)
		if !errors.Is(err, errClosing) || time.Now().After(deadline) {
			return store, err
		}
		<-retry.C
	}
}
