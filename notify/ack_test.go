package notify

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/track"
)

// TestAckStopsReminders: under synctest's clock, an acked outage gets no more reminders, its
// recovery is still sent, the next outage starts un-acked (reminders again), and an unack
// brings the reminders back.
func TestAckStopsReminders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{}
		e := New(Options{Services: []config.Service{{Name: "api"}}, Rules: []Rule{{Name: "team", Repeat: time.Hour}}, Sink: r.sink})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.Run(ctx)
		if _, err := e.Ack("api", track.Ack{By: "alice"}); !errors.Is(err, ErrNoOutage) {
			t.Errorf("Ack(api) while up = %v, want ErrNoOutage", err)
		}
		start := time.Now()
		e.OnResult("api", failed(start), down(start, start))
		r.take()
		if _, err := e.Ack("api", track.Ack{Start: start.Add(-time.Hour), By: "alice"}); !errors.Is(err, ErrOutageChanged) {
			t.Errorf("Ack(api) of an earlier outage = %v, want ErrOutageChanged", err)
		}
		a, err := e.Ack("api", track.Ack{Start: start, By: "alice\x1b[2J", Note: "on it"})
		if err != nil || a.By != "alice" || !a.Start.Equal(start) || a.At.IsZero() {
			t.Fatalf("Ack(api) = %+v, %v; want alice's ack of the outage at %v", a, err, start)
		}
		if got, ok := e.Acked("api"); !ok || got != a {
			t.Errorf("Acked(api) = %+v, %v; want %+v", got, ok, a)
		}
		fakeclock.Elapse(3*time.Hour + time.Second)
		if got := r.take(); len(got) != 0 {
			t.Errorf("3h into an acked outage sent %v, want no reminder", got)
		}
		if _, ok := e.Unack("api"); !ok {
			t.Error("Unack(api) = false, want the ack removed")
		}
		fakeclock.Elapse(time.Hour)
		if got, want := r.take(), []string{"team:down:api"}; !slices.Equal(got, want) {
			t.Errorf("an hour after unack sent %v, want a reminder %v", got, want)
		}
		if _, err := e.Ack("api", track.Ack{By: "bob"}); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		e.OnResult("api", track.Check{Start: now, OK: true}, up(start, now, now))
		if got, want := r.take(), []string{"team:up:api"}; !slices.Equal(got, want) {
			t.Errorf("recovery of an acked outage sent %v, want %v", got, want)
		}
		if a, ok := e.Acked("api"); ok {
			t.Errorf("Acked(api) after the recovery = %+v, want none: the ack ends with its outage", a)
		}
		// The next outage starts without an ack: reminders again.
		fakeclock.Elapse(2 * time.Minute) // past the flap gap
		start2 := time.Now()
		e.OnResult("api", failed(start2), down(start2, start2))
		if _, ok := e.Acked("api"); ok {
			t.Error("a new outage starts acked")
		}
		fakeclock.Elapse(time.Hour + time.Second)
		if got, want := r.take(), []string{"team:down:api", "team:down:api"}; !slices.Equal(got, want) {
			t.Errorf("new outage, an hour on, sent %v, want its down and a reminder %v", got, want)
		}
	})
}

// TestAckSeed: after a restart, the ack history kept is restored for the outage it was given
// to, and not for another.
func TestAckSeed(t *testing.T) {
	start := t0
	ack := track.Ack{Start: start, By: "alice", At: start.Add(time.Minute), Note: "on it"}
	for _, tc := range []struct {
		name  string
		open  time.Time
		acked bool
	}{
		{"same outage", start.Add(400 * time.Microsecond), true}, // history keeps milliseconds
		{"another outage", start.Add(time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Options{Services: []config.Service{{Name: "api"}}, Rules: []Rule{{Name: "team"}},
				Acks: map[string]track.Ack{"api": ack}, Now: func() time.Time { return start.Add(2 * time.Hour) }})
			e.Seed(map[string]track.Status{"api": {State: track.Down, Outage: track.Outage{Start: tc.open}}}, nil)
			got, ok := e.Acked("api")
			if ok != tc.acked || ok && got.By != "alice" {
				t.Errorf("Acked(api) = %+v, %v; want acked %v", got, ok, tc.acked)
			}
		})
	}
}
