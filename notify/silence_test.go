package notify

import (
	"slices"
	"testing"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// TestSilence: a silenced service, or one of a silenced group, sends nothing, down nor up, and
// its outage is marked maintenance; once the silence ends, a new outage alerts again.
func TestSilence(t *testing.T) {
	svcs := []config.Service{{Name: "api", Group: "pay"}, {Name: "db", Group: "pay"}, {Name: "web"}}
	now := t0
	r := &recorder{}
	e := New(Options{Services: svcs, Rules: []Rule{{Name: "team"}}, Now: func() time.Time { return now }, Sink: r.sink})
	until := t0.Add(time.Hour)
	e.Quiet().SetSilences([]Silence{{Name: "api", Until: until, Reason: "deploy"}, {Group: true, Name: "pay", Until: t0.Add(2 * time.Hour)}})
	for _, tc := range []struct {
		name string
		want Mark
	}{
		{"api", Mark{SilencedUntil: t0.Add(2 * time.Hour)}}, // the longer of its own and its group's
		{"db", Mark{SilencedUntil: t0.Add(2 * time.Hour)}},
		{"web", Mark{}},
	} {
		if got := e.Mark(tc.name); got != tc.want {
			t.Errorf("Mark(%s) = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	e.OnResult("api", failed(t0), down(t0, t0))
	e.OnResult("web", failed(t0), down(t0, t0))
	r.mu.Lock()
	calls := slices.Clone(r.calls)
	r.mu.Unlock()
	if len(calls) != 2 || !calls[0].maint || len(calls[0].out) != 0 || calls[1].maint || len(calls[1].out) != 1 {
		t.Fatalf("calls = %+v, want api marked maintenance with no alert, web alerted", calls)
	}
	r.take()
	end := t0.Add(30 * time.Minute)
	e.OnResult("api", track.Check{Start: end, OK: true}, up(t0, end, end))
	if got := r.take(); len(got) != 0 {
		t.Errorf("recovery of a silenced outage sent %v, want nothing", got)
	}
	now = t0.Add(3 * time.Hour)
	if got := e.Mark("api"); got.Quiet() {
		t.Errorf("Mark(api) after the silence = %+v, want none", got)
	}
	e.OnResult("api", failed(now), down(now, now))
	if got, want := r.take(), []string{"team:down:api"}; !slices.Equal(got, want) {
		t.Errorf("after the silence, DOWN sent %v, want %v", got, want)
	}
}

// TestViaRestored: after a restart, a dependent whose open outage was put down to its
// dependency is DOWN (via it) again, and its recovery sends nothing.
func TestViaRestored(t *testing.T) {
	svcs := []config.Service{{Name: "router"}, {Name: "app", DependsOn: []string{"router"}}}
	r := &recorder{}
	e := New(Options{Services: svcs, Rules: []Rule{{Name: "team"}}, Sink: r.sink, Now: func() time.Time { return t0 },
		Vias: map[string]string{"app": "router", "gone": "router"}})
	o := track.Outage{Start: t0, Cause: "refused"}
	e.Seed(map[string]track.Status{
		"router": {State: track.Down, Outage: o},
		"app":    {State: track.Down, Outage: o},
	}, func(id, sender string) bool { return false })
	if got := e.Via("app"); got != "router" {
		t.Errorf("Via(app) after a restart = %q, want router", got)
	}
	end := t0.Add(time.Minute)
	e.OnResult("app", track.Check{Start: end, OK: true}, up(t0, end, end))
	if got := r.take(); len(got) != 0 {
		t.Errorf("recovery of an outage put down to its dependency sent %v, want nothing", got)
	}
}

// TestQuietEnds: a service still failing once its silence (or maintenance window) has ended is
// alerted then, from its outage's start, and its recovery too.
func TestQuietEnds(t *testing.T) {
	now := t0
	r := &recorder{}
	e := New(Options{Services: []config.Service{{Name: "api"}}, Rules: []Rule{{Name: "team"}}, MinGap: -1,
		Now: func() time.Time { return now }, Sink: r.sink})
	e.Quiet().SetSilences([]Silence{{Name: "api", Until: t0.Add(time.Hour)}})
	e.OnResult("api", failed(t0), down(t0, t0))
	now = t0.Add(30 * time.Minute)
	e.OnResult("api", failed(now), nil)
	if got := r.take(); len(got) != 0 {
		t.Errorf("while silenced sent %v, want nothing", got)
	}
	now = t0.Add(61 * time.Minute)
	e.OnResult("api", failed(now), nil)
	a := r.lastAlert()
	if got, want := r.take(), []string{"team:down:api"}; !slices.Equal(got, want) {
		t.Errorf("failing after the silence sent %v, want %v", got, want)
	}
	if !a.Start.Equal(t0) || a.ID != alertID("api", t0) {
		t.Errorf("down alert = %+v, want it from the outage's start", a)
	}
	e.OnResult("api", failed(now.Add(time.Minute)), nil)
	if got := r.take(); len(got) != 0 {
		t.Errorf("the next failure sent %v, want nothing more", got)
	}
	end := now.Add(2 * time.Minute)
	e.OnResult("api", track.Check{Start: end, OK: true}, up(t0, end, end))
	if got, want := r.take(), []string{"team:up:api"}; !slices.Equal(got, want) {
		t.Errorf("recovery sent %v, want %v", got, want)
	}
}

func alertID(name string, start time.Time) string { return alert.NewID(name, alert.EventDown, start) }
