package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// TestConfigWatchIgnoresOtherFiles: writes to other files in the config's directory (a log, a
// terminal capture) make no event, where fsnotify's watch of the directory made one each, and
// woke uptty for it; the config's own writes, a save that renames a new file over it and the
// new file's writes after that do, and the old file's (an editor's backup) do not.
func TestConfigWatchIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "uptty.yaml")
	other := filepath.Join(dir, "terminal.out")
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(path, "services: []\n")
	write(other, "")
	w, err := newConfigWatcher(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		t.Fatal(err)
	}
	next := func(what string) fsnotify.Event {
		t.Helper()
		select {
		case ev := <-w.Events():
			return ev
		case err := <-w.Errors():
			t.Fatalf("%s: error %v", what, err)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no event in 5s", what)
		}
		return fsnotify.Event{}
	}
	// inotify queues events in order: the config's write is the first event after the others'.
	for range 20 {
		write(other, "frame\n")
	}
	write(path, "services: []\n")
	if ev := next("other files written, then the config"); ev.Name != path || !ev.Has(fsnotify.Write) {
		t.Fatalf("first event = %v, want the config's write (none for %s)", ev, other)
	}
	for len(w.Events()) > 0 {
		<-w.Events()
	}

	// A save as editors make it: the old file kept as a backup, a new one renamed over it.
	backup := path + "~"
	if err := os.Rename(path, backup); err != nil {
		t.Fatal(err)
	}
	write(path+".tmp", "services: []\n")
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	for {
		ev := next("the save")
		if ev.Name == path && ev.Has(fsnotify.Create) {
			break
		}
	}
	write(backup, "old\n")
	write(other, "frame\n")
	write(path, "services: []\n")
	if ev := next("the backup written, then the new config"); ev.Name != path || !ev.Has(fsnotify.Write) {
		t.Fatalf("event = %v, want the new config's write (none for its backup)", ev)
	}
}
