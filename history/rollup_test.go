package history

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// sample is one synthetic result: ms since the epoch, latency in µs.
type sample struct {
	at, latency int64
	ok          bool
}

// synth records a result every step for each service over [t0, t0+span), with pseudo-random
// latencies from 1ms to about 2s and 5% failures, and returns them by service.
func synth(s *Store, services int, span, step time.Duration) map[string][]sample {
	return synthRounded(s, services, span, step, func(us int64) int64 { return us })
}

// synthRounded is synth with each latency (µs) passed through round.
func synthRounded(s *Store, services int, span, step time.Duration, round func(int64) int64) map[string][]sample {
	rng := rand.New(rand.NewPCG(1, 2))
	out := map[string][]sample{}
	for at := time.Duration(0); at < span; at += step {
		for i := range services {
			name := fmt.Sprint("svc", i)
			latency := time.Duration(round(int64(1000*(1+rng.ExpFloat64()*50)))) * time.Microsecond
			ok := rng.IntN(20) != 0
			s.RecordResult(name, result(at, latency, ok, ""))
			out[name] = append(out[name], sample{t0.Add(at).UnixMilli(), latency.Microseconds(), ok})
		}
	}
	return out
}

// exact is an aggregate computed directly from samples.
type exact struct {
	checks, failures        int64
	min, p50, p95, p99, max int64
}

func exactOf(xs []sample) exact {
	var e exact
	var lat []int64
	for _, x := range xs {
		e.checks++
		if !x.ok {
			e.failures++
			continue
		}
		lat = append(lat, x.latency)
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		rank := func(q float64) int64 { return lat[max(int((q*float64(len(lat)))+0.999999), 1)-1] }
		e.min, e.p50, e.p95, e.p99, e.max = lat[0], rank(0.50), rank(0.95), rank(0.99), lat[len(lat)-1]
	}
	return e
}

// near reports whether a histogram percentile is within the promised 2.2% (and a µs of
// rounding) of the exact one.
func near(got, want int64) bool {
	d := float64(got - want)
	return d <= 0.022*float64(want)+1 && -d <= 0.022*float64(want)+1
}

// stored reads the aggregates of table for a service, by start; "minute_pack" reads the
// packed per-minute tier.
func stored(t *testing.T, s *Store, table, service string) map[int64]exact {
	t.Helper()
	if table == "agg_hour" { // and hour_pack
		id := scalar[int64](t, s, "SELECT id FROM service WHERE name = ?", service)
		m := map[int64]exact{}
		err := eachHour(context.Background(), s.ro, id, math.MinInt64, math.MaxInt64, func(start int64, a *agg) {
			e := m[start] // an hour in both tables: only late results make one
			e.checks, e.failures = e.checks+a.checks, e.failures+a.failures
			if a.passed() > 0 {
				e.min, e.p50, e.p95, e.max = a.min, a.quantile(0.5), a.quantile(0.95), a.max
			}
			m[start] = e
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if table == "minute_pack" {
		m := map[int64]exact{}
		for start, a := range packedMinutes(t, s, service) {
			e := exact{checks: a.checks, failures: a.failures}
			if a.passed() > 0 {
				e.min, e.p50, e.p95, e.max = a.min, a.quantile(0.5), a.quantile(0.95), a.max
			}
			m[start] = e
		}
		return m
	}
	rows, err := s.ro.Query("SELECT a.start, checks, failures, coalesce(lat_min, 0), coalesce(lat_p50, 0), coalesce(lat_p95, 0), coalesce(lat_max, 0) FROM "+
		table+" a JOIN service s ON s.id = a.service WHERE s.name = ?", service)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[int64]exact{}
	for rows.Next() {
		var start int64
		var e exact
		if err := rows.Scan(&start, &e.checks, &e.failures, &e.min, &e.p50, &e.p95, &e.max); err != nil {
			t.Fatal(err)
		}
		m[start] = e
	}
	return m
}

// checkAggs compares the stored aggregates of table with the exact ones of the samples in
// [from, to) bucketed by unit.
func checkAggs(t *testing.T, s *Store, table string, all map[string][]sample, unit, from, to int64) {
	t.Helper()
	for name, xs := range all {
		want := map[int64][]sample{}
		for _, x := range xs {
			if x.at >= from && x.at < to {
				k := floorTo(x.at, unit)
				want[k] = append(want[k], x)
			}
		}
		got := stored(t, s, table, name)
		if len(got) != len(want) {
			t.Errorf("%s %s: %d rows, want %d", table, name, len(got), len(want))
		}
		for k, xs := range want {
			g, w := got[k], exactOf(xs)
			w.p99 = 0 // not stored: read from the histogram when asked for
			// The per-minute tier keeps the fastest and slowest check to their histogram bucket.
			minMax := g.min == w.min && g.max == w.max
			if table == "minute_pack" {
				minMax = near(g.min, w.min) && near(g.max, w.max)
			}
			if g.checks != w.checks || g.failures != w.failures || !minMax || !near(g.p50, w.p50) || !near(g.p95, w.p95) {
				t.Errorf("%s %s at %v = %+v, want %+v", table, name, time.UnixMilli(k).UTC(), g, w)
			}
		}
	}
}

func TestRollup(t *testing.T) {
	for _, chunk := range []int{7, 0} { // 7: minutes split across transactions
		t.Run(fmt.Sprint("chunk ", chunk), func(t *testing.T) {
			now := t0.Add(5 * time.Hour)
			s, _ := openTest(t, Options{Retention: time.Hour, Now: newClock(now).Now, rollupChunk: chunk})
			all := synth(s, 3, 5*time.Hour, 20*time.Second)
			flush(t, s)
			begin, end := t0.UnixMilli(), now.UnixMilli()
			checkAggs(t, s, "agg_hour", all, hourMS, begin, end)

			if err := s.Rollup(now); err != nil {
				t.Fatalf("Rollup = %v", err)
			}
			rawFrom := now.Add(-time.Hour).UnixMilli()        // retention
			minuteFrom := now.Add(-2 * time.Hour).UnixMilli() // twice the retention
			checkAggs(t, s, "agg_hour", all, hourMS, begin, end)
			checkAggs(t, s, "minute_pack", all, minuteMS, minuteFrom, rawFrom)
			if n := scalar[int](t, s, "SELECT count(*) FROM result WHERE at < ?", rawFrom); n != 0 {
				t.Errorf("%d raw results older than the retention after Rollup, want 0", n)
			}
			if n := scalar[int](t, s, "SELECT count(*) FROM result"); n != 3*180 {
				t.Errorf("%d raw results within the retention, want %d", n, 3*180)
			}
			// Nothing was dropped without a summary: every check is in the hours, and over the
			// last two hours also in the minutes and the raw results.
			if n := hourChecks(t, s); n != 3*900 {
				t.Errorf("hourly aggregates count %d checks, want %d", n, 3*900)
			}
			if n := minuteChecks(t, s) + scalar[int64](t, s, "SELECT count(*) FROM result"); n != 3*360 {
				t.Errorf("minutes and raw results count %d checks, want %d", n, 3*360)
			}
			w, err := s.Uptime("svc1", 5*time.Hour, now)
			e := exactOf(all["svc1"])
			if err != nil || w.Checks != e.checks || w.Failures != e.failures || !near(w.P95.Microseconds(), e.p95) {
				t.Errorf("Uptime(5h) after Rollup = %d checks, %d failures, P95 %v, %v; want %+v", w.Checks, w.Failures, w.P95, err, e)
			}
			// A second rollup finds nothing more to do.
			if err := s.Rollup(now); err != nil {
				t.Fatalf("Rollup again = %v", err)
			}
			checkAggs(t, s, "minute_pack", all, minuteMS, minuteFrom, rawFrom)
		})
	}
}

func TestHistogram(t *testing.T) {
	var a agg
	for us := int64(1); us <= 10_000_000; us = us*11/10 + 1 {
		a.add(us, true)
		if got := bucketMid(bucket(us)); !near(got, us) {
			t.Errorf("bucketMid(bucket(%d)) = %d, want within 2.2%%", us, got)
		}
	}
	var b agg
	if err := b.addHist(a.encodeHist()); err != nil || !slices.Equal(b.dense(), a.dense()) {
		t.Errorf("addHist(encodeHist(h)) = %v, %v; want h back", b.hist, err)
	}
	for _, bad := range [][]byte{{0x80}, {1}, {0xff, 0xff, 0xff, 0x7f, 1}} {
		if err := b.addHist(bad); err == nil {
			t.Errorf("addHist(%x) = nil error, want one", bad)
		}
	}
}

// TestTiersAnswerAlike asks the same questions before and after a rollup moves results down
// the tiers (raw results older than Raw become per-minute aggregates, packed; per-minute
// aggregates older than minuteKeep are deleted, their hours kept): uptime windows, chart
// buckets, the restored state (sparkline and recent checks) and incidents answer alike, as
// long as a window's edges lie where per-minute detail is kept. The per-minute tier keeps a
// minute's fastest and slowest check to their histogram bucket (see pack.go): latencies read
// from it are within 2.2% of what the raw results said, everything else is exact; with every
// latency at the middle of its bucket, the answers are exactly alike.
func TestTiersAnswerAlike(t *testing.T) {
	t.Run("any latency", func(t *testing.T) {
		testTiersAnswerAlike(t, false, func(us int64) int64 { return us })
	})
	t.Run("latencies at bucket middles", func(t *testing.T) {
		testTiersAnswerAlike(t, true, func(us int64) int64 { return bucketMid(bucket(us)) })
	})
}

func testTiersAnswerAlike(t *testing.T, exactly bool, round func(int64) int64) {
	now := t0.Add(6*24*time.Hour + 17*time.Minute)
	s, _ := openTest(t, Options{Retention: 9 * 24 * time.Hour, Now: newClock(now).Now, QueueSize: 100_000})
	if got, want := s.opts.Raw, 48*time.Hour; got != want {
		t.Fatalf("Raw by default = %v, want %v", got, want)
	}
	if got, want := s.opts.minuteKeep(), 4*24*time.Hour; got != want {
		t.Fatalf("minuteKeep() = %v, want %v", got, want)
	}
	for i := range 2 {
		s.Register(fmt.Sprint("svc", i), "", 40*time.Second)
	}
	// An outage a day for svc0, 30 minutes from 03:00.
	for d := range 6 {
		start := t0.Add(time.Duration(d)*24*time.Hour + 15*time.Hour)
		o := track.Outage{Start: start, Cause: "refused"}
		s.RecordEvent("svc0", "", track.Event{Kind: track.OutageStarted, At: start, Outage: o})
		o.End = start.Add(30 * time.Minute)
		s.RecordEvent("svc0", "", track.Event{Kind: track.OutageEnded, At: o.End, Outage: o})
	}
	synthRounded(s, 2, now.Sub(t0), 40*time.Second, round)
	flush(t, s)
	if st := s.Stats(); st.Dropped+st.Failed > 0 {
		t.Fatalf("Stats() = %+v, want nothing dropped or failed", st)
	}

	type answers struct {
		windows map[string]Window
		charts  map[string][]Bucket
		saved   map[string]track.Saved
		inc     []Incident
	}
	ask := func() answers {
		a := answers{windows: map[string]Window{}, charts: map[string][]Bucket{}, saved: map[string]track.Saved{}}
		for i := range 2 {
			name := fmt.Sprint("svc", i)
			for _, w := range []time.Duration{time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, 90 * time.Minute} {
				if w < 48*time.Hour { // ends where raw results end after the rollup, starts after minuteKeep
					got, err := s.Uptime(name, w, now.Add(-2*24*time.Hour))
					if err != nil {
						t.Fatal(err)
					}
					a.windows[fmt.Sprint(name, " ", w, " ending 2d ago")] = got
				}
				got, err := s.Uptime(name, w, now)
				if err != nil {
					t.Fatal(err)
				}
				a.windows[fmt.Sprint(name, " ", w)] = got
			}
			for _, c := range []struct {
				window time.Duration
				n      int
			}{{time.Hour, 120}, {24 * time.Hour, 96}, {3 * 24 * time.Hour, 144}, {3 * 24 * time.Hour, 72}, {6 * 24 * time.Hour, 144}} {
				got, err := s.Chart(name, c.window, now, c.n)
				if err != nil {
					t.Fatal(err)
				}
				a.charts[fmt.Sprint(name, " ", c.window, "/", c.n)] = got
			}
			st, err := s.Restore(name)
			if err != nil {
				t.Fatal(err)
			}
			a.saved[name] = st
		}
		var err error
		if a.inc, err = s.Incidents(time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		return a
	}
	before := ask()
	rawBefore := scalar[int](t, s, "SELECT count(*) FROM result")
	if err := s.Rollup(now); err != nil {
		t.Fatalf("Rollup = %v", err)
	}
	after := ask()

	rawCut, minuteCut := now.Add(-48*time.Hour).UnixMilli(), now.Add(-4*24*time.Hour).UnixMilli()
	if n := scalar[int](t, s, "SELECT count(*) FROM result WHERE at < ?", floorTo(rawCut, minuteMS)); n != 0 {
		t.Errorf("%d raw results older than Raw after Rollup, want 0", n)
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM result"); n >= rawBefore/2 {
		t.Errorf("%d raw results after Rollup, %d before: want the older two thirds rolled up", n, rawBefore)
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM minute_pack WHERE start < ?", floorTo(minuteCut, hourMS)); n != 0 {
		t.Errorf("%d per-minute aggregates older than minuteKeep after Rollup, want 0", n)
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM minute_pack"); n == 0 {
		t.Error("no per-minute aggregates after Rollup, want those between Raw and minuteKeep")
	}
	dayCut := floorTo(rawCut, dayMS)
	if n := scalar[int](t, s, "SELECT count(*) FROM agg_hour WHERE start < ?", dayCut); n != 0 {
		t.Errorf("%d hourly aggregates unpacked before the day of Raw after Rollup, want 0", n)
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM hour_pack"); n != 2*int((dayCut-floorTo(t0.UnixMilli(), dayMS))/dayMS) {
		t.Errorf("%d days of hours packed after Rollup, want every day before the day of Raw", n)
	}
	// alike reports whether two latencies are equal, or within 2.2% unless exactly.
	alike := func(got, want *time.Duration) bool {
		ok := *got == *want || !exactly && near(got.Microseconds(), want.Microseconds())
		*got, *want = 0, 0 // compared: the rest of the struct must be equal
		return ok
	}
	for k, w := range before.windows {
		g := after.windows[k]
		if !alike(&g.P50, &w.P50) || !alike(&g.P95, &w.P95) || !alike(&g.P99, &w.P99) || g != w {
			t.Errorf("Uptime(%s) after Rollup = %+v, want %+v as before", k, after.windows[k], before.windows[k])
		}
	}
	for k, c := range before.charts {
		if len(after.charts[k]) != len(c) {
			t.Errorf("Chart(%s) after Rollup has %d buckets, want %d", k, len(after.charts[k]), len(c))
			continue
		}
		for i := range c {
			g, w := after.charts[k][i], c[i]
			if !alike(&g.Min, &w.Min) || !alike(&g.P50, &w.P50) || !alike(&g.Max, &w.Max) || g != w {
				t.Errorf("Chart(%s) bucket %d after Rollup = %+v, want %+v as before", k, i, after.charts[k][i], c[i])
			}
		}
	}
	for k, st := range before.saved {
		if !reflect.DeepEqual(after.saved[k], st) {
			a := after.saved[k]
			t.Errorf("Restore(%s) after Rollup = %d recent, %d samples, %d checks, %v observed; want as before: %d, %d, %d, %v",
				k, len(a.Recent), len(a.Samples), a.Checks, a.Observed, len(st.Recent), len(st.Samples), st.Checks, st.Observed)
		}
	}
	if !reflect.DeepEqual(after.inc, before.inc) {
		t.Errorf("Incidents after Rollup = %+v, want %+v as before", after.inc, before.inc)
	}
}
