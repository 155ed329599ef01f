package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestScreenBesideServe: the live screen started on the history uptty serve holds says, within
// 80 columns, that it is not saving and which uptty attach shows that server instead.
func TestScreenBesideServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %s}\nservices:\n  - {name: api, url: %q}\n", filepath.Join(dir, "history.db"), up.URL))
	logs := startServeLogs(t, bin, cfg, "127.0.0.1:0").logs
	base := "http://" + logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)
	s := startTmux(t, 80, 12, []string{"TERM=xterm-256color", "HOME=" + dir}, bin, "--config", cfg)
	want := "history in use by uptty serve, not saving: uptty attach " + base
	s.waitFor("the hint", 15*time.Second, func(sc string) bool { return strings.Contains(sc, want) })
}

// TestServeHistoryGone: uptty serve whose history directory is removed under it (a cleanup job,
// rm -rf of the state directory) answers /healthz 503, and on SIGTERM says that history was not
// saved, with a failing exit status, rather than "stopped history=saved".
func TestServeHistoryGone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	state := filepath.Join(t.TempDir(), "state")
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %s}\nservices:\n  - {name: api, url: %q}\n", filepath.Join(state, "history.db"), up.URL))
	srv := startServeLogs(t, bin, cfg, "127.0.0.1:0")
	if err := os.RemoveAll(state); err != nil {
		t.Fatal(err)
	}
	if code := srv.stop(syscall.SIGTERM); code == 0 {
		t.Errorf("exit status 0 after its history file was deleted; want a failure")
	}
	srv.logs.waitFor(t, "history not saved", func(m map[string]any) bool {
		err, _ := m["err"].(string)
		return m["msg"] == "history not saved" && strings.Contains(err, "deleted")
	})
	srv.logs.mu.Lock()
	defer srv.logs.mu.Unlock()
	for _, m := range srv.logs.lines {
		if m["msg"] == "stopped" {
			t.Errorf("logged %v after its history file was deleted", m)
		}
	}
}
