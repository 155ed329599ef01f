package history

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestSilencesReachTheWriter: a silence written from another process while uptty holds the file
// is read by that uptty; unsilence removes it; a restart keeps it; ended ones are not listed.
func TestSilencesReachTheWriter(t *testing.T) {
	s, path := openTest(t, Options{})
	ctx := context.Background()
	now := time.Now()
	if err := s.SetSilence(ctx, Silence{Kind: SilenceGroup, Name: "payments", Until: now.Add(time.Hour), Reason: "deploy\x1b[2J"}); err != nil {
		t.Fatalf("SetSilence = %v", err)
	}
	// The file is in use: this goes beside the writer, as `uptty silence` does.
	if err := SetSilenceAt(path, Silence{Kind: SilenceService, Name: "api", Until: now.Add(2 * time.Hour)}); err != nil {
		t.Fatalf("SetSilenceAt(in use) = %v", err)
	}
	if err := SetSilenceAt(path, Silence{Kind: SilenceService, Name: "old", Until: now.Add(-time.Minute)}); err != nil {
		t.Fatalf("SetSilenceAt(ended) = %v", err)
	}
	list, err := s.Silences(now)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "payments" || list[0].Kind != SilenceGroup || list[1].Name != "api" {
		t.Fatalf("Silences = %+v, want payments (group) then api", list)
	}
	if list[0].Reason != "deploy[2J" && list[0].Reason != "deploy" {
		// CleanText drops the escape; what is left of it is plain text.
		t.Errorf("reason = %q, want it without the escape", list[0].Reason)
	}
	if n, err := UnsilenceAt(path, "api"); err != nil || n != 1 {
		t.Fatalf("UnsilenceAt(api) = %d, %v; want 1, nil", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	list, err = SilencesAt(path, now)
	if err != nil || len(list) != 1 || list[0].Name != "payments" {
		t.Fatalf("SilencesAt after restart = %+v, %v; want payments only", list, err)
	}
	if n, err := UnsilenceAt(path, "payments"); err != nil || n != 1 {
		t.Fatalf("UnsilenceAt(payments, not in use) = %d, %v; want 1, nil", n, err)
	}
	if list, _ := SilencesAt(path, now); len(list) != 0 {
		t.Fatalf("SilencesAt after unsilence = %+v, want none", list)
	}
}

// TestViaSurvivesRestart: the dependency an open outage was put down to is read back.
func TestViaSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	h, err := OpenLive(path, 0, []Service{{Name: "app"}, {Name: "router"}}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	o := track.Outage{Start: t0, Cause: "refused"}
	ev := []track.Event{{Kind: track.OutageStarted, At: t0, Outage: o}}
	h.RecordWith("router", track.Check{Start: t0}, ev, Extra{})
	h.RecordWith("app", track.Check{Start: t0}, ev, Extra{Via: "router"})
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	h, err = OpenLive(path, 0, []Service{{Name: "app"}, {Name: "router"}}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got := h.Via("app"); got != "router" {
		t.Errorf("Via(app) = %q, want router", got)
	}
	if got := h.Via("router"); got != "" {
		t.Errorf("Via(router) = %q, want none", got)
	}
}

// TestIncidentNamesVia: an outage put down to a dependency says so in its cause, as the row
// and `uptty check` do ("(via router) refused"), so that `uptty incidents` and the API's
// incidents do not list it as a failure of its own beside its dependency's.
func TestIncidentNamesVia(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	h, err := OpenLive(path, 0, []Service{{Name: "app"}, {Name: "router"}}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	o := track.Outage{Start: t0, Cause: "refused"}
	ev := []track.Event{{Kind: track.OutageStarted, At: t0, Outage: o}}
	h.RecordWith("router", track.Check{Start: t0}, ev, Extra{})
	h.RecordWith("app", track.Check{Start: t0}, ev, Extra{Via: "router"})
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	store, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	list, err := store.Incidents(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"app": "(via router) refused", "router": "refused"}
	if len(list) != 2 {
		t.Fatalf("incidents = %+v, want app's and router's", list)
	}
	for _, in := range list {
		if in.Cause != want[in.Service] {
			t.Errorf("%s's cause = %q, want %q", in.Service, in.Cause, want[in.Service])
		}
	}
}

// TestViaClearedWhenOutageBecomesOwn: once the dependency has recovered and the service still
// fails, its open outage is its own: history forgets the via, so that neither a restart (DOWN
// (via router) again) nor `uptty incidents` ("(via router) refused") puts it down to router.
func TestViaClearedWhenOutageBecomesOwn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	h, err := OpenLive(path, 0, []Service{{Name: "app"}, {Name: "router"}}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	o := track.Outage{Start: t0, Cause: "refused"}
	h.RecordWith("app", track.Check{Start: t0}, []track.Event{{Kind: track.OutageStarted, At: t0, Outage: o}}, Extra{Via: "router"})
	h.RecordWith("app", track.Check{Start: t0.Add(time.Minute)}, nil, Extra{Reattributed: true})
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	h, err = OpenLive(path, 0, []Service{{Name: "app"}, {Name: "router"}}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Via("app"); got != "" {
		t.Errorf("after a restart Via(app) = %q, want none: the outage became its own", got)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	store, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	list, err := store.Incidents(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Cause != "refused" {
		t.Errorf("incidents = %+v, want app's with cause %q", list, "refused")
	}
}
