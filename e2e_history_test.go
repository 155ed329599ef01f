package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
	_ "modernc.org/sqlite" // for PRAGMA integrity_check on the history file
)

// histState is the state word at the start of a service's row ("" when the row is not shown).
func histState(screen, name string) string {
	row := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lineWith(screen, name)), ">"))
	word, _, _ := strings.Cut(row, " ")
	return word
}

// histQuit presses q and expects uptty to exit with status 0.
func histQuit(s *tmuxSession, who string) {
	s.t.Helper()
	s.tmux("send-keys", "-t", s.name, "q")
	if status := s.exitStatus(10 * time.Second); status != "0" {
		s.t.Errorf("%s: exit status after q = %s, want 0", who, status)
	}
}

// TestEndToEndHistory runs uptty through an outage, restarts it and expects the row to show
// what it showed before; then runs two on the same history file and lists the incidents.
func TestEndToEndHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)

	flappy, healthy := flappyServer(t)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "uptty.yaml")
	body := fmt.Sprintf(`
defaults: {interval: 1s, timeout: 800ms, retry_interval: 300ms, failure_threshold: 2}
services:
  - {name: Flappy API, group: core, url: %q}
`, flappy.URL+"/health")
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	db := filepath.Join(state, "uptty", "history.db")
	env := []string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + state, "LANG=C.UTF-8"}
	start := func() *tmuxSession { return startTmux(t, 100, 30, env, bin, "--config", cfg) }
	const wait = 15 * time.Second

	// First run: an outage and the recovery.
	first := start()
	first.waitFor("Flappy API UP", wait, func(sc string) bool { return histState(sc, "Flappy API") == "UP" })
	healthy.Store(false)
	first.waitFor("Flappy API DOWN", wait, func(sc string) bool { return histState(sc, "Flappy API") == "DOWN" })
	healthy.Store(true)
	first.waitFor("the last outage", wait, func(sc string) bool { return strings.Contains(lineWith(sc, "Flappy API"), "last down") })
	histQuit(first, "first run")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("history file after the first run: %v", err)
	}

	// Second run: the service stays up, so the last outage and the failures in the sparkline
	// can only have come from history.
	second := start()
	screen := second.waitFor("the restored last outage", 5*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "Flappy API"), "last down")
	})
	if row := lineWith(screen, "Flappy API"); !strings.Contains(row, "×") || histState(screen, "Flappy API") != "UP" {
		t.Errorf("row after restart = %q, want UP with the outage's failures (×) in its sparkline", row)
	}
	histQuit(second, "second run")

	// Two at once: the second says it is not saving and monitors all the same.
	writer := start()
	writer.waitFor("the writer's row", wait, func(sc string) bool { return histState(sc, "Flappy API") == "UP" })
	reader := start()
	screen = reader.waitFor("the in-use hint", wait, func(sc string) bool { return strings.Contains(sc, "in use by another uptty") })
	if line := lineWith(screen, "in use by another uptty"); !strings.Contains(line, "not saving") {
		t.Errorf("hint = %q, want it to say this uptty is not saving", line)
	}
	healthy.Store(false)
	for who, s := range map[string]*tmuxSession{"writer": writer, "reader": reader} {
		s.waitFor(who+" to see the outage", wait, func(sc string) bool { return histState(sc, "Flappy API") == "DOWN" })
	}
	healthy.Store(true)
	for who, s := range map[string]*tmuxSession{"writer": writer, "reader": reader} {
		s.waitFor(who+" to see the recovery", wait, func(sc string) bool { return histState(sc, "Flappy API") == "UP" })
	}
	histQuit(reader, "second instance")
	histQuit(writer, "first instance")

	histIntegrity(t, db)

	cmd := exec.Command(bin, "incidents", "--config", cfg, "--json")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("uptty incidents --json: %v\n%s", err, out)
	}
	var doc struct {
		Incidents []struct {
			Service string  `json:"service"`
			End     *string `json:"end"`
			Seconds int64   `json:"duration_s"`
			Cause   string  `json:"cause"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("uptty incidents --json printed %q: %v", out, err)
	}
	if n := len(doc.Incidents); n != 2 {
		t.Fatalf("uptty incidents --json listed %d incidents, want the 2 outages:\n%s", n, out)
	}
	for _, in := range doc.Incidents {
		if in.Service != "Flappy API" || in.End == nil || !strings.Contains(in.Cause, "503") {
			t.Errorf("incident %+v, want a Flappy API outage with an end, caused by a 503", in)
		}
	}
}

// histIntegrity runs SQLite's integrity check on the history file.
func histIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var verdict string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&verdict); err != nil || verdict != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", verdict, err)
	}
}

// TestRestoredOutageNotWatched: uptty stopped ten seconds into an outage and started again an
// hour later, the service still down: the row and the detail view give the outage's duration as
// the clocks and `uptty incidents` do, from its start, and say that most of it was not watched,
// rather than showing the hour nobody looked as seen down.
func TestRestoredOutageNotWatched(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg, start := outageAnHourAgo(t, dir)

	env := []string{"TERM=xterm-256color", "HOME=" + dir, "LANG=C.UTF-8"}
	s := startTmux(t, 120, 30, env, bin, "--config", cfg)
	screen := s.waitFor("api's restored outage", 15*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "api"), "not watched")
	})
	row := lineWith(screen, "api")
	if want := "DOWN 1h00m since " + start.Format("15:04:05") + " ("; !strings.Contains(row, want) || !strings.Contains(row, " not watched)") {
		t.Errorf("row = %q, want it to contain %q… not watched)", row, want)
	}
	s.tmux("send-keys", "-t", s.name, "Enter")
	screen = s.waitFor("the detail view", 10*time.Second, func(sc string) bool { return strings.Contains(sc, "State") })
	if line := lineWith(screen, "State"); !strings.Contains(line, "not watched)") {
		t.Errorf("detail's state line = %q, want the part not watched said", line)
	}
	s.tmux("send-keys", "-t", s.name, "Escape")
	s.waitFor("the list again", 10*time.Second, func(sc string) bool { return !strings.Contains(sc, "State") })
	s.tmux("send-keys", "-t", s.name, "W")
	s.waitFor("the wallboard's note", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "W list") && strings.Contains(sc, "since "+start.Format("15:04:05")+" (") && strings.Contains(sc, "not watched)")
	})
	histQuit(s, "the restart")
}

// outageAnHourAgo writes, in dir, the config of one service, api, that refuses connections,
// and a history in which uptty checked it for ten seconds an hour ago, all failed, and quit:
// its outage is open, and all but ten seconds of it not watched. It returns the config and
// the outage's start. The history is written in the past with history's own writer.
func outageAnHourAgo(t *testing.T, dir string) (cfg string, start time.Time) {
	t.Helper()
	db := filepath.Join(dir, "history.db")
	cfg = writeConfig(t, fmt.Sprintf(`history: {path: %s}
defaults: {interval: 1s, timeout: 500ms, failure_threshold: 1}
services:
  - {name: api, url: "tcp://%s"}
`, db, reloadClosed(t)))
	start = time.Now().Add(-time.Hour).Truncate(time.Second)
	clock := start
	store, err := history.Open(db, history.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	store.Register("api", "", time.Second)
	tr := track.NewTracker(track.Policy{FailureThreshold: 1, SuccessThreshold: 1})
	for i := range 10 {
		c := track.Check{Start: start.Add(time.Duration(i) * time.Second), Latency: time.Millisecond, Reason: "connection refused"}
		store.Record("api", "", c, tr.Observe(c))
	}
	clock = start.Add(10 * time.Second) // the first run quits
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	return cfg, start
}

// TestAttachRestoredOutageNotWatched: uptty serve restarted an hour into an outage says in its
// API how much of it nobody watched (unwatched_s), and `uptty attach` notes it where the local
// screen does: on the row, and on the wallboard's tile, which notes it locally too.
func TestAttachRestoredOutageNotWatched(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	cfg, start := outageAnHourAgo(t, t.TempDir())
	addr := freeLoopbackAddr(t)
	startServe(t, bin, cfg, addr)

	resp, err := http.Get("http://" + addr + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services []struct {
			Outage *struct {
				End        *string `json:"end"`
				DurationS  int64   `json:"duration_s"`
				UnwatchedS *int64  `json:"unwatched_s"`
			} `json:"outage"`
		} `json:"services"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil || len(doc.Services) != 1 || doc.Services[0].Outage == nil {
		t.Fatalf("/api/v1/status = %+v, %v; want api with its outage", doc, err)
	}
	o := doc.Services[0].Outage
	// An hour, less the ten seconds checked, less what this serve has watched since its start.
	if o.End != nil || o.UnwatchedS == nil || *o.UnwatchedS < 3500 || *o.UnwatchedS > o.DurationS-10 {
		t.Errorf("/api/v1/status's outage = {end %v, duration_s %d, unwatched_s %v}, want open, with unwatched_s from 3500 to duration_s-10", o.End, o.DurationS, o.UnwatchedS)
	}

	s := startTmux(t, 120, 30, nil, bin, "attach", "http://"+addr)
	screen := s.waitFor("api's restored outage", 30*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "api"), "not watched")
	})
	if row, want := lineWith(screen, "api"), "since "+start.Format("15:04:05")+" ("; !strings.Contains(row, want) {
		t.Errorf("attached row = %q, want it to contain %q… not watched)", row, want)
	}
	s.tmux("send-keys", "-t", s.name, "W")
	s.waitFor("the wallboard's note", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "W list") && strings.Contains(sc, "since "+start.Format("15:04:05")+" (") && strings.Contains(sc, "not watched)")
	})
	histQuit(s, "attach")
}
