package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// startServe runs `uptty serve` on addr until the test ends or kill is called; it returns once
// the server logs that it is serving.
func startServe(t *testing.T, bin, cfg, addr string) (kill func()) {
	t.Helper()
	return startServeLogs(t, bin, cfg, addr).kill
}

// served is an `uptty serve` a test runs: its log lines, and how to end it.
type served struct {
	logs *logLines
	// stop sends sig and returns the exit code once it has exited.
	stop func(sig os.Signal) int
	// kill ends it with SIGKILL; it is also called when the test ends.
	kill func()
}

// startServeLogs is startServe that also hands back the server's log lines and a stop; more
// are flags after serve's own (--ssh …).
func startServeLogs(t *testing.T, bin, cfg, addr string, more ...string) served {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "-c", cfg, "--listen", addr, "--log-format", "json"}, more...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs, done := readLogs(stderr)
	exited := make(chan struct{})
	go func() { <-done; cmd.Wait(); close(exited) }()
	stop := func(sig os.Signal) int {
		cmd.Process.Signal(sig)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Fatalf("uptty serve did not exit within 30s of %v; logs:\n%s", sig, logs)
		}
		return cmd.ProcessState.ExitCode()
	}
	kill := func() { stop(syscall.SIGKILL) }
	t.Cleanup(kill)
	logs.waitFor(t, "the start", msgIs("serving"))
	return served{logs: logs, stop: stop, kill: kill}
}

// TestAttachEndToEnd: `uptty attach` in tmux shows a served monitor's rows, follows a service
// going DOWN, says disconnected and marks every row stale when the server is killed, and is
// live again once the server is back.
func TestAttachEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	var down atomic.Bool
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() && r.URL.Path == "/checkout" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer up.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: ""}
defaults: {interval: 1s, timeout: 1s, retry_interval: 200ms, failure_threshold: 1}
services:
  - {name: Checkout, url: "%s/checkout"}
  - {name: Search, url: "%s/search"}
`, up.URL, up.URL))
	addr := freeLoopbackAddr(t) // the server takes it, and takes it again after its restart
	kill := startServe(t, bin, cfg, addr)

	s := startTmux(t, 100, 16, nil, bin, "attach", "http://"+addr)
	row := func(name, want string) func(string) bool {
		return func(screen string) bool { return strings.Contains(lineWith(screen, name), want) }
	}
	s.waitFor("Checkout UP", 30*time.Second, row("Checkout", "UP"))
	s.waitFor("Search UP", 30*time.Second, row("Search", "UP"))

	down.Store(true)
	s.waitFor("Checkout DOWN", 30*time.Second, row("Checkout", "DOWN"))

	kill()
	screen := s.waitFor("disconnected", 30*time.Second, func(screen string) bool {
		return strings.Contains(screen, "disconnected") &&
			strings.HasPrefix(lineWith(screen, "Checkout"), "?") && strings.HasPrefix(lineWith(screen, "Search"), "?")
	})
	if !strings.Contains(lineWith(screen, "uptty"), "disconnected") {
		t.Errorf("the header does not say disconnected:\n%s", screen)
	}

	down.Store(false)
	startServe(t, bin, cfg, addr)
	s.waitFor("live again", 60*time.Second, func(screen string) bool {
		return !strings.Contains(screen, "disconnected") && !strings.HasPrefix(lineWith(screen, "Checkout"), "?") &&
			strings.Contains(lineWith(screen, "Search"), "UP")
	})
	// A SIGHUP while the terminal is there (pkill -HUP uptty, meant for the server's reload)
	// changes nothing, as on the live monitor: the screen still answers its keys.
	p, err := os.FindProcess(upttyPID(t, s))
	if err == nil {
		err = p.Signal(syscall.SIGHUP)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.tmux("send-keys", "-t", s.name, "?")
	s.waitFor("the help after a SIGHUP", 30*time.Second, func(screen string) bool { return strings.Contains(screen, "Keys") })
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("uptty attach exit status after q = %s, want 0", code)
	}
}

// TestAttachWallASCII: `uptty attach --wall --ascii` is the wallboard, in ASCII, on a server's
// stream: a wall display fed by one poller, or a Linux console.
func TestAttachWallASCII(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: ""}
services:
  - {name: Checkout, url: "%s/checkout"}
`, up.URL))
	addr := freeLoopbackAddr(t)
	startServe(t, bin, cfg, addr)
	s := startTmux(t, 80, 24, nil, bin, "attach", "http://"+addr, "--wall", "--ascii")
	screen := s.waitFor("the wallboard", 30*time.Second, func(screen string) bool {
		return strings.Contains(screen, "W list") && strings.Contains(screen, "Checkout")
	})
	for _, r := range screen {
		if r > 0x7e {
			t.Fatalf("the attached wallboard with --ascii draws %q:\n%s", r, screen)
		}
	}
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("uptty attach exit status after q = %s, want 0", code)
	}
}

// TestAttachStartsWithSparklines: a screen attaching to a server that checked before it came
// draws each row's sparkline at once from the server's history, rather than blank until the
// next check (here an hour away).
func TestAttachStartsWithSparklines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: ""}
defaults: {interval: 1h, timeout: 5s}
services:
  - {name: Checkout, url: "%s/checkout"}
`, up.URL))
	addr := freeLoopbackAddr(t)
	srv := startServeLogs(t, bin, cfg, addr)
	srv.logs.waitFor(t, "Checkout UP", func(m map[string]any) bool { return m["msg"] == "state changed" && m["to"] == "UP" })

	s := startTmux(t, 100, 16, nil, bin, "attach", "--ascii", "http://"+addr)
	// One check, the slowest shown: a full bar, '#' in ASCII.
	screen := s.waitFor("Checkout UP with its sparkline", 30*time.Second, func(screen string) bool {
		row := lineWith(screen, "Checkout")
		return strings.Contains(row, "UP") && strings.Contains(row, "#")
	})
	t.Logf("attached:\n%s", screen)
	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("uptty attach exit status after q = %s, want 0", code)
	}
}

// freeLoopbackAddr is a loopback address with a port nothing listens on, for a server the test
// starts as a process of its own.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
