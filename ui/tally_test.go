package ui

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// TestTallyFollowsBatches checks that the counts a batch of statuses adjusts by the services
// it changes are the counts a pass over every service makes, through every kind of change:
// states, outages opening and ending, paused outages, acks, a reload in between.
func TestTallyFollowsBatches(t *testing.T) {
	const n = 40
	at := fixedNow.Add(-time.Hour)
	states := []track.Status{
		{State: track.Up},
		{State: track.Unknown},
		{State: track.Pending, Reason: "timeout"},
		{State: track.Degraded, Reason: "slow"},
		{State: track.Down, Outage: track.Outage{Start: at}},
		{State: track.Down, Outage: track.Outage{Start: at.Add(time.Minute)}},
		{State: track.Paused, Outage: track.Outage{Start: at}},
		{State: track.Paused, Outage: track.Outage{Start: at, End: at.Add(time.Minute)}},
		{State: track.Up, Outage: track.Outage{Start: at, End: at.Add(time.Minute)}},
	}
	var services []config.Service
	for i := range n {
		services = append(services, svc(fmt.Sprintf("svc-%02d", i), fmt.Sprintf("g%d", i%3), "", kindTCP))
	}
	// Even services have the outage that started at `at` acked.
	acked := func(name string) (track.Ack, bool) {
		var k int
		fmt.Sscanf(name, "svc-%d", &k)
		return track.Ack{Start: at, By: "alice"}, k%2 == 0
	}
	rng := rand.New(rand.NewPCG(1, 2))
	m := New(services, nil, nil, Options{Now: func() time.Time { return fixedNow }, Acked: acked})
	for round := range 200 {
		batch := statusMsg{}
		for range rng.IntN(8) {
			batch[services[rng.IntN(n)].Name] = states[rng.IntN(len(states))]
		}
		next, _ := m.Update(batch)
		m = next.(Model)
		if round == 100 {
			next, _ = m.Update(Reloaded{Services: services[:n/2], Quiet: true})
			m = next.(Model)
		}
		got := m.tally
		m.recount()
		if got != m.tally {
			t.Fatalf("round %d: tally after the batch = %+v, want %+v (a pass over every service)", round, got, m.tally)
		}
	}
}
