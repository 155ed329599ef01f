package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/history"
)

func TestServeFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    serveOptions
		wantErr string
	}{
		{args: []string{"serve"}},
		{args: []string{"serve", "--listen", "127.0.0.1:1", "--log-format", "json", "--token-file", "t"},
			want: serveOptions{listen: "127.0.0.1:1", logFormat: "json", tokenFile: "t"}},
		{args: []string{"--listen=[::1]:9870", "serve"}, want: serveOptions{listen: "[::1]:9870"}},
		{args: []string{"serve", "--log-format", "xml"}, wantErr: `--log-format "xml": want text or json`},
		{args: []string{"check", "--listen", ":1"}, wantErr: "--listen goes with 'serve'"},
		{args: []string{"--token-file", "t"}, wantErr: "--token-file goes with 'serve'"},
		{args: []string{"incidents", "--log-format", "json"}, wantErr: "--log-format goes with 'serve'"},
		{args: []string{"serve", "--json"}, wantErr: "--json goes with 'check', 'incidents' or 'alerts'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseArgs(%q) error = %v, want %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.command != "serve" || got.serve != tt.want {
				t.Errorf("parseArgs(%q) = %+v, %v; want serve with %+v", tt.args, got, err, tt.want)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true, "fe80::1%lo": false,
		"": false, "0.0.0.0": false, "::": false, "192.168.1.10": false, "example.com": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestServeRefuses: whatever is wrong is said, with exit status 2, before anything starts: no
// check runs and the history file is not created.
func TestServeRefuses(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.db")
	good := writeConfig(t, "history: {path: "+hist+"}\nservices:\n  - {name: Good, url: \""+up.URL+"\"}\n")
	bad := writeConfig(t, "services:\n  - {name: Good, url: \""+up.URL+"\", intervall: 5s}\n")
	empty := filepath.Join(dir, "empty-token")
	os.WriteFile(empty, []byte("\n"), 0o600)
	// A history file serve cannot create is refused as one that is not a history: unattended,
	// a session kept in memory would be lost at the next restart with nobody told.
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o600)
	uncreatable := writeConfig(t, "history: {path: "+filepath.Join(notDir, "history.db")+"}\nservices:\n  - {name: Good, url: \""+up.URL+"\"}\n")
	foreign := filepath.Join(dir, "foreign.db")
	os.WriteFile(foreign, []byte("not a database at all, but a file someone cares about"), 0o600)
	notHistory := writeConfig(t, "history: {path: "+foreign+"}\nservices:\n  - {name: Good, url: \""+up.URL+"\"}\n")
	shared := freeLoopbackAddr(t)
	_, keyLine := sshKeyPair(t, dir, "viewer")
	keys := filepath.Join(dir, "authorized_keys")
	os.WriteFile(keys, []byte(keyLine), 0o600)

	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"bad config", []string{"serve", "-c", bad}, "intervall"},
		{"no config", []string{"serve"}, "no config found"},
		{"port in use", []string{"serve", "-c", good, "--listen", busy.Addr().String()},
			"uptty: cannot listen on " + busy.Addr().String() + ": the address is in use"},
		{"all interfaces without a token", []string{"serve", "-c", good, "--listen", ":0"},
			"uptty: --listen :0 is reachable from other machines: set UPTTY_TOKEN or pass --token-file FILE"},
		{"another address without a token", []string{"serve", "-c", good, "--listen", "192.0.2.1:9870"}, "reachable from other machines"},
		{"no port", []string{"serve", "-c", good, "--listen", "127.0.0.1"}, `--listen "127.0.0.1": want HOST:PORT`},
		{"a port that is not one", []string{"serve", "-c", good, "--listen", ":abc"},
			`uptty: --listen ":abc": bad port "abc": want a number from 0 to 65535, such as 127.0.0.1:9870`},
		{"a port too high", []string{"serve", "-c", good, "--listen", "127.0.0.1:70000"}, `bad port "70000"`},
		{"ssh on a port that is not one", []string{"serve", "-c", good, "--ssh", "127.0.0.1:x", "--authorized-keys", keys}, `--ssh "127.0.0.1:x": bad port "x"`},
		{"missing token file", []string{"serve", "-c", good, "--token-file", filepath.Join(dir, "nope")}, "--token-file"},
		{"empty token file", []string{"serve", "-c", good, "--token-file", empty, "--listen", ":0"}, "is empty"},
		{"ssh without keys", []string{"serve", "-c", good, "--ssh", "127.0.0.1:0"}, "--ssh needs --authorized-keys FILE"},
		{"ssh with an empty key file", []string{"serve", "-c", good, "--ssh", "127.0.0.1:0", "--authorized-keys", empty}, "no public key"},
		{"ssh with a missing key file", []string{"serve", "-c", good, "--ssh", "127.0.0.1:0", "--authorized-keys", filepath.Join(dir, "nope")},
			"--authorized-keys: open"},
		{"keys without ssh", []string{"serve", "-c", good, "--authorized-keys", empty}, "--authorized-keys goes with --ssh"},
		{"ssh port in use", []string{"serve", "-c", good, "--ssh", busy.Addr().String(), "--authorized-keys", keys},
			"cannot listen on " + busy.Addr().String() + " for ssh: the address is in use"},
		{"ssh on check", []string{"check", "-c", good, "--ssh", "127.0.0.1:0"}, "--ssh goes with 'serve'"},
		{"ssh on the API's port", []string{"serve", "-c", good, "--listen", shared, "--ssh", shared, "--authorized-keys", keys},
			"uptty: --ssh " + shared + " and --listen " + shared + " are the same port: give SSH viewers one of their own, such as :2222"},
		{"no event streams", []string{"serve", "-c", good, "--max-streams", "0"}, "--max-streams 0: want at least 1"},
		{"no ssh viewers", []string{"serve", "-c", good, "--ssh", "127.0.0.1:0", "--authorized-keys", keys, "--ssh-max-sessions", "0"},
			"--ssh-max-sessions 0: want at least 1 (default 32)"},
		{"history that cannot be created", []string{"serve", "-c", uncreatable, "--listen", "127.0.0.1:0"},
			"uptty: history file " + filepath.Join(notDir, "history.db") + " cannot be created"},
		{"history that is not one", []string{"serve", "-c", notHistory, "--listen", "127.0.0.1:0"},
			"uptty: history file " + foreign + " is not an uptty history"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.wantErr) || stdout != "" {
				t.Errorf("uptty %q = %d, stdout %q, stderr %q; want 2 saying %q", tt.args, code, stdout, stderr, tt.wantErr)
			}
			if _, err := os.Stat(hist); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("uptty %q created the history file: %v", tt.args, err)
			}
		})
	}
}

// logLines collects a process's JSON log lines and lets a test wait for one.
type logLines struct {
	mu    sync.Mutex
	lines []map[string]any
	raw   strings.Builder
	more  chan struct{} // cap 1: a line arrived
	bad   atomic.Value  // a line that is not JSON
}

func readLogs(r io.Reader) (*logLines, <-chan struct{}) {
	l := &logLines{more: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				l.bad.Store(sc.Text())
				m = map[string]any{}
			}
			l.mu.Lock()
			l.lines = append(l.lines, m)
			l.raw.WriteString(sc.Text() + "\n")
			l.mu.Unlock()
			select {
			case l.more <- struct{}{}:
			default:
			}
		}
	}()
	return l, done
}

// waitFor returns the first log line for which match is true, failing after a while.
func (l *logLines) waitFor(t *testing.T, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for seen := 0; ; {
		l.mu.Lock()
		for ; seen < len(l.lines); seen++ {
			if match(l.lines[seen]) {
				m := l.lines[seen]
				l.mu.Unlock()
				return m
			}
		}
		l.mu.Unlock()
		select {
		case <-l.more:
		case <-deadline:
			t.Fatalf("no log line with %s; logs:\n%s", what, l.String())
		}
	}
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.raw.String()
}

func msgIs(msg string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["msg"] == msg }
}

// TestServeEndToEnd runs the built binary: it logs its start as JSON, serves the status, keeps
// running when SIGHUP finds the config invalid, adds a service on SIGHUP, logs a state change without the secret in the URL, and on SIGTERM commits
// history and exits 0.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	var down atomic.Bool
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer up.Close()
	// serve alerts as the live monitor does: a webhook hears of the outage and the recovery.
	hooks := make(chan map[string]any, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err == nil {
			hooks <- body
		}
	}))
	defer hook.Close()
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.db")
	const secret = "s3cret-query-token"
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: %s}
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
alerts: [{name: hook, type: webhook, url: "%s"}]
services:
  - {name: Checkout API, group: payments, url: "%s/health?token=${API_TOKEN}"}
`, hist, hook.URL, up.URL))
	cmd := exec.Command(bin, "serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir, "API_TOKEN="+secret)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed once waitErr is set
	var waitErr error
	logs, logsDone := readLogs(stderr)
	go func() { <-logsDone; waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()

	start := logs.waitFor(t, "the start", msgIs("serving"))
	if start["services"] != 1.0 || start["auth"] != "none (loopback)" || start["history"] != hist {
		t.Errorf("start log = %v, want 1 service, no auth, history at %s", start, hist)
	}
	base := "http://" + start["listen"].(string)
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	logs.waitFor(t, "Checkout API up", func(m map[string]any) bool { return m["msg"] == "state changed" && m["to"] == "UP" })
	if code, body := get("/api/v1/status"); code != http.StatusOK || !strings.Contains(body, `"state":"up"`) || strings.Contains(body, secret) {
		t.Errorf("GET /api/v1/status = %d %s, want 200 with the service up and no secret", code, body)
	}

	// An invalid file changes nothing and says why, at ERROR, as uptty validate would: the
	// file, line and column (a syntax error's too: the [ left open).
	if err := os.WriteFile(cfg, []byte("services: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, "reload failed", func(m map[string]any) bool {
		s, _ := m["msg"].(string)
		return strings.HasPrefix(s, "reload failed: "+cfg+":1:11: services: invalid YAML: ") && m["level"] == "ERROR" && m["trigger"] == "SIGHUP"
	})
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz after a failed reload = %d %q, want 200 ok: still running", code, body)
	}
	// A valid one adds a service on SIGHUP; the one that stays keeps running.
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
history: {path: %s}
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
alerts: [{name: hook, type: webhook, url: "%s"}]
services:
  - {name: Checkout API, group: payments, url: "%s/health?token=${API_TOKEN}"}
  - {name: Search, url: "%s/search"}
`, hist, hook.URL, up.URL, up.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, "reloaded on SIGHUP", func(m map[string]any) bool {
		return m["msg"] == "reloaded" && m["trigger"] == "SIGHUP" && m["services"] == 2.0
	})
	if code, body := get("/api/v1/status"); code != http.StatusOK || !strings.Contains(body, `"name":"Search"`) ||
		!strings.Contains(body, `"name":"Checkout API"`) {
		t.Errorf("GET /api/v1/status after the reload = %d %s, want both services", code, body)
	}

	down.Store(true)
	logs.waitFor(t, "Checkout API down", func(m map[string]any) bool {
		return m["msg"] == "state changed" && m["to"] == "DOWN" && m["level"] == "WARN" && m["service"] == "Checkout API"
	})
	down.Store(false)
	back := logs.waitFor(t, "Checkout API back up", func(m map[string]any) bool {
		return m["msg"] == "state changed" && m["from"] == "DOWN" && m["to"] == "UP" && m["service"] == "Checkout API"
	})
	if _, ok := back["outage"].(string); !ok {
		t.Errorf("recovery log = %v, want the outage's duration", back)
	}
	// Search shares the target, so it goes down too: only Checkout API's alerts are counted.
	for _, want := range []string{"down", "up"} {
		for got := false; !got; {
			select {
			case body := <-hooks:
				if b, _ := json.Marshal(body); strings.Contains(string(b), secret) {
					t.Errorf("webhook body shows the secret: %s", b)
				}
				if body["service"] != "Checkout API" {
					continue
				}
				if body["event"] != want {
					t.Fatalf("webhook got %v, want the %s alert of Checkout API", body, want)
				}
				got = true
			case <-time.After(30 * time.Second):
				t.Fatalf("webhook got no %s alert of Checkout API in 30s; logs:\n%s", want, logs)
			}
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		err = waitErr
	case <-time.After(30 * time.Second):
		t.Fatalf("uptty serve still running 30s after SIGTERM; logs:\n%s", logs)
	}
	if err != nil {
		t.Errorf("uptty serve after SIGTERM: %v, want exit 0; logs:\n%s", err, logs)
	}
	all := logs.String()
	if bad := logs.bad.Load(); bad != nil {
		t.Errorf("log line %q is not JSON", bad)
	}
	if strings.Contains(all, secret) {
		t.Errorf("logs show the secret:\n%s", all)
	}
	if !strings.Contains(all, `"msg":"stopped","history":"saved"`) {
		t.Errorf("logs lack the clean stop:\n%s", all)
	}
	// History was committed and let go: it opens for writing and holds the outage.
	store, err := history.Open(hist, history.Options{})
	if err != nil {
		t.Fatalf("history after SIGTERM: %v", err)
	}
	defer store.Close()
	list, err := store.Incidents(time.Time{}, "Checkout API")
	if err != nil || len(list) != 1 || list[0].End == nil || list[0].Service != "Checkout API" {
		t.Errorf("incidents after SIGTERM = %+v, %v; want Checkout API's one ended outage", list, err)
	}
}

// TestAttachURL: the URL a second uptty is told to attach to reaches the server from this
// machine: one listening on every interface is reached on loopback.
func TestAttachURL(t *testing.T) {
	for _, tc := range []struct {
		scheme, addr, want string
	}{
		{"http", "127.0.0.1:9870", "http://127.0.0.1:9870"},
		{"https", "[::]:9870", "https://127.0.0.1:9870"},
		{"http", "0.0.0.0:9870", "http://127.0.0.1:9870"},
		{"http", "[::1]:9870", "http://[::1]:9870"},
		{"http", "192.168.1.5:9870", "http://192.168.1.5:9870"},
	} {
		addr, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := attachURL(tc.scheme, addr); got != tc.want {
			t.Errorf("attachURL(%s, %s) = %s, want %s", tc.scheme, tc.addr, got, tc.want)
		}
	}
}

// TestAttachCommand: the command a second uptty is told to run to see the server works as
// written: the CA for a TLS server, the token's file or variable (never the token), paths
// absolute (the hint is read in another directory) and quoted when the shell needs it.
func TestAttachCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name               string
		url, ca, tokenFile string
		envToken           bool
		want               string
	}{
		{"plain", "http://127.0.0.1:9870", "", "", false, "uptty attach http://127.0.0.1:9870"},
		{"token file", "http://127.0.0.1:9870", "", "/etc/uptty/token", false,
			"uptty attach http://127.0.0.1:9870 --token-file /etc/uptty/token"},
		{"token variable", "http://127.0.0.1:9870", "", "", true, "UPTTY_TOKEN=… uptty attach http://127.0.0.1:9870"},
		{"tls", "https://127.0.0.1:9870", "/etc/uptty/tls/fullchain.pem", "/etc/uptty/token", false,
			"uptty attach https://127.0.0.1:9870 --ca /etc/uptty/tls/fullchain.pem --token-file /etc/uptty/token"},
		{"relative", "https://127.0.0.1:9870", "cert.pem", "", false,
			"uptty attach https://127.0.0.1:9870 --ca " + filepath.Join(dir, "cert.pem")},
		{"spaces", "https://127.0.0.1:9870", "/srv/my certs/it's.pem", "", false,
			`uptty attach https://127.0.0.1:9870 --ca '/srv/my certs/it'\''s.pem'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := attachCommand(dir, tc.url, tc.ca, tc.tokenFile, tc.envToken); got != tc.want {
				t.Errorf("attachCommand = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestServeLogsAlertFailures: an alert its receiver refuses is said in serve's log, at WARN,
// with the sender and the reason (its secrets masked), so that whoever watches the log learns
// that alerts are not going out, not only `uptty alerts`.
func TestServeLogsAlertFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer hook.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf(`history: {path: %s}
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
alerts:
  - {name: team, type: webhook, url: "%s/hook?key=hookSECRET"}
services:
  - {name: api, url: "tcp://%s"}
`, filepath.Join(dir, "history.db"), hook.URL, reloadClosed(t)))
	srv := startServeLogs(t, bin, cfg, "127.0.0.1:0")
	m := srv.logs.waitFor(t, "the failed alert", msgIs("alert not delivered"))
	if m["level"] != "WARN" || m["sender"] != "team" || m["service"] != "api" || m["err"] != "webhook: status 500" {
		t.Errorf("logged %v, want WARN, sender team, service api, err webhook: status 500", m)
	}
	// And on /metrics, for a dashboard or an alert on alerting.
	listen := srv.logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)
	resp, err := http.Get("http://" + listen + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`(?m)^uptty_alert_deliveries_total\{sender="team",result="failed"\} [1-9]`).Match(page) ||
		!strings.Contains(string(page), `uptty_alert_deliveries_total{sender="team",result="sent"} 0`) {
		t.Errorf("/metrics lacks team's failed attempts:\n%s", page)
	}
	srv.logs.mu.Lock()
	defer srv.logs.mu.Unlock()
	for _, l := range srv.logs.lines {
		if strings.Contains(fmt.Sprint(l), "hookSECRET") {
			t.Errorf("logged a secret: %v", l)
		}
	}
}

// TestAlertLogNamesService: serve's log lines of an alert not delivered and of one given up
// name the service it is about (and its event), so that whoever reads the log knows whose page
// did not go out, not only an id to look up.
func TestAlertLogNamesService(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer hook.Close()
	var buf strings.Builder
	var mu sync.Mutex
	logger := newLogger(lockedWriter{&mu, &buf}, "json")
	opt := alertLog(logger, nil)
	opt.FirstRetry = time.Hour // one failed attempt each: Stop ends the wait for the next
	opt.GiveUpAfterFor = map[string]time.Duration{"pager": time.Nanosecond}
	logged := make(chan struct{}, 2)
	failed, gaveUp := opt.OnFailed, opt.OnGaveUp
	opt.OnFailed = func(a alert.Alert, sender string, err error, attempt int, next time.Time) {
		failed(a, sender, err, attempt, next)
		logged <- struct{}{}
	}
	opt.OnGaveUp = func(a alert.Alert, sender string, err error, attempts int) {
		gaveUp(a, sender, err, attempts)
		logged <- struct{}{}
	}
	d, err := alert.NewDispatcher([]alert.Sender{&alert.Webhook{ID: "team", URL: hook.URL}, &alert.Webhook{ID: "pager", URL: hook.URL}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	d.Enqueue(alert.Alert{ID: alert.NewID("Checkout API", alert.EventDown, start), Event: alert.EventDown,
		Service: "Checkout API", State: "DOWN", Start: start, At: start})
	for range 2 {
		select {
		case <-logged:
		case <-time.After(10 * time.Second):
			t.Fatalf("not logged within 10s; log:\n%s", buf.String())
		}
	}
	d.Stop(context.Background())
	mu.Lock()
	defer mu.Unlock()
	got := map[string]map[string]any{}
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		got[m["msg"].(string)] = m
	}
	for _, msg := range []string{"alert not delivered", "alert given up"} {
		if m := got[msg]; m["service"] != "Checkout API" || m["event"] != "down" {
			t.Errorf("%s logged %v, want service Checkout API, event down", msg, m)
		}
	}
}

// lockedWriter is w for writers on several goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestWrapCommand: an attach command wider than the terminal is one flag per line, each line
// but the last ending in a backslash, so that it pastes into a shell as one command; one that
// fits stays on one line; a quoted path with spaces is never split.
func TestWrapCommand(t *testing.T) {
	for _, tc := range []struct {
		name, cmd, want string
	}{
		{"fits", "uptty attach http://127.0.0.1:9870", "uptty attach http://127.0.0.1:9870"},
		{"flags", "uptty attach https://127.0.0.1:9870 --ca /etc/uptty/tls/fullchain.pem --token-file /etc/uptty/token",
			"uptty attach https://127.0.0.1:9870 \\\n  --ca /etc/uptty/tls/fullchain.pem \\\n  --token-file /etc/uptty/token"},
		{"quoted", `uptty attach https://127.0.0.1:9870 --ca '/srv/my certs --ca/it'\''s.pem' --token-file /etc/uptty/token/for/this/server`,
			"uptty attach https://127.0.0.1:9870 \\\n  --ca '/srv/my certs --ca/it'\\''s.pem' \\\n  --token-file /etc/uptty/token/for/this/server"},
		{"variable", "UPTTY_TOKEN=… uptty attach https://localhost:9870 --ca /etc/uptty/tls/fullchain-of-this-server.pem",
			"UPTTY_TOKEN=… uptty attach https://localhost:9870 \\\n  --ca /etc/uptty/tls/fullchain-of-this-server.pem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wrapCommand(tc.cmd, 80)
			if got != tc.want {
				t.Errorf("wrapCommand(%q, 80) =\n%s\nwant\n%s", tc.cmd, got, tc.want)
			}
			for line := range strings.Lines(got) {
				if w := len([]rune(strings.TrimSuffix(line, "\n"))); w > 80 {
					t.Errorf("line %q is %d columns wide", line, w)
				}
			}
		})
	}
}

// TestScreenHistoryHint: beside uptty serve, a hint with an attach command too wide for 80
// columns is said shortly on screen, and the command, wrapped, is printed when the screen quits;
// a hint that fits is shown whole and nothing is printed.
func TestScreenHistoryHint(t *testing.T) {
	short := "uptty attach http://127.0.0.1:9870"
	long := "uptty attach https://127.0.0.1:9870 --ca /etc/uptty/tls/fullchain.pem --token-file /etc/uptty/token"
	for _, tc := range []struct {
		name, hint, attach, screen, atQuit string
	}{
		{"none", "", "", "", ""},
		{"in use", "history in use by another uptty (pid 7): not saving; quit that one first", "",
			"history in use by another uptty (pid 7): not saving; quit that one first", ""},
		{"serve, fits", "history in use by uptty serve, not saving: " + short, short, "history in use by uptty serve, not saving: " + short, ""},
		{"serve, too wide", "history in use by uptty serve, not saving: " + long, long,
			"history in use by uptty serve, not saving: quit (q) for its uptty attach command",
			"uptty: history in use by uptty serve, not saved here; to see that server:\n" +
				"uptty attach https://127.0.0.1:9870 \\\n  --ca /etc/uptty/tls/fullchain.pem \\\n  --token-file /etc/uptty/token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			screen, atQuit := screenHistoryHint(tc.hint, tc.attach)
			if screen != tc.screen || atQuit != tc.atQuit {
				t.Errorf("screenHistoryHint = %q, %q; want %q, %q", screen, atQuit, tc.screen, tc.atQuit)
			}
			if len([]rune(screen)) > 80 {
				t.Errorf("screen hint %q is wider than 80 columns", screen)
			}
		})
	}
}

// TestAlertLogSaysDelivered: an alert whose delivery failed and was logged at WARN is logged
// again once delivered, with how many attempts it took, so that the log does not leave the
// page looking lost; one delivered at once is not logged (the outbox has it).
func TestAlertLogSaysDelivered(t *testing.T) {
	var calls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flaky" && calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer hook.Close()
	var buf strings.Builder
	var mu sync.Mutex
	opt := alertLog(newLogger(lockedWriter{&mu, &buf}, "json"), nil)
	opt.FirstRetry = 10 * time.Millisecond
	sent := make(chan struct{}, 2)
	logged := opt.OnSent
	opt.OnSent = func(id, sender string, at time.Time) {
		logged(id, sender, at)
		sent <- struct{}{}
	}
	d, err := alert.NewDispatcher([]alert.Sender{&alert.Webhook{ID: "flaky", URL: hook.URL + "/flaky"},
		&alert.Webhook{ID: "fine", URL: hook.URL + "/fine"}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop(context.Background())
	start := time.Now()
	d.Enqueue(alert.Alert{ID: alert.NewID("Checkout API", alert.EventDown, start), Event: alert.EventDown,
		Service: "Checkout API", State: "DOWN", Start: start, At: start})
	for range 2 {
		select {
		case <-sent:
		case <-time.After(10 * time.Second):
			t.Fatalf("not delivered within 10s; log:\n%s", buf.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var delivered []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == "alert delivered" {
			delivered = append(delivered, m)
		}
	}
	if len(delivered) != 1 || delivered[0]["sender"] != "flaky" || delivered[0]["service"] != "Checkout API" ||
		delivered[0]["attempts"] != 2.0 || delivered[0]["level"] != "INFO" {
		t.Errorf("logged %v, want one INFO alert delivered: flaky, Checkout API, attempts 2; log:\n%s", delivered, buf.String())
	}
}

// TestServeLogsCauseBeforeAlert: serve's log says a service went DOWN before it says that the
// alert about it was not delivered, and UP before the recovery's: a reader of the log (or a
// tail piped to a pager) sees the cause, then the page, never the page first.
func TestServeLogsCauseBeforeAlert(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := target.Addr().String()
	go func() {
		for {
			c, err := target.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	cfg := writeConfig(t, fmt.Sprintf(`history: {path: %s}
defaults: {interval: 1s, timeout: 1s, retry_interval: 20ms, failure_threshold: 2}
alerts:
  - {name: team, type: webhook, url: "http://%s/hook"}
services:
  - {name: api, url: "tcp://%s"}
`, filepath.Join(dir, "history.db"), reloadClosed(t), addr))
	srv := startServeLogs(t, bin, cfg, "127.0.0.1:0")
	srv.logs.waitFor(t, "api UP", func(m map[string]any) bool { return m["msg"] == "state changed" && m["to"] == "UP" })
	// Refused from now on: PENDING, then DOWN a retry later, sooner than the monitor's
	// batches of changes go out.
	target.Close()
	srv.logs.waitFor(t, "the failed down alert", func(m map[string]any) bool {
		return m["msg"] == "alert not delivered" && m["event"] == "down"
	})
	srv.logs.mu.Lock()
	defer srv.logs.mu.Unlock()
	for _, m := range srv.logs.lines {
		if m["msg"] == "state changed" && m["to"] == "DOWN" {
			return
		}
		if m["msg"] == "alert not delivered" {
			t.Fatalf("the alert's failure was logged before the state change that caused it:\n%s", srv.logs.raw.String())
		}
	}
}
