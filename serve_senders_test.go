package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeReloadSenders: a reload says what it cannot apply to the alert senders once, not at
// every reload after it; and a sender renamed in the config (same settings, the services'
// alerts: lists updated) goes on paging them, under its old name until a restart, instead of
// leaving them without any alert.
func TestServeReloadSenders(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	recv := newReceiver(t, 0)
	up, healthy := target(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "uptty.yaml")
	retention := "90d"
	write := func(senders, alerts, comment string) {
		t.Helper()
		body := fmt.Sprintf(`# %s
history: {path: %s, retention: `+retention+`}
defaults: {interval: 1s, timeout: 1s, failure_threshold: 1}
alerts:
%s
services:
  - {name: api, url: "%s", alerts: [%s]}
`, comment, filepath.Join(dir, "history.db"), senders, up.URL, alerts)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	team := fmt.Sprintf(`  - {name: team, type: webhook, url: "%s/hook"}`, recv.srv.URL)
	ops := `  - {name: ops, type: webhook, url: "http://127.0.0.1:9/ops"}`
	write(team, "team", "v1")
	srv := startServeLogs(t, bin, path, "127.0.0.1:0")
	srv.logs.waitFor(t, "api UP", func(m map[string]any) bool { return m["msg"] == "state changed" && m["to"] == "UP" })
	reloads := 0
	reload := func(senders, alerts, comment string) {
		t.Helper()
		write(senders, alerts, comment)
		reloads++
		n := 0
		srv.logs.waitFor(t, fmt.Sprintf("reload %d", reloads), func(m map[string]any) bool {
			if m["msg"] == "reloaded" || strings.HasPrefix(fmt.Sprint(m["msg"]), "reload failed") {
				n++
			}
			return n == reloads
		})
	}
	count := func(msg string) int {
		srv.logs.mu.Lock()
		defer srv.logs.mu.Unlock()
		n := 0
		for _, m := range srv.logs.lines {
			if m["msg"] == msg {
				n++
			}
		}
		return n
	}
	reload(team+"\n"+ops, "team", "v2: ops added")
	reload(team+"\n"+ops, "team", "v2 again: nothing changed")
	if n := count("alert sender added: it is used after a restart"); n != 1 {
		t.Errorf("ops's wait for a restart was logged %d times, want once; logs:\n%s", n, srv.logs)
	}

	pager := strings.Replace(team, "name: team", "name: pager", 1)
	reload(pager+"\n"+ops, "pager", "v3: team renamed pager")
	m := srv.logs.waitFor(t, "the rename", func(m map[string]any) bool { return strings.HasPrefix(fmt.Sprint(m["msg"]), "alert sender renamed") })
	if m["sender"] != "pager" || m["was"] != "team" {
		t.Errorf("the rename logged %v, want sender pager, was team", m)
	}
	if n := count("alert sender added: it is used after a restart"); n != 1 {
		t.Errorf("after the rename, a sender's wait for a restart was logged %d times, want once (ops's); logs:\n%s", n, srv.logs)
	}
	// Its deliveries are counted under the name the config gives it from the reload on: a
	// dashboard must not go on showing a sender the config no longer has.
	listen := fmt.Sprint(srv.logs.waitFor(t, "the start", msgIs("serving"))["listen"])
	page := scrapeMetrics(t, listen)
	if !strings.Contains(page, `uptty_alert_deliveries_total{sender="pager",result="sent"} 0`) ||
		strings.Contains(page, `sender="team"`) {
		t.Errorf("/metrics after team was renamed pager, want pager's series and none of team's:\n%s",
			grepLines(page, "uptty_alert_deliveries_total"))
	}
	// The rename is no change that waits for a restart; a new retention is, said once.
	retention = "30d"
	reload(pager+"\n"+ops, "pager", "v4: a shorter retention")
	reload(pager+"\n"+ops, "pager", "v4 again")
	srv.logs.mu.Lock()
	var restart []string
	for _, m := range srv.logs.lines {
		if m["msg"] == "changed settings apply after a restart" {
			restart = append(restart, fmt.Sprint(m["keys"]))
		}
	}
	srv.logs.mu.Unlock()
	if strings.Join(restart, " ") != "history" {
		t.Errorf("changed settings logged with keys %q, want history once; logs:\n%s", restart, srv.logs)
	}
	healthy.Store(false)
	if p := recv.next(t, "api's down alert through the renamed sender", 20*time.Second); p.Service != "api" || p.Event != "down" {
		t.Errorf("received %+v, want api's down alert", p)
	}

	// Renamed and moved at once, it is a new sender, used after a restart: the services left
	// with no sender until then are named, once.
	moved := fmt.Sprintf(`  - {name: page2, type: webhook, url: "%s/moved"}`, recv.srv.URL)
	reload(moved+"\n"+ops, "page2", "v5: renamed and moved")
	reload(moved+"\n"+ops, "page2", "v5 again")
	m = srv.logs.waitFor(t, "the services without alerts", func(m map[string]any) bool {
		return strings.HasPrefix(fmt.Sprint(m["msg"]), "services without an alert sender until a restart")
	})
	if m["services"] != "api" || m["level"] != "WARN" {
		t.Errorf("logged %v, want WARN naming api", m)
	}
	if n := count(fmt.Sprint(m["msg"])); n != 1 {
		t.Errorf("the services without alerts were logged %d times, want once", n)
	}
}

// TestRenamedSenderAcrossRestart: a sender renamed while its receiver was refusing a down alert
// keeps it: after a restart, which knows only the new name, the alert is sent again under its
// id through it, and the outage's recovery follows it there; the outbox lists them under the
// name the config has. Before, the restart gave the pending alert up ("sender no longer in the
// config") and, not finding the down sent to the new name, sent no recovery either.
func TestRenamedSenderAcrossRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	recv := newReceiver(t, 1_000_000)
	up, healthy := target(t)
	dir := t.TempDir()
	path, write := oneSenderConfig(t, dir, recv.srv.URL, up.URL)
	write("team")
	srv := startServeLogs(t, bin, path, "127.0.0.1:0")
	srv.logs.waitFor(t, "api UP", func(m map[string]any) bool { return m["msg"] == "state changed" && m["to"] == "UP" })
	healthy.Store(false)
	down := recv.next(t, "the down alert, refused", 20*time.Second)
	write("pager")
	srv.logs.waitFor(t, "the rename", func(m map[string]any) bool { return strings.HasPrefix(fmt.Sprint(m["msg"]), "alert sender renamed") })
	if code := srv.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("serve exited %d on SIGTERM", code)
	}

	recv.fail.Store(0)
	srv = startServeLogs(t, bin, path, "127.0.0.1:0")
	for {
		p := recv.next(t, "the down alert again, through pager", 20*time.Second)
		if p.Status == http.StatusOK {
			if p.ID != down.ID || p.Event != "down" {
				t.Fatalf("received %+v after the restart, want the down alert %s again", p, down.ID)
			}
			break
		}
	}
	healthy.Store(true)
	if p := recv.next(t, "the recovery, through pager", 20*time.Second); p.Event != "up" || p.Service != "api" {
		t.Fatalf("received %+v, want api's recovery", p)
	}
	srv.stop(syscall.SIGTERM)
	var out, errb bytes.Buffer
	if code := run([]string{"alerts", "--json", "-c", path}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty alerts = %d, %s", code, errb.String())
	}
	var doc struct {
		Alerts []struct{ Event, Sender, State string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(doc.Alerts); got != "[{up pager sent} {down pager sent}]" {
		t.Errorf("uptty alerts = %s, want the down and the up sent by pager", got)
	}
}

// TestRenamedSenderWhileStopped: a sender renamed in the config when no uptty had renamed its
// outbox rows (uptty stopped while the file was edited, or killed right after the reload that
// renamed it, before the rename was committed) keeps its pending alert: the restart knows the
// old name from history, with how it delivered, sends the alert again under its id through the
// new name, once, and the recovery after it. Before, the restart gave the alert up ("sender no
// longer in the config").
func TestRenamedSenderWhileStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	tests := []struct {
		name string
		// rename renames team pager in the config written by write, and kills srv.
		rename func(t *testing.T, srv served, write func(string))
		// logged says the restart must find the rename (the killed one may have committed it).
		logged bool
	}{
		{"edited while stopped", func(t *testing.T, srv served, write func(string)) {
			srv.kill()
			write("pager")
		}, true},
		{"killed right after the reload", func(t *testing.T, srv served, write func(string)) {
			write("pager")
			srv.logs.waitFor(t, "the rename", func(m map[string]any) bool { return strings.HasPrefix(fmt.Sprint(m["msg"]), "alert sender renamed") })
			srv.kill()
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recv := newReceiver(t, 1_000_000)
			up, healthy := target(t)
			dir := t.TempDir()
			path, write := oneSenderConfig(t, dir, recv.srv.URL, up.URL)
			write("team")
			srv := startServeLogs(t, bin, path, "127.0.0.1:0")
			srv.logs.waitFor(t, "api UP", func(m map[string]any) bool { return m["msg"] == "state changed" && m["to"] == "UP" })
			healthy.Store(false)
			down := recv.next(t, "the down alert, refused", 20*time.Second)
			// Renamed once the refused attempt is committed: what is not committed is no page
			// to keep.
			waitOutbox(t, path, "[{down team failed}]")
			tc.rename(t, srv, write)

			recv.fail.Store(0)
			srv = startServeLogs(t, bin, path, "127.0.0.1:0")
			if tc.logged {
				if m := srv.logs.waitFor(t, "the rename at the start", func(m map[string]any) bool {
					return strings.HasPrefix(fmt.Sprint(m["msg"]), "alert sender renamed since the last run")
				}); m["sender"] != "pager" || m["was"] != "team" {
					t.Errorf("the rename logged %v, want sender pager, was team", m)
				}
			}
			for {
				p := recv.next(t, "the down alert again, through pager", 20*time.Second)
				if p.Status == http.StatusOK {
					if p.ID != down.ID || p.Event != "down" {
						t.Fatalf("received %+v after the restart, want the down alert %s again", p, down.ID)
					}
					break
				}
			}
			healthy.Store(true)
			if p := recv.next(t, "the recovery, through pager", 20*time.Second); p.Event != "up" || p.Service != "api" {
				t.Fatalf("received %+v, want api's recovery", p)
			}
			srv.stop(syscall.SIGTERM)
			if got := outboxList(t, path); got != "[{up pager sent} {down pager sent}]" {
				t.Errorf("uptty alerts = %s, want the down and the up sent by pager", got)
			}
			select {
			case p := <-recv.got:
				t.Errorf("received %+v after the recovery, want nothing more (no page twice)", p)
			default:
			}
		})
	}
}

// outboxList is what `uptty alerts --json` lists of the history of the config at path: event,
// sender and state of each alert, newest first.
func outboxList(t *testing.T, path string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"alerts", "--json", "-c", path}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty alerts = %d, %s", code, errb.String())
	}
	var doc struct {
		Alerts []struct{ Event, Sender, State string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(doc.Alerts)
}

// waitOutbox waits, at most 10s, for outboxList to be want: a running uptty commits its
// outcomes within a second or so.
func waitOutbox(t *testing.T, path, want string) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		got := outboxList(t, path)
		if got == want {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("uptty alerts = %s after 10s, want %s", got, want)
		}
	}
}

// TestServeLogsSilences: a silence set from another shell (`uptty silence`) and its end are said
// in serve's log, so that whoever reads it knows why an outage paged nobody, and from when it
// pages again; the first read of the silences at the start says those in force too.
func TestServeLogsSilences(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf(`history: {path: %s}
defaults: {interval: 1s, timeout: 1s}
services:
  - {name: api, group: web, url: "tcp://%s"}
`, filepath.Join(dir, "history.db"), reloadClosed(t)))
	srv := startServeLogs(t, bin, cfg, "127.0.0.1:0")
	var out, errb bytes.Buffer
	if code := run([]string{"silence", "-c", cfg, "--group", "web", "1h", "--reason", "deploy"}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty silence = %d, %s", code, errb.String())
	}
	m := srv.logs.waitFor(t, "the silence", msgIs("silence in force"))
	if m["group"] != "web" || m["reason"] != "deploy" || m["until"] == nil {
		t.Errorf("logged %v, want group web, reason deploy, until", m)
	}
	if code := run([]string{"unsilence", "-c", cfg, "web"}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty unsilence = %d, %s", code, errb.String())
	}
	if m := srv.logs.waitFor(t, "its end", msgIs("silence over")); m["group"] != "web" {
		t.Errorf("logged %v, want group web", m)
	}
}

// scrapeMetrics is the page GET /metrics of the server at listen answers.
func scrapeMetrics(t *testing.T, listen string) string {
	t.Helper()
	resp, err := http.Get("http://" + listen + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(page)
}

// grepLines is the lines of page that contain s.
func grepLines(page, s string) string {
	var out []string
	for _, l := range strings.Split(page, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// oneSenderConfig is the path of a config in dir, and what writes it with one service, api at
// target, alerting one webhook sender of the name given, at hook: the renames' tests write it
// again under another name.
func oneSenderConfig(t *testing.T, dir, hook, target string) (string, func(sender string)) {
	path := filepath.Join(dir, "uptty.yaml")
	return path, func(sender string) {
		t.Helper()
		body := fmt.Sprintf(`history: {path: %s}
defaults: {interval: 1s, timeout: 1s, failure_threshold: 1}
alerts:
  - {name: %s, type: webhook, url: "%s/hook"}
services:
  - {name: api, url: "%s", alerts: [%s]}
`, filepath.Join(dir, "history.db"), sender, hook, target, sender)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
