package history

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// randomRaw is an hour of raw results every `every` ms with jitter, some failing with one of a
// few reasons, some passing with a warning.
func randomRaw(rng *rand.Rand, hour, every int64) []rawResult {
	var rs []rawResult
	for at := hour + rng.Int64N(every); at < hour+hourMS; at += every + rng.Int64N(5) {
		r := rawResult{at: at, latency: 20_000 + rng.Int64N(30_000), ok: rng.IntN(10) != 0}
		switch {
		case !r.ok:
			r.reason = []string{"status 503, want 200-399", "connection refused", "timeout after 10s"}[rng.IntN(3)]
		case rng.IntN(50) == 0:
			r.reason = "certificate expires in 9 days"
		}
		rs = append(rs, r)
	}
	return rs
}

func TestRawPackRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	hour := t0.UnixMilli()
	cases := [][]rawResult{
		nil,
		{{at: hour, latency: 0, ok: true}},
		{{at: hour + hourMS - 1, latency: packMaxLatency, ok: false, reason: "x"}},
		randomRaw(rng, hour, 30_000),
		randomRaw(rng, hour, 10_000),
		randomRaw(rng, hour, 1000),
		randomRaw(rng, hour, 50),
	}
	for i, in := range cases {
		blob := encodeRaw(hour, in)
		var out []rawResult
		if err := decodeRaw(hour, blob, func(r rawResult) { out = append(out, r) }); err != nil {
			t.Fatalf("case %d: decodeRaw(encodeRaw(rs)) = %v", i, err)
		}
		if len(in) == 0 && len(out) == 0 {
			continue
		}
		if !reflect.DeepEqual(out, in) {
			t.Errorf("case %d: decodeRaw(encodeRaw(rs)) = %d results, want the %d given", i, len(out), len(in))
		}
		// Every strict prefix is damaged (a sample of them in a long blob).
		for n := 0; n < len(blob); n += max(len(blob)/500, 1) {
			if err := decodeRaw(hour, blob[:n], func(rawResult) {}); err == nil {
				t.Fatalf("case %d: decodeRaw(blob[:%d] of %d) = nil error, want one", i, n, len(blob))
			}
		}
	}
	// At the default interval a result costs a few bytes (its latency, at random over 30 ms,
	// is most of it).
	in := randomRaw(rng, hour, 30_000)
	if n := len(encodeRaw(hour, in)); n > 5*len(in) {
		t.Errorf("len(encodeRaw(an hour at 30 s)) = %d B for %d results, want at most 5 B each", n, len(in))
	}
}

func FuzzDecodeRaw(f *testing.F) {
	rng := rand.New(rand.NewPCG(15, 16))
	hour := t0.UnixMilli()
	f.Add(encodeRaw(hour, randomRaw(rng, hour, 30_000)))
	f.Add(encodeRaw(hour, randomRaw(rng, hour, 600_000)))
	f.Add([]byte{packPlain, 1, 0, 0, 100, 1})
	f.Fuzz(func(t *testing.T, blob []byte) {
		var rs []rawResult
		if err := decodeRaw(hour, blob, func(r rawResult) { rs = append(rs, r) }); err != nil {
			return
		}
		for i, r := range rs {
			if r.at < hour || r.at >= hour+hourMS || i > 0 && r.at <= rs[i-1].at || r.latency < 0 {
				t.Fatalf("result %d = %+v: outside the hour, out of order or negative", i, r)
			}
		}
		var again []rawResult
		if err := decodeRaw(hour, encodeRaw(hour, rs), func(r rawResult) { again = append(again, r) }); err != nil || len(again) != len(rs) {
			t.Fatalf("decodeRaw(encodeRaw(decoded)) = %d results, %v; want %d", len(again), err, len(rs))
		}
	})
}

// TestRestoreFromPackedResults: a service checked every 20 minutes has its recent checks and
// sparkline mostly in packed hours once the rollup ran; Restore gives back the same, and a
// chart and the uptime windows over the raw tier too.
func TestRestoreFromPackedResults(t *testing.T) {
	now := t0.Add(30*time.Hour + 7*time.Minute)
	s, _ := openTest(t, Options{Now: newClock(now).Now})
	s.Register("slow", "", 20*time.Minute)
	s.Register("fast", "", 30*time.Second)
	rng := rand.New(rand.NewPCG(17, 18))
	for _, c := range []struct {
		name  string
		every time.Duration
	}{{"slow", 20 * time.Minute}, {"fast", 30 * time.Second}} {
		for at := time.Duration(0); at < now.Sub(t0); at += c.every {
			ok := rng.IntN(8) != 0
			reason := ""
			if !ok {
				reason = fmt.Sprint("status ", 500+rng.IntN(4))
			}
			s.RecordResult(c.name, result(at+time.Duration(rng.IntN(900))*time.Millisecond, time.Duration(1000+rng.IntN(90_000))*time.Microsecond, ok, reason))
		}
	}
	flush(t, s)
	type answers struct {
		saved   any
		chart   []Bucket
		windows []Window
	}
	ask := func(name string) answers {
		st, err := s.Restore(name)
		if err != nil {
			t.Fatal(err)
		}
		chart, err := s.Chart(name, 24*time.Hour, now, 200)
		if err != nil {
			t.Fatal(err)
		}
		w, err := s.Windows(name, now)
		if err != nil {
			t.Fatal(err)
		}
		return answers{st, chart, w}
	}
	before := map[string]answers{"slow": ask("slow"), "fast": ask("fast")}
	if err := s.Rollup(now); err != nil {
		t.Fatal(err)
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM raw_pack"); n < 2*28 {
		t.Errorf("raw_pack rows after Rollup = %d, want the hours before the last one of both services", n)
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM result WHERE at < ?", floorTo(now.UnixMilli(), hourMS)-hourMS); n != 0 {
		t.Errorf("%d result rows before the last hour after Rollup, want them packed", n)
	}
	for name, b := range before {
		a := ask(name)
		if !reflect.DeepEqual(a.saved, b.saved) {
			t.Errorf("Restore(%s) after packing differs:\n got %+v\nwant %+v", name, a.saved, b.saved)
		}
		if !slices.Equal(a.chart, b.chart) {
			t.Errorf("Chart(%s, 24h) after packing differs", name)
		}
		if !slices.Equal(a.windows, b.windows) {
			t.Errorf("Windows(%s) after packing = %+v, want %+v", name, a.windows, b.windows)
		}
	}
	// A second rollup an hour later packs one more hour into the same rows' neighbours and
	// changes no answer.
	if err := s.Rollup(now); err != nil {
		t.Fatal(err)
	}
	if a := ask("slow"); !reflect.DeepEqual(a.saved, before["slow"].saved) {
		t.Errorf("Restore(slow) after a second rollup differs")
	}
}

// TestPackMutations damages valid blobs of each kind at random (bytes changed, cut, added) and
// decodes them: each is an error or decodes, never a panic. The fuzz tests do the same without
// end; this runs with every `go test`.
func TestPackMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	hour := t0.UnixMilli()
	var day dayHours
	for i := range day {
		for range 100 {
			day[i].add(rng.Int64N(80_000), rng.IntN(9) != 0)
		}
	}
	blobs := map[string][]byte{
		"raw":     encodeRaw(hour, randomRaw(rng, hour, 30_000)),
		"minutes": encodeMinutes(randomHour(rng, 2, 30_000)),
		"hours":   encodeHours(&day),
	}
	decode := map[string]func([]byte) error{
		"raw":     func(b []byte) error { return decodeRaw(hour, b, func(rawResult) {}) },
		"minutes": func(b []byte) error { return decodeMinutes(b, func(int, *agg) {}) },
		"hours":   func(b []byte) error { return decodeHours(b, func(int, *agg) {}) },
	}
	for kind, blob := range blobs {
		// Plain bodies too: DEFLATE's own checks would catch most damage first.
		plain := append([]byte{blob[0] &^ packFlate}, blob[1:]...)
		if blob[0]&packFlate != 0 {
			body, err := inflate(blob[1:])
			if err != nil {
				t.Fatal(err)
			}
			plain = append([]byte{blob[0] &^ packFlate}, body...)
		}
		for _, b := range [][]byte{blob, plain} {
			if err := decode[kind](b); err != nil {
				t.Fatalf("%s: decoding the undamaged blob = %v", kind, err)
			}
			for range 3000 {
				m := slices.Clone(b)
				switch rng.IntN(3) {
				case 0:
					for range 1 + rng.IntN(3) {
						m[rng.IntN(len(m))] = byte(rng.IntN(256))
					}
				case 1:
					m = m[:rng.IntN(len(m))]
				case 2:
					i := rng.IntN(len(m))
					m = slices.Insert(m, i, byte(rng.IntN(256)))
				}
				decode[kind](m) // must not panic
			}
		}
	}
}
