package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScreenBesideServe: the live screen started on the history uptty serve holds says, within
// 80 columns, that it is not saving and which uptty attach shows that server instead.
func TestScreenBesideServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %s}\nservices:\n  - {name: api, url: %q}\n", filepath.Join(dir, "history.db"), up.URL))
	logs, _ := startServeLogs(t, bin, cfg, "127.0.0.1:0")
	base := "http://" + logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)
	s := startTmux(t, 80, 12, []string{"TERM=xterm-256color", "HOME=" + dir}, bin, "--config", cfg)
	want := "history in use by uptty serve, not saving: uptty attach " + base
	s.waitFor("the hint", 15*time.Second, func(sc string) bool { return strings.Contains(sc, want) })
}
