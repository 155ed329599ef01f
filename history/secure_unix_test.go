//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package history

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// withUmask runs the test under a permissive umask, as many users have: the modes of the
// history files must not depend on it.
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestModes checks that every history file is 0600 and a directory uptty makes is 0700,
// whatever the umask, and that an existing file readable by others is narrowed.
func TestModes(t *testing.T) {
	withUmask(t, 0o022)
	t.Run("new", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "state", "uptty")
		path := filepath.Join(dir, "history.db")
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.RecordResult("api", result(0, time.Millisecond, true, ""))
		flush(t, s)
		if got := mode(t, dir); got != 0o700 {
			t.Errorf("mode(%s) = %#o, want 0700", dir, got)
		}
		for _, suffix := range []string{"", "-wal", "-shm", ".lock"} {
			if got := mode(t, path+suffix); got != 0o600 {
				t.Errorf("mode(history.db%s) = %#o, want 0600", suffix, got)
			}
		}
	})
	t.Run("existing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "history.db")
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		for _, suffix := range []string{"", "-wal", "-shm", ".lock"} {
			os.WriteFile(path+suffix, nil, 0o644) // -wal, -shm: left by a kill -9
			os.Chmod(path+suffix, 0o644)
		}
		if s, err = Open(path, Options{}); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, suffix := range []string{"", "-wal", "-shm", ".lock"} {
			if got := mode(t, path+suffix); got != 0o600 {
				t.Errorf("mode(history.db%s) = %#o, want 0600", suffix, got)
			}
		}
	})
}

// TestPlantedLinks plants a symbolic link at each history file's name in a shared (sticky)
// directory: Open must refuse it, name it, and leave the file it points to as it was.
func TestPlantedLinks(t *testing.T) {
	for _, suffix := range []string{".lock", "", "-wal", "-shm"} {
		t.Run("history.db"+suffix, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "shared")
			os.Mkdir(dir, 0o700)
			if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "history.db")
			if suffix == "-wal" || suffix == "-shm" {
				s, err := Open(path, Options{}) // a history, closed: no -wal or -shm
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
			victim := filepath.Join(t.TempDir(), "precious")
			want := []byte("the victim's data\n")
			os.WriteFile(victim, want, 0o644)
			link := path + suffix
			if err := os.Symlink(victim, link); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				if ro && suffix == ".lock" {
					continue // a reader takes no lock
				}
				s, err := Open(path, Options{ReadOnly: ro})
				if err == nil {
					s.Close()
				}
				if !errors.Is(err, ErrUnsafe) || !strings.HasPrefix(err.Error(), "history file "+link+" is a symbolic link") {
					t.Errorf("Open(ReadOnly %v) = %v, want ErrUnsafe: history file %s is a symbolic link…", ro, err, link)
				}
			}
			if got, err := os.ReadFile(victim); err != nil || !bytes.Equal(got, want) {
				t.Errorf("the file the link points to holds %q (%v), want %q untouched", got, err, want)
			}
			if got := mode(t, victim); got != 0o644 {
				t.Errorf("mode(victim) = %#o, want 0644 untouched", got)
			}
		})
	}
	t.Run("dangling link at the database", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "elsewhere.db")
		path := filepath.Join(dir, "history.db")
		os.Symlink(target, path)
		s, err := Open(path, Options{})
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, ErrUnsafe) {
			t.Errorf("Open(dangling link) = %v, want ErrUnsafe", err)
		}
		if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open created the link's target %s (%v)", target, err)
		}
	})
	t.Run("live monitor", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "history.db")
		empty := filepath.Join(dir, "empty")
		os.WriteFile(empty, nil, 0o600)
		os.Symlink(empty, path)
		h, err := OpenLive(path, 0, nil, 0)
		if err == nil {
			h.Close()
		}
		if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), path) {
			t.Errorf("OpenLive(link) = %v, want ErrUnsafe naming %s (main exits 2)", err, path)
		}
		if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
			t.Errorf("the empty file the link points to became %d bytes (%v)", fi.Size(), err)
		}
	})
}

// TestSharedDirectory refuses a directory that others can write to, unless it is sticky and
// ours.
func TestSharedDirectory(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode
		uid  int // owner, -1 for us
		ok   bool
	}{
		{"private", 0o700, -1, true},
		{"world-writable", 0o777, -1, false},
		{"group-writable", 0o770, -1, false},
		{"sticky, ours", 0o777 | os.ModeSticky, -1, true},
		{"sticky, another user's", 0o777 | os.ModeSticky, 65534, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			os.Mkdir(dir, 0o700)
			if err := os.Chmod(dir, tt.mode); err != nil {
				t.Fatal(err)
			}
			if tt.uid >= 0 {
				if os.Geteuid() != 0 {
					t.Skip("only root can give a directory to another user")
				}
				if err := os.Chown(dir, tt.uid, tt.uid); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, "history.db")
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
			}
			switch {
			case tt.ok && err != nil:
				t.Errorf("Open in a %s directory = %v, want nil", tt.name, err)
			case !tt.ok && (!errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "other users can write to ("+dir) ||
				!strings.Contains(err.Error(), "chmod go-w "+dir)):
				t.Errorf("Open in a %s directory = %v, want ErrUnsafe naming %s and how to fix it", tt.name, err, dir)
			}
			if !tt.ok {
				entries, _ := os.ReadDir(dir)
				if len(entries) > 0 {
					t.Errorf("Open in a refused directory left %s", entries[0].Name())
				}
			}
		})
	}
}

// TestDamaged opens a history whose first page is whole and the rest damaged: it is refused,
// naming the file, and nothing is created beside it.
func TestDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		s.RecordResult("api", result(time.Duration(i)*time.Second, time.Millisecond, true, "some words to fill pages"))
	}
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 3*4096 {
		t.Fatalf("history is %d bytes (%v), want a few pages", len(b), err)
	}
	for i := 4096; i < len(b); i++ {
		b[i] = 0xa5
	}
	os.WriteFile(path, b, 0o600)
	before := names(t, dir)

	h, err := OpenLive(path, 0, nil, 0)
	if err == nil {
		h.Close()
	}
	if !errors.Is(err, ErrNotHistory) || !strings.HasPrefix(err.Error(), "history file "+path+" is") ||
		!strings.Contains(err.Error(), "damaged") {
		t.Errorf("OpenLive(damaged) = %v, want ErrNotHistory: history file %s is … damaged …", err, path)
	}
	if after := names(t, dir); !slices.Equal(before, after) {
		t.Errorf("files beside the damaged history: %v, then %v; want nothing created", before, after)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, b) {
		t.Errorf("the damaged file changed")
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range entries {
		n = append(n, e.Name())
	}
	return n
}
