package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestRemindersAcrossRestart: the reminders of an outage that goes on across a restart of
// uptty serve carry ids of their own, numbered on from before it: a receiver that drops an id
// it has seen (what ids are for) got none of them until the count passed the old one, and
// `uptty alerts` listed none.
func TestRemindersAcrossRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	ids := make(chan string, 64)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ ID, Event string }
		if json.NewDecoder(r.Body).Decode(&body) == nil && body.Event == "down" {
			ids <- body.ID
		}
	}))
	defer hook.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: %s}
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
alerts: [{name: hook, type: webhook, url: "%s", repeat: 1s}]
services:
  - {name: Checkout API, url: "%s/health"}
`, filepath.Join(dir, "history.db"), hook.URL, down.URL))
	seen := map[string]bool{}
	run := func(alerts int) {
		cmd := exec.Command(bin, "serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		logs, logsDone := readLogs(stderr)
		defer func() {
			cmd.Process.Kill()
			<-logsDone
			cmd.Wait()
		}()
		for range alerts {
			select {
			case id := <-ids:
				if seen[id] {
					t.Errorf("alert id %s sent twice", id)
				}
				seen[id] = true
			case <-time.After(30 * time.Second):
				t.Fatalf("no down alert or reminder in 30s; logs:\n%s", logs)
			}
		}
		cmd.Process.Signal(syscall.SIGTERM)
		logs.waitFor(t, "the stop", msgIs("stopped"))
	}
	run(3) // the down alert, -r1, -r2
	for len(ids) > 0 {
		<-ids
	}
	run(2) // two reminders after the restart
	if len(seen) != 5 {
		t.Errorf("got %d distinct ids, want 5: %v", len(seen), seen)
	}
}
