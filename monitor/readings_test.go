package monitor

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// TestReadings: a scrape's readings carry the newest check's typed facts and phases, the
// outage count and the status; the lateness hook sees every check, late by the wait for a
// concurrency slot.
func TestReadings(t *testing.T) {
	monBubble(t, func(t *testing.T) {
		expiry := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
		checker := monFunc(func(ctx context.Context) probe.Result {
			<-time.After(time.Second) // a check of a second on the bubble's clock: it holds the one slot
			return probe.Result{OK: true, StatusCode: 204, CertExpiry: expiry,
				Phases: []probe.Phase{{Name: probe.PhaseDNS, Duration: time.Millisecond}}}
		})
		var mu sync.Mutex
		var lates []time.Duration
		m := NewMonitor([]Target{
			{Service: monSvc("a", time.Minute, 2*time.Second, time.Second), Checker: checker},
			{Service: monSvc("b", time.Minute, 2*time.Second, time.Second), Checker: checker},
		}, Options{Concurrency: 1, MinBatchInterval: -1, Lateness: func(d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			lates = append(lates, d)
		}})
		if rs := m.Readings(nil); len(rs) != 2 || rs[0].HasLast || rs[0].Service.Name != "a" || rs[1].Service.Name != "b" {
			t.Fatalf("Readings() before Run = %+v, want a and b, unchecked", rs)
		}
		monRun(t, m)
		monNextUntil(t, m, "b", func(s track.Status) bool { return s.State == track.Up })
		rs := m.Readings(nil)
		for _, r := range rs {
			if !r.HasLast || r.Last.StatusCode != 204 || !r.Last.CertExpiry.Equal(expiry) ||
				len(r.Last.Phases) != 1 || r.Last.Facts != nil || r.Status.State != track.Up {
				t.Errorf("Readings()[%s] = %+v, want the check's status code, expiry and phases", r.Service.Name, r)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		// However the first checks are spread, the second waited for the first's slot.
		if len(lates) != 2 || lates[0] != 0 || lates[1] <= 0 || lates[1] > time.Second {
			t.Errorf("lateness = %v, want two, the second late by its wait for the slot", lates)
		}
	})
}

// BenchmarkReadings1000 is what a metrics scrape takes from the monitor at 1,000 services,
// under the monitor's lock.
func BenchmarkReadings1000(b *testing.B) {
	targets := make([]Target, 1000)
	for i := range targets {
		targets[i] = Target{Service: monSvc(fmt.Sprint("svc", i), time.Minute, time.Second, time.Second)}
	}
	m := NewMonitor(targets, Options{})
	t0 := time.Now()
	for i, tr := range m.trackers {
		for k := range track.SampleCap {
			tr.Observe(track.Check{Start: t0.Add(time.Duration(k) * time.Second), Latency: time.Duration(i) * time.Microsecond,
				OK: true, StatusCode: 200, Phases: []track.Phase{{Name: "dns", Duration: time.Millisecond}, {Name: "connect"}}})
		}
	}
	var buf []Reading
	b.ReportAllocs()
	for b.Loop() {
		buf = m.Readings(buf[:0])
	}
}
