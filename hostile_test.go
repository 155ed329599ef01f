package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/text"
)

// hostileSecrets are the environment of TestHostileEverywhere: each value is a secret that
// reaches a server (or a command) and may come back.
var hostileSecrets = map[string]string{
	"PATH_TOKEN":  "path-s3cret-7f3a",
	"QUERY_TOKEN": "query-s3cret-9b1c",
	"USER_PASS":   "pass-s3cret-2d4e",
	"HDR_TOKEN":   "hdr-s3cret-5e6f",
	"WANT_TEXT":   "want-s3cret-8a9b",
	"CMD_TOKEN":   "cmd-s3cret-0c1d",
	"DNS_LABEL":   "dns-s3cret-3e4f",
	"WS_TOKEN":    "ws-s3cret-6a7b",
}

// hostileBytes is text a remote end might send to take over a terminal: escape sequences, a
// C1 control, bidi and invisible marks, invalid UTF-8.
const hostileBytes = "\x1b]2;PWNED\x07\x1b[2J\x1b[31m\u009b31m\u202e\u200b\xff\xfe"

// echoHTTP answers every request with a 503 whose status text and body repeat the request
// (line, headers, all of it) wrapped in hostile bytes, and whose X-Echo header repeats the
// Authorization header, as a careless proxy might.
func echoHTTP(t *testing.T) string {
	return serveConns(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		var req strings.Builder
		auth := ""
		for {
			line, err := r.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
			line = strings.TrimRight(line, "\r\n")
			if k, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(k, "Authorization") {
				auth = v
			}
			req.WriteString(line + " ")
		}
		echo := hostileBytes + req.String() + hostileBytes
		body := echo + "\n" + echo
		fmt.Fprintf(c, "HTTP/1.1 503 %s\r\nX-Echo: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			echo, auth, len(body), body)
	})
}

// echoWS answers every upgrade with a line that is not HTTP, repeating the Authorization
// header after enough padding that a cut at 60 characters falls inside the token.
func echoWS(t *testing.T) string {
	return serveConns(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		auth := ""
		for {
			line, err := r.ReadString('\n')
			if k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ": "); ok && strings.EqualFold(k, "Authorization") {
				auth = v
			}
			if err != nil || line == "\r\n" {
				break
			}
		}
		fmt.Fprint(c, hostileBytes+"echo: "+strings.Repeat("x", 36)+auth+hostileBytes+"\r\n")
	})
}

// hostileConfig is a config whose every service fails with its secrets echoed back.
func hostileConfig(t *testing.T, db string) string {
	web := echoHTTP(t)
	ws := echoWS(t)
	ns := startDNS(t, kindsDNS(func(string) bool { return true }))
	return writeConfig(t, fmt.Sprintf(`
defaults: {interval: 5s, timeout: 2s, retry_interval: 1s, failure_threshold: 1}
history: {path: %q}
services:
  - name: Path token
    url: http://%s/${PATH_TOKEN}/health
  - name: Query token
    url: http://%s/health?token=${QUERY_TOKEN}
  - name: Userinfo
    url: http://admin:${USER_PASS}@%s/health
  - name: Header
    url: http://%s/health
    headers:
      Authorization: "Bearer ${HDR_TOKEN}"
      X-Short: abcd
  - name: Body contains
    url: http://%s/health
    expect: {status: [503], body_contains: "${WANT_TEXT}"}
  - name: Command
    command: [sh, -c, 'printf "%%s\033[31m\302\233x\n" "$0"; exit 3', "${CMD_TOKEN}"]
  - name: DNS
    url: dns://%s/${DNS_LABEL}.test?type=A
  - name: WebSocket
    url: ws://%s/feed
    headers: {Authorization: "Bearer ${WS_TOKEN}"}
`, db, web, web, web, web, web, ns, ws))
}

// runEnv runs the program in-process with env and the secrets.
func runEnv(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	home := t.TempDir()
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_STATE_HOME": filepath.Join(home, ".state")}
	for k, v := range hostileSecrets {
		env[k] = v
	}
	var out, errb bytes.Buffer
	code = run(args, &out, &errb, envFrom(env))
	return code, out.String(), errb.String()
}

// unsafeText says what in s could act on a terminal, or "": s is cut into lines and each is
// held to CleanText's promises, spaces apart (a table pads its columns).
func unsafeText(s string) string {
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if v := text.Violation(strings.Join(strings.Fields(line), " "), 0); v != "" {
			return fmt.Sprintf("%s in %q", v, line)
		}
	}
	return ""
}

// decodedStrings lists every string in a JSON document, decoded.
func decodedStrings(t *testing.T, doc string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("JSON %q: %v", doc, err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				out = append(out, k)
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// secretForms are the ways a secret may show: as it is or cut short, and as the Basic
// authorization the URL's user and password become.
func secretForms(name, v string) []string {
	// A cut secret shows its start: every secret here starts with 8 characters of its own.
	forms := []string{v[:8]}
	if name == "USER_PASS" {
		forms = append(forms, base64.StdEncoding.EncodeToString([]byte("admin:"+v)))
	}
	return forms
}

// checkOutput fails sub-tests of t, one per secret, if out shows it; and if out holds
// anything that could act on a terminal.
func checkOutput(t *testing.T, what string, out []string) {
	t.Helper()
	all := strings.Join(out, "\n")
	for name, v := range hostileSecrets {
		t.Run(what+"/"+name, func(t *testing.T) {
			for _, f := range secretForms(name, v) {
				if i := strings.Index(all, f); i >= 0 {
					t.Errorf("%s shows the secret %s: %q", what, name, all[max(i-60, 0):min(i+len(f)+20, len(all))])
				}
			}
		})
	}
	t.Run(what+"/escape-free", func(t *testing.T) {
		for _, s := range out {
			if v := unsafeText(s); v != "" {
				t.Errorf("%s: %s", what, v)
			}
		}
	})
}

// TestHostileEverywhere feeds secrets and hostile text through every kind that can echo them
// and reads every output: check's table and JSON, incidents' table and JSON, the history file
// (and its WAL) byte for byte, and validate's errors. No output may show a secret or a byte
// that could act on a terminal.
func TestHostileEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every kind against loopback servers")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	cfgPath := hostileConfig(t, db)

	code, table, stderr := runEnv(t, "check", "-c", cfgPath)
	if code != exitDown {
		t.Fatalf("check exit code = %d, want %d (stderr %q)\n%s", code, exitDown, stderr, table)
	}
	checkOutput(t, "check table", []string{table, stderr})

	code, doc, stderr := runEnv(t, "check", "-c", cfgPath, "--json")
	if code != exitDown {
		t.Fatalf("check --json exit code = %d, want %d (stderr %q)", code, exitDown, stderr)
	}
	checkOutput(t, "check json", append(decodedStrings(t, doc), stderr))

	// The live monitor without its screen: results and outages go to the history file.
	monitorUntilDown(t, cfgPath)
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(db + suffix)
		if err != nil && suffix == "" {
			t.Fatal(err)
		}
		// The file is binary; only secrets are looked for, and the texts are checked through
		// incidents below.
		checkSecretsOnly(t, "history file"+suffix, string(b))
	}

	// The monitor has stopped: its outage is left open, and unmonitored.
	code, inc, stderr := runEnv(t, "incidents", "-c", cfgPath)
	if code != exitOK || !strings.Contains(inc, "unmonitored") {
		t.Fatalf("incidents exit code = %d, want %d (stderr %q)\n%s", code, exitOK, stderr, inc)
	}
	checkOutput(t, "incidents table", []string{inc, stderr})
	code, incJSON, stderr := runEnv(t, "incidents", "-c", cfgPath, "--json")
	if code != exitOK {
		t.Fatalf("incidents --json exit code = %d, want %d (stderr %q)", code, exitOK, stderr)
	}
	checkOutput(t, "incidents json", append(decodedStrings(t, incJSON), stderr))

	bad := writeConfig(t, `
services:
  - name: a
    url: http://admin:${USER_PASS}/x@127.0.0.1/
  - name: "b\e[31m"
    url: https://127.0.0.1/
    interval: ${PATH_TOKEN}
  - name: c
    url: https://127.0.0.1/
    method: "GET ${QUERY_TOKEN}${QUERY_TOKEN}${QUERY_TOKEN}${QUERY_TOKEN}"
    expect:
      body_regex: "(\e]2;PWNED\a${WANT_TEXT}"
  - name: d
    url: dns:${DNS_LABEL}..test
    command: [echo, "${CMD_TOKEN}"]
  - name: e
    url: ws://127.0.0.1/?${WS_TOKEN}
    interval: ${HDR_TOKEN}
`)
	code, out, stderr := runEnv(t, "validate", "-c", bad)
	if code != exitUsage || stderr == "" {
		t.Fatalf("validate exit code = %d, want %d (stdout %q, stderr %q)", code, exitUsage, out, stderr)
	}
	validateOut := []string{out, stderr}
	for name, v := range hostileSecrets {
		t.Run("validate/"+name, func(t *testing.T) {
			if strings.Contains(stderr, v) || strings.Contains(stderr, v[:6]) {
				t.Errorf("validate shows the secret %s:\n%s", name, stderr)
			}
		})
	}
	t.Run("validate/escape-free", func(t *testing.T) {
		for _, s := range validateOut {
			if v := unsafeText(s); v != "" {
				t.Errorf("validate: %s", v)
			}
		}
	})
}

// checkSecretsOnly is checkOutput for bytes that are not text: secrets only.
func checkSecretsOnly(t *testing.T, what, out string) {
	t.Helper()
	for name, v := range hostileSecrets {
		t.Run(what+"/"+name, func(t *testing.T) {
			for _, f := range secretForms(name, v) {
				if strings.Contains(out, f) {
					t.Errorf("%s holds the secret %s", what, name)
				}
			}
		})
	}
}

// monitorUntilDown runs the monitor as the live command does, minus the screen, until every
// service is in an outage, and closes the history so that it is all written.
func monitorUntilDown(t *testing.T, cfgPath string) {
	t.Helper()
	env := envFrom(hostileSecrets)
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, cfgPath, env, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := history.OpenLive(cfg.History.Path, cfg.History.Retention, historyServices(cfg.Services), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := monitor.NewMonitor(targets, monitor.Options{
		Concurrency: cfg.Concurrency,
		Restore:     hist.Restore,
		OnResult:    hist.Record,
	})
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	down := map[string]bool{}
	for len(down) < len(cfg.Services) {
		changed, err := m.Next(ctx)
		if err != nil {
			t.Errorf("services in an outage after 30s: %d of %d", len(down), len(cfg.Services))
			break
		}
		for name, st := range changed {
			if _, open := st.OpenOutage(); open {
				down[name] = true
			}
		}
	}
	cancel()
	<-done
	if err := hist.Close(); err != nil {
		t.Fatal(err)
	}
}
