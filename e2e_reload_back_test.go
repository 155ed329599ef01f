package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeReloadRemoveAndBringBack: an acknowledged service removed by a reload during its
// outage has that outage unmonitored, its duration stopped where it was removed; brought back
// by the next reload (a block deleted, saved, undone, saved) it keeps its ack, and can be
// acknowledged again: the alert engine resumes its outage as a restart does. Before, the
// duration grew with the clock, and the engine took the service back for one that never
// failed: the status showed no ack and POST .../ack answered 409 "no outage going on" while
// it was DOWN.
func TestServeReloadRemoveAndBringBack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	dir := t.TempDir()
	head := fmt.Sprintf("history: {path: %s}\ndefaults: {interval: 1s, timeout: 1s, retry_interval: 100ms, failure_threshold: 1}\n"+
		"services:\n  - {name: Search, url: %q}\n", filepath.Join(dir, "history.db"), down.URL+"/search")
	both := head + fmt.Sprintf("  - {name: Checkout, url: %q}\n", down.URL+"/checkout")
	cfg := writeConfig(t, both)
	logs := startServeLogs(t, bin, cfg, "127.0.0.1:0").logs
	base := "http://" + logs.waitFor(t, "the start", msgIs("serving"))["listen"].(string)
	logs.waitFor(t, "Checkout DOWN", func(m map[string]any) bool {
		return m["msg"] == "state changed" && m["service"] == "Checkout" && m["to"] == "DOWN"
	})
	ack := func(by string) (int, string) {
		t.Helper()
		resp, err := http.Post(base+"/api/v1/services/Checkout/ack", "application/json", strings.NewReader(`{"by": "`+by+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := ack("alice"); code != http.StatusOK {
		t.Fatalf("ack before the reloads = %d %s, want 200", code, body)
	}

	replaceFile(t, cfg, head)
	logs.waitFor(t, "the reload that removes Checkout", func(m map[string]any) bool { return m["msg"] == "reloaded" && m["removed"] == 1.0 })
	// Removed, its outage is unmonitored: its duration stops where it was removed, rather than
	// growing with the clock (read again two seconds on: a wait for the clock, not a condition).
	removed := func() (durationS float64) {
		t.Helper()
		var doc struct{ Incidents []map[string]any }
		getJSON(t, base+"/api/v1/incidents?service=Checkout", &doc)
		if len(doc.Incidents) != 1 || doc.Incidents[0]["unmonitored"] != true || doc.Incidents[0]["end"] != nil {
			t.Fatalf("Checkout's incidents once removed = %v, want one, open and unmonitored", doc.Incidents)
		}
		return doc.Incidents[0]["duration_s"].(float64)
	}
	first := removed()
	<-time.After(2100 * time.Millisecond)
	if later := removed(); later != first {
		t.Errorf("an unmonitored outage's duration_s went from %v to %v: it grows with the clock", first, later)
	}
	replaceFile(t, cfg, both)
	logs.waitFor(t, "the reload that brings it back", func(m map[string]any) bool { return m["msg"] == "reloaded" && m["added"] == 1.0 })

	var status struct {
		Services []struct {
			Name   string
			State  string
			Outage *struct{ Ack *struct{ By string } }
		}
	}
	getJSON(t, base+"/api/v1/status", &status)
	found := false
	for _, s := range status.Services {
		if s.Name != "Checkout" {
			continue
		}
		found = true
		if s.State != "down" || s.Outage == nil || s.Outage.Ack == nil || s.Outage.Ack.By != "alice" {
			t.Errorf("Checkout brought back: %+v, want DOWN with alice's ack", s)
		}
	}
	if !found {
		t.Fatalf("Checkout is not in the status after it was brought back: %+v", status)
	}
	if code, body := ack("bob"); code != http.StatusOK {
		t.Errorf("ack after it was brought back = %d %s, want 200", code, body)
	}
}
