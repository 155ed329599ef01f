package history

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/uptty/uptty/track"
)

// hourAggBytes returns the heap per service of n hourly aggregates as the writer keeps them in
// memory (its hours map), each having seen an hour of checks every interval seconds: latencies
// around 21 ms with a spread of a few ms, a slow one now and then, every 10th service failing.
// An hour's aggregate is the most the writer keeps of a service, so this is the figure after
// hours, not only after the minute a farm run lasts.
func hourAggBytes(n, interval int) float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	hours := make(map[aggKey]*agg, n)
	for i := range n {
		a := &agg{}
		for k := range 3600 / interval {
			us := int64(20_000 + rng.IntN(5_000))
			if k%100 == 0 {
				us = int64(40_000 + rng.IntN(200_000)) // a slow check
			}
			a.add(us, i%10 != 0)
		}
		hours[aggKey{int64(i), 0}] = a
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(hours)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// TestHourAggBytes guards the writer's in-memory aggregates against growing back to a
// histogram from bucket 0 (2.2 KB a service). The bound is loose: it is a heap figure.
func TestHourAggBytes(t *testing.T) {
	for _, interval := range []int{10, 1} {
		if got := hourAggBytes(10_000, interval); got > 1536 {
			t.Errorf("hourAggBytes(10000, %d) = %.0f B a service, want under 1.5 KB", interval, got)
		}
	}
}

// BenchmarkHourAggBytes reports the heap per service of the writer's hourly aggregates after
// an hour of checks at 10 s and at 1 s. Run it with -benchtime=1x.
func BenchmarkHourAggBytes(b *testing.B) {
	for _, interval := range []int{10, 1} {
		b.Run(fmt.Sprint(interval, "s"), func(b *testing.B) {
			for range b.N {
				b.ReportMetric(hourAggBytes(10_000, interval), "heap-B/svc")
			}
		})
	}
}

// TestQueuedResultBytes guards the size of a queued write: the queue holds a second of results
// (1,000 at 1,000 services every second) and, behind a slow commit, up to Options.QueueSize (4,096
// and one per service): a plain result is an op without more, which must stay small (256 bytes
// when every op carried every field).
func TestQueuedResultBytes(t *testing.T) {
	if size := unsafe.Sizeof(op{}); size > 88 {
		t.Errorf("an op is %d bytes, want at most 88", size)
	}
	o := resultOp("api", track.Check{Start: time.Now(), Latency: time.Millisecond, OK: true})
	if o.more != nil {
		t.Errorf("resultOp(...).more = %+v, want nil: a plain result carries nothing else", o.more)
	}
}
