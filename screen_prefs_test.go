package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptty/uptty/history"
)

// TestScreenPrefsByConfig: the screen's filter and sort are kept per config: a second config
// sharing the history file (the default path is shared by every config) starts clean, while
// the same config, named by another path to the same file, comes back to its own. State saved
// before prefs were kept per config goes to the first config that starts, once.
func TestScreenPrefsByConfig(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	for _, f := range []string{a, b} {
		if err := os.WriteFile(f, []byte("services: []\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "history.db")
	store, err := history.Open(db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { store.Close() }()
	flush := func() {
		t.Helper()
		if err := store.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// what an older uptty left
	store.SetPrefs(map[string]string{"screen.filter": "old", "screen.sort": "name"})
	flush()

	prefs, save := configPrefs(store, store, a)
	if prefs["screen.filter"] != "old" || prefs["screen.sort"] != "name" {
		t.Errorf("config a's prefs = %v, want the state saved before prefs were per config", prefs)
	}
	save(map[string]string{"screen.filter": "pay", "screen.sort": "", "screen.problems": "1"})
	flush()

	if prefs, _ := configPrefs(store, store, b); len(prefs) != 0 {
		t.Errorf("config b's prefs = %v, want none: it shares the history file only", prefs)
	}
	again := filepath.Join(dir, ".", "sub", "..", "a.yaml")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	prefs, _ = configPrefs(store, store, again)
	if prefs["screen.filter"] != "pay" || prefs["screen.problems"] != "1" || prefs["screen.sort"] != "" {
		t.Errorf("config a again (as %s): prefs = %v, want filter pay, problems only, config sort", again, prefs)
	}
	t.Chdir(dir)
	if prefs, _ := configPrefs(store, store, "a.yaml"); prefs["screen.filter"] != "pay" {
		t.Errorf("config a by a relative path: prefs = %v, want filter pay", prefs)
	}
	all, err := store.Prefs()
	if err != nil {
		t.Fatal(err)
	}
	if _, left := all["screen.filter"]; left {
		t.Errorf("the old, unkeyed state is still there for the next config to take: %v", all)
	}
}
