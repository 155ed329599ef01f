package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// TestAcker: an ack goes to the engine and the history together; one the history cannot keep
// is undone (the earlier ack, if any, stays), and an outage that is not going on is refused.
func TestAcker(t *testing.T) {
	hist, err := history.OpenLive("", 0, []history.Service{{Name: "api"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	engine := notify.New(notify.Options{Services: []config.Service{{Name: "api"}}})
	k := &acker{engine: engine, hist: hist}
	ctx := context.Background()
	if _, err := k.Ack(ctx, "api", track.Ack{By: "alice"}); !errors.Is(err, notify.ErrNoOutage) {
		t.Errorf("Ack while up = %v, want ErrNoOutage", err)
	}
	start := time.Now().Add(-time.Minute)
	ev := []track.Event{{Kind: track.OutageStarted, At: start, Outage: track.Outage{Start: start, Cause: "refused"}}}
	hist.Record("api", track.Check{Start: start}, ev)
	engine.OnResult("api", track.Check{Start: start}, ev)
	first, err := k.Ack(ctx, "api", track.Ack{Start: start, By: "alice", Note: "on it"})
	if err != nil {
		t.Fatal(err)
	}
	if acks, err := hist.Store.OpenAcks(); err != nil || acks["api"].By != "alice" {
		t.Errorf("history's acks = %v, %v; want alice's", acks, err)
	}
	hist.Close() // the history can keep nothing more
	if _, err := k.Ack(ctx, "api", track.Ack{By: "bob"}); err == nil {
		t.Error("Ack with a closed history = nil, want its error")
	}
	if a, ok := k.Acked("api"); !ok || a.By != first.By || a.Note != first.Note {
		t.Errorf("Acked after a failed ack = %+v, %v; want alice's still", a, ok)
	}
}

// TestLoginName: $USER, then LOGNAME, then USERNAME (Windows), then the account's name.
func TestLoginName(t *testing.T) {
	env := func(kv map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"USER": "alice", "LOGNAME": "bob"}, "alice"},
		{map[string]string{"USER": "", "LOGNAME": "bob"}, "bob"},
		{map[string]string{"USERNAME": "carol"}, "carol"},
	} {
		if got := loginName(env(tt.env)); got != tt.want {
			t.Errorf("loginName(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
	if got := loginName(env(nil)); got == "" {
		t.Error("loginName() without an environment = \"\", want the account's name or unknown")
	}
}
