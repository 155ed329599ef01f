package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
)

// TestSetServices: after a reload the status lists the new services, a removed one is unknown
// to every endpoint (a new one known to all, silences too), and each stream gets a fresh
// snapshot with the new list.
func TestSetServices(t *testing.T) {
	up := newTarget(t)
	f := start(t, "services:\n  - {name: api, url: \""+up.URL+"\"}\n  - {name: old, url: \""+up.URL+"\"}\n", nil)
	s := f.until(t, "up", "api", "old")

	cfg, err := config.Parse([]byte("services:\n  - {name: api, url: \""+up.URL+"\"}\n  - {name: new, url: \""+up.URL+"\"}\n"),
		"test.yaml", func(string) (string, bool) { return "", false }, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	targets := make([]monitor.Target, len(cfg.Services))
	for i, svc := range cfg.Services {
		c, err := probe.New(svc)
		if err != nil {
			t.Fatal(err)
		}
		targets[i] = monitor.Target{Service: svc, Checker: c}
	}
	<-f.srv.opts.Monitor.Reconfigure(targets)
	f.srv.SetServices(cfg.Services)

	snap := s.next("a snapshot after the reload", func(ev event) bool { return ev.Name == "snapshot" })
	if !strings.Contains(snap.Data, `"name":"new"`) || strings.Contains(snap.Data, `"name":"old"`) {
		t.Errorf("snapshot after the reload = %s, want api and new only", snap.Data)
	}
	if code, body := f.do(t, "GET", "/api/v1/status", ""); code != 200 || !strings.Contains(body, `"name":"new"`) || strings.Contains(body, `"name":"old"`) {
		t.Errorf("GET /api/v1/status = %d %s, want api and new only", code, body)
	}
	if code, _ := f.do(t, "POST", "/api/v1/services/old/pause", ""); code != 404 {
		t.Errorf("POST pause of a removed service = %d, want 404", code)
	}
	if code, _ := f.do(t, "POST", "/api/v1/services/new/pause", ""); code != 202 {
		t.Errorf("POST pause of a new service = %d, want 202", code)
	}
	// A silence names the service by the new list's index, not the first config's.
	if code, body := f.doBody(t, "POST", "/api/v1/services/new/silence", "", `{"for": "1h"}`); code != 200 || !strings.Contains(body, `"service":"new"`) {
		t.Errorf("POST silence of a new service = %d %s, want 200 for new", code, body)
	}
}

// TestReloaded: a reload's outcome reaches every stream as a `reload` event (its error on one
// line, none on a good one) and every watch once, even a stream that waits for a snapshot; the
// status document keeps the last one, and a watch or stream opened while an error stands is
// told of it.
func TestReloaded(t *testing.T) {
	up := newTarget(t)
	f := start(t, "services:\n  - {name: api, url: \""+up.URL+"\"}\n", nil)
	s := f.until(t, "up", "api")
	w := f.srv.Watch()
	defer w.Close()
	if code, body := f.do(t, "GET", "/api/v1/status", ""); code != 200 || strings.Contains(body, `"reload"`) {
		t.Errorf("GET /api/v1/status before any reload = %d %s, want no reload", code, body)
	}
	reloadIs := func(wantErr string) func(event) bool {
		return func(ev event) bool {
			var d struct{ At, Error string }
			return ev.Name == "reload" && json.Unmarshal([]byte(ev.Data), &d) == nil && d.At != "" && d.Error == wantErr
		}
	}

	failed := time.Now()
	const why = "test.yaml:3:5: services[0].interval: bad duration\ntest.yaml:4:1: another"
	const oneLine = "test.yaml:3:5: services[0].interval: bad duration; test.yaml:4:1: another"
	f.srv.Reloaded(failed, errors.New(why))
	s.next("the failed reload's event", reloadIs(oneLine))
	nextReload(t, w, failed, oneLine)
	if code, body := f.do(t, "GET", "/api/v1/status", ""); code != 200 || !strings.Contains(body, `"reload":{"at":"`) ||
		!strings.Contains(body, `"error":"`+oneLine+`"`) {
		t.Errorf("GET /api/v1/status after a failed reload = %d %s, want it with its error", code, body)
	}
	// Opened while the error stands: the snapshot carries it, and a watch is told of it.
	later := f.openStream(t, "")
	snap := later.next("the first snapshot", func(ev event) bool { return ev.Name == "snapshot" })
	if !strings.Contains(snap.Data, `"error":"`+oneLine+`"`) {
		t.Errorf("first snapshot while a reload error stands = %s, want the error", snap.Data)
	}
	w2 := f.srv.Watch()
	defer w2.Close()
	nextReload(t, w2, failed, oneLine)

	// A good reload: the list is set (every stream then waits for a snapshot), then its
	// outcome, which no snapshot swallows.
	f.srv.SetServices(f.cfg.Services)
	good := time.Now()
	f.srv.Reloaded(good, nil)
	s.next("the good reload's event", reloadIs(""))
	later.next("the good reload's event", reloadIs(""))
	nextReload(t, w, good, "")
	if _, body := f.do(t, "GET", "/api/v1/status", ""); strings.Contains(body, `"error":"test.yaml`) {
		t.Errorf("GET /api/v1/status after a good reload still has the old error: %s", body)
	}
	// Nothing stands now: a new watch has nothing to say of reloads.
	w3 := f.srv.Watch()
	defer w3.Close()
	if at, err := w3.Reload(); !at.IsZero() || err != nil {
		t.Errorf("a new watch after a good reload is told %v %v, want nothing", at, err)
	}
}

// nextReload waits for w's Next to return and its Reload to say at and wantErr ("" for none).
func nextReload(t *testing.T, w *Watch, at time.Time, wantErr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		if _, err := w.Next(ctx); err != nil {
			t.Fatalf("Next waiting for a reload's note = %v", err)
		}
		got, err := w.Reload()
		if got.IsZero() {
			continue // a batch of statuses
		}
		if msg := fmt.Sprint(err); !got.Equal(at) || (wantErr == "") != (err == nil) || (err != nil && msg != wantErr) {
			t.Fatalf("Reload = %v %v, want %v %q", got, err, at, wantErr)
		}
		if again, _ := w.Reload(); !again.IsZero() {
			t.Errorf("Reload a second time = %v, want nothing new", again)
		}
		return
	}
}
