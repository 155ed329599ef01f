package notify

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/track"
)

var t0 = time.Date(2026, 12, 1, 21, 47, 2, 0, time.UTC)

// call is one call of the sink.
type call struct {
	name    string
	maint   bool
	started Started
	out     []Delivery
}

// recorder is a sink that keeps every call.
type recorder struct {
	mu    sync.Mutex
	calls []call
}

func (r *recorder) sink(name string, _ track.Check, _ []track.Event, started Started, out []Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{name, started.Maintenance, started, out})
}

// take returns the deliveries since the last take, as "sender:event:service".
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var got []string
	for _, c := range r.calls {
		for _, d := range c.out {
			got = append(got, d.Sender+":"+string(d.Alert.Event)+":"+d.Alert.Service)
		}
	}
	r.calls = nil
	return got
}

// lastCall returns the last call not yet taken.
func (r *recorder) lastCall() call {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return call{}
	}
	return r.calls[len(r.calls)-1]
}

// last returns the last delivery of the calls not yet taken.
func (r *recorder) lastAlert() alert.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range slices.Backward(r.calls) {
		if len(c.out) > 0 {
			return c.out[len(c.out)-1].Alert
		}
	}
	return alert.Alert{}
}

// Events as a tracker emits them.
func pending(at time.Time) []track.Event {
	return []track.Event{{Kind: track.StateChanged, At: at, From: track.Up, To: track.Pending, Reason: "refused"}}
}

func down(start, at time.Time) []track.Event {
	return []track.Event{
		{Kind: track.StateChanged, At: at, From: track.Pending, To: track.Down, Reason: "refused"},
		{Kind: track.OutageStarted, At: at, Outage: track.Outage{Start: start, Cause: "refused"}},
	}
}

func up(start, end, at time.Time) []track.Event {
	return []track.Event{
		{Kind: track.OutageEnded, At: at, Outage: track.Outage{Start: start, End: end, Cause: "refused"}},
		{Kind: track.StateChanged, At: at, From: track.Down, To: track.Up},
	}
}

func failed(at time.Time) track.Check { return track.Check{Start: at, Reason: "refused"} }

func newEngine(t *testing.T, svcs []config.Service, rules []Rule, maint []config.Maintenance, now time.Time) (*Engine, *recorder) {
	t.Helper()
	r := &recorder{}
	return New(Options{Services: svcs, Rules: rules, Maintenance: maint, Now: func() time.Time { return now }, Sink: r.sink}), r
}

// TestDownUp: DOWN (never PENDING) and the recovery, with start, end and duration, go to every
// sender the service picks; degraded only to a sender that asks for it.
func TestDownUp(t *testing.T) {
	svcs := []config.Service{{Name: "api", Group: "g", Alerts: []string{"team", "slow"}}, {Name: "web"}}
	rules := []Rule{{Name: "team"}, {Name: "ops"}, {Name: "slow", On: []alert.Event{alert.EventDegraded}}, {Name: "tty", Every: true}}
	e, r := newEngine(t, svcs, rules, nil, t0)
	e.OnResult("api", failed(t0), pending(t0))
	if got := r.take(); len(got) != 0 {
		t.Errorf("PENDING sent %v, want nothing", got)
	}
	e.OnResult("api", failed(t0.Add(5*time.Second)), down(t0, t0.Add(5*time.Second)))
	if got, want := r.take(), []string{"team:down:api", "tty:down:api"}; !slices.Equal(got, want) {
		t.Errorf("DOWN sent %v, want %v", got, want)
	}
	end := t0.Add(2*time.Hour + 21*time.Minute + 9*time.Second)
	e.OnResult("api", track.Check{Start: end, OK: true}, up(t0, end, end))
	a := r.lastAlert()
	if got, want := r.take(), []string{"team:up:api", "tty:up:api"}; !slices.Equal(got, want) {
		t.Errorf("UP sent %v, want %v", got, want)
	}
	if got, want := a.Text(), "api is UP after 2h21m (down 21:47:02 → 00:08:11)"; got != want {
		t.Errorf("up text = %q, want %q", got, want)
	}
	if a.ID != alert.NewID("api", alert.EventUp, t0) || a.Group != "g" {
		t.Errorf("up alert = %+v, want its id from the outage's start, and the group", a)
	}
	e.OnResult("api", track.Check{Start: end.Add(time.Minute), OK: true, Warning: "cert"},
		[]track.Event{{Kind: track.StateChanged, At: end.Add(time.Minute), From: track.Up, To: track.Degraded, Reason: "cert"}})
	if got, want := r.take(), []string{"slow:degraded:api"}; !slices.Equal(got, want) {
		t.Errorf("DEGRADED sent %v, want %v", got, want)
	}
	e.OnResult("web", failed(t0), down(t0, t0))
	if got, want := r.take(), []string{"team:down:web", "ops:down:web", "tty:down:web"}; !slices.Equal(got, want) {
		t.Errorf("web (alerts: nil) DOWN sent %v, want %v", got, want)
	}
}

// TestDegradedCleared: a degradation that ends is resolved at an Alertmanager that got it
// (which would re-post it for ever otherwise), and told to nobody else.
func TestDegradedCleared(t *testing.T) {
	deg := []alert.Event{alert.EventDegraded}
	rules := []Rule{{Name: "am", On: deg, Resend: true}, {Name: "chat", On: deg}}
	e, r := newEngine(t, []config.Service{{Name: "api"}}, rules, nil, t0)
	e.OnResult("api", track.Check{Start: t0, OK: true, Warning: "cert"},
		[]track.Event{{Kind: track.StateChanged, At: t0, From: track.Up, To: track.Degraded, Reason: "cert"}})
	if got, want := r.take(), []string{"am:degraded:api", "chat:degraded:api"}; !slices.Equal(got, want) {
		t.Errorf("DEGRADED sent %v, want %v", got, want)
	}
	t1 := t0.Add(time.Hour)
	e.OnResult("api", track.Check{Start: t1, OK: true},
		[]track.Event{{Kind: track.StateChanged, At: t1, From: track.Degraded, To: track.Up}})
	a := r.lastAlert()
	if got, want := r.take(), []string{"am:up:api"}; !slices.Equal(got, want) {
		t.Errorf("back UP sent %v, want %v", got, want)
	}
	if a.End == nil || !a.End.Equal(t1) || !a.Start.Equal(t0) {
		t.Errorf("resolving alert = %+v, want start %v and end %v", a, t0, t1)
	}
}

// TestMaintenance: an outage that begins in a window sends nothing, down nor up, and is marked.
func TestMaintenance(t *testing.T) {
	svcs := []config.Service{{Name: "api"}, {Name: "db"}}
	maint := []config.Maintenance{{Name: "deploy", Services: []string{"api"}, Start: t0.Add(-time.Hour), End: t0.Add(time.Hour)}}
	e, r := newEngine(t, svcs, []Rule{{Name: "team"}}, maint, t0)
	e.OnResult("api", failed(t0), down(t0, t0))
	e.OnResult("db", failed(t0), down(t0, t0))
	r.mu.Lock()
	if c := r.calls[0]; !c.maint || len(c.out) != 0 {
		t.Errorf("api in maintenance: sink(maint %v, %d alerts), want maintenance and none", c.maint, len(c.out))
	}
	if c := r.calls[1]; c.maint || len(c.out) != 1 {
		t.Errorf("db outside the window: sink(maint %v, %d alerts), want one alert", c.maint, len(c.out))
	}
	r.mu.Unlock()
	r.take()
	e.OnResult("api", track.Check{Start: t0.Add(time.Minute), OK: true}, up(t0, t0.Add(time.Minute), t0.Add(time.Minute)))
	if got := r.take(); len(got) != 0 {
		t.Errorf("recovery of an outage in maintenance sent %v, want nothing", got)
	}
}

// TestDependencies: a dependent failing while its dependency is down sends nothing of its own,
// shows via, and is listed by the dependency's alerts; once the dependency is back and the
// dependent still fails, its outage is its own.
func TestDependencies(t *testing.T) {
	svcs := []config.Service{{Name: "core"}, {Name: "web", DependsOn: []string{"core"}}, {Name: "app", DependsOn: []string{"core"}}}
	e, r := newEngine(t, svcs, []Rule{{Name: "team"}}, nil, t0)
	e.OnResult("web", failed(t0), pending(t0))
	e.OnResult("core", failed(t0), down(t0, t0))
	a := r.lastAlert()
	if got, want := r.take(), []string{"team:down:core"}; !slices.Equal(got, want) {
		t.Fatalf("core DOWN sent %v, want %v", got, want)
	}
	if !slices.Equal(a.Dependents, []string{"web"}) || !strings.Contains(a.Text(), "(affects web)") {
		t.Errorf("core's down alert: dependents %v, text %q; want web listed", a.Dependents, a.Text())
	}
	t1 := t0.Add(10 * time.Second)
	e.OnResult("web", failed(t1), down(t0, t1))
	e.OnResult("app", failed(t1), append(pending(t1), down(t1, t1)...))
	if got := r.take(); len(got) != 0 {
		t.Errorf("dependents DOWN sent %v, want nothing", got)
	}
	if v := e.Via("web"); v != "core" {
		t.Errorf("Via(web) = %q, want core", v)
	}
	t2 := t0.Add(time.Minute)
	e.OnResult("core", track.Check{Start: t2, OK: true}, up(t0, t2, t2))
	a = r.lastAlert()
	if got, want := r.take(), []string{"team:up:core"}; !slices.Equal(got, want) {
		t.Errorf("core UP sent %v, want %v", got, want)
	}
	if !slices.Equal(a.Dependents, []string{"web", "app"}) {
		t.Errorf("core's up alert lists %v, want [web app]", a.Dependents)
	}
	e.OnResult("web", track.Check{Start: t2.Add(time.Second), OK: true}, up(t0, t2.Add(time.Second), t2.Add(time.Second)))
	if got := r.take(); len(got) != 0 {
		t.Errorf("web recovering sent %v, want nothing", got)
	}
	// app still fails after core is back: its own outage now, and history is told so.
	e.OnResult("app", failed(t2.Add(5*time.Second)), nil)
	if c := r.lastCall(); c.name != "app" || c.started != (Started{Reattributed: true}) {
		t.Errorf("app's outage becoming its own: sink got %s %+v, want app %+v", c.name, c.started, Started{Reattributed: true})
	}
	if got, want := r.take(), []string{"team:down:app"}; !slices.Equal(got, want) {
		t.Errorf("app failing after core recovered sent %v, want %v", got, want)
	}
	if v := e.Via("app"); v != "" {
		t.Errorf("Via(app) = %q, want none", v)
	}
}

// TestRepeatAndSeed: reminders while down, under synctest's clock; after a restart an open
// outage's recovery is still sent, and a Resend sender gets the down again.
func TestRepeatAndSeed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{}
		e := New(Options{Services: []config.Service{{Name: "api"}},
			Rules: []Rule{{Name: "team", Repeat: time.Hour}, {Name: "am", Resend: true}}, Sink: r.sink})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.Run(ctx)
		start := time.Now()
		e.OnResult("api", failed(start), down(start, start))
		r.take()
		fakeclock.Elapse(time.Hour + time.Second)
		a := r.lastAlert()
		if got, want := r.take(), []string{"team:down:api"}; !slices.Equal(got, want) {
			t.Errorf("an hour later sent %v, want a reminder %v", got, want)
		}
		if a.ID != alert.RepeatID(alert.NewID("api", alert.EventDown, start), 1) {
			t.Errorf("reminder id = %s, want RepeatID(…, 1)", a.ID)
		}

		e2 := New(Options{Services: []config.Service{{Name: "api"}}, Rules: []Rule{{Name: "team"}, {Name: "am", Resend: true}}, Sink: r.sink})
		again := e2.Seed(map[string]track.Status{"api": {State: track.Down, Since: start, Outage: track.Outage{Start: start, Cause: "refused"}}}, nil)
		if len(again) != 1 || again[0].Sender != "am" || again[0].Alert.ID != alert.NewID("api", alert.EventDown, start) {
			t.Errorf("Seed = %+v, want the down alert again for am", again)
		}
		now := time.Now()
		e2.OnResult("api", track.Check{Start: now, OK: true}, up(start, now, now))
		if got, want := r.take(), []string{"team:up:api", "am:up:api"}; !slices.Equal(got, want) {
			t.Errorf("recovery after a restart sent %v, want %v", got, want)
		}

		// An outage whose down went to nobody (maintenance) sends no up after a restart either.
		e3 := New(Options{Services: []config.Service{{Name: "api"}}, Rules: []Rule{{Name: "team"}}, Sink: r.sink})
		e3.Seed(map[string]track.Status{"api": {State: track.Down, Since: start, Outage: track.Outage{Start: start}}},
			func(string, string) bool { return false })
		e3.OnResult("api", track.Check{Start: now, OK: true}, up(start, now, now))
		if got := r.take(); len(got) != 0 {
			t.Errorf("recovery of an outage never alerted, after a restart, sent %v; want nothing", got)
		}
	})
}

// TestRemindersAfterRestart: the reminders of an outage that goes on across a restart carry
// new ids, numbered on from those sent before it: a receiver that drops repeated ids (as ids
// are for) would drop every reminder until the count passed the old one, and the outbox,
// keyed by id, kept none of them.
func TestRemindersAfterRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{}
		start := time.Now().Add(-5 * time.Hour)
		down := alert.NewID("api", alert.EventDown, start)
		e := New(Options{Services: []config.Service{{Name: "api"}}, Rules: []Rule{{Name: "team", Repeat: time.Hour}}, Sink: r.sink,
			Reminders: func(id, sender string) int {
				if id == down && sender == "team" {
					return 4
				}
				return 0
			}})
		e.Seed(map[string]track.Status{"api": {State: track.Down, Since: start, Outage: track.Outage{Start: start, Cause: "refused"}}}, nil)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.Run(ctx)
		fakeclock.Elapse(time.Hour + time.Second)
		a := r.lastAlert()
		if got, want := r.take(), []string{"team:down:api"}; !slices.Equal(got, want) {
			t.Fatalf("an hour after the restart sent %v, want a reminder %v", got, want)
		}
		if want := alert.RepeatID(down, 5); a.ID != want {
			t.Errorf("first reminder after the restart = %s, want %s: the four before it had 1 to 4", a.ID, want)
		}
	})
}

// TestQuietOutageThenVia: an outage that began in a maintenance window, still failing after it
// while its dependency is down, is put down to the dependency from then on, and history is told
// so (DOWN (via core) after a restart too), with no alert of its own.
func TestQuietOutageThenVia(t *testing.T) {
	svcs := []config.Service{{Name: "core"}, {Name: "web", DependsOn: []string{"core"}}}
	maint := []config.Maintenance{{Name: "deploy", Services: []string{"web"}, Start: t0.Add(-time.Hour), End: t0.Add(time.Minute)}}
	now := t0
	r := &recorder{}
	e := New(Options{Services: svcs, Rules: []Rule{{Name: "team"}}, Maintenance: maint, Now: func() time.Time { return now }, Sink: r.sink})
	e.OnResult("web", failed(t0), down(t0, t0))
	now = t0.Add(2 * time.Minute)
	e.OnResult("core", failed(now), down(now, now))
	r.take()
	e.OnResult("web", failed(now.Add(time.Second)), nil)
	c := r.lastCall()
	if want := (Started{Via: "core", Reattributed: true}); c.name != "web" || c.started != want {
		t.Errorf("web failing after its window while core is down: sink got %s %+v, want web %+v", c.name, c.started, want)
	}
	if got := r.take(); len(got) != 0 {
		t.Errorf("sent %v, want nothing: core's outage is the cause", got)
	}
}

// TestViaDependencyRemoved: a reload that removes the dependency a dependent's outage was put
// down to (or only the depends_on) makes the outage its own: no more DOWN (via core) for a
// service the config no longer has, and the dependent's next failure alerts, rather than never.
func TestViaDependencyRemoved(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after []config.Service
	}{
		{"service removed", []config.Service{{Name: "web"}}},
		{"depends_on removed", []config.Service{{Name: "core"}, {Name: "web"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svcs := []config.Service{{Name: "core"}, {Name: "web", DependsOn: []string{"core"}}}
			e, r := newEngine(t, svcs, []Rule{{Name: "team"}}, nil, t0)
			e.OnResult("core", failed(t0), down(t0, t0))
			e.OnResult("web", failed(t0), down(t0, t0))
			r.take()
			e.Reconfigure(tc.after, []Rule{{Name: "team"}}, nil)
			if v := e.Via("web"); v != "" {
				t.Errorf("Via(web) after the reload = %q, want none", v)
			}
			e.OnResult("web", failed(t0.Add(time.Second)), nil)
			c := r.lastCall()
			if got, want := r.take(), []string{"team:down:web"}; !slices.Equal(got, want) {
				t.Errorf("web failing after the reload sent %v, want %v", got, want)
			}
			if c.started != (Started{Reattributed: true}) {
				t.Errorf("sink got %+v, want %+v: history must forget the via", c.started, Started{Reattributed: true})
			}
		})
	}
}

// TestViaMovesToDependencyStillDown: a dependent of two failing dependencies whose via recovers
// while the other is still down stays a dependent's outage, put down to the one still down
// (history is told, no alert of its own); once that one recovers too, the outage is its own.
func TestViaMovesToDependencyStillDown(t *testing.T) {
	svcs := []config.Service{{Name: "db"}, {Name: "dns"}, {Name: "web", DependsOn: []string{"db", "dns"}}}
	e, r := newEngine(t, svcs, []Rule{{Name: "team"}}, nil, t0)
	e.OnResult("db", failed(t0), down(t0, t0))
	e.OnResult("dns", failed(t0), down(t0, t0))
	e.OnResult("web", failed(t0), down(t0, t0))
	r.take()
	if v := e.Via("web"); v != "db" {
		t.Fatalf("Via(web) = %q, want db", v)
	}
	t1 := t0.Add(time.Minute)
	e.OnResult("db", track.Check{Start: t1, OK: true}, up(t0, t1, t1))
	r.take()
	e.OnResult("web", failed(t1.Add(time.Second)), nil)
	if c, want := r.lastCall(), (Started{Via: "dns", Reattributed: true}); c.name != "web" || c.started != want {
		t.Errorf("web failing after db recovered, dns still down: sink got %s %+v, want web %+v", c.name, c.started, want)
	}
	if got := r.take(); len(got) != 0 {
		t.Errorf("sent %v, want nothing: dns is still down", got)
	}
	if v := e.Via("web"); v != "dns" {
		t.Errorf("Via(web) = %q, want dns", v)
	}
	t2 := t1.Add(time.Minute)
	e.OnResult("dns", track.Check{Start: t2, OK: true}, up(t0, t2, t2))
	if a := r.lastAlert(); !slices.Equal(a.Dependents, []string{"web"}) {
		t.Errorf("dns's up alert lists %v, want [web]", a.Dependents)
	}
	r.take()
	e.OnResult("web", failed(t2.Add(time.Second)), nil)
	if c := r.lastCall(); c.started != (Started{Reattributed: true}) {
		t.Errorf("web failing after both recovered: sink got %+v, want %+v", c.started, Started{Reattributed: true})
	}
	if got, want := r.take(), []string{"team:down:web"}; !slices.Equal(got, want) {
		t.Errorf("web failing after both recovered sent %v, want %v", got, want)
	}
}
