package monitor

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// BenchmarkStatusBytes measures what a live monitor costs per service once every tracker's
// history is full: heap-B/svc is the monitor's memory, snapshot-B/svc what one Snapshot
// allocates, which is what every change of a service sends to the UI. Run it with
// -benchtime=1x: each op builds the whole monitor.
func BenchmarkStatusBytes(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				heap, snap := statusBytes(n)
				b.ReportMetric(heap, "heap-B/svc")
				b.ReportMetric(snap, "snapshot-B/svc")
			}
		})
	}
}

// BenchmarkFarmBytes measures the monitor's heap per service as bench/farm's services have it
// (every 10th failing with a reason built per check, one outage open): after a minute at 10 s
// (6 checks) and once the rings are full (200 checks). What a service adds between the two,
// times the collector's headroom, is what a farm run of a minute does not show of a run of
// hours. Run it with -benchtime=1x.
func BenchmarkFarmBytes(b *testing.B) {
	for _, k := range []int{6, 200} {
		b.Run(fmt.Sprint(k, "checks"), func(b *testing.B) {
			for range b.N {
				b.ReportMetric(farmBytes(10000, k), "heap-B/svc")
			}
		})
	}
}

// farmBytes builds a monitor of n services that have each seen k checks as the farm's do and
// returns its heap per service.
func farmBytes(n, k int) float64 {
	noop := monFunc(nil)
	targets := make([]Target, n)
	for i := range targets {
		targets[i] = Target{monSvc(fmt.Sprint("svc", i), 10*time.Second, time.Second, 5*time.Second), noop}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := NewMonitor(targets, Options{})
	facts := []track.Fact{{Label: "status", Value: "200 OK"}}
	phases := []track.Phase{{Name: "connect", Duration: time.Millisecond}, {Name: "response", Duration: 20 * time.Millisecond}}
	for i, t := range m.trackers {
		at := time.Unix(1e9, 0)
		for range k {
			at = at.Add(10 * time.Second)
			c := track.Check{Start: at, Latency: 21 * time.Millisecond, OK: i%10 != 0, Facts: facts, Phases: phases}
			if !c.OK {
				c.Reason = fmt.Sprint("status ", 503, ", want 200-399") // built per check, as a checker does
			}
			t.Observe(c)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(m)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// statusBytes builds a monitor of n services with full trackers and returns its heap and the
// bytes one Snapshot allocates, per service.
func statusBytes(n int) (heap, snap float64) {
	noop := monFunc(nil)
	targets := make([]Target, n)
	for i := range targets {
		targets[i] = Target{monSvc(fmt.Sprint("svc", i), time.Second, time.Second, time.Second), noop}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := NewMonitor(targets, Options{})
	for _, t := range m.trackers {
		fillTracker(t)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)

	runtime.ReadMemStats(&before)
	s := m.Snapshot()
	runtime.ReadMemStats(&after)
	snap = float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
	runtime.KeepAlive(s)
	runtime.KeepAlive(m)
	return heap, snap
}

// fillTracker fills every ring of a tracker: outages to the cap, then results with the facts
// and phases of a typical HTTP check.
func fillTracker(t *track.Tracker) {
	at := time.Unix(1e9, 0)
	facts := []track.Fact{{Label: "status", Value: "200 OK"}, {Label: "tls", Value: "TLS 1.3"}, {Label: "cert", Value: "expires in 80d"}}
	phases := []track.Phase{{Name: "dns", Duration: time.Millisecond}, {Name: "connect", Duration: 2 * time.Millisecond},
		{Name: "tls", Duration: 5 * time.Millisecond}, {Name: "response", Duration: 20 * time.Millisecond}}
	next := func(ok bool) track.Check {
		at = at.Add(time.Second)
		r := track.Check{Start: at, Latency: 30 * time.Millisecond, OK: ok, Facts: facts, Phases: phases}
		if !ok {
			r.Reason = "connection refused"
		}
		return r
	}
	for range 2 * 100 {
		t.Observe(next(false))
		t.Observe(next(false))
		t.Observe(next(true))
	}
	for range 200 {
		t.Observe(next(true))
	}
}
