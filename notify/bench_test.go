package notify

import (
	"fmt"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// BenchmarkOnResult is the engine's own cost per check: 1,000 services, three senders, 2% of
// the services flapping (a down or an up every 50th of their checks), the sink doing nothing.
// Compare with the cost of a whole check (BenchmarkAlertsCPU in the root package, or
// monitor's BenchmarkMonitor1000HTTP).
func BenchmarkOnResult(b *testing.B) {
	const n = 1000
	var svcs []config.Service
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprint("svc", i)
		svcs = append(svcs, config.Service{Name: names[i]})
	}
	e := New(Options{Services: svcs, Rules: []Rule{{Name: "a"}, {Name: "b"}, {Name: "c", Repeat: time.Hour}},
		MinGap: -1, Sink: func(string, track.Check, []track.Event, Started, []Delivery) {}})
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		k := i % n
		round := i / n
		at = at.Add(time.Millisecond)
		var evs []track.Event
		if k%50 == 0 && round%50 == 0 {
			start := at.Add(-time.Second)
			if round%100 == 0 {
				evs = down(start, at)
			} else {
				evs = up(start, at, at)
			}
		}
		e.OnResult(names[k], track.Check{Start: at, Latency: time.Millisecond, OK: evs == nil}, evs)
		i++
	}
}
