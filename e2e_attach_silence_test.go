package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestAttachSilence: m on an attached screen silences the service on the server (the row says
// SILENCED, and so does the server's status), and m again ends it.
func TestAttachSilence(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	cfg := writeConfig(t, fmt.Sprintf("history: {path: \"\"}\nservices:\n  - {name: Checkout, url: \"%s/checkout\"}\n", up.URL))
	addr := freeLoopbackAddr(t)
	startServe(t, bin, cfg, addr)
	status := func() string {
		resp, err := http.Get("http://" + addr + "/api/v1/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	s := startTmux(t, 100, 12, nil, bin, "attach", "http://"+addr)
	s.waitFor("Checkout UP", 30*time.Second, func(screen string) bool { return strings.Contains(lineWith(screen, "Checkout"), "UP") })
	s.tmux("send-keys", "-t", s.name, "m")
	s.waitFor("the silence prompt", 30*time.Second, func(screen string) bool { return strings.Contains(screen, "Silence Checkout:") })
	s.tmux("send-keys", "-t", s.name, "2") // 1h
	s.waitFor("the row SILENCED", 30*time.Second, func(screen string) bool {
		return strings.Contains(screen, "silenced Checkout until") && strings.Contains(lineWith(screen, "Checkout"), "SILENCED")
	})
	if st := status(); !strings.Contains(st, `"silenced_until"`) {
		t.Errorf("after m 2 on the attached screen, the server's status = %s, want silenced_until", st)
	}
	s.tmux("send-keys", "-t", s.name, "m")
	s.waitFor("unsilenced", 30*time.Second, func(screen string) bool {
		return strings.Contains(screen, "unsilenced Checkout") && !strings.Contains(lineWith(screen, "Checkout"), "SILENCED")
	})
	if st := status(); strings.Contains(st, `"silenced_until"`) {
		t.Errorf("after m again, the server's status = %s, want no silenced_until", st)
	}
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("uptty attach exit status after q = %s, want 0", code)
	}
}
