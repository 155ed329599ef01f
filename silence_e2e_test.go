package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// waitSilenced waits until the running monitor's engine sees the service named name silenced
// (or, with want false, not silenced), read by its poller from the history file.
func (l *live) waitSilenced(t testing.TB, name string, want bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if got := !l.alerts.engine.Mark(name).SilencedUntil.IsZero(); got == want {
			return
		}
		select {
		case <-l.alerts.silences.polled:
		case <-deadline:
			t.Fatalf("%s silenced = %v, want %v within 10s", name, !want, want)
		}
	}
}

// TestSilenceEndToEnd: `uptty silence` in another shell reaches a running monitor, which then
// sends no alert for the service's outage and stores it marked maintenance; the silence is
// listed, survives a restart, and `uptty unsilence` ends it, after which an outage alerts.
func TestSilenceEndToEnd(t *testing.T) {
	srv, healthy := target(t)
	recv := newReceiver(t, 0)
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, fmt.Sprintf("  - {name: api, group: pay, url: %q}\n", srv.URL))
	hooks := []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: recv.srv.URL}}
	l := startLive(t, path, hooks, nil)
	l.waitState(t, "api", track.Up, 10*time.Second)

	var out, errb bytes.Buffer
	if code := run([]string{"silence", "api", "1h", "--reason", "deploy", "-c", path}, &out, &errb, noEnv); code != exitOK ||
		!strings.HasPrefix(out.String(), "silenced api until ") || !strings.HasSuffix(out.String(), " (1h00m)\n") {
		t.Fatalf("uptty silence api 1h = %d, %q, %q; want 0, \"silenced api until HH:MM (1h00m)\"", code, out.String(), errb.String())
	}
	l.waitSilenced(t, "api", true)
	healthy.Store(false)
	l.waitState(t, "api", track.Down, 10*time.Second)
	healthy.Store(true)
	l.waitState(t, "api", track.Up, 10*time.Second)
	l.stop(t)
	select {
	case p := <-recv.got:
		t.Errorf("receiver got %+v while api was silenced, want nothing", p)
	default:
	}
	out.Reset()
	if code := run([]string{"incidents", "--json", "-c", path}, &out, &errb, noEnv); code != exitOK ||
		!strings.Contains(out.String(), `"maintenance": true`) {
		t.Errorf("incidents --json = %d, %s; want the silenced outage marked maintenance", code, out.String())
	}
	out.Reset()
	if code := run([]string{"silence", "--list", "--json", "-c", path}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("silence --list --json = %d, %s", code, errb.String())
	}
	var doc struct {
		Silences []struct{ Kind, Name, Reason string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || fmt.Sprint(doc.Silences) != "[{service api deploy}]" {
		t.Errorf("silence --list --json = %s (%v), want api's silence", out.String(), err)
	}

	// A restart keeps it, from the first check on.
	l = startLive(t, path, hooks, nil)
	if m := l.alerts.engine.Mark("api"); m.SilencedUntil.IsZero() || m.Reason != "deploy" {
		t.Errorf("Mark(api) after a restart = %+v, want silenced for deploy", m)
	}
	l.waitState(t, "api", track.Up, 10*time.Second)
	out.Reset()
	if code := run([]string{"unsilence", "api", "-c", path}, &out, &errb, noEnv); code != exitOK || out.String() != "unsilenced api\n" {
		t.Fatalf("uptty unsilence api = %d, %q, %q", code, out.String(), errb.String())
	}
	l.waitSilenced(t, "api", false)
	healthy.Store(false)
	if p := recv.next(t, "down alert after unsilence", 10*time.Second); p.Event != "down" || p.Service != "api" {
		t.Errorf("after unsilence the receiver got %+v, want api's down", p)
	}
	healthy.Store(true)
	recv.next(t, "up alert", 10*time.Second)
	l.waitState(t, "api", track.Up, 10*time.Second)
	l.stop(t)
}

// TestSilenceCommand: the command's mistakes, each said and exit 2.
func TestSilenceCommand(t *testing.T) {
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, "  - {name: api, group: pay, url: \"http://127.0.0.1:1\"}\n")
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"silence", "--list", "-c", path}, exitOK, "no silences\n", ""},
		{[]string{"silence", "--list", "--json", "-c", path}, exitOK, "{\n  \"silences\": []\n}\n", ""},
		{[]string{"silence", "nope", "1h", "-c", path}, exitUsage, "", `has no service named "nope"`},
		{[]string{"silence", "apy", "1h", "-c", path}, exitUsage, "", `has no service named "apy"; did you mean "api"?`},
		{[]string{"silence", "API", "1h", "-c", path}, exitUsage, "", `did you mean "api"?`},
		{[]string{"silence", "pya", "1h", "--group", "-c", path}, exitUsage, "", `has no group named "pya"; did you mean "pay"?`},
		{[]string{"silence", "pay", "1h", "-c", path}, exitUsage, "", "but a group: add --group"},
		{[]string{"silence", "api", "1h", "--group", "-c", path}, exitUsage, "", "but a service: drop --group"},
		{[]string{"unsilence", "api", "-c", path}, exitOK, "api was not silenced\n", ""},
		{[]string{"silence", "pay", "2h", "--group", "-c", path}, exitOK, "", ""},
		{[]string{"unsilence", "pay", "-c", path}, exitOK, "unsilenced pay\n", ""},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb, noEnv)
		if code != tt.code || tt.out != "" && out.String() != tt.out || !strings.Contains(errb.String(), tt.err) {
			t.Errorf("run(%q) = %d, %q, %q; want %d, %q, stderr with %q", tt.args, code, out.String(), errb.String(), tt.code, tt.out, tt.err)
		}
	}
}

// TestCheckJSONMarks: `uptty check --json` marks a service in a maintenance window and one
// silenced in the history file, and no other.
func TestCheckJSONMarks(t *testing.T) {
	srv, _ := target(t)
	dir := t.TempDir()
	now := time.Now()
	path := writeAlertsConfig(t, dir, fmt.Sprintf("  - {name: api, url: %q}\n  - {name: web, url: %q}\n  - {name: db, url: %q}\nmaintenance:\n  - {name: deploy, services: [web], start: %q, end: %q}\n",
		srv.URL, srv.URL, srv.URL, now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)))
	var out, errb bytes.Buffer
	if code := run([]string{"silence", "api", "2h", "-c", path}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("silence = %d %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"check", "--json", "-c", path}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("check --json = %d %s", code, errb.String())
	}
	var doc struct {
		Services []map[string]any
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Services {
		_, silenced := s["silenced_until"]
		_, maint := s["maintenance"]
		want := map[string][2]bool{"api": {true, false}, "web": {false, true}, "db": {false, false}}[s["name"].(string)]
		if silenced != want[0] || maint != want[1] || maint && s["maintenance"] != true {
			t.Errorf("check --json service %v: silenced_until %v, maintenance %v; want %v", s, silenced, maint, want)
		}
	}
}

// TestViaAcrossRestart: a dependent DOWN because of its dependency is still DOWN (via it)
// after a restart, and its recovery sends nothing, while the dependency's does.
func TestViaAcrossRestart(t *testing.T) {
	core, coreOK := target(t)
	web, webOK := target(t)
	recv := newReceiver(t, 0)
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, fmt.Sprintf("  - {name: core, url: %q, failure_threshold: 1}\n  - {name: web, url: %q, failure_threshold: 3}\n", core.URL, web.URL))
	hooks := []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: recv.srv.URL}}
	deps := func(cfg *config.Config) { cfg.Services[1].DependsOn = []string{"core"} }
	l := startLive(t, path, hooks, deps)
	l.waitState(t, "core", track.Up, 10*time.Second)
	l.waitState(t, "web", track.Up, 10*time.Second)
	coreOK.Store(false)
	if p := recv.next(t, "core's down", 10*time.Second); p.Service != "core" || p.Event != "down" {
		t.Fatalf("receiver got %+v, want core's down", p)
	}
	webOK.Store(false)
	l.waitState(t, "web", track.Down, 10*time.Second)
	if via := l.alerts.engine.Via("web"); via != "core" {
		t.Fatalf("Via(web) = %q, want core", via)
	}
	l.waitSent(t, 1)
	l.stop(t)

	l = startLive(t, path, hooks, deps)
	if via := l.alerts.engine.Via("web"); via != "core" {
		t.Errorf("Via(web) after a restart = %q, want core", via)
	}
	webOK.Store(true)
	l.waitState(t, "web", track.Up, 10*time.Second)
	coreOK.Store(true)
	if p := recv.next(t, "core's up", 10*time.Second); p.Service != "core" || p.Event != "up" {
		t.Errorf("receiver got %+v, want core's up", p)
	}
	l.waitSent(t, 1)
	l.stop(t)
	select {
	case p := <-recv.got:
		t.Errorf("receiver got one more: %+v (web's outage was core's)", p)
	default:
	}
}
