package history

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptty/uptty/bench/child"
	"github.com/uptty/uptty/track"
)

// BenchmarkRecordResult measures sustained writes of 100 services' results: committed in
// batches of up to 1000 (a burst), or one transaction per result (a calm monitor: 100 services
// at 30s give 3 results a second, each its own commit). It reports throughput, the process's
// CPU time per result (the writer goroutine included) and the file size per million results.
func BenchmarkRecordResult(b *testing.B) {
	for _, batch := range []int{1000, 1} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			s, path := openTest(b, Options{QueueSize: 4096})
			names := make([]string, 100)
			for i := range names {
				names[i] = fmt.Sprint("service-", i)
				s.Register(names[i], "", 30*time.Second)
			}
			flush(b, s)
			empty := dbSize(b, s, path)
			cpu0 := child.CPUTime()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r := track.Check{Start: t0.Add(time.Duration(i/100) * 30 * time.Second),
					Latency: time.Duration(20+i%200) * time.Millisecond, OK: i%50 != 0}
				if !r.OK {
					r.Reason = "status 503, want 200-399"
				}
				s.RecordResult(names[i%100], r)
				if (i+1)%batch == 0 {
					flush(b, s)
				}
			}
			flush(b, s)
			b.StopTimer()
			cpu := child.CPUTime() - cpu0
			if st := s.Stats(); st.Dropped+st.Failed > 0 {
				b.Fatalf("Stats() = %+v, want nothing dropped or failed", st)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/result")
			b.ReportMetric(float64(dbSize(b, s, path)-empty)/float64(b.N), "MB/Mresults")
		})
	}
}

// dbSize checkpoints the WAL into the database and returns the size of both files.
func dbSize(b *testing.B, s *Store, path string) int64 {
	execWriter(b, s, "PRAGMA wal_checkpoint(TRUNCATE)")
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// BenchmarkRestore measures a startup: Restore for each of 100 services with 30 days of
// history (see fixture), then the same with the four uptime windows the UI shows; as rows and
// packed.
func BenchmarkRestore(b *testing.B) {
	for _, packed := range []bool{false, true} {
		b.Run(fmt.Sprint("packed=", packed), func(b *testing.B) { benchRestore(b, packed) })
	}
}

func benchRestore(b *testing.B, packed bool) {
	path, now := fixture(b)
	if packed {
		packFixture(b, path, now)
	}
	s, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	windows := []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}
	for _, withUptime := range []bool{false, true} {
		b.Run(fmt.Sprintf("100 services, uptime windows %v", withUptime), func(b *testing.B) {
			n := 0
			if withUptime {
				n = len(windows)
			}
			b.ReportAllocs()
			for b.Loop() {
				for i := range fixtureServices {
					st, err := s.Restore(fixtureName(i))
					if err != nil || len(st.Samples) != track.SampleCap {
						b.Fatalf("Restore = %d samples, %v", len(st.Samples), err)
					}
					for _, w := range windows[:n] {
						if _, err := s.Uptime(fixtureName(i), w, now); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
		})
	}
}

// BenchmarkUptimeWindow measures one Uptime query per window size over the fixture, as rows
// and packed (packedFixture).
func BenchmarkUptimeWindow(b *testing.B) {
	for _, packed := range []bool{false, true} {
		b.Run(fmt.Sprint("packed=", packed), func(b *testing.B) { benchUptimeWindow(b, packed) })
	}
}

func benchUptimeWindow(b *testing.B, packed bool) {
	path, now := fixture(b)
	if packed {
		packFixture(b, path, now)
	}
	s, err := Open(path, Options{ReadOnly: true, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, w := range []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour} {
		b.Run(fmt.Sprint("window=", w), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Uptime(fixtureName(i%fixtureServices), w, now); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}

// packFixture rolls the fixture up as the writer would at its end: the hours of the days
// before the raw results' packed a day to a row, its raw results but the last hour or two
// packed an hour to a row.
func packFixture(b *testing.B, path string, now time.Time) {
	s, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Rollup(now); err != nil {
		b.Fatal(err)
	}
	if n := scalar[int](b, s, "SELECT count(*) FROM raw_pack"); n == 0 {
		b.Fatal("nothing packed")
	}
}

const (
	fixtureServices = 100
	fixtureDays     = 30
)

func fixtureName(i int) string { return fmt.Sprintf("service-%03d", i) }

// fixture writes 30 days of history for 100 services, checked every 30s, straight into the
// tables, and returns the file and the time it ends (17 minutes into an hour, so that windows
// have ragged edges). It holds what the store would: hourly aggregates for all 30 days; a
// coverage run a day (uptty restarted daily, 5 minutes down); an outage a day (10 minutes) and
// its state changes, one open for every tenth service; raw results for the last day only. The
// raw results of the 29 days before (7.5M rows) are left out to keep the fixture quick to
// build: no query reads them (Restore reads the newest rows of an index, Uptime the raw rows of
// its window's first and last partial hours), so they would only add a level to the index.
func fixture(b *testing.B) (string, time.Time) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "history.db")
	now := t0.Add(fixtureDays*24*time.Hour + 17*time.Minute)
	s, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, false, false))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := tx.Exec(q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	prep := func(q string) *sql.Stmt {
		st, err := tx.Prepare(q)
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	hour := prep("INSERT INTO agg_hour (service, start, checks, failures, lat_min, lat_p50, lat_p95, lat_max, hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
	raw := prep("INSERT INTO result (service, at, latency, ok, reason) VALUES (?, ?, ?, ?, NULL)")
	var a agg
	for i := range 120 {
		a.add(int64(40_000+(i*7919)%80_000), true)
	}
	hist := a.encodeHist()
	begin, end := t0.UnixMilli(), now.UnixMilli()
	for i := range fixtureServices {
		id := int64(i + 1)
		exec("INSERT INTO service (id, name, grp) VALUES (?, ?, ?)", id, fixtureName(i), fmt.Sprint("group-", i%10))
		for h := begin; h < end; h += hourMS {
			if _, err := hour.Exec(id, h, 120, 0, a.min, a.quantile(0.5), a.quantile(0.95), a.max, hist); err != nil {
				b.Fatal(err)
			}
		}
		for at := end - 24*hourMS; at < end; at += 30_000 {
			if _, err := raw.Exec(id, at, 40_000+(at/30_000*7919)%80_000, true); err != nil {
				b.Fatal(err)
			}
		}
		for d := range int64(fixtureDays + 1) {
			day := begin + d*24*hourMS
			exec("INSERT INTO coverage (service, started, ended) VALUES (?, ?, ?)", id, day+5*minuteMS, min(day+24*hourMS, end+minuteMS))
			start := day + 12*hourMS + int64(i)*minuteMS
			if start >= end {
				continue
			}
			var stop any = start + 10*minuteMS
			if d == fixtureDays-1 && i%10 == 0 {
				stop = nil
			}
			exec("INSERT INTO outage (service, started, ended, cause) VALUES (?, ?, ?, 'status 503, want 200-399')", id, start, stop)
			exec("INSERT INTO state_change (service, at, from_state, to_state, reason) VALUES (?, ?, 1, 4, 'status 503, want 200-399')", id, start)
			if stop != nil {
				exec("INSERT INTO state_change (service, at, from_state, to_state, reason) VALUES (?, ?, 4, 1, '')", id, stop)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return path, now
}

// BenchmarkWriter10k measures the writer's sustained capacity at the scale of the issue:
// 10,000 services checked every second, the results handed to the queue as fast as the writer
// takes them (so every commit is a full batch, as in a burst). It reports results/s, the
// process's CPU per result (the writer goroutine included) and the bytes the file grows by
// per result (raw results and aggregates, WAL checkpointed).
func BenchmarkWriter10k(b *testing.B) {
	const services = 10_000
	s, path := openTest(b, Options{})
	names := make([]string, services)
	for i := range names {
		names[i] = fmt.Sprintf("api-%05d.example.com", i)
		s.Register(names[i], fmt.Sprint("group-", i%20), time.Second)
	}
	// Every service known to the file first: the benchmark is the steady state.
	for i, name := range names {
		s.queue.put(context.Background(), resultOp(name, track.Check{Start: t0.Add(time.Duration(i) * 50 * time.Microsecond), Latency: time.Millisecond, OK: true}))
	}
	flush(b, s)
	empty := dbSize(b, s, path)
	cpu0 := child.CPUTime()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		round, k := i/services+1, i%services
		r := track.Check{Start: t0.Add(time.Duration(round)*time.Second + time.Duration(k)*50*time.Microsecond),
			Latency: time.Duration(20_000+(i*7919)%80_000) * time.Microsecond, OK: i%100 != 0}
		if !r.OK {
			r.Reason = "status 503, want 200-399"
		}
		o := resultOp(names[k], r)
		o.group, o.hasGroup, o.span = "", false, 2*time.Second
		s.queue.put(context.Background(), o) // blocking: the writer's pace, nothing dropped
	}
	execWriter(b, s, "") // a barrier: everything before it is committed
	b.StopTimer()
	cpu := child.CPUTime() - cpu0
	flush(b, s)
	if st := s.Stats(); st.Dropped+st.Failed > 0 {
		b.Fatalf("Stats() = %+v, want nothing dropped or failed", st)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/result")
	b.ReportMetric(float64(dbSize(b, s, path)-empty)/float64(b.N), "B/result")
}

// BenchmarkHistorySize drives the writer on a fake clock (a day of checks in seconds) for
// services checked every 1 s, 10 s and 30 s (the default), rolls up every hour with raw
// results kept for half the run, and measures what each tier takes on disk (SQLite's dbstat:
// pages, so B-tree overhead and free space included): a raw result as a row (the last hour or
// two) and packed, a per-minute aggregate, an hourly one. From those it reports the size of a
// history at the default tiers (raw results 48 h, per-minute 30 days, per-hour for good) for
// 1,000 services: what a day adds while all three tiers fill (kB per service, MB for all),
// and MB for 90 days. Run with -benchtime=1x.
func BenchmarkHistorySize(b *testing.B) {
	for _, c := range []struct {
		every    time.Duration
		services int
		span     time.Duration
	}{{time.Second, 4, 24 * time.Hour}, {10 * time.Second, 10, 24 * time.Hour}, {30 * time.Second, 40, 24 * time.Hour}} {
		b.Run(fmt.Sprint("every=", c.every), func(b *testing.B) {
			for b.Loop() {
				size := historyRowBytes(b, c.services, c.every, c.span)
				const services, days = 1000, 90
				perHour := float64(time.Hour / c.every)
				packedDay := 24 * perHour * size["raw_pack"]
				raw := 2*perHour*size["result"] + 46*perHour*size["raw_pack"] // the last two hours are rows
				minutes := 30 * 1440 * size["minute_pack"]
				hours := days * 24 * size["agg_hour"]
				day := packedDay + 1440*size["minute_pack"] + 24*size["agg_hour"]
				b.ReportMetric(size["result"], "B/raw-row")
				b.ReportMetric(size["raw_pack"], "B/packed-result")
				b.ReportMetric(size["minute_pack"], "B/minute")
				b.ReportMetric(size["agg_hour"], "B/hour")
				b.ReportMetric(day/1e3, "kB/service-day")
				b.ReportMetric(services*day/1e6, "MB/day-all-tiers")
				b.ReportMetric(services*(raw+minutes+hours)/1e6, "MB/90d-tiered")
				b.ReportMetric(services*days*(packedDay+24*size["agg_hour"])/1e6, "MB/90d-raw-kept")
			}
		})
	}
}

// historyRowBytes records services checked every `every` for span on a fake clock from a
// midnight (UTC), rolling up every hour with raw results kept for half the span, and returns
// the bytes on disk per row of result, per result packed in raw_pack (and its index) and per
// minute held in minute_pack; then it rolls up
// everything (hours are packed a day to a row once the raw results of their day are gone)
// and returns the bytes used per hour held in hour_pack and its index, under "agg_hour".
func historyRowBytes(b *testing.B, services int, every, span time.Duration) map[string]float64 {
	start := t0.Add(12 * time.Hour)
	clk := newClock(start)
	s, _ := openTest(b, Options{Retention: 90 * 24 * time.Hour, Raw: span / 2, Now: clk.Now})
	names := make([]string, services)
	for i := range names {
		names[i] = fmt.Sprintf("api-%03d.example.com", i)
		s.Register(names[i], "", every)
	}
	// Latencies at random over 20-50 ms, starts a few ms off: a sequence that repeats would
	// flatter DEFLATE.
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for at := time.Duration(0); at < span; at += every {
		if at%time.Hour == 0 && at > 0 {
			clk.Set(start.Add(at))
			if err := s.Rollup(start.Add(at)); err != nil {
				b.Fatal(err)
			}
		}
		for i, name := range names {
			// Checks start a few ms off their schedule, as timers fire.
			r := track.Check{Start: start.Add(at + time.Duration(i)*every/time.Duration(services) + time.Duration(rng.IntN(5))*time.Millisecond),
				Latency: time.Duration(20_000+rng.IntN(30_000)) * time.Microsecond, OK: n%100 != 0}
			if !r.OK {
				r.Reason = "status 503, want 200-399"
			}
			o := resultOp(name, r)
			o.span = 2 * every
			s.queue.put(context.Background(), o) // blocking: nothing dropped
			n++
		}
	}
	rollup := func(at time.Time) {
		clk.Set(at)
		if err := s.Rollup(at); err != nil {
			b.Fatal(err)
		}
		flush(b, s)
		execWriter(b, s, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	pages := func(table string) float64 {
		var n int64
		if err := s.ro.QueryRow("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?", table).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return float64(n)
	}
	perRow := func(table string, rows int64) float64 {
		if rows == 0 {
			b.Fatalf("no rows in %s", table)
		}
		return pages(table) / float64(rows)
	}
	rollup(start.Add(span))
	var packed int64
	rows, err := s.ro.Query("SELECT start, data FROM raw_pack")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var hour int64
		var blob []byte
		if err := rows.Scan(&hour, &blob); err != nil {
			b.Fatal(err)
		}
		if err := decodeRaw(hour, blob, func(rawResult) { packed++ }); err != nil {
			b.Fatal(err)
		}
	}
	rows.Close()
	out := map[string]float64{
		"result":      perRow("result", scalar[int64](b, s, "SELECT count(*) FROM result")),
		"raw_pack":    (pages("raw_pack") + pages("raw_pack_key")) / float64(packed),
		"minute_pack": perRow("minute_pack", packedCount(b, s, "minute_pack")),
	}
	days := (span + 24*time.Hour - 1) / (24 * time.Hour)
	rollup(start.Add(days*24*time.Hour + span/2))
	if n := scalar[int64](b, s, "SELECT count(*) FROM agg_hour"); n != 0 {
		b.Fatalf("%d rows left in agg_hour, want all packed", n)
	}
	// A few dozen rows of a day each fill a few pages: the free space of a part-filled last
	// page would be most of the figure. Rows appended in rowid order fill their pages, so
	// the bytes used are the steady state here.
	var used int64
	if err := s.ro.QueryRow("SELECT coalesce(sum(pgsize - unused), 0) FROM dbstat WHERE name IN ('hour_pack', 'hour_pack_key')").Scan(&used); err != nil {
		b.Fatal(err)
	}
	out["agg_hour"] = float64(used) / float64(packedCount(b, s, "hour_pack"))
	return out
}

// packedCount is the number of minutes (minute_pack) or hours (hour_pack) with checks held in
// table.
func packedCount(b *testing.B, s *Store, table string) (n int64) {
	rows, err := s.ro.Query("SELECT data FROM " + table)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var blob []byte
		if err := rows.Scan(&blob); err != nil {
			b.Fatal(err)
		}
		if err := decodePack(blob, 60, func(int, *agg) { n++ }); err != nil {
			b.Fatal(err)
		}
	}
	return n
}

// BenchmarkWriterPaced feeds the writer at a steady rate through RecordResult and the default
// queue, as a monitor does (1,000 services at 10 s: 100 results a second; 10,000: 1,000;
// 10,000 at 1 s: 10,000), for two seconds per iteration, and reports the process's CPU per
// result, the commits per second and the results dropped because the queue was full (the
// issue's bar: none at 10,000 a second). At the lower rates the cost of a commit, not of a
// row, is what the writer spends. Run with -benchtime=1x.
func BenchmarkWriterPaced(b *testing.B) {
	for _, rate := range []int{100, 1000, 10_000} {
		b.Run(fmt.Sprint("results/s=", rate), func(b *testing.B) {
			s, _ := openTest(b, Options{})
			services, every := 10*rate, 10*time.Second // 1,000 or 10,000 at 10 s
			if rate > 1000 {
				services, every = rate, time.Second // 10,000 at 1 s
			}
			names := make([]string, services)
			for i := range names {
				names[i] = fmt.Sprintf("api-%05d.example.com", i)
				s.Register(names[i], "", every)
			}
			var results, commits uint64
			var cpu time.Duration
			for b.Loop() {
				flush(b, s)
				commits0 := s.commits.Load()
				cpu0 := child.CPUTime()
				// One tick a millisecond at most, with the results due by then: a ticker per
				// result cannot keep 10,000 a second.
				step := max(time.Second/time.Duration(rate), time.Millisecond)
				tick := time.NewTicker(step)
				start := time.Now()
				for n := 0; n < 2*rate; n++ {
					if due := start.Add(time.Duration(n) * time.Second / time.Duration(rate)); time.Until(due) > 0 {
						<-tick.C
					}
					i := int(results) + n
					s.RecordResult(names[i%services], track.Check{Start: start.Add(time.Duration(n) * time.Second / time.Duration(rate)),
						Latency: time.Duration(20_000+(i*7919)%30_000) * time.Microsecond, OK: true})
				}
				tick.Stop()
				execWriter(b, s, "")
				cpu += child.CPUTime() - cpu0
				commits += s.commits.Load() - commits0
				results += uint64(2 * rate)
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(results), "cpu-µs/result")
			b.ReportMetric(float64(commits)/2/float64(b.N), "commits/s")
			b.ReportMetric(float64(s.Stats().Dropped), "dropped")
		})
	}
}

// BenchmarkRollup10k measures an hourly rollup at 10,000 services checked every 10 s: with
// nothing old enough to roll up or pack (the first rollup, a minute after a start on a fresh
// history), and with the hour before the last one to pack (every rollup after the first hour).
// It reports the process's CPU per rollup.
func BenchmarkRollup10k(b *testing.B) {
	const services = 10_000
	for _, c := range []struct {
		name string
		back time.Duration // how long before the rollup the service's results start
	}{
		{"nothing-old", 10 * time.Minute},
		{"an-hour-to-pack", 2 * time.Hour},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, _ := openTest(b, Options{})
			names := make([]string, services)
			for i := range names {
				names[i] = fmt.Sprintf("api-%05d.example.com", i)
				s.Register(names[i], "", 10*time.Second)
			}
			var cpu time.Duration
			now := t0
			for range b.N {
				b.StopTimer()
				now = now.Add(c.back)
				for i, name := range names {
					for at := now.Add(-c.back); at.Before(now); at = at.Add(10 * time.Minute) {
						r := track.Check{Start: at.Add(time.Duration(i) * time.Millisecond), Latency: 20 * time.Millisecond, OK: true}
						s.queue.put(context.Background(), resultOp(name, r))
					}
				}
				flush(b, s)
				cpu0 := child.CPUTime()
				b.StartTimer()
				if err := s.Rollup(now); err != nil {
					b.Fatal(err)
				}
				cpu += child.CPUTime() - cpu0
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1e6, "cpu-ms/rollup")
		})
	}
}
