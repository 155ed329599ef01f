package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeSilenceFromShell: `uptty silence` in this process reaches an `uptty serve` running
// as another process on the same history file (which it holds): the server's event stream
// sends a snapshot that shows the silence, and `uptty unsilence` ends it the same way.
func TestServeSilenceFromShell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %s}\nservices:\n  - {name: api, url: %q}\n", filepath.Join(dir, "history.db"), up.URL))
	cmd := exec.Command(bin, "serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	logs, logsDone := readLogs(stderr)
	go func() { <-logsDone; cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	start := logs.waitFor(t, "the start", msgIs("serving"))
	resp, err := http.Get("http://" + start["listen"].(string) + "/api/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	snapshots := make(chan string, 64)
	go func() {
		defer close(snapshots)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		snap := false
		for sc.Scan() {
			line := sc.Text()
			if data, ok := strings.CutPrefix(line, "data: "); ok && snap {
				snapshots <- data
			}
			snap = line == "event: snapshot"
		}
	}()
	waitSnapshot := func(what string, match func(string) bool) {
		t.Helper()
		deadline := time.After(15 * time.Second)
		for {
			select {
			case s, ok := <-snapshots:
				if !ok {
					t.Fatalf("event stream ended before %s", what)
				}
				if match(s) {
					return
				}
			case <-deadline:
				t.Fatalf("no snapshot with %s within 15s; logs:\n%s", what, logs)
			}
		}
	}
	waitSnapshot("the first snapshot", func(string) bool { return true })

	var out, errb bytes.Buffer
	if code := run([]string{"silence", "api", "2h", "--reason", "deploy", "-c", cfg}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty silence = %d %s", code, errb.String())
	}
	waitSnapshot("the silence", func(s string) bool { return strings.Contains(s, `"silenced_until":`) })
	if code := run([]string{"unsilence", "api", "-c", cfg}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty unsilence = %d %s", code, errb.String())
	}
	waitSnapshot("no silence", func(s string) bool { return !strings.Contains(s, `"silenced_until":`) })

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("uptty serve still running 30s after SIGTERM; logs:\n%s", logs)
	}
}
