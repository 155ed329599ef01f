package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
)

// seedOutages writes outages into a new history file at path, their times relative to now.
func seedOutages(t *testing.T, path string, now time.Time) {
	t.Helper()
	s, err := history.Open(path, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	outage := func(service, group string, start, end time.Duration, cause string) {
		o := track.Outage{Start: now.Add(-start), Cause: cause}
		s.RecordEvent(service, group, track.Event{Kind: track.OutageStarted, At: o.Start, Outage: o})
		if end > 0 {
			o.End = now.Add(-end)
			s.RecordEvent(service, group, track.Event{Kind: track.OutageEnded, At: o.End, Outage: o})
		}
	}
	outage("Search", "web", 10*24*time.Hour, 10*24*time.Hour-5*time.Minute, "connection refused")
	outage("Checkout API", "payments", 3*time.Hour, 2*time.Hour, "status 503, want 200-399")
	outage("Search", "web", 30*time.Minute, 0, "timeout after 3s")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// incidentJSON is one incident as `uptty incidents --json` writes it; pointers tell null and
// missing keys from zero values.
type incidentJSON struct {
	Service   *string `json:"service"`
	Group     *string `json:"group"`
	Start     *string `json:"start"`
	End       *string `json:"end"`
	DurationS *int64  `json:"duration_s"`
	Cause     *string `json:"cause"`
}

// summary writes an incident as "service group start-end duration", times as hours before now.
func (in incidentJSON) summary(t *testing.T, now time.Time) string {
	t.Helper()
	if in.Service == nil || in.Group == nil || in.Start == nil || in.DurationS == nil || in.Cause == nil {
		t.Fatalf("incident %+v lacks a key", in)
	}
	ago := func(s string) string {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("time %q is not RFC 3339: %v", s, err)
		}
		if _, off := at.Zone(); off != histOffset(at) {
			t.Errorf("time %q is not in the local zone", s)
		}
		return now.Sub(at).String()
	}
	end := "open"
	if in.End != nil {
		end = ago(*in.End)
	}
	d := fmt.Sprint(*in.DurationS)
	if in.End == nil {
		// An open outage lasts until the command ran: a little after now.
		d = fmt.Sprint(*in.DurationS >= 1800 && *in.DurationS < 1800+60)
	}
	return fmt.Sprintf("%s %s %s-%s %s %s", *in.Service, *in.Group, ago(*in.Start), end, d, *in.Cause)
}

func histOffset(t time.Time) int {
	_, off := t.In(time.Local).Zone()
	return off
}

func TestIncidents(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	seedOutages(t, db, now)
	// An uptty runs on it, so its open outage is ongoing (with none running, it is unmonitored:
	// TestIncidentsAfterTheStop).
	live, err := history.Open(db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	foreign := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(foreign, []byte("these are my notes, not a database\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFor := func(path string) string {
		return writeConfig(t, fmt.Sprintf(`
history: {path: %q}
services:
  - {name: Checkout API, group: payments, url: "http://127.0.0.1:9/"}
  - {name: Search, group: web, url: "http://127.0.0.1:9/"}
`, path))
	}
	cfg, missing, memory, bad := cfgFor(db), cfgFor(filepath.Join(dir, "none", "history.db")), cfgFor(""), cfgFor(foreign)
	// Search was removed from this one: nothing will end its open outage.
	withoutSearch := writeConfig(t, fmt.Sprintf("history: {path: %q}\nservices:\n  - {name: Checkout API, url: \"http://127.0.0.1:9/\"}\n", db))

	const (
		open     = "Search web 30m0s-open true timeout after 3s"
		checkout = "Checkout API payments 3h0m0s-2h0m0s 3600 status 503, want 200-399"
		old      = "Search web 240h0m0s-239h55m0s 300 connection refused"
	)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // JSON incidents as summaries, newest first
		wantOut  string   // for a table
		wantErr  string
	}{
		{name: "default 7d", args: []string{"incidents", "-c", cfg, "--json"}, want: []string{open, checkout}},
		{name: "all", args: []string{"incidents", "--since", "0", "-c", cfg, "--json"}, want: []string{open, checkout, old}},
		{name: "since 1h", args: []string{"incidents", "-c", cfg, "--since", "1h", "--json"}, want: []string{open}},
		{name: "service", args: []string{"incidents", "-c", cfg, "--since", "30d", "--service", "Search", "--json"}, want: []string{open, old}},
		// Said on stderr, and beside the list for a script that reads stdout only.
		{name: "unknown service", args: []string{"incidents", "-c", cfg, "--service", "Serch", "--json"}, want: []string{},
			wantErr: `no service named "Serch"; did you mean "Search"?`, wantOut: `no service named \"Serch\"; did you mean \"Search\"?"`},
		{name: "no history yet", args: []string{"incidents", "-c", missing, "--json"}, want: []string{}},
		{name: "in memory", args: []string{"incidents", "-c", memory, "--json"}, want: []string{}, wantErr: "in memory"},
		{name: "table", args: []string{"incidents", "-c", cfg}, wantOut: "ongoing"},
		// A config lists its own services: one removed from it, or another config's sharing the
		// file (the default history), is not its business unless asked for by name or --all.
		{name: "removed service", args: []string{"incidents", "-c", withoutSearch, "--json"}, want: []string{checkout}},
		{name: "removed service, named", args: []string{"incidents", "-c", withoutSearch, "--service", "Search", "--json"},
			want: []string{open}, wantOut: `"unmonitored": true`},
		{name: "removed service, all", args: []string{"incidents", "-c", withoutSearch, "--all"}, wantOut: "unmonitored"},
		{name: "removed service, all json", args: []string{"incidents", "-c", withoutSearch, "--all", "--json"},
			want: []string{open, checkout}, wantOut: `"unmonitored": true`},
		{name: "table, none", args: []string{"incidents", "-c", missing}, wantOut: "no incidents\n"},
		{name: "not a history", args: []string{"incidents", "-c", bad}, wantCode: 2, wantErr: foreign},
		{name: "bad since", args: []string{"incidents", "-c", cfg, "--since", "a week"}, wantCode: 2, wantErr: "--since"},
		// Without a config, the default history path (here a fresh $XDG_STATE_HOME) is read.
		{name: "no config", args: []string{"incidents", "--json"}, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) || tt.wantErr == "" && stderr != "" {
				t.Errorf("stderr = %q, want %q", stderr, tt.wantErr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout, tt.wantOut)
			}
			if tt.want == nil {
				return
			}
			var doc struct {
				Incidents []incidentJSON `json:"incidents"`
				Note      string         `json:"note"`
			}
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Incidents == nil {
				t.Fatalf("stdout = %q, want {\"incidents\": [...]} (%v)", stdout, err)
			}
			got := []string{}
			for _, in := range doc.Incidents {
				got = append(got, in.summary(t, now))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("incidents =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	if b, err := os.ReadFile(foreign); err != nil || string(b) != "these are my notes, not a database\n" {
		t.Errorf("foreign file after incidents = %q, %v; want it untouched", b, err)
	}
}

// TestIncidentsWhileWriting reads the history while another uptty holds it for writing.
func TestIncidentsWhileWriting(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	db := filepath.Join(t.TempDir(), "history.db")
	seedOutages(t, db, now)
	writer, err := history.Open(db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %q}\nservices:\n  - {name: Search, url: \"http://127.0.0.1:9/\"}\n"+
		"  - {name: Checkout API, url: \"http://127.0.0.1:9/\"}\n", db))
	code, stdout, stderr := runCLI(t, "incidents", "-c", cfg, "--json")
	if code != 0 || strings.Count(stdout, `"service"`) != 2 {
		t.Errorf("incidents while another uptty writes = %d, %q, %q; want 0 and 2 incidents", code, stdout, stderr)
	}
}

// TestMonitorForeignHistory: the live monitor refuses a file that is not its history before it
// draws anything, and leaves the file as it was.
func TestMonitorForeignHistory(t *testing.T) {
	const notes = "SQLite format 3\x00 my notes"
	path := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(path, []byte(notes), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf("history: {path: %q}\nservices:\n  - {name: A, url: \"http://127.0.0.1:9/\"}\n", path))
	code, stdout, stderr := runCLI(t, "-c", cfg)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, path) || !strings.Contains(stderr, "not an uptty history") {
		t.Errorf("uptty -c %s = %d, %q, %q; want 2 and a message naming %s", cfg, code, stdout, stderr, path)
	}
	if b, _ := os.ReadFile(path); string(b) != notes {
		t.Errorf("file after uptty = %q, want it untouched", b)
	}
}
