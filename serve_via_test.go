package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestServeNamesVia: a service DOWN because its dependency is reads so in serve's log and
// status, as on the live screen and in `uptty check --json` ("(via Core router) status 503…"),
// so that an attached screen, an SSH viewer or a script does not take it for an outage of its own.
func TestServeNamesVia(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	dir := t.TempDir()
	// The dependent is checked after its dependency is DOWN: 100 ms into each second.
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: %s}
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
services:
  - {name: Core router, url: "%s/router"}
  - {name: Checkout API, url: "%s/checkout", depends_on: [Core router]}
`, filepath.Join(dir, "history.db"), down.URL, down.URL))
	args := []string{"serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json"}
	// An SSH viewer's board says it too, when the OpenSSH client is here to look.
	withSSH := sshClient(t)
	var viewerKey, port string
	if withSSH {
		var line string
		viewerKey, line = sshKeyPair(t, dir, "viewer")
		authorized := filepath.Join(dir, "authorized_keys")
		if err := os.WriteFile(authorized, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		sshAddr := freeLoopbackAddr(t)
		_, port, _ = net.SplitHostPort(sshAddr)
		args = append(args, "--ssh", sshAddr, "--authorized-keys", authorized)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs, logsDone := readLogs(stderr)
	defer func() {
		cmd.Process.Kill()
		<-logsDone
		cmd.Wait()
	}()
	start := logs.waitFor(t, "the start", msgIs("serving"))
	logs.waitFor(t, "Checkout API DOWN via Core router", func(m map[string]any) bool {
		return m["msg"] == "state changed" && m["service"] == "Checkout API" && m["to"] == "DOWN" && m["via"] == "Core router"
	})
	resp, err := http.Get("http://" + start["listen"].(string) + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc struct {
		Services []struct{ Name, State, Error string }
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Services) != 2 {
		t.Fatalf("status = %s, %v", b, err)
	}
	if got, want := doc.Services[1].Error, "(via Core router) status 503, want 200-399"; got != want {
		t.Errorf("status: Checkout API's error = %q, want %q", got, want)
	}
	if got, want := doc.Services[0].Error, "status 503, want 200-399"; got != want {
		t.Errorf("status: Core router's error = %q, want %q", got, want)
	}
	if !withSSH {
		return
	}
	logs.waitFor(t, "the ssh listener", msgIs("ssh viewers"))
	s := startTmux(t, 140, 12, nil, sshArgs(viewerKey, port, "-tt", "127.0.0.1")...)
	s.waitFor("Checkout API DOWN (via Core router) on the viewer's board", 30*time.Second, func(screen string) bool {
		return strings.Contains(lineWith(screen, "Checkout API"), "(via Core router)")
	})
	s.tmux("send-keys", "-t", s.name, "q")
	s.exitStatus(10 * time.Second)
}

// TestServeViaClearedWhenOwn: a dependent DOWN via its dependency that still fails once the
// dependency is back has an outage of its own from then on: the status drops "(via …)", and
// so do a restart (its open outage is not put down to the dependency again) and `uptty
// incidents`.
func TestServeViaClearedWhenOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	var routerUp atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/router" && routerUp.Load() {
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: %s}
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
services:
  - {name: Core router, url: "%s/router"}
  - {name: Checkout API, url: "%s/checkout", depends_on: [Core router]}
`, filepath.Join(dir, "history.db"), srv.URL, srv.URL))
	serve := func() (*logLines, func()) {
		cmd := exec.Command(bin, "serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		logs, logsDone := readLogs(stderr)
		return logs, func() {
			cmd.Process.Signal(syscall.SIGTERM)
			<-logsDone
			if err := cmd.Wait(); err != nil {
				t.Errorf("serve after SIGTERM: %v, want exit 0", err)
			}
		}
	}
	own := "status 503, want 200-399"
	logs, stop := serve()
	start := logs.waitFor(t, "the start", msgIs("serving"))
	events := serviceErrors(t, "http://"+start["listen"].(string)+"/api/v1/events", "Checkout API")
	logs.waitFor(t, "Checkout API DOWN via Core router", func(m map[string]any) bool {
		return m["msg"] == "state changed" && m["service"] == "Checkout API" && m["to"] == "DOWN" && m["via"] == "Core router"
	})
	routerUp.Store(true)
	waitError(t, events, own)
	stop()

	logs, stop = serve()
	start = logs.waitFor(t, "the restart", msgIs("serving"))
	resp, err := http.Get("http://" + start["listen"].(string) + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var doc struct {
		Services []struct{ Name, State, Error string }
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Services) != 2 {
		t.Fatalf("status = %s, %v", b, err)
	}
	if got := doc.Services[1].Error; strings.Contains(got, "(via") {
		t.Errorf("after a restart Checkout API's error = %q, want no via: its outage is its own", got)
	}
	stop()

	var out, errb strings.Builder
	if code := run([]string{"incidents", "-c", cfg, "--json"}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty incidents = %d %s", code, errb.String())
	}
	var inc struct {
		Incidents []struct{ Service, Cause string }
	}
	if err := json.Unmarshal([]byte(out.String()), &inc); err != nil {
		t.Fatalf("incidents --json = %s: %v", out.String(), err)
	}
	for _, in := range inc.Incidents {
		if in.Service == "Checkout API" && in.Cause != own {
			t.Errorf("incident of Checkout API: cause %q, want %q", in.Cause, own)
		}
	}
}

// serviceErrors streams url's events and sends the error of each `service` event of name.
func serviceErrors(t *testing.T, url, name string) <-chan string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	errs := make(chan string, 256)
	go func() {
		defer close(errs)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var s struct{ Name, Error string }
			if json.Unmarshal([]byte(data), &s) == nil && s.Name == name {
				select {
				case errs <- s.Error:
				default: // the test has stopped reading
				}
			}
		}
	}()
	return errs
}

// waitError waits for an error of want on errs, within 15 s.
func waitError(t *testing.T, errs <-chan string, want string) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	last := ""
	for {
		select {
		case e, ok := <-errs:
			if !ok {
				t.Fatalf("event stream ended before the error %q (last %q)", want, last)
			}
			if last = e; e == want {
				return
			}
		case <-deadline:
			t.Fatalf("no service event with the error %q within 15s (last %q)", want, last)
		}
	}
}

// TestServeViaMovesToDependencyStillDown: a dependent of two dependencies, both DOWN, whose
// via recovers while the other is still down stays DOWN via the other one, in the status, the
// webhook (no page of its own) and `uptty incidents`.
func TestServeViaMovesToDependencyStillDown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	var routerUp atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/router" && routerUp.Load() {
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	pages := make(chan string, 64)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a struct{ Event, Service string }
		json.NewDecoder(r.Body).Decode(&a)
		select {
		case pages <- a.Event + " " + a.Service:
		default:
		}
	}))
	defer hook.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: %s}
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
alerts:
  - {name: team, type: webhook, url: "%s"}
services:
  - {name: Core router, url: "%s/router"}
  - {name: DNS, url: "%s/dns"}
  - {name: Checkout API, url: "%s/checkout", depends_on: [Core router, DNS]}
`, filepath.Join(dir, "history.db"), hook.URL, srv.URL, srv.URL, srv.URL))
	s := startServeLogs(t, bin, cfg, "127.0.0.1:0")
	start := s.logs.waitFor(t, "the start", msgIs("serving"))
	events := serviceErrors(t, "http://"+start["listen"].(string)+"/api/v1/events", "Checkout API")
	own := "status 503, want 200-399"
	waitError(t, events, "(via Core router) "+own)
	routerUp.Store(true)
	waitError(t, events, "(via DNS) "+own)
	// A few more checks of Checkout API, each still via DNS.
	for range 3 {
		select {
		case e := <-events:
			if e != "(via DNS) "+own {
				t.Errorf("Checkout API's error = %q, want via DNS", e)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("no more events of Checkout API")
		}
	}
	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("serve after SIGTERM: exit %d", code)
	}
	close(pages)
	for p := range pages {
		if p == "down Checkout API" {
			t.Errorf("Checkout API was paged on its own while DNS was down")
		}
	}
	var out, errb strings.Builder
	if code := run([]string{"incidents", "-c", cfg, "--json"}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty incidents = %d %s", code, errb.String())
	}
	var inc struct {
		Incidents []struct{ Service, Cause string }
	}
	if err := json.Unmarshal([]byte(out.String()), &inc); err != nil {
		t.Fatalf("incidents --json = %s: %v", out.String(), err)
	}
	for _, in := range inc.Incidents {
		if in.Service == "Checkout API" && in.Cause != "(via DNS) "+own {
			t.Errorf("incident of Checkout API: cause %q, want %q", in.Cause, "(via DNS) "+own)
		}
	}
}
