package history

import (
	"maps"
	"strings"
	"testing"
)

// TestPrefsSurviveReopen: the screen's state is read back after a restart, a key set again
// replaces its value, an empty value deletes it, and a reader of the file sees the same.
func TestPrefsSurviveReopen(t *testing.T) {
	s, path := openTest(t, Options{})
	if got, err := s.Prefs(); err != nil || len(got) != 0 {
		t.Fatalf("Prefs() of a new history = %v, %v; want empty", got, err)
	}
	s.SetPrefs(map[string]string{"screen.filter": "pay", "screen.sort": "name", "screen.problems": "1"})
	s.SetPrefs(map[string]string{"screen.sort": "problems", "screen.problems": ""})
	s.SetPrefs(map[string]string{"screen.big": strings.Repeat("x", maxPrefValue+1)})
	flush(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"screen.filter": "pay", "screen.sort": "problems"}
	for _, ro := range []bool{false, true} {
		r, err := Open(path, Options{ReadOnly: ro})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Prefs()
		r.Close()
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("read-only=%v: Prefs() = %v, %v; want %v", ro, got, err, want)
		}
	}
	if _, err := s.Prefs(); err != ErrClosed {
		t.Errorf("Prefs() after Close = %v, want ErrClosed", err)
	}
}
