package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAttachPauseRefused: p on a screen attached through a proxy that lets viewers look but
// not act says why in the footer, and the row stays as it was; it used to vanish silently.
func TestAttachPauseRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	cfg := writeConfig(t, fmt.Sprintf("history: {path: \"\"}\nservices:\n  - {name: Checkout, url: \"%s/checkout\"}\n", up.URL))
	addr := freeLoopbackAddr(t)
	startServe(t, bin, cfg, addr)
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	rp.FlushInterval = -1 // the event stream goes through as it comes
	readOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "read-only: this proxy lets viewers look, not act", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer readOnly.Close()

	s := startTmux(t, 100, 12, nil, bin, "attach", readOnly.URL)
	s.waitFor("Checkout UP", 30*time.Second, func(screen string) bool { return strings.Contains(lineWith(screen, "Checkout"), "UP") })
	s.tmux("send-keys", "-t", s.name, "p")
	s.waitFor("pause failed in the footer", 30*time.Second, func(screen string) bool {
		return strings.Contains(screen, "pause failed: 403 Forbidden: read-only") && strings.Contains(lineWith(screen, "Checkout"), "UP")
	})
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("uptty attach exit status after q = %s, want 0", code)
	}
}
