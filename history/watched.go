package history

import "path/filepath"

// Watched reports whether an uptty is running on the history file at path, checking its
// services: the outages going on in it are then being watched. When none is (every uptty on it
// has stopped, or was killed), nothing will end them: they are unmonitored until one starts.
func Watched(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return true
	}
	return held(abs + ".lock")
}
