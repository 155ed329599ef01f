package serve

import (
	"strings"
	"testing"

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
