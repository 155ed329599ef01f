package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tmuxSession runs the built binary in a private tmux server so the test reads the screen
// exactly as a user's terminal shows it.
type tmuxSession struct {
	t        *testing.T
	socket   string
	name     string
	exitFile string // the shell writes uptty's exit status here
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "uptty")
	goCmd, err := exec.LookPath("go")
	if err != nil {
		// go test was started by a path, not through PATH: its own toolchain builds this too.
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go") //lint:ignore SA1019 only when go is not on PATH
	}
	cmd := exec.Command(goCmd, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startTmux(t *testing.T, width, height int, env []string, argv ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed; .ci/run installs it")
		}
		t.Skip("tmux not installed")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("uptty-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), name: "e2e",
		exitFile: filepath.Join(t.TempDir(), "exit-status")}
	quoted := make([]string, 0, len(env)+len(argv)+1)
	quoted = append(quoted, "env")
	for _, a := range append(env, argv...) {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	// The shell tmux runs the command in records uptty's exit status for exitStatus.
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", s.name, "-x", strconv.Itoa(width), "-y", strconv.Itoa(height),
		strings.Join(quoted, " ")+"; echo $? > "+s.exitFile)
	s.tmux("set-option", "-t", s.name, "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// exitStatus waits for uptty to exit and returns its exit status.
func (s *tmuxSession) exitStatus(timeout time.Duration) string {
	s.t.Helper()
	deadline := time.After(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(s.exitFile); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
		select {
		case <-deadline:
			s.t.Fatalf("uptty still running %v after it was asked to quit; screen:\n%s", timeout, s.screen())
		case <-tick.C:
		}
	}
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

func (s *tmuxSession) title() string {
	return strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_title}"))
}

// waitFor polls the screen until match finds what it wants or the deadline passes.
func (s *tmuxSession) waitFor(what string, timeout time.Duration, match func(screen string) bool) string {
	s.t.Helper()
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		screen := s.screen()
		if match(screen) {
			return screen
		}
		select {
		case <-deadline:
			s.t.Fatalf("timed out after %v waiting for %s; screen:\n%s", timeout, what, screen)
		case <-tick.C:
		}
	}
}

func lineWith(screen, needle string) string {
	sc := bufio.NewScanner(strings.NewReader(screen))
	for sc.Scan() {
		if strings.Contains(sc.Text(), needle) {
			return sc.Text()
		}
	}
	return ""
}

// hostileHTTP answers every request with a status line and headers full of escape sequences
// that would retitle the window and clear the screen if they reached the terminal.
func hostileHTTP(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Second))
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				fmt.Fprint(c, "HTTP/1.1 500 \x1b]2;PWNED\x07\x1b[2J\x1b[31mevil\r\nContent-Length: 12\r\nConnection: close\r\n\r\n\x1b]2;PWNED\x07ab")
			}(c)
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// flappyServer answers ok while healthy is set (it starts set) and 503 otherwise.
func flappyServer(t *testing.T) (*httptest.Server, *atomic.Bool) {
	healthy := new(atomic.Bool)
	healthy.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, healthy
}

func TestEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)

	flappy, healthy := flappyServer(t)
	steady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	defer steady.Close()

	dir := t.TempDir()
	cfg := filepath.Join(dir, "uptty.yaml")
	body := fmt.Sprintf(`
defaults:
  interval: 1s
  timeout: 800ms
  retry_interval: 300ms
  failure_threshold: 2
services:
  - name: Flappy API
    group: core
    url: %s/health
  - name: 결제 게이트웨이
    group: payments
    url: %s/
  - name: Hostile
    group: edge
    url: %s
`, flappy.URL, steady.URL, hostileHTTP(t))
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	s := startTmux(t, 100, 30, []string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + dir, "LANG=C.UTF-8"}, bin, "--config", cfg)

	screen := s.waitFor("Flappy API UP", 15*time.Second, func(sc string) bool {
		return strings.Contains(lineWith(sc, "Flappy API"), "UP") && strings.Contains(lineWith(sc, "Hostile"), "DOWN")
	})
	if !strings.Contains(lineWith(screen, "결제 게이트웨이"), "UP") {
		t.Errorf("Korean-named service not UP:\n%s", screen)
	}

	healthy.Store(false)
	timer := regexp.MustCompile(`DOWN (\d+)s`)
	screen = s.waitFor("Flappy API DOWN with a live timer", 15*time.Second, func(sc string) bool {
		row := lineWith(sc, "Flappy API")
		return strings.HasPrefix(strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(row), ">"), " "), "DOWN") && timer.MatchString(row)
	})
	first, _ := strconv.Atoi(timer.FindStringSubmatch(lineWith(screen, "Flappy API"))[1])
	s.waitFor("the outage timer to tick", 10*time.Second, func(sc string) bool {
		m := timer.FindStringSubmatch(lineWith(sc, "Flappy API"))
		if m == nil {
			return false
		}
		n, _ := strconv.Atoi(m[1])
		return n >= first+2
	})
	if title := s.title(); !strings.Contains(title, "DOWN") || strings.Contains(title, "PWNED") {
		t.Errorf("window title = %q, want the counts with DOWN and nothing from the network", title)
	}

	healthy.Store(true)
	screen = s.waitFor("Flappy API back UP with its last outage", 15*time.Second, func(sc string) bool {
		row := lineWith(sc, "Flappy API")
		return strings.Contains(row, "UP") && strings.Contains(row, "last down")
	})
	if strings.Contains(screen, "PWNED") {
		t.Errorf("hostile text reached the screen:\n%s", screen)
	}
	if !strings.Contains(screen, "uptty") {
		t.Errorf("header gone (screen cleared by hostile text?):\n%s", screen)
	}

	s.tmux("send-keys", "-t", s.name, "q")
	if status := s.exitStatus(10 * time.Second); status != "0" {
		t.Errorf("uptty exit status after q = %s, want 0", status)
	}
	// The title's live counts are not left behind in the tmux tab.
	if title := s.title(); strings.Contains(title, "uptty:") {
		t.Errorf("window title after quit = %q, want the counts gone", title)
	}
	// The alternate screen is gone: the shell's own (empty) screen is back.
	if screen := s.screen(); strings.Contains(screen, "Flappy API") {
		t.Errorf("screen not restored after quit:\n%s", screen)
	}
}

// upttyPID is the pid of the uptty running in the tmux pane: the pane's shell's child.
func upttyPID(t *testing.T, s *tmuxSession) int {
	t.Helper()
	shell := strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_pid}"))
	b, err := os.ReadFile(filepath.Join("/proc", shell, "task", shell, "children"))
	if err != nil {
		t.Skipf("no /proc children list: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		t.Fatalf("the pane's shell %s has no child", shell)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}
