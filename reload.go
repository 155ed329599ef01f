package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// reloadDebounce is how long the config file must be quiet before it is read again: an editor
// saving writes, truncates, renames and chmods in a burst, and the file is read once after it.
const reloadDebounce = 250 * time.Millisecond

// reloader re-reads the config file a monitor was started from and applies it to the running
// monitor, for SIGHUP, the file changing on disk and `r` in the TUI. Settings that need a
// restart (history, concurrency, the alert senders themselves) keep their first value.
type reloader struct {
	path   string
	getenv func(string) (string, bool)
	mon    *monitor.Monitor
	hist   *history.Live
	// apply, if set, hands the new config to the rest of the program (the API's service list,
	// the alert engine) once the monitor has taken it, with what history holds of the services
	// it brought back.
	apply func(cfg *config.Config, back broughtBack)
	// started is the config the program started with, if set: what only a restart applies is
	// told against it (restartKeys).
	started *config.Config

	mu sync.Mutex // one reload at a time: SIGHUP and the file may come together
	// read is the digest of the file as the last reload read it (zero before the first), for
	// fileChanged.
	read [sha256.Size]byte
	// told is what the last reload said waits for a restart (restartNews).
	told []string
}

// fileChanged reports whether the config file differs from what the last reload read, waiting
// for a reload in progress. The watcher's trigger goes through it, SIGHUP and `r` do not: a
// SIGHUP sent right after saving reloads at once, and the watcher, a debounce later, would read
// the same bytes again and reload (or fail) a second time. Comparing the bytes, not the time
// since the last reload, coalesces exactly the same change: a save that came between them is
// still reloaded. A file that cannot be read counts as changed, for the reload to say why.
func (r *reloader) fileChanged() bool {
	data, err := config.ReadFile(r.path)
	if err != nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return sha256.Sum256(data) != r.read
}

// reload reads, checks and applies the config. An invalid file changes nothing: the error says
// why, with the file, line and column as `uptty validate` would.
func (r *reloader) reload(ctx context.Context) (*config.Config, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data, err := config.ReadFile(r.path)
	if err != nil {
		r.read = [sha256.Size]byte{} // the file that comes back, even as it was, is reloaded
		return nil, err
	}
	r.read = sha256.Sum256(data) // good or not: the watcher's trigger for it is the same reload
	cfg, err := config.Parse(data, r.path, r.getenv, probe.Kinds())
	if err != nil {
		return nil, err
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		return nil, err
	}
	before := r.mon.Snapshot()
	saved := r.returning(targets, before)
	for _, s := range historyServices(cfg.Services) {
		r.hist.Store.Register(s.Name, s.Group, s.Interval)
		if r.hist.View != r.hist.Store {
			r.hist.View.Register(s.Name, s.Group, s.Interval)
		}
	}
	select {
	case <-r.mon.ReconfigureSaved(targets, saved):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.stopped(ctx, targets, before)
	if r.apply != nil {
		r.apply(cfg, r.broughtBack(saved))
	}
	setProcs(cfg.Services, r.getenv)
	return cfg, nil
}

// rewatchDir follows the config's directory dir through op, an event of dir itself: gone, the
// watch moves to its parent; back (created there again), the watch moves back to it.
func rewatchDir(w configWatcher, dir string, op fsnotify.Op) error {
	parent := filepath.Dir(dir)
	switch {
	case op.Has(fsnotify.Remove) || op.Has(fsnotify.Rename):
		_ = w.Remove(dir) // moved away, its watch would follow it elsewhere
		if err := w.Add(parent); err != nil {
			return fmt.Errorf("config directory %s is gone and %s cannot be watched for it: %w", dir, parent, err)
		}
	case op.Has(fsnotify.Create):
		if err := w.Add(dir); err != nil {
			return fmt.Errorf("watch %s: %w", dir, err)
		}
		_ = w.Remove(parent)
	}
	return nil
}

// returning is what history last saw of the targets the monitor does not have (added by this
// reload): a name that comes back (a block deleted, saved, undone, saved) resumes its outage,
// as after a restart, instead of starting a second one and leaving the first open for good. A
// name history never saw starts UNKNOWN, as before.
func (r *reloader) returning(targets []monitor.Target, now map[string]track.Status) map[string]track.Saved {
	if r.hist == nil || r.hist.View == nil {
		return nil
	}
	var names []string
	for _, t := range targets {
		if _, ok := now[t.Service.Name]; !ok {
			names = append(names, t.Service.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	saved := map[string]track.Saved{}
	for k, res := range r.hist.View.RestoreAll(names) {
		if st := res.Saved; res.Err == nil && (st.State != track.Unknown || len(st.Recent) > 0 || len(st.Outages) > 0) {
			saved[names[k]] = st
		}
	}
	return saved
}

// stopped tells history that the services of before (the monitor's before the reload) that
// targets leave out are no longer checked, so that an outage one was in reads `unmonitored`
// from now on, with the duration it had; it is committed when the reload is done, so that
// no one reads the outage lasting past its end meanwhile.
func (r *reloader) stopped(ctx context.Context, targets []monitor.Target, before map[string]track.Status) {
	if r.hist == nil || len(before) == 0 {
		return
	}
	kept := make(map[string]bool, len(targets))
	for _, t := range targets {
		kept[t.Service.Name] = true
	}
	now := time.Now()
	removed := false
	for name := range before {
		if !kept[name] {
			r.hist.Store.Stopped(name, now)
			removed = true
		}
	}
	if removed {
		_ = r.hist.Store.Flush(ctx) // failing, it is told as every commit is: by Err
	}
}

// broughtBack is what a reload's returning services resume from beyond their statuses: the
// dependency each open outage was put down to and its ack, which the alert engine keeps (see
// notify.Engine.Resume). Empty when the reload brought nothing back.
type broughtBack struct {
	statuses map[string]track.Status
	vias     map[string]string
	acks     map[string]track.Ack
}

// broughtBack reads the vias and acks of the services saved started from, with their statuses
// as the monitor now has them.
func (r *reloader) broughtBack(saved map[string]track.Saved) broughtBack {
	if len(saved) == 0 {
		return broughtBack{}
	}
	back := broughtBack{statuses: map[string]track.Status{}}
	for name, st := range r.mon.Snapshot() {
		if _, ok := saved[name]; ok {
			back.statuses[name] = st
		}
	}
	// Unreadable, they are missing as they are at a start: a dependent reads DOWN on its own
	// and an ack must be given again; never a wrong one.
	vias, _ := r.hist.View.OpenVias()
	acks, _ := r.hist.View.OpenAcks()
	for name, via := range vias {
		if _, ok := saved[name]; ok {
			back.vias = setKey(back.vias, name, via)
		}
	}
	for name, a := range acks {
		if _, ok := saved[name]; ok {
			back.acks = setKey(back.acks, name, a)
		}
	}
	return back
}

// setKey sets m[k] = v, making m if it is nil.
func setKey[V any](m map[string]V, k string, v V) map[string]V {
	if m == nil {
		m = map[string]V{}
	}
	m[k] = v
	return m
}

// restartKeys names the settings of cfg, a config just reloaded, that differ from those the
// program started with and that only a restart applies, so that a reload does not look as if
// it took them.
func (r *reloader) restartKeys(cfg *config.Config) []string {
	if r.started == nil {
		return nil
	}
	was := r.started
	renamed := renamedSenders(was.Alerts, cfg.Alerts)
	var keys []string
	if cfg.History.Path != was.History.Path || cfg.History.Retention != was.History.Retention || cfg.History.Raw != was.History.Raw {
		keys = append(keys, "history")
	}
	if cfg.Concurrency != was.Concurrency {
		keys = append(keys, "concurrency")
	}
	// A sender keeps where and how it delivers (its rules reload): a webhook whose URL was
	// fixed in the file would otherwise go on posting to the old one without a word, and one
	// removed goes on retrying what it has queued.
	// A renamed one delivers as it did, under its old name (see liveAlerts.reconfigure).
	for _, b := range was.Alerts {
		i := slices.IndexFunc(cfg.Alerts, func(a config.Alert) bool { return a.Name == b.Name })
		if i < 0 && slices.Contains(slices.Collect(maps.Values(renamed)), b.Name) {
			continue
		}
		if i < 0 || !sameDelivery(cfg.Alerts[i], b) {
			keys = append(keys, "alerts."+was.Secrets.Mask(b.Name))
		}
	}
	return keys
}

// restartNews is restartKeys when they differ from what the last reload said, else nil: a
// reload says what waits for a restart once, not again at every reload after it.
func (r *reloader) restartNews(cfg *config.Config) []string {
	keys := r.restartKeys(cfg)
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Equal(keys, r.told) {
		return nil
	}
	r.told = keys
	return keys
}

// watchConfig calls changed, from its own goroutine, after the file at path has been written,
// created, renamed or removed, once it has been quiet for reloadDebounce; it returns when ctx
// is done. It watches the file's directory, not the file alone: editors that save by writing a
// new file and renaming it over the old one would leave a watch on the file looking at nothing.
// On Linux the directory is watched for its names and the file for its writes, so that other
// files written there do not wake uptty (configwatch_linux.go). When the config is a symbolic
// link (a Kubernetes ConfigMap swaps a link in the directory to
// update it), any change in the directory counts.
func watchConfig(ctx context.Context, path string, changed func()) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	w, err := newConfigWatcher(abs)
	if err != nil {
		return err
	}
	defer w.Close()
	dir := filepath.Dir(abs)
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	defer quiet.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events():
			if !ok {
				return errors.New("config watch closed")
			}
			name := filepath.Clean(ev.Name)
			if name == dir {
				// The directory itself went (removed, or moved away) or came back: while it is
				// gone its parent is watched for it, so that a directory made again at its path
				// (a deploy replacing it) is watched and its file read.
				if err := rewatchDir(w, dir, ev.Op); err != nil {
					return err
				}
				quiet.Reset(reloadDebounce)
				continue
			}
			if ev.Op == fsnotify.Chmod || name != abs && !isLink(abs) {
				continue
			}
			quiet.Reset(reloadDebounce)
		case err, ok := <-w.Errors():
			if !ok {
				return errors.New("config watch closed")
			}
			_ = err // an overflow: the next event still triggers a reload
			quiet.Reset(reloadDebounce)
		case <-quiet.C:
			changed()
		}
	}
}

// configWatcher is watchConfig's watch of the config's directory (configwatch_*.go): events
// and errors as fsnotify's, a directory added or removed.
type configWatcher interface {
	Add(dir string) error
	Remove(dir string) error
	Events() <-chan fsnotify.Event
	Errors() <-chan error
	Close() error
}

// isLink reports whether path is a symbolic link.
func isLink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}

// reloadCounts says how the service list changed, for the log.
func reloadCounts(before, after []string) (added, removed int) {
	had := make(map[string]bool, len(before))
	for _, n := range before {
		had[n] = true
	}
	for _, n := range after {
		if had[n] {
			delete(had, n)
		} else {
			added++
		}
	}
	return added, len(had)
}

// serviceNames lists the services' names.
func serviceNames(services []config.Service) []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = s.Name
	}
	return out
}
