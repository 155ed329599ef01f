//go:build !linux

package main

import "github.com/fsnotify/fsnotify"

// fsnotifyWatcher is the config's watch where there is no inotifyWatcher: fsnotify's watch of
// the config's directory, which sees every file's writes there too.
type fsnotifyWatcher struct{ *fsnotify.Watcher }

func newConfigWatcher(string) (configWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	return fsnotifyWatcher{w}, nil
}

func (w fsnotifyWatcher) Events() <-chan fsnotify.Event { return w.Watcher.Events }
func (w fsnotifyWatcher) Errors() <-chan error          { return w.Watcher.Errors }
