package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTerminalAlertsInTmux runs uptty in tmux through an outage: by default the terminal rings
// (tmux's alert-bell hook fires) on DOWN and on recovery, and the screen stays whole; with
// --quiet it never rings.
func TestTerminalAlertsInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, quiet := range []bool{false, true} {
		t.Run(fmt.Sprint("quiet=", quiet), func(t *testing.T) {
			flappy, healthy := flappyServer(t)
			dir := t.TempDir()
			cfg := filepath.Join(dir, "uptty.yaml")
			body := fmt.Sprintf("history: {path: %q}\ndefaults: {interval: 500ms, timeout: 400ms, retry_interval: 200ms, failure_threshold: 2}\nservices:\n  - {name: Flappy API, url: %q}\n",
				filepath.Join(dir, "history.db"), flappy.URL)
			if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			bells := filepath.Join(dir, "bells")
			argv := []string{bin, "--config", cfg}
			if quiet {
				argv = append(argv, "--quiet")
			}
			s := startTmux(t, 100, 20, []string{"TERM=xterm-256color", "HOME=" + dir, "LANG=C.UTF-8"}, argv...)
			s.tmux("set-option", "-g", "bell-action", "any")
			s.tmux("set-option", "-g", "monitor-bell", "on")
			s.tmux("set-hook", "-g", "alert-bell", fmt.Sprintf(`run-shell "echo bell >> '%s'"`, bells))
			rang := func() int {
				b, _ := os.ReadFile(bells)
				return strings.Count(string(b), "bell")
			}
			s.waitFor("Flappy API UP", 15*time.Second, func(sc string) bool { return histState(sc, "Flappy API") == "UP" })
			healthy.Store(false)
			screen := s.waitFor("Flappy API DOWN", 15*time.Second, func(sc string) bool { return histState(sc, "Flappy API") == "DOWN" })
			if !quiet {
				s.waitFor("a bell on DOWN", 10*time.Second, func(string) bool { return rang() >= 1 })
			}
			if row := lineWith(screen, "Flappy API"); !strings.Contains(row, "status 503") {
				t.Errorf("DOWN row = %q, want it whole, with its reason", row)
			}
			healthy.Store(true)
			s.waitFor("Flappy API UP again", 15*time.Second, func(sc string) bool { return histState(sc, "Flappy API") == "UP" })
			if !quiet {
				s.waitFor("a bell on recovery", 10*time.Second, func(string) bool { return rang() >= 2 })
			}
			histQuit(s, "uptty")
			if n := rang(); quiet && n != 0 || !quiet && n != 2 {
				t.Errorf("rang %d times (quiet %v), want %d", n, quiet, map[bool]int{false: 2, true: 0}[quiet])
			}
		})
	}
}
