package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAttachReloadEndToEnd: `uptty attach` and an SSH viewer (the real OpenSSH client, when
// installed) say what the server's reloads did, as the live screen says its own: the config
// saved as garbage reads `reload failed: FILE:LINE:COL: …` in the header (the reason whole in
// the footer), on the screens open before and on one attached while the error stands; saved
// valid again, `reloaded HH:MM:SS`, and the new service is there.
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
	var viewerKey, sshPort string
	var sshFlags []string
	withSSH := sshClient(t)
	if withSSH {
		dir := t.TempDir()
		key, line := sshKeyPair(t, dir, "viewer")
		authorized := filepath.Join(dir, "authorized_keys")
		if err := os.WriteFile(authorized, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		sshAddr := ln.Addr().String()
		ln.Close()
		_, sshPort, _ = net.SplitHostPort(sshAddr)
		viewerKey, sshFlags = key, []string{"--ssh", sshAddr, "--authorized-keys", authorized}
	}
	logs := startServeLogs(t, bin, cfg, "127.0.0.1:0", sshFlags...).logs
	addr := logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)

	header := func(screen string) string { return strings.SplitN(screen, "\n", 2)[0] }
	failed := func(screen string) bool {
		return strings.Contains(header(screen), "reload failed: ") &&
			strings.Contains(screen, "reload failed: "+cfg+":5:") && strings.Contains(lineWith(screen, "Checkout"), "UP")
	}
	checkoutUp := func(screen string) bool { return strings.Contains(lineWith(screen, "Checkout"), "UP") }
	// Screens open before the edit: an attached one and, with OpenSSH here, an SSH viewer.
	screens := []*tmuxSession{startTmux(t, 160, 12, nil, bin, "attach", "http://"+addr)}
	if withSSH {
		screens = append(screens, startTmux(t, 160, 12, nil, sshArgs(viewerKey, sshPort, "-tt", "127.0.0.1")...))
	}
	for _, s := range screens {
		s.waitFor("Checkout UP", 30*time.Second, checkoutUp)
	}

	replaceFile(t, cfg, head+"  - {name: Broken, url: 12\n")
	logs.waitFor(t, "the failed reload", func(m map[string]any) bool {
		msg, _ := m["msg"].(string)
		return strings.HasPrefix(msg, "reload failed: ")
	})
	for _, s := range screens {
		s.waitFor("reload failed on a screen open before", 30*time.Second, failed)
	}
	after := startTmux(t, 160, 12, nil, bin, "attach", "http://"+addr)
	after.waitFor("reload failed on a screen attached while it stands", 30*time.Second, failed)
	screens = append(screens, after)

	replaceFile(t, cfg, head+fmt.Sprintf("  - {name: Search, url: %q}\n", up.URL+"/search"))
	for _, s := range screens {
		s.waitFor("reloaded and Search", 30*time.Second, func(screen string) bool {
			h := header(screen)
			return strings.Contains(h, "reloaded ") && !strings.Contains(h, "reload failed") && lineWith(screen, "Search") != ""
		})
	}
	// Every one read before any quits: the note lasts 5 s.
	for _, s := range screens {
		s.tmux("send-keys", "-t", s.name, "q")
		if code := s.exitStatus(10 * time.Second); code != "0" {
			t.Errorf("exit status after q = %s, want 0", code)
		}
	}
}
