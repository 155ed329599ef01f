package notify

import (
	"fmt"
	"runtime"
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

// BenchmarkEngineHeap is the engine's heap per service for 10,000 services of no group and
// no dependency, with no outage going on, as bench/farm's are: what a service costs it for the
// whole run. Run it with -benchtime=1x.
func BenchmarkEngineHeap(b *testing.B) {
	const n = 10000
	svcs := make([]config.Service, n)
	for i := range svcs {
		svcs[i] = config.Service{Name: fmt.Sprint("svc", i)}
	}
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e := New(Options{Services: svcs})
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/svc")
		runtime.KeepAlive(e)
	}
}
