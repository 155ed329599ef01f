package notify

import (
	"slices"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// TestReconfigureKeepsOutage: a service down before a reload gets its up alert after it; a new
// service is alerted under the new rules; a removed one is ignored.
func TestReconfigureKeepsOutage(t *testing.T) {
	var rec recorder
	now := t0
	e := New(Options{
		Services: []config.Service{{Name: "api"}, {Name: "old"}},
		Rules:    []Rule{{Name: "hook"}},
		Now:      func() time.Time { return now },
		Sink:     rec.sink,
		MinGap:   -1,
	})
	e.OnResult("api", track.Check{}, down(t0, t0))
	if got := rec.take(); !slices.Equal(got, []string{"hook:down:api"}) {
		t.Fatalf("before the reload: %v, want hook:down:api", got)
	}
	e.Reconfigure([]config.Service{{Name: "api"}, {Name: "db"}}, []Rule{{Name: "hook"}, {Name: "pager"}}, nil)
	now = t0.Add(time.Minute)
	e.OnResult("api", track.Check{}, up(t0, now, now))
	e.OnResult("db", track.Check{}, down(now, now))
	e.OnResult("old", track.Check{}, down(now, now))
	want := []string{"hook:up:api", "hook:down:db", "pager:down:db"}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Errorf("after the reload: %v, want %v", got, want)
	}
}
