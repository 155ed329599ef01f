package history

import (
	"context"
	"fmt"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/uptty/uptty/bench/child"
	"github.com/uptty/uptty/track"
)

// BenchmarkWriter1kAt1s measures the writer at 1,000 services checked every second, each
// second's results committed as one batch as the monitor's gather does: every commit touches a
// leaf of every service, a working set larger than the writer's page cache. With idle readers
// open (as serve has them after its start), SQLite lets the writer's pages grow into the
// readers' budgets (see readerCacheKiB); without, it has its own. It reports the process's
// CPU per result, after enough rounds for the cache to be full.
func BenchmarkWriter1kAt1s(b *testing.B) {
	for _, c := range []struct{ idle, kib int }{{0, 0}, {2, 0}, {0, 2000}, {0, 8000}} {
		idle := c.idle
		b.Run(fmt.Sprintf("idle-readers=%d/cache=%d", idle, c.kib), func(b *testing.B) {
			const services = 1000
			s, _ := openTest(b, Options{})
			names := make([]string, services)
			for i := range names {
				names[i] = fmt.Sprintf("api-%05d.example.com", i)
				s.Register(names[i], "", time.Second)
			}
			ctx := context.Background()
			if c.kib > 0 {
				execWriter(b, s, fmt.Sprintf("PRAGMA cache_size = -%d", c.kib))
			}
			for range idle {
				c, err := s.ro.Conn(ctx)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				var n int
				if err := c.QueryRowContext(ctx, "SELECT count(*) FROM service").Scan(&n); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			round := func() {
				for k := range services {
					at := t0.Add(time.Duration(i/services)*time.Second + time.Duration(k)*time.Millisecond)
					r := track.Check{Start: at, Latency: time.Duration(20_000+(i*7919)%80_000) * time.Microsecond, OK: i%10 != 0}
					o := resultOp(names[k], r)
					o.group, o.hasGroup, o.span = "", false, 2*time.Second
					s.queue.put(context.Background(), o)
					i++
				}
				execWriter(b, s, "") // one commit a round, as at 1 s
			}
			for range 120 { // two minutes: the rows of every service span several leaves
				round()
			}
			cpu0 := child.CPUTime()
			rounds := max(b.N/services, 1)
			b.ResetTimer()
			for range rounds {
				round()
			}
			b.StopTimer()
			b.ReportMetric(float64((child.CPUTime()-cpu0).Nanoseconds())/float64(rounds*services), "cpu-ns/result")
		})
	}
}

// BenchmarkWriter1kAt10s measures the writer at 1,000 services checked every 10 seconds, as the
// load farm runs them: a commit a second of a tenth of the services' results, each in its own
// service's leaf, after 22 minutes of them, when the results table has some 1,300 leaves and
// the page caches are at their group's bound (the pool's, with SQLite's page pool: see
// pagepool.go). It reports the process's CPU per result.
func BenchmarkWriter1kAt10s(b *testing.B) {
	const services, perCommit = 1000, 100
	s, _ := openTest(b, Options{})
	names := make([]string, services)
	for i := range names {
		names[i] = fmt.Sprintf("api-%05d.example.com", i)
		s.Register(names[i], "", 10*time.Second)
	}
	i := 0
	round := func() {
		for range perCommit {
			k := i % services
			at := t0.Add(time.Duration(i/services)*10*time.Second + time.Duration(k)*10*time.Millisecond)
			r := track.Check{Start: at, Latency: time.Duration(20_000+(i*7919)%80_000) * time.Microsecond, OK: i%10 != 0}
			o := resultOp(names[k], r)
			o.group, o.hasGroup, o.span = "", false, 20*time.Second
			s.queue.put(context.Background(), o)
			i++
		}
		execWriter(b, s, "") // one commit a second, as the monitor's gather makes them
	}
	for range 22 * 60 {
		round()
	}
	cpu0 := child.CPUTime()
	rounds := max(b.N/perCommit, 1)
	b.ResetTimer()
	for range rounds {
		round()
	}
	b.StopTimer()
	b.ReportMetric(float64((child.CPUTime()-cpu0).Nanoseconds())/float64(rounds*perCommit), "cpu-ns/result")
	b.ReportMetric(float64(pageCacheStatus(b, sqlite3.SQLITE_STATUS_PAGECACHE_USED)), "pool-slots")
	b.ReportMetric(float64(pageCacheStatus(b, sqlite3.SQLITE_STATUS_PAGECACHE_OVERFLOW)), "overflow-bytes")
}
