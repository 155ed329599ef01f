package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// TestSilencePoller: a silence written to the history by someone else is heeded at the next
// poll, and not before; one that ends is dropped at the poll after its end. Under synctest's
// clock, so no test waits two real seconds.
func TestSilencePoller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist, err := history.OpenLive("", 0, []history.Service{{Name: "api"}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer hist.Close()
		q := notify.NewQuiet([]config.Service{{Name: "api"}}, nil)
		p := newSilencePoller(hist, q)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.run(ctx, silencePollEvery)
		}()
		defer func() { cancel(); <-done }()

		start := time.Now()
		if err := hist.Store.SetSilence(ctx, history.Silence{Kind: history.SilenceService, Name: "api", Until: start.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if m := q.Mark("api", time.Now()); m.Quiet() {
			t.Errorf("Mark before a poll = %+v, want none", m)
		}
		fakeclock.Elapse(silencePollEvery)
		if m := q.Mark("api", time.Now()); !m.SilencedUntil.Equal(start.Add(time.Minute).Truncate(time.Millisecond)) {
			t.Errorf("Mark after a poll = %+v, want silenced until %v", m, start.Add(time.Minute))
		}
		fakeclock.Elapse(time.Minute)
		if m := q.Mark("api", time.Now()); m.Quiet() {
			t.Errorf("Mark after the end = %+v, want none", m)
		}
	})
}

// TestSilenceWithoutTheSecrets: the operator who silences a service during an incident may not
// have its secrets in the shell; silence, unsilence, incidents and alerts only need its name and
// the history file. A history path that needs an unset variable is still an error.
func TestSilenceWithoutTheSecrets(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "uptty.yaml")
	write := func(historyPath string) {
		t.Helper()
		body := "services:\n" +
			"  - name: Checkout API\n    url: http://127.0.0.1:9/\n    headers: {Authorization: \"Bearer ${PAGER_ONLY_SECRET}\"}\n" +
			"history:\n  path: " + historyPath + "\n"
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "history.db"))
	for _, args := range [][]string{
		{"silence", "-c", cfg, "Checkout API", "30m", "--reason", "deploy"},
		{"silence", "-c", cfg, "--list"},
		{"incidents", "-c", cfg},
		{"alerts", "-c", cfg},
		{"unsilence", "-c", cfg, "Checkout API"},
	} {
		if code, stdout, stderr := runCLI(t, args...); code != exitOK {
			t.Errorf("uptty %s without PAGER_ONLY_SECRET = %d, %q, %q; want 0", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	// Found without -c ($XDG_CONFIG_HOME/uptty/config.yaml), as on-call shells usually find it:
	// the lookup's own variables ($UPTTY_CONFIG unset) are not the config's secrets.
	xdg := t.TempDir()
	if err := os.MkdirAll(filepath.Join(xdg, "uptty"), 0o700); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(cfg)
	if err := os.WriteFile(filepath.Join(xdg, "uptty", "config.yaml"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"silence", "Checkout API", "30m"},
		{"incidents"},
		{"alerts"},
		{"unsilence", "Checkout API"},
	} {
		if code, stdout, stderr := runCLIEnv(t, map[string]string{"XDG_CONFIG_HOME": xdg}, args...); code != exitOK {
			t.Errorf("uptty %s (config found in $XDG_CONFIG_HOME) without PAGER_ONLY_SECRET = %d, %q, %q; want 0",
				strings.Join(args, " "), code, stdout, stderr)
		}
	}
	// Checking still needs the secret: the header goes out with every check.
	if code, _, stderr := runCLI(t, "validate", "-c", cfg); code != exitUsage || !strings.Contains(stderr, "PAGER_ONLY_SECRET is not set") {
		t.Errorf("uptty validate without PAGER_ONLY_SECRET = %d, %q; want 2 naming the variable", code, stderr)
	}
	write("${UNSET_STATE_DIR}/history.db")
	if code, _, stderr := runCLI(t, "silence", "-c", cfg, "Checkout API", "30m"); code != exitUsage || !strings.Contains(stderr, "UNSET_STATE_DIR is not set") {
		t.Errorf("uptty silence with an unset history path = %d, %q; want 2 naming the variable", code, stderr)
	}
}

// TestSilencePollSkipsAQuietFile: the ticker's poll reads the silence table only when a
// silence was written from another process since the last read (`uptty silence`), when a
// silence read then has ended, or when that read is silenceRecheck old, not when this
// process's writer committed results (every second while checks come); a write's own read
// (poll) always reads.
func TestSilencePollSkipsAQuietFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	hist, err := history.OpenLive(path, 0, []history.Service{{Name: "api"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	// What the writer does as it opens is done before the first poll: only the writes below
	// change the file.
	if err := hist.Store.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	q := notify.NewQuiet([]config.Service{{Name: "api"}}, nil)
	p := newSilencePoller(hist, q)
	changes := 0
	p.onChange = func(_, _ []notify.Silence) { changes++ }
	now := time.Now()
	p.now = func() time.Time { return now }
	step := func(d time.Duration, wantRead bool, what string) {
		t.Helper()
		now = now.Add(d)
		before := p.readAt
		p.read(true)
		if read := !p.readAt.Equal(before); read != wantRead {
			t.Errorf("%s: poll read the table = %v, want %v", what, read, wantRead)
		}
	}
	step(0, true, "first poll")
	step(2*time.Second, false, "nothing changed")
	for i := range 3 {
		hist.Record("api", track.Check{Start: time.Now(), OK: true, Latency: time.Duration(i+1) * time.Millisecond}, nil)
		if err := hist.Store.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		step(2*time.Second, false, "results committed by this process")
	}
	until := now.Add(time.Minute)
	if err := history.SetSilenceAt(path, history.Silence{Kind: history.SilenceService, Name: "api", Until: until}); err != nil {
		t.Fatal(err)
	}
	step(2*time.Second, true, "a silence written by another process")
	if m := q.Mark("api", now); !m.Quiet() || changes != 1 {
		t.Errorf("after the write: Mark = %+v, %d changes; want silenced, 1 change", m, changes)
	}
	step(2*time.Second, false, "nothing changed since")
	step(until.Sub(now), true, "the silence ended")
	if changes != 2 {
		t.Errorf("after the end: %d changes, want 2", changes)
	}
	step(2*time.Second, false, "nothing changed since the end")
	step(silenceRecheck, true, "a minute without a read")
	before := p.readAt
	now = now.Add(time.Second)
	p.poll()
	if p.readAt.Equal(before) {
		t.Error("poll (after a write of this process) skipped the read")
	}
}
