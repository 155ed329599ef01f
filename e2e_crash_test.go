//go:build unix

package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndToEndCrash stops the live monitor with SIGQUIT, SIGABRT and a panic in the UI, and
// expects each to leave the terminal cooked and visible, the history session closed, a crash
// dump in the state directory and exit status 3.
func TestEndToEndCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer srv.Close()

	tests := []struct {
		name   string
		env    []string
		crash  func(s *tmuxSession, pid int)
		reason string
	}{
		{name: "SIGQUIT", reason: "signal SIGQUIT",
			crash: func(s *tmuxSession, pid int) { signalPID(s.t, pid, syscall.SIGQUIT) }},
		{name: "SIGABRT", reason: "signal SIGABRT",
			crash: func(s *tmuxSession, pid int) { signalPID(s.t, pid, syscall.SIGABRT) }},
		{name: "panic", env: []string{testPanicEnv + "=1"}, reason: "panic: " + testPanicEnv,
			crash: func(s *tmuxSession, _ int) { s.tmux("send-keys", "-t", s.name, "j") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "uptty.yaml")
			body := fmt.Sprintf("services:\n  - {name: Steady, url: %q, interval: 1s}\n", srv.URL)
			if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			state := filepath.Join(dir, "state")
			pidFile, sttyFile := filepath.Join(dir, "pid"), filepath.Join(dir, "stty")
			env := append([]string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + state, "LANG=C.UTF-8"}, tt.env...)
			// uptty runs in place of a shell that wrote its pid; once it is gone, the outer shell
			// records the terminal's modes as uptty left them and its exit status, and waits, so
			// that the pane stays alive for tmux to tell whether the cursor shows.
			script := `p=$1 s=$2; shift 2; sh -c 'echo $$ > "$0"; exec "$@"' "$p" "$@"; c=$?; stty -a > "$s"; echo $c > "$s.code"; read _; exit $c`
			s := startTmux(t, 100, 30, env, "sh", "-c", script, "sh", pidFile, sttyFile, bin, "--config", cfg)
			s.exitFile = sttyFile + ".code"
			s.waitFor("Steady UP", 15*time.Second, func(sc string) bool { return histState(sc, "Steady") == "UP" })

			tt.crash(s, readPIDFile(t, pidFile))
			if status := s.exitStatus(10 * time.Second); status != strconv.Itoa(exitCrash) {
				t.Errorf("exit status = %s, want %d; screen:\n%s", status, exitCrash, s.screen())
			}
			stty, err := os.ReadFile(sttyFile)
			if err != nil {
				t.Fatalf("stty -a after uptty: %v", err)
			}
			for _, mode := range []string{"icanon", "echo"} {
				if !slices.Contains(strings.Fields(string(stty)), mode) {
					t.Errorf("stty -a after the crash lacks %s (cooked mode):\n%s", mode, stty)
				}
			}
			if got := s.tmux("display-message", "-p", "-t", s.name, "#{alternate_on} #{cursor_flag}"); strings.TrimSpace(got) != "0 1" {
				t.Errorf("alternate screen, cursor shown = %q, want \"0 1\"", strings.TrimSpace(got))
			}
			screen := s.screen()
			dumps, _ := filepath.Glob(filepath.Join(state, "uptty", "crash-*.txt"))
			if len(dumps) != 1 {
				t.Fatalf("crash dumps = %q, want one; screen:\n%s", dumps, screen)
			}
			if !strings.Contains(screen, "crash dump written to "+dumps[0][:min(len(dumps[0]), 40)]) {
				t.Errorf("screen does not say where the dump is (%s):\n%s", dumps[0], screen)
			}
			if fi, err := os.Stat(dumps[0]); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("crash dump mode = %v (%v), want 0600", fi.Mode().Perm(), err)
			}
			dump, _ := os.ReadFile(dumps[0])
			if !strings.HasPrefix(string(dump), "uptty ") || !strings.Contains(string(dump), tt.reason) ||
				!strings.Contains(string(dump), "goroutine ") {
				t.Errorf("crash dump lacks the version, %q or the stacks:\n%.600s", tt.reason, dump)
			}
			assertSessionsEnded(t, filepath.Join(state, "uptty", "history.db"))
		})
	}
}

func signalPID(t *testing.T, pid int, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("kill(%d, %v) = %v", pid, sig, err)
	}
}

// readPIDFile reads the process id a shell wrote to path.
func readPIDFile(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("pid file = %q, want a process id", b)
	}
	return pid
}

// assertSessionsEnded expects every session in the history file to be marked ended, as a
// clean quit marks it.
func assertSessionsEnded(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var all, open int
	if err := db.QueryRow("SELECT count(*), count(*) - count(ended) FROM session").Scan(&all, &open); err != nil {
		t.Fatalf("reading sessions: %v", err)
	}
	if all == 0 || open != 0 {
		t.Errorf("history sessions = %d, %d of them not ended; want every one ended", all, open)
	}
}
