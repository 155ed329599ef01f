package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestAttachReloadEndToEnd: `uptty attach` says what the server's reloads did, as the live
// screen says its own: the config saved as garbage reads `reload failed: FILE:LINE:COL: …` in
// the header (the reason whole in the footer), on a screen attached before and on one attached
// while the error stands; saved valid again, `reloaded HH:MM:SS`, and the new service is there.
// Before, an attached screen showed nothing of either, and an operator watching the board
// could not tell that the edit was refused.
func TestAttachReloadEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	head := "history: {path: \"\"}\ndefaults: {interval: 1s, timeout: 1s}\nservices:\n" +
		fmt.Sprintf("  - {name: Checkout, url: %q}\n", up.URL+"/checkout")
	cfg := writeConfig(t, head)
	logs := startServeLogs(t, bin, cfg, "127.0.0.1:0").logs
	addr := logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)

	header := func(screen string) string { return strings.SplitN(screen, "\n", 2)[0] }
	failed := func(screen string) bool {
		return strings.Contains(header(screen), "reload failed: ") &&
			strings.Contains(screen, "reload failed: "+cfg+":5:") && strings.Contains(lineWith(screen, "Checkout"), "UP")
	}
	before := startTmux(t, 160, 12, nil, bin, "attach", "http://"+addr)
	before.waitFor("Checkout UP", 30*time.Second, func(screen string) bool { return strings.Contains(lineWith(screen, "Checkout"), "UP") })

	replaceFile(t, cfg, head+"  - {name: Broken, url: 12\n")
	logs.waitFor(t, "the failed reload", func(m map[string]any) bool {
		msg, _ := m["msg"].(string)
		return strings.HasPrefix(msg, "reload failed: ")
	})
	before.waitFor("reload failed on the screen attached before", 30*time.Second, failed)
	after := startTmux(t, 160, 12, nil, bin, "attach", "http://"+addr)
	after.waitFor("reload failed on a screen attached while it stands", 30*time.Second, failed)

	replaceFile(t, cfg, head+fmt.Sprintf("  - {name: Search, url: %q}\n", up.URL+"/search"))
	for _, s := range []*tmuxSession{before, after} {
		s.waitFor("reloaded and Search", 30*time.Second, func(screen string) bool {
			h := header(screen)
			return strings.Contains(h, "reloaded ") && !strings.Contains(h, "reload failed") && lineWith(screen, "Search") != ""
		})
	}
	// Both read before either quits: the note lasts 5 s.
	for _, s := range []*tmuxSession{before, after} {
		s.tmux("send-keys", "-t", s.name, "q")
		if code := s.exitStatus(10 * time.Second); code != "0" {
			t.Errorf("uptty attach exit status after q = %s, want 0", code)
		}
	}
}
