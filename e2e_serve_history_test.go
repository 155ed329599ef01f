package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/history"
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

// TestScreenBesideServeWithToken: beside a server whose attach command needs its token file,
// too wide for the 80-column hint line, the screen says to quit for the command, and on quitting
// uptty prints it one flag per line, each line within 80 columns.
func TestScreenBesideServeWithToken(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("s3cret-token-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %s}\nservices:\n  - {name: api, url: %q}\n", filepath.Join(dir, "history.db"), up.URL))
	logs := startServeLogs(t, bin, cfg, "127.0.0.1:0", "--token-file", token).logs
	base := "http://" + logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)
	s := startTmux(t, 80, 12, []string{"TERM=xterm-256color", "HOME=" + dir}, bin, "--config", cfg)
	s.waitFor("the short hint", 15*time.Second, func(sc string) bool {
		return strings.Contains(sc, "history in use by uptty serve, not saving: quit (q) for its uptty attach command")
	})
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Fatalf("exit status %s, want 0", code)
	}
	want := "uptty attach " + base + " \\\n  --token-file " + token
	s.waitFor("the attach command", 5*time.Second, func(sc string) bool { return strings.Contains(sc, want) })
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

// TestServeBesideAScreen: uptty serve started on a history another uptty holds says so, keeps
// history in memory (/healthz 503), and at its stop does not claim to have saved it.
func TestServeBesideAScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	path := filepath.Join(t.TempDir(), "history.db")
	holder, err := history.Open(path, history.Options{}) // the live screen, say
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %s}\nservices:\n  - {name: api, url: %q}\n", path, up.URL))
	srv := startServeLogs(t, bin, cfg, "127.0.0.1:0")
	srv.logs.waitFor(t, "the in-use warning", func(m map[string]any) bool {
		msg, _ := m["msg"].(string)
		return strings.HasPrefix(msg, "history in use by another uptty") && strings.Contains(msg, "quit that one first")
	})
	if code := srv.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit status %d on SIGTERM, want 0", code)
	}
	stopped := srv.logs.waitFor(t, "the stop", msgIs("stopped"))
	if stopped["history"] != "memory" {
		t.Errorf("stop log = %v, want history=memory: the file was another's", stopped)
	}
}

// TestIncidentsAfterTheStop: an outage going on when uptty serve stopped reads, in uptty
// incidents, as unmonitored, its duration stopped where the server did, rather than ongoing and
// growing with the clock as if something still checked it; while the server runs it is ongoing.
func TestIncidentsAfterTheStop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	path := filepath.Join(t.TempDir(), "history.db")
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %s}\ndefaults: {interval: 1s, timeout: 1s, retry_interval: 100ms, failure_threshold: 1}\n"+
		"services:\n  - {name: db, url: \"tcp://%s\"}\n", path, reloadClosed(t)))
	srv := startServeLogs(t, bin, cfg, "127.0.0.1:0")
	srv.logs.waitFor(t, "db DOWN", func(m map[string]any) bool { return m["msg"] == "state changed" && m["to"] == "DOWN" })
	incident := func() map[string]any {
		t.Helper()
		// The outage is committed within 100 ms of the log line: asked again until it is.
		for deadline := time.Now().Add(15 * time.Second); ; {
			out, err := exec.Command(bin, "incidents", "--json", "-c", cfg).Output()
			var doc struct{ Incidents []map[string]any }
			if err == nil && json.Unmarshal(out, &doc) == nil && len(doc.Incidents) == 1 && doc.Incidents[0]["end"] == nil {
				return doc.Incidents[0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("uptty incidents --json = %v\n%s\nwant one open incident", err, out)
			}
		}
	}
	if in := incident(); in["unmonitored"] != nil {
		t.Errorf("while serve runs: %v, want it ongoing", in)
	}
	if code := srv.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status %d on SIGTERM", code)
	}
	first := incident()
	<-time.After(2100 * time.Millisecond) // a wait for the clock, not for a condition
	later := incident()
	if first["unmonitored"] != true || later["duration_s"] != first["duration_s"] {
		t.Errorf("after the stop: %v, then %v; want it unmonitored, its duration stopped", first, later)
	}
}
