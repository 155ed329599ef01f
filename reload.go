package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
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
	// the alert engine) once the monitor has taken it.
	apply func(cfg *config.Config)

	mu sync.Mutex // one reload at a time: SIGHUP and the file may come together
}

// reload reads, checks and applies the config. An invalid file changes nothing: the error says
// why, with the file, line and column as `uptty validate` would.
func (r *reloader) reload(ctx context.Context) (*config.Config, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data, err := config.ReadFile(r.path)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Parse(data, r.path, r.getenv, probe.Kinds())
	if err != nil {
		return nil, err
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		return nil, err
	}
	for _, s := range historyServices(cfg.Services) {
		r.hist.Store.Register(s.Name, s.Group, s.Interval)
		if r.hist.View != r.hist.Store {
			r.hist.View.Register(s.Name, s.Group, s.Interval)
		}
	}
	select {
	case <-r.mon.Reconfigure(targets):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r.apply != nil {
		r.apply(cfg)
	}
	setProcs(cfg.Services, r.getenv)
	return cfg, nil
}

// watchConfig calls changed, from its own goroutine, after the file at path has been written,
// created, renamed or removed, once it has been quiet for reloadDebounce; it returns when ctx
// is done. It watches the file's directory, not the file: editors that save by writing a new
// file and renaming it over the old one would leave a watch on the file looking at nothing.
// When the config is a symbolic link (a Kubernetes ConfigMap swaps a link in the directory to
// update it), any change in the directory counts.
func watchConfig(ctx context.Context, path string, changed func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := w.Add(filepath.Dir(abs)); err != nil {
		return fmt.Errorf("watch %s: %w", filepath.Dir(abs), err)
	}
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	defer quiet.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return errors.New("config watch closed")
			}
			if ev.Op == fsnotify.Chmod || filepath.Clean(ev.Name) != abs && !isLink(abs) {
				continue
			}
			quiet.Reset(reloadDebounce)
		case err, ok := <-w.Errors:
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
