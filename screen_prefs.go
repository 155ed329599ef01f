package main

import (
	"strings"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
)

// legacyPrefix begins the keys of the screen's state as uptty saved them before they were
// kept per config (ui's "screen.filter" and the like).
const legacyPrefix = "screen."

// configPrefs is the screen's saved state (filter, problems only, sort, collapsed groups) of
// the config at path, read from view, and how to save it to store. The history file is
// shared by every config that does not name its own (the default path is), so the state is
// kept under keys of the config's own, by its absolute path: a new config starts clean, and
// the same config comes back to what it showed. State saved by an older uptty, before the
// keys were per config, goes to the first config that starts, and is moved to its keys.
func configPrefs(view, store *history.Store, path string) (map[string]string, func(map[string]string)) {
	scope := prefScope(path)
	save := func(prefs map[string]string) {
		scoped := make(map[string]string, len(prefs))
		for k, v := range prefs {
			scoped[scope+k] = v
		}
		store.SetPrefs(scoped)
	}
	all, err := view.Prefs()
	if err != nil {
		return nil, save
	}
	mine, legacy := map[string]string{}, map[string]string{}
	for k, v := range all {
		switch {
		case strings.HasPrefix(k, scope):
			mine[strings.TrimPrefix(k, scope)] = v
		case strings.HasPrefix(k, legacyPrefix):
			legacy[k] = v
		}
	}
	if len(mine) == 0 && len(legacy) > 0 {
		moved := make(map[string]string, 2*len(legacy))
		for k, v := range legacy {
			moved[scope+k], moved[k] = v, ""
		}
		store.SetPrefs(moved)
		return legacy, save
	}
	return mine, save
}

// prefScope is what the keys of config path's screen state begin with: its config.Identity.
func prefScope(path string) string {
	return "config " + config.Identity(path) + ": "
}
