package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    options
		wantErr string
	}{
		{args: nil, want: options{theme: "dark"}},
		{args: []string{"-c", "x.yaml"}, want: options{config: "x.yaml", theme: "dark"}},
		{args: []string{"--config=x.yaml", "--theme", "light"}, want: options{config: "x.yaml", theme: "light"}},
		{args: []string{"check", "-c", "x.yaml", "--json"}, want: options{command: "check", config: "x.yaml", json: true, theme: "dark"}},
		{args: []string{"--config", "x.yaml", "check", "--json"}, want: options{command: "check", config: "x.yaml", json: true, theme: "dark"}},
		{args: []string{"validate", "--config", "y.yaml"}, want: options{command: "validate", config: "y.yaml", theme: "dark"}},
		{args: []string{"--demo"}, want: options{demo: true, theme: "dark"}},
		{args: []string{"--version"}, want: options{version: true, theme: "dark"}},
		{args: []string{"-h"}, want: options{help: true, theme: "dark"}},
		{args: []string{"frobnicate"}, wantErr: `unknown command "frobnicate"`},
		{args: []string{"check", "extra"}, wantErr: `unexpected argument "extra"`},
		{args: []string{"check", "my.yaml"}, wantErr: `unexpected argument "my.yaml": a config file goes after --config (-c): uptty check -c my.yaml`},
		{args: []string{"my conf.YML"}, wantErr: `unknown command "my conf.YML": a config file goes after --config (-c): uptty -c 'my conf.YML'`},
		{args: []string{"--nope"}, wantErr: "unknown flag: --nope"},
		{args: []string{"--json"}, wantErr: "--json goes with 'check'"},
		{args: []string{"--theme", "pink"}, wantErr: `--theme "pink": want dark or light`},
		{args: []string{"--demo", "-c", "x.yaml"}, wantErr: "--demo and --config exclude each other"},
		{args: []string{"check", "--config"}, wantErr: "flag needs an argument: --config"},
		{args: []string{"incidents"}, want: options{command: "incidents", theme: "dark", since: 7 * 24 * time.Hour}},
		{args: []string{"incidents", "--since", "36h", "--service", "Checkout API", "--json", "-c", "x.yaml"},
			want: options{command: "incidents", config: "x.yaml", json: true, theme: "dark", since: 36 * time.Hour, service: "Checkout API"}},
		{args: []string{"--since=1.5d", "incidents"}, want: options{command: "incidents", theme: "dark", since: 36 * time.Hour}},
		{args: []string{"incidents", "--since", "0"}, want: options{command: "incidents", theme: "dark"}},
		{args: []string{"incidents", "--since", "week"}, wantErr: `--since "week": want a duration`},
		{args: []string{"incidents", "--since", "-1h"}, wantErr: `--since "-1h": want a duration`},
		{args: []string{"check", "--since", "1h"}, wantErr: "--since goes with 'alerts' and 'incidents'"},
		{args: []string{"--service", "x"}, wantErr: "--service goes with 'incidents'"},
		{args: []string{"incidents", "--demo"}, wantErr: `--demo does not go with "incidents"`},
		{args: []string{"validate", "--json"}, wantErr: "--json goes with 'check', 'incidents' or 'alerts'"},
		{args: []string{"alerts", "--json", "-c", "x.yaml"}, want: options{command: "alerts", config: "x.yaml", json: true, theme: "dark"}},
		{args: []string{"--quiet"}, want: options{quiet: true, theme: "dark"}},
		{args: []string{"check", "--quiet"}, wantErr: "--quiet goes with the live monitor"},
		{args: []string{"silence", "Checkout API", "2h", "--reason", "deploy", "-c", "x.yaml"},
			want: options{command: "silence", config: "x.yaml", theme: "dark", args: []string{"Checkout API", "2h"}, silence: silenceOptions{reason: "deploy"}}},
		{args: []string{"silence", "--group", "payments", "30m"},
			want: options{command: "silence", theme: "dark", args: []string{"payments", "30m"}, silence: silenceOptions{group: true}}},
		{args: []string{"silence", "--list", "--json"}, want: options{command: "silence", theme: "dark", json: true, silence: silenceOptions{list: true}}},
		{args: []string{"unsilence", "api"}, want: options{command: "unsilence", theme: "dark", args: []string{"api"}}},
		{args: []string{"silence", "api"}, wantErr: "silence takes a name and a duration"},
		{args: []string{"silence", "api", "soon"}, wantErr: `duration "soon"`},
		{args: []string{"silence", "api", "0s"}, wantErr: `duration "0s"`},
		{args: []string{"silence", "api", "400d"}, wantErr: `duration "400d": want one from 1s to 366d`},
		{args: []string{"silence", "--list", "api"}, wantErr: "silence --list takes no name"},
		{args: []string{"unsilence"}, wantErr: "unsilence takes a name"},
		{args: []string{"check", "--reason", "x"}, wantErr: "--reason goes with 'silence'"},
		{args: []string{"silence", "api", "1h", "--json"}, wantErr: "--json goes with"},
		{args: []string{"--ascii"}, want: options{ascii: true, asciiSet: true, theme: "dark"}},
		{args: []string{"--ascii=false", "--demo"}, want: options{asciiSet: true, demo: true, theme: "dark"}},
		{args: []string{"--ascii=maybe"}, wantErr: `--ascii "maybe": want true or false`},
		{args: []string{"check", "--ascii"}, wantErr: "--ascii goes with the live monitor"},
		{args: []string{"--wall"}, want: options{wall: "services", theme: "dark"}},
		{args: []string{"--wall=groups", "--wall-page", "30s"}, want: options{wall: "groups", wallPage: 30 * time.Second, theme: "dark"}},
		{args: []string{"--wall=tiles"}, wantErr: `--wall "tiles": want services or groups`},
		{args: []string{"--wall-page", "10ms"}, wantErr: "--wall-page 10ms: want at least 1s"},
		{args: []string{"serve", "--wall"}, wantErr: "--wall and --wall-page go with the live monitor"},
		{args: []string{"--mouse"}, want: options{mouse: true, theme: "dark"}},
		{args: []string{"attach", "http://127.0.0.1:9870", "--ascii", "--wall=groups", "--wall-page", "5s", "--mouse"},
			want: options{command: "attach", attachURL: "http://127.0.0.1:9870", ascii: true, asciiSet: true, wall: "groups", wallPage: 5 * time.Second, mouse: true, theme: "dark"}},
		{args: []string{"check", "--mouse"}, wantErr: "--mouse goes with the live monitor"},
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
			if err != nil {
				t.Fatalf("parseArgs(%q) error = %v", tt.args, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseArgs(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

// envFrom builds a getenv that sees only vars, so tests never read the developer's own config.
func envFrom(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "uptty.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCLI runs the program in-process with an isolated environment.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLIEnv(t, nil, args...)
}

// runCLIEnv is runCLI with more variables in the environment.
func runCLIEnv(t *testing.T, extra map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	home := t.TempDir()
	env := map[string]string{
		"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_STATE_HOME": filepath.Join(home, ".state"), "API_TOKEN": "s3cret-token",
	}
	for k, v := range extra {
		env[k] = v
	}
	var out, errb bytes.Buffer
	code = run(args, &out, &errb, envFrom(env))
	return code, out.String(), errb.String()
}

func TestRunExitCodes(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	defer up.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()

	good := writeConfig(t, `
defaults: {interval: 5s, timeout: 1s, retry_interval: 100ms, failure_threshold: 2}
services:
  - name: Good
    url: `+up.URL+`
    headers: {Authorization: "Bearer ${API_TOKEN}"}
`)
	bad := writeConfig(t, `
services:
  - name: Good
    url: `+up.URL+`
    intervall: 5s
`)
	down := writeConfig(t, `
defaults: {interval: 5s, timeout: 1s, retry_interval: 100ms, failure_threshold: 2}
services:
  - name: Good
    url: `+up.URL+`
  - name: Gone
    url: `+refused+`
`)
	huge := writeConfig(t, "#"+strings.Repeat(" ", config.MaxFileSize))

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantErr    string
		notInOuput string
	}{
		{name: "version", args: []string{"--version"}, wantCode: 0, wantOut: "uptty "},
		{name: "help", args: []string{"--help"}, wantCode: 0, wantOut: "Usage:"},
		{name: "usage error", args: []string{"bogus"}, wantCode: 2, wantErr: "unknown command"},
		{name: "validate ok", args: []string{"validate", "-c", good}, wantCode: 0, wantOut: "ok, 1 service"},
		{name: "validate bad", args: []string{"validate", "-c", bad}, wantCode: 2, wantErr: "intervall"},
		{name: "validate missing file", args: []string{"validate", "-c", "/nonexistent/uptty.yaml"}, wantCode: 2, wantErr: "uptty: config /nonexistent/uptty.yaml: no such file or directory\n"},
		{name: "validate a directory", args: []string{"validate", "-c", t.TempDir()}, wantCode: 2, wantErr: "uptty: config "},
		{name: "validate huge file", args: []string{"validate", "-c", huge}, wantCode: 2, wantErr: "uptty: config " + huge + ": larger than 4 MiB, uptty's limit for a config file"},
		{name: "validate no config", args: []string{"validate"}, wantCode: 2, wantErr: "no config found (looked at $UPTTY_CONFIG, ./uptty.yaml, $XDG_CONFIG_HOME/uptty/config.yaml); pass --config FILE, or write one: uptty init\n"},
		{name: "check up", args: []string{"check", "-c", good}, wantCode: 0, wantOut: "Good", notInOuput: "s3cret-token"},
		{name: "check down", args: []string{"check", "--config", down}, wantCode: 1, wantOut: "connection refused"},
		{name: "check bad config", args: []string{"check", "-c", bad}, wantCode: 2, wantErr: "intervall"},
		{name: "monitor missing config", args: []string{"-c", "/nonexistent/uptty.yaml"}, wantCode: 2, wantErr: "/nonexistent/uptty.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout, tt.wantOut)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
			if tt.notInOuput != "" && strings.Contains(stdout+stderr, tt.notInOuput) {
				t.Errorf("output contains the secret %q", tt.notInOuput)
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	path := writeConfig(t, `
defaults: {interval: 5s, timeout: 1s, retry_interval: 50ms, failure_threshold: 3}
services:
  - {name: Checkout API, group: payments, url: "`+up.URL+`/healthz"}
  - {name: Broken, url: "`+broken.URL+`"}
`)
	code, stdout, stderr := runCLI(t, "check", "-c", path, "--json")
	if code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr %q", code, stderr)
	}
	var got struct {
		CheckedAt string `json:"checked_at"`
		Services  []struct {
			Name      string   `json:"name"`
			Group     string   `json:"group"`
			URL       string   `json:"url"`
			State     string   `json:"state"`
			LatencyMS *float64 `json:"latency_ms"`
			Error     *string  `json:"error"`
		} `json:"services"`
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("check --json printed invalid JSON: %v\n%s", err, stdout)
	}
	if !strings.HasSuffix(got.CheckedAt, "Z") || len(got.Services) != 2 {
		t.Fatalf("check --json = %s, want checked_at and 2 services", stdout)
	}
	first, second := got.Services[0], got.Services[1]
	if first.Name != "Checkout API" || first.Group != "payments" || first.State != "up" || first.Error == nil || *first.Error != "" || first.LatencyMS == nil {
		t.Errorf("first service = %+v, want Checkout API/payments/up with empty error", first)
	}
	if second.State != "down" || second.Error == nil || *second.Error != "status 503, want 200-399" {
		t.Errorf("second service = %+v, want down with %q", second, "status 503, want 200-399")
	}
	want := map[string]int{"up": 1, "degraded": 0, "down": 1}
	for k, v := range want {
		if got.Summary[k] != v {
			t.Errorf("summary[%q] = %d, want %d", k, got.Summary[k], v)
		}
	}
}

// TestCheckInterrupted: a check cut short by Ctrl-C or SIGTERM has not judged every service, so
// it must not exit 0 (a cron job would read "all up"), and it says the services in flight were
// interrupted: "not checked" read as if uptty had skipped them.
func TestCheckInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	tests := []struct {
		name string
		sig  os.Signal
		args []string
		want []string // in stdout
	}{
		{"table, SIGINT", syscall.SIGINT, nil, []string{"UNKNOWN", "interrupted"}},
		{"table, SIGTERM", syscall.SIGTERM, nil, []string{"UNKNOWN", "interrupted"}},
		{"json, SIGINT", syscall.SIGINT, []string{"--json"}, []string{`"state": "unknown"`, `"error": "interrupted"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case arrived <- struct{}{}:
				default:
				}
				<-r.Context().Done()
			}))
			defer hung.Close()
			cfg := writeConfig(t, "defaults: {interval: 30s, timeout: 20s}\nservices:\n  - {name: Hung, url: \""+hung.URL+"\"}\n")
			cmd := exec.Command(bin, append([]string{"check", "-c", cfg}, tt.args...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatal("the check never reached the server")
			}
			cmd.Process.Signal(tt.sig)
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("interrupted check = %v, stderr %q; want exit status 1 saying it was interrupted", err, stderr.String())
			}
			out := stdout.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("interrupted check printed %q, want %q in it", out, w)
				}
			}
			if strings.Contains(out, "not checked") {
				t.Errorf("interrupted check printed %q, want no \"not checked\" (it was interrupted, not skipped)", out)
			}
		})
	}
}

// TestMonitorNeedsATerminal: the live monitor on a pipe says what to use instead, before doing
// anything, rather than failing to open a TTY.
func TestMonitorNeedsATerminal(t *testing.T) {
	code, stdout, stderr := runCLI(t, "--demo")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "uptty check") {
		t.Errorf("uptty --demo on a pipe = %d, %q, %q; want 2 pointing at 'uptty check'", code, stdout, stderr)
	}
}

// TestREADMEConfigsAreValid: every config in the README that a newcomer might copy loads.
func TestREADMEConfigsAreValid(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(readme), "```yaml\n")[1:]
	tested := 0
	for k, block := range blocks {
		body, _, _ := strings.Cut(block, "```")
		if !strings.Contains(body, "services:") {
			continue // a fragment, such as the history section
		}
		tested++
		if _, err := config.Parse([]byte(body), fmt.Sprintf("README.md yaml block %d", k+1), envFrom(map[string]string{"API_TOKEN": "x-token"}), probe.Kinds()); err != nil {
			t.Errorf("README config %d does not load:\n%v\n%s", k+1, err, body)
		}
	}
	if tested < 2 {
		t.Errorf("found %d README configs with services, want at least 2", tested)
	}
}

// TestUsageConfig: every usage line of a command that reads the config or its history says
// --config, as silence --list and unsilence need one like the rest.
func TestUsageConfig(t *testing.T) {
	for _, cmd := range []string{"uptty check", "uptty validate", "uptty incidents", "uptty alerts",
		"uptty silence NAME", "uptty silence --list", "uptty unsilence", "uptty serve"} {
		found := false
		for _, line := range strings.Split(usage, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), cmd+" ") {
				found = true
				if !strings.Contains(line, "[--config FILE]") {
					t.Errorf("usage line %q does not say [--config FILE]", strings.TrimSpace(line))
				}
			}
		}
		if !found {
			t.Errorf("usage has no line for %q", cmd)
		}
	}
}
