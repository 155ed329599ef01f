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

// TestSends: after a reload, a service sends to the senders its alerts: list names (every
// sender without one), and a removed service to none.
func TestSends(t *testing.T) {
	e := New(Options{Services: []config.Service{{Name: "api"}, {Name: "old"}}, Rules: []Rule{{Name: "hook"}, {Name: "am"}}, MinGap: -1})
	e.Reconfigure([]config.Service{{Name: "api", Alerts: []string{"hook"}}, {Name: "db"}}, []Rule{{Name: "hook"}, {Name: "am"}}, nil)
	for _, tc := range []struct {
		service, sender string
		want            bool
	}{
		{"api", "hook", true}, {"api", "am", false}, {"db", "am", true}, {"old", "hook", false}, {"api", "nobody", false},
	} {
		if got := e.Sends(tc.service, tc.sender); got != tc.want {
			t.Errorf("Sends(%q, %q) = %v, want %v", tc.service, tc.sender, got, tc.want)
		}
	}
}

// TestResumeBringsBack: a service removed by a reload during an outage and brought back by the
// next resumes it as after a restart: DOWN (via its dependency), its ack, and its recovery
// alerted to the sender that had its down alert.
func TestResumeBringsBack(t *testing.T) {
	var rec recorder
	now := t0
	svcs := []config.Service{{Name: "core"}, {Name: "api", DependsOn: []string{"core"}}, {Name: "web"}}
	e := New(Options{Services: svcs, Rules: []Rule{{Name: "hook"}}, Now: func() time.Time { return now }, Sink: rec.sink, MinGap: -1})
	e.OnResult("core", track.Check{}, down(t0, t0))
	e.OnResult("api", track.Check{}, down(t0, t0))
	e.OnResult("web", track.Check{}, down(t0, t0))
	rec.take()
	e.Reconfigure(svcs[:1], []Rule{{Name: "hook"}}, nil)
	e.Reconfigure(svcs, []Rule{{Name: "hook"}}, nil)
	ack := track.Ack{Start: t0, By: "alice", At: t0.Add(time.Second)}
	downAt := func(start time.Time) track.Status {
		return track.Status{State: track.Down, Outage: track.Outage{Start: start}}
	}
	e.Resume(map[string]track.Status{"api": downAt(t0), "web": downAt(t0)},
		map[string]string{"api": "core"}, map[string]track.Ack{"web": ack}, nil)
	if via := e.Via("api"); via != "core" {
		t.Errorf("Via(api) after it was brought back = %q, want core", via)
	}
	if a, ok := e.Acked("web"); !ok || a.By != "alice" {
		t.Errorf("Acked(web) after it was brought back = %+v, %v; want alice's", a, ok)
	}
	if _, err := e.Ack("api", track.Ack{By: "bob"}); err != nil {
		t.Errorf("Ack(api) after it was brought back: %v, want it acked", err)
	}
	now = t0.Add(time.Minute)
	e.OnResult("web", track.Check{}, up(t0, now, now))
	if got := rec.take(); !slices.Equal(got, []string{"hook:up:web"}) {
		t.Errorf("web's recovery: %v, want hook:up:web", got)
	}
}
