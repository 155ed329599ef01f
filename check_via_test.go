package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckSaysVia: `uptty check` names the dependency a failing service is DOWN because of,
// as the screen does (`DOWN (via Core router)`): it gave each failure alone, so a cron job's
// output read as two separate outages where one router was down.
func TestCheckSaysVia(t *testing.T) {
	refused := closedPort(t)
	path := filepath.Join(t.TempDir(), "uptty.yaml")
	cfg := `defaults: {failure_threshold: 1}
services:
  - name: Core router
    url: tcp://` + refused + `
  - name: Checkout API
    url: http://` + refused + `/health
    depends_on: [Core router]
  - name: Search
    url: http://` + refused + `/
history: {path: ""}
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"check", "--json", "-c", path}, &out, &errb, noEnv); code != exitDown {
		t.Fatalf("check exit %d, want %d (down); stderr: %s", code, exitDown, errb.String())
	}
	var doc struct {
		Services []struct{ Name, State, Error string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	want := map[string]string{"Core router": "connection refused", "Checkout API": "(via Core router) connection refused",
		"Search": "connection refused"}
	for _, s := range doc.Services {
		if s.State != "down" || s.Error != want[s.Name] {
			t.Errorf("%s: state %q error %q, want down and %q", s.Name, s.State, s.Error, want[s.Name])
		}
	}
	out.Reset()
	if code := run([]string{"check", "-c", path}, &out, &errb, noEnv); code != exitDown {
		t.Fatalf("check (table) exit %d, want %d", code, exitDown)
	}
	if !bytes.Contains(out.Bytes(), []byte("(via Core router) connection refused")) {
		t.Errorf("the table does not name the dependency:\n%s", out.String())
	}
}
