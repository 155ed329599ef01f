//go:build !windows

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/history"
)

// TestReloadInTmux: the live screen reloads its config when the file is saved, on r and on
// SIGHUP; a service that stays keeps its outage; an invalid file changes nothing and the header
// says why.
func TestReloadInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	steady := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer steady.Close()
	dead := reloadClosed(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "uptty.yaml")
	write := func(services ...string) {
		t.Helper()
		body := "history: {path: \"\"}\ndefaults: {interval: 1s, timeout: 1s, retry_interval: 200ms, failure_threshold: 1}\nservices:\n"
		for _, s := range services {
			body += "  - " + s + "\n"
		}
		replaceFile(t, cfg, body)
	}
	db := fmt.Sprintf("{name: Database, url: \"tcp://%s\"}", dead)
	write(db, fmt.Sprintf("{name: Old, url: %q}", steady.URL))
	s := startTmux(t, 100, 20, []string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + dir}, bin, "--config", cfg)
	screen := s.waitFor("Database DOWN", 30*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "Database"), "DOWN") && strings.Contains(lineWith(sc, "Old"), "UP")
	})
	since := outageSince(lineWith(screen, "Database"))

	write(db, fmt.Sprintf("{name: Search, url: %q}", steady.URL))
	screen = s.waitFor("the reload on save", 30*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "uptty"), "reloaded") && strings.Contains(lineWith(sc, "Search"), "UP") &&
			lineWith(sc, "Old") == ""
	})
	if got := outageSince(lineWith(screen, "Database")); got != since || since == "" {
		t.Errorf("Database's outage since %q after the reload, want %q: kept", got, since)
	}

	write("{name: Broken, url: 12")
	s.waitFor("reload failed", 30*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "uptty"), "reload failed: ") && strings.Contains(lineWith(sc, "Search"), "UP")
	})

	// r and SIGHUP reload too: a valid file again, read on r, then a new service on SIGHUP.
	write(db)
	s.waitFor("the reload of the fixed file", 30*time.Second, func(sc string) bool {
		return lineWith(sc, "Search") == "" && strings.Contains(lineWith(sc, "uptty"), "reloaded")
	})
	body, _ := os.ReadFile(cfg)
	s.waitFor("the reloaded note to go", 30*time.Second, func(sc string) bool {
		return !strings.Contains(lineWith(sc, "uptty"), "reloaded")
	})
	s.tmux("send-keys", "-t", s.name, "r")
	s.waitFor("the reload on r", 30*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "uptty"), "reloaded") && strings.Contains(lineWith(sc, "Database"), "DOWN")
	})
	pid := upttyPID(t, s)
	// Written in place (no rename), then SIGHUP at once: whichever reload comes first, the last
	// one reads the new file.
	if err := os.WriteFile(cfg, []byte(string(body)+fmt.Sprintf("  - {name: Added, url: %q}\n", steady.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitFor("Added after SIGHUP", 30*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "Added"), "UP")
	})
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("exit status after q = %s, want 0", code)
	}
}

// outageSince is the "since HH:MM:SS" of a row's outage cell, "" when it has none.
func outageSince(row string) string {
	_, after, ok := strings.Cut(row, "since ")
	if !ok || len(after) < 8 {
		return ""
	}
	return after[:8]
}

// TestHangupStillQuits: SIGHUP from a terminal that went away (the tmux session killed, as an
// ssh link dropping) is not a reload: uptty commits its history and exits.
func TestHangupStillQuits(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	steady := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer steady.Close()
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.db")
	cfg := filepath.Join(dir, "uptty.yaml")
	body := fmt.Sprintf("history: {path: %q}\ndefaults: {interval: 1s, timeout: 1s}\nservices:\n  - {name: Steady, url: %q}\n", hist, steady.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, 100, 20, []string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + dir}, bin, "--config", cfg,
		"--debug-log", filepath.Join(dir, "debug.log"))
	s.waitFor("Steady UP", 30*time.Second, func(sc string) bool { return strings.Contains(lineWith(sc, "Steady"), "UP") })
	pid := upttyPID(t, s)
	s.tmux("kill-session", "-t", s.name)
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for running(pid) {
		select {
		case <-deadline:
			t.Fatalf("uptty (pid %d) still running 20s after its terminal went away", pid)
		case <-tick.C:
		}
	}
	dlog, _ := os.ReadFile(filepath.Join(dir, "debug.log"))
	if !strings.Contains(string(dlog), "terminal hung up") || !strings.Contains(string(dlog), "msg=exit code=0") {
		t.Errorf("debug log lacks the hang-up and exit 0:\n%s", dlog)
	}
	store, err := history.Open(hist, history.Options{})
	if err != nil {
		t.Fatalf("history after the hang-up: %v, want it closed and free", err)
	}
	defer store.Close()
	if w, err := store.Uptime("Steady", time.Hour, time.Now()); err != nil || w.Checks == 0 {
		t.Errorf("history after the hang-up: %+v, %v; want Steady's checks saved", w, err)
	}
}

// running reports whether pid is alive: a zombie (exited, not yet reaped by whoever adopted it)
// is not.
func running(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z") && !strings.HasPrefix(after, "X")
}
