//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package history

import (
	"path/filepath"
	"testing"
)

// TestLockClosingOfServe: uptty serve's lock file carries its URL and attach command after the
// pid; when it starts closing, a newcomer must read it as closing all the same (and so wait for
// it rather than give up saving), though "closing" is shorter than what it overwrites.
func TestLockClosingOfServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db.lock")
	unlock, closing, err := lockFile(path, "http://127.0.0.1:9870", "uptty attach http://127.0.0.1:9870", "/etc/uptty/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, isClosing, serving, _, config := readLock(path); isClosing || serving != "http://127.0.0.1:9870" || config != "/etc/uptty/config.yaml" {
		t.Fatalf("readLock while serving = closing %v, serving %q, config %q", isClosing, serving, config)
	}
	closing()
	if _, isClosing, _, _, _ := readLock(path); !isClosing {
		t.Errorf("readLock after closing() = not closing, want closing")
	}
	if held(path) {
		t.Errorf("held() of a closing serve = true, want false")
	}
}
