package quietsys

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStat: Stat says what os.Stat says of a file's size and modification time, and fails as
// it does for a file that is not there.
func TestStat(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("twelve bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != fi.Size() || !st.Mod.Equal(fi.ModTime()) {
		t.Errorf("Stat = %d bytes at %v, os.Stat %d at %v", st.Size, st.Mod, fi.Size(), fi.ModTime())
	}
	if _, err := Stat(name + "-missing"); !os.IsNotExist(err) {
		t.Errorf("Stat of a missing file: %v, want not exist", err)
	}
}

// TestSameFile: a file is itself until another is renamed over its name, and a deleted one is
// an error.
func TestSameFile(t *testing.T) {
	dir := t.TempDir()
	name, other := filepath.Join(dir, "f"), filepath.Join(dir, "g")
	for _, n := range []string{name, other} {
		if err := os.WriteFile(n, []byte(n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if same, err := SameFile(name, fi); !same || err != nil {
		t.Errorf("SameFile of the file itself = %v, %v", same, err)
	}
	if err := os.Rename(other, name); err != nil {
		t.Fatal(err)
	}
	if same, err := SameFile(name, fi); same || err != nil {
		t.Errorf("SameFile after another was renamed over it = %v, %v; want false", same, err)
	}
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if _, err := SameFile(name, fi); !os.IsNotExist(err) {
		t.Errorf("SameFile of a deleted file: %v, want not exist", err)
	}
}
