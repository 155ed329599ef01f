package history

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestWatched: a history is watched while an uptty holds it, and not once it has closed it, nor
// when the one that held it was killed (its pid gone, its lock file left behind).
func TestWatched(t *testing.T) {
	if !canLock {
		t.Skip("no lock file here")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	if Watched(path) {
		t.Errorf("Watched(a file never opened) = true")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !Watched(path) {
		t.Errorf("Watched(while it is open) = false")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if Watched(path) {
		t.Errorf("Watched(once closed) = true")
	}
	// A process that held it and was killed: its pid is in the file, and gone.
	dead := exec.Command(os.Args[0], "-test.run=^$")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".lock", []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if Watched(path) {
		t.Errorf("Watched(held by a pid that is gone) = true")
	}
}
