package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAckInTmux runs uptty in tmux through an outage, with a terminal alert that repeats every
// second: a on the DOWN row, a note typed and enter mark it ACK with $USER and the bell stops
// repeating; the ack survives a restart while the outage goes on (still no reminders), the
// recovery still rings, and `uptty incidents` lists the ack, the note in its JSON.
func TestAckInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	flappy, healthy := flappyServer(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "uptty.yaml")
	body := fmt.Sprintf("history: {path: %q}\ndefaults: {interval: 500ms, timeout: 400ms, retry_interval: 200ms, failure_threshold: 2}\n"+
		"alerts:\n  - {name: desk, type: terminal, repeat: 1s}\nservices:\n  - {name: Flappy API, url: %q}\n",
		filepath.Join(dir, "history.db"), flappy.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"TERM=xterm-256color", "HOME=" + dir, "LANG=C.UTF-8", "USER=alice"}
	bells := filepath.Join(dir, "bells")
	rang := func() int {
		b, _ := os.ReadFile(bells)
		return strings.Count(string(b), "bell")
	}
	listen := func(s *tmuxSession) {
		s.tmux("set-option", "-g", "bell-action", "any")
		s.tmux("set-option", "-g", "monitor-bell", "on")
		s.tmux("set-hook", "-g", "alert-bell", fmt.Sprintf(`run-shell "echo bell >> '%s'"`, bells))
	}
	// quiet says that no more than one bell (one already on its way) rang over a few seconds,
	// three reminders' worth: the wait is for an absence, so it can only be a time.
	quiet := func(what string) {
		t.Helper()
		before := rang()
		<-time.After(3500 * time.Millisecond)
		if n := rang() - before; n > 1 {
			t.Errorf("%s: the bell rang %d times in 3.5s, want no reminders", what, n)
		}
	}
	s := startTmux(t, 100, 20, env, bin, "--config", cfg)
	listen(s)
	s.waitFor("Flappy API UP", 15*time.Second, func(sc string) bool { return histState(sc, "Flappy API") == "UP" })
	healthy.Store(false)
	s.waitFor("Flappy API DOWN", 15*time.Second, func(sc string) bool { return histState(sc, "Flappy API") == "DOWN" })
	s.waitFor("the down bell and a reminder", 15*time.Second, func(string) bool { return rang() >= 2 })
	s.tmux("send-keys", "-t", s.name, "a")
	s.waitFor("the ack prompt", 5*time.Second, func(sc string) bool { return strings.Contains(sc, "Ack Flappy API as alice, note:") })
	s.tmux("send-keys", "-t", s.name, "-l", "failing over")
	s.tmux("send-keys", "-t", s.name, "Enter")
	acked := func(sc string) bool {
		return strings.Contains(lineWith(sc, "Flappy API"), "ACK alice ") && strings.Contains(sc, "1 DOWN (1 ack)")
	}
	s.waitFor("the row acked", 10*time.Second, acked)
	quiet("acked")
	histQuit(s, "first uptty")

	// Restarted while the outage goes on: the ack is still there; the recovery still rings.
	s = startTmux(t, 100, 20, env, bin, "--config", cfg)
	listen(s)
	s.waitFor("the ack after a restart", 15*time.Second, acked)
	quiet("acked, after a restart")
	before := rang()
	healthy.Store(true)
	s.waitFor("Flappy API UP again", 15*time.Second, func(sc string) bool { return histState(sc, "Flappy API") == "UP" })
	s.waitFor("a bell on recovery", 10*time.Second, func(string) bool { return rang() > before })
	if sc := s.screen(); strings.Contains(sc, "ACK") || strings.Contains(sc, "ack)") {
		t.Errorf("the ack outlived its outage:\n%s", sc)
	}
	histQuit(s, "second uptty")

	out, err := exec.Command(bin, "incidents", "-c", cfg).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ACK") || !strings.Contains(lineWith(string(out), "Flappy API"), "alice ") {
		t.Errorf("uptty incidents = %v\n%s\nwant the outage with alice's ack", err, out)
	}
	out, err = exec.Command(bin, "incidents", "--json", "-c", cfg).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"by": "alice"`) || !strings.Contains(string(out), `"note": "failing over"`) {
		t.Errorf("uptty incidents --json = %v\n%s\nwant ack by alice, note failing over", err, out)
	}
}
