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
