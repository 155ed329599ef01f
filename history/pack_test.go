package history

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// randomHour is an hour of per-minute aggregates as the rollup makes them: some minutes
// empty, the others with perMinute checks, a few failing, latencies spread over spread.
func randomHour(rng *rand.Rand, perMinute int, spread float64) *hourMinutes {
	var m hourMinutes
	for i := range m {
		if rng.IntN(10) == 0 {
			continue
		}
		for range perMinute {
			m[i].add(int64(1+rng.ExpFloat64()*spread), rng.IntN(20) != 0)
		}
	}
	return &m
}

// decodeAll decodes a blob into an hour.
func decodeAll(blob []byte) (*hourMinutes, error) {
	var m hourMinutes
	err := decodeMinutes(blob, func(i int, a *agg) {
		if m[i].checks > 0 {
			panic(fmt.Sprintf("minute %d twice", i))
		}
		m[i].merge(a)
	})
	return &m, err
}

// trim drops the empty buckets at the end of a histogram, which encoding does not keep.
// dense is a's histogram from bucket 0 to its last non-empty bucket, to compare two
// aggregates whatever their first bucket.
func (a *agg) dense() []int64 {
	h := make([]int64, a.lo+len(a.hist))
	copy(h[a.lo:], a.hist)
	for len(h) > 0 && h[len(h)-1] == 0 {
		h = h[:len(h)-1]
	}
	return h
}

func TestPackRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		perMinute int
		spread    float64
	}{{0, 0}, {1, 30_000}, {2, 30_000}, {6, 30_000}, {60, 30_000}, {60, 5e6}, {1200, 200}, {3, 0}}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.perMinute, " a minute, spread ", c.spread), func(t *testing.T) {
			for range 20 {
				in := randomHour(rng, c.perMinute, c.spread)
				blob := encodeMinutes(in)
				out, err := decodeAll(blob)
				if err != nil {
					t.Fatalf("decodeMinutes(encodeMinutes(h)) = %v", err)
				}
				for i := range in {
					a, b := &in[i], &out[i]
					if a.checks != b.checks || a.failures != b.failures || !slices.Equal(a.dense(), b.dense()) {
						t.Fatalf("minute %d = %d checks, %d failures, %v; want %d, %d, %v", i, b.checks, b.failures, b.dense(), a.checks, a.failures, a.dense())
					}
					if a.passed() == 0 {
						continue
					}
					if lo, hi := bucketMid(bucket(a.min)), bucketMid(bucket(a.max)); b.min != lo || b.max != hi {
						t.Errorf("minute %d: min, max = %d, %d; want the middles of their buckets %d, %d", i, b.min, b.max, lo, hi)
					}
					for _, q := range []float64{0.5, 0.95, 0.99} {
						if got, want := b.quantile(q), a.quantile(q); !near(got, want) {
							t.Errorf("minute %d: quantile(%v) = %d, want %d within 2.2%%", i, q, got, want)
						}
					}
				}
				// Encoding is a function of what decoding gives back: a merge that adds
				// nothing rewrites the same blob.
				if again := encodeMinutes(out); !slices.Equal(again, blob) {
					t.Fatalf("encodeMinutes(decodeMinutes(b)) = %x, want b = %x", again, blob)
				}
				// Every strict prefix is damaged.
				for n := range len(blob) {
					if _, err := decodeAll(blob[:n]); err == nil {
						t.Fatalf("decodeMinutes(blob[:%d] of %d) = nil error, want one", n, len(blob))
					}
				}
			}
		})
	}
}

// TestPackHoursRoundTrip: a packed day of hours keeps every hour's counts and histogram, and
// its fastest and slowest check exactly.
func TestPackHoursRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, perHour := range []int{0, 1, 2, 120, 360, 3600} {
		var in dayHours
		for i := range in {
			if rng.IntN(6) == 0 {
				continue
			}
			for range perHour {
				in[i].add(int64(rng.ExpFloat64()*50_000), rng.IntN(30) != 0)
			}
		}
		blob := encodeHours(&in)
		var out dayHours
		if err := decodeHours(blob, func(i int, a *agg) { out[i].merge(a) }); err != nil {
			t.Fatalf("%d an hour: decodeHours(encodeHours(d)) = %v", perHour, err)
		}
		for i := range in {
			a, b := &in[i], &out[i]
			if a.checks != b.checks || a.failures != b.failures || !slices.Equal(a.dense(), b.dense()) ||
				a.passed() > 0 && (a.min != b.min || a.max != b.max) {
				t.Errorf("%d an hour: hour %d = %+v, want %+v", perHour, i, *b, *a)
			}
		}
		for n := range len(blob) {
			if err := decodeHours(blob[:n], func(int, *agg) {}); err == nil {
				t.Fatalf("decodeHours(blob[:%d] of %d) = nil error, want one", n, len(blob))
			}
		}
	}
}

// TestPackSize pins the cost of a minute at the default interval (two checks a minute),
// the figure the 200 MB per 1,000 services per 90 days rests on.
func TestPackSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var m hourMinutes
	for i := range m {
		for range 2 {
			m[i].add(20_000+rng.Int64N(30_000), true)
		}
	}
	if n := len(encodeMinutes(&m)); n > 3*60 {
		t.Errorf("len(encodeMinutes(an hour at 30 s)) = %d B, want at most %d", n, 3*60)
	}
}

func TestPackDamaged(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{7},                            // unknown format
		{packPlain},                    // no body
		{packPlain, 61},                // more minutes than an hour has
		{packPlain, 1, 60, 1, 0, 1, 0}, // minute 60
		{packPlain, 2, 5, 0xff, 0x7f, 1, 1, 0, 0, 1, 1, 0, 0}, // past the hour
		{packPlain, 1, 0, 1, 2},                               // more failures than checks
		{packPlain, 1, 0, 2, 0, 3, 0},                         // counts beyond the passing checks
		{packPlain, 1, 0, 1, 0, 0, 0},                         // an empty bucket
		{packPlain, 1, 0, 1, 0, 1, 0, 9},                      // trailing bytes
		{packPlain, 1, 0, 1, 0, 1, 0xfe, 0x1f},                // a bucket past the largest
		{packPlain, 1, 0, 1, 0, 1, 1},                         // a negative bucket
		{packFlate, 0xff, 0xff},
	} {
		if err := decodeMinutes(b, func(int, *agg) {}); err == nil {
			t.Errorf("decodeMinutes(%x) = nil error, want one", b)
		}
	}
}

// FuzzDecodeMinutes: any blob decodes or is an error, never a panic; what decodes is
// consistent (failures within checks, a histogram holding the passing checks) and encodes to
// a blob that decodes to the same. Hours are the same code with exact latencies (a flag in
// the blob) and fewer slots.
func FuzzDecodeMinutes(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 60} {
		f.Add(encodeMinutes(randomHour(rng, n, 30_000)))
	}
	f.Add([]byte{packPlain, 1, 0, 1, 0, 1, 0})
	f.Add(encodeHours(&dayHours{{checks: 3, failures: 1, min: 10, max: 900, hist: []int64{0, 1, 0, 1}}}))
	f.Fuzz(func(t *testing.T, blob []byte) {
		m, err := decodeAll(blob)
		if err != nil {
			return
		}
		for i := range m {
			var sum int64
			for _, c := range m[i].hist {
				sum += c
			}
			if m[i].failures > m[i].checks || sum != m[i].passed() {
				t.Fatalf("minute %d = %d checks, %d failures, %d in the histogram", i, m[i].checks, m[i].failures, sum)
			}
		}
		again, err := decodeAll(encodeMinutes(m))
		if err != nil {
			t.Fatalf("decodeMinutes(encodeMinutes(decoded)) = %v", err)
		}
		for i := range m {
			if m[i].checks != again[i].checks || m[i].failures != again[i].failures || !slices.Equal(m[i].dense(), again[i].dense()) {
				t.Fatalf("minute %d changed through a round trip", i)
			}
		}
	})
}

// TestMigratePacksMinutes: a file of schema version 6, with per-minute aggregates one to a row
// as that version wrote them, opens as version 7 with the same minutes packed by the hour
// (their checks, failures and histograms; min and max to their bucket), agg_minute gone, and
// a chart over them counting the same checks per minute.
func TestMigratePacksMinutes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v6.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := migrate(ctx, db, path, migrations()[:6]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO service (id, name, grp) VALUES (1, 'api', ''), (2, 'db', '')"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	want := map[aggKey]*agg{}
	start := t0.Add(-3 * time.Hour).UnixMilli()
	for id := int64(1); id <= 2; id++ {
		for at := start; at < start+150*minuteMS; at += minuteMS {
			if rng.IntN(7) == 0 {
				continue // a gap
			}
			a := &agg{}
			for range 1 + rng.IntN(6) {
				a.add(int64(1000+rng.ExpFloat64()*40_000), rng.IntN(10) != 0)
			}
			want[aggKey{id, at}] = a
			var lo, p50, p95, hi any
			if a.passed() > 0 {
				lo, p50, p95, hi = a.min, a.quantile(0.5), a.quantile(0.95), a.max
			}
			if _, err := db.Exec("INSERT INTO agg_minute (service, start, checks, failures, lat_min, lat_p50, lat_p95, lat_max, hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				id, at, a.checks, a.failures, lo, p50, p95, hi, a.encodeHist()); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()

	now := time.UnixMilli(start + 150*minuteMS)
	s, err := Open(path, Options{Now: newClock(now).Now})
	if err != nil {
		t.Fatalf("Open(version 6) = %v", err)
	}
	defer s.Close()
	if v := scalar[int](t, s, "PRAGMA user_version"); v != len(migrations()) {
		t.Errorf("user_version after Open = %d, want %d", v, len(migrations()))
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM sqlite_master WHERE name = 'agg_minute'"); n != 0 {
		t.Errorf("agg_minute still there after the upgrade")
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM minute_pack"); n != 2*3 {
		t.Errorf("minute_pack rows = %d, want %d (2 services, 3 hours)", n, 2*3)
	}
	for id, name := range map[int64]string{1: "api", 2: "db"} {
		got := packedMinutes(t, s, name)
		n := 0
		for k, w := range want {
			if k.service != id {
				continue
			}
			n++
			g := got[k.start]
			if g == nil || g.checks != w.checks || g.failures != w.failures || !slices.Equal(g.dense(), w.dense()) ||
				w.passed() > 0 && (!near(g.min, w.min) || !near(g.max, w.max)) {
				t.Errorf("%s minute %v = %+v, want %+v", name, time.UnixMilli(k.start).UTC(), g, w)
			}
		}
		if len(got) != n {
			t.Errorf("%s: %d minutes after the upgrade, want %d", name, len(got), n)
		}
		buckets, err := s.Chart(name, 150*time.Minute, now, 150)
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range buckets {
			var checks, failures int64
			if w := want[aggKey{id, b.From.UnixMilli()}]; w != nil {
				checks, failures = w.checks, w.failures
			}
			if b.Checks != checks || b.Failures != failures {
				t.Errorf("Chart(%s) bucket %d = %d checks, %d failures; want %d, %d", name, i, b.Checks, b.Failures, checks, failures)
			}
		}
	}
}
