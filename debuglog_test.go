package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDebugLogRun runs the live monitor with --debug-log where it cannot draw (stdout is no
// terminal): the log still says what was loaded and how it ended, and nothing secret.
func TestDebugLogRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	cfg := writeConfig(t, `
history: {path: ""}
services:
  - name: Secretive
    url: `+strings.Replace(srv.URL, "http://", "http://user:pa55word@", 1)+`
    headers: {Authorization: "Bearer ${API_TOKEN}"}
`)
	logPath := filepath.Join(t.TempDir(), "debug.log")
	code, _, stderr := runCLI(t, "--config", cfg, "--debug-log", logPath)
	if code != exitUsage || !strings.Contains(stderr, "needs a terminal") {
		t.Fatalf("run = %d, stderr %q; want %d and the terminal message", code, stderr, exitUsage)
	}
	assertDebugLog(t, logPath, srv.URL, "debug log started", "config loaded", "services=1", "kind.http=1", "exit code=2")
}

func TestDebugLogFlag(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "debug.log")
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"check", "--debug-log", logPath}, "--debug-log goes with the live monitor"},
		{[]string{"--debug-log", filepath.Join(t.TempDir(), "missing", "debug.log")}, "uptty: --debug-log:"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.wantErr) {
			t.Errorf("run(%q) = %d, stderr %q; want %d, %q", tt.args, code, stderr, exitUsage, tt.wantErr)
		}
	}
}

// TestEndToEndDebugLog runs the monitor in tmux with --debug-log through a state change and a
// resize, and quits.
func TestEndToEndDebugLog(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "uptty.yaml")
	body := fmt.Sprintf("services:\n  - {name: Steady, url: %q, interval: 1s, headers: {X-Key: hunter2}}\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "debug.log")
	s := startTmux(t, 100, 30, []string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"LANG=C.UTF-8"}, bin, "--config", cfg, "--debug-log", logPath)
	s.waitFor("Steady UP", 15*time.Second, func(sc string) bool { return histState(sc, "Steady") == "UP" })
	s.tmux("resize-window", "-t", s.name, "-x", "90", "-y", "25")
	s.waitFor("the resized screen", 10*time.Second, func(string) bool {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), "width=90")
	})
	histQuit(s, "uptty --debug-log")
	assertDebugLog(t, logPath, srv.URL, "config loaded", "monitor started", "state change", "service=Steady",
		"to=UP", "terminal size", "width=100", "width=90 height=25", "monitor stopped", "history closed", "exit code=0")
}

// assertDebugLog expects the log at path to be its owner's only, to hold every one of want,
// and never url or a secret.
func assertDebugLog(t *testing.T, path, url string, want ...string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("debug log: %v", err)
	}
	log := string(b)
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() != 0o600 && os.PathSeparator == '/' {
		t.Errorf("debug log mode = %v, want 0600", fi.Mode().Perm())
	}
	for _, w := range want {
		if !strings.Contains(log, w) {
			t.Errorf("debug log lacks %q:\n%s", w, log)
		}
	}
	host := strings.TrimPrefix(url, "http://")
	for _, secret := range []string{host, "pa55word", "s3cret-token", "hunter2"} {
		if strings.Contains(log, secret) {
			t.Errorf("debug log holds %q:\n%s", secret, log)
		}
	}
}
