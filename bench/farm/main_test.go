//go:build linux

package main

import (
	"hash/fnv"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestReport matches stored results to the requests they made and counts from both sides, on
// made-up records: two services at 10 s, one request of each in the steady state dropped from
// the history.
func TestReport(t *testing.T) {
	o := options{n: 2, interval: 10 * time.Second, duration: 60 * time.Second, failEvery: 0}
	f := &farm{o: o}
	t0 := time.Unix(1_800_000_000, 0)
	steady, stop := t0.Add(10*time.Second), t0.Add(60*time.Second)
	var recs []record
	var results []result
	for svc := range 2 {
		h := fnv.New64a()
		h.Write([]byte([]string{"svc-00000", "svc-00001"}[svc]))
		offset := time.Duration(h.Sum64() % uint64(10*time.Second))
		for k := range 7 {
			start := t0.Truncate(10 * time.Second).Add(time.Duration(k)*10*time.Second + offset)
			if start.Before(t0) || !start.Before(stop) {
				continue
			}
			late := time.Duration(k) * time.Millisecond // the k-th check starts k ms late
			at := start.Add(late)
			// The handler enters 0.3 ms after the check starts and takes 20 ms; uptty reports
			// 21 ms: an error of +1 ms.
			recs = append(recs, record{svc: int32(svc), start: at.Add(300 * time.Microsecond).UnixNano(), dur: int64(20 * time.Millisecond)})
			if k == 3 {
				continue // dropped by the history
			}
			results = append(results, result{svc: int32(svc), at: at.UnixMilli(), latency: 21_000, ok: true})
		}
	}
	r := report(f, o, recs, results, t0, steady, stop)
	if r.Requests != len(recs) || r.Stored != len(results) || r.Matched != len(results) {
		t.Errorf("requests, stored, matched = %d, %d, %d; want %d, %d, %d", r.Requests, r.Stored, r.Matched, len(recs), len(results), len(results))
	}
	if math.Abs(r.ErrMeanMS-1) > 0.01 || math.Abs(r.ErrP99MS-1) > 0.01 {
		t.Errorf("latency error mean, p99 = %.3f, %.3f ms; want 1, 1", r.ErrMeanMS, r.ErrP99MS)
	}
	// Against each service's earliest steady check (the 1st, 1 ms late), the 5th or 6th is the
	// latest: 4 or 5 ms later, at ms precision.
	if r.LateMaxMS < 3 || r.LateMaxMS > 5 {
		t.Errorf("lateness max = %.1f ms, want 4 or 5 (the last check against the first, at ms precision)", r.LateMaxMS)
	}
	if r.GridPeak100ms < 1 || r.GridPeak100ms > 2 {
		t.Errorf("grid peak = %d, want 1 or 2", r.GridPeak100ms)
	}
}

// TestFloor runs the floor client against a real farm on loopback for a moment: every request
// it made is matched to the handler's time for it, and its error (what it timed less the
// handler's time) is positive, as the handler's time lies within it.
func TestFloor(t *testing.T) {
	o := options{n: 4, delay: time.Millisecond, failEvery: 2, ports: 2, floorRate: 100}
	f := &farm{o: o, floorRecs: map[int]record{}}
	if err := f.start(); err != nil {
		t.Fatal(err)
	}
	defer f.srv.Close()
	now := time.Now()
	samples := f.floor(now, now.Add(200*time.Millisecond))
	if len(samples) < 5 {
		t.Fatalf("floor samples in 200 ms at 100/s = %d, want at least 5", len(samples))
	}
	var r figures
	f.floorFigures(&r, samples)
	if r.FloorRequests != len(samples) {
		t.Errorf("floor requests matched = %d, want %d", r.FloorRequests, len(samples))
	}
	if !(r.FloorErrMeanMS > 0) || r.FloorErrMaxMS < r.FloorErrMeanMS {
		t.Errorf("floor error mean, max = %.3f, %.3f ms; want positive, max ≥ mean", r.FloorErrMeanMS, r.FloorErrMaxMS)
	}
	if len(f.snapshot()) != 0 {
		t.Errorf("uptty's records = %d after floor requests only, want 0", len(f.snapshot()))
	}
}

// TestFloorPaced checks that the paced floor spreads its requests at the rate asked, from the
// first at once to the last (n-1)/rate later, and counts those that succeeded.
func TestFloorPaced(t *testing.T) {
	const n, rate = 10, 200.0
	var mu sync.Mutex
	var at []time.Time
	t0 := time.Now()
	done := floorPaced(n, rate, func(k int) bool {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		return k%2 == 0
	})
	if done != n/2 {
		t.Errorf("floorPaced succeeded = %d, want %d", done, n/2)
	}
	if len(at) != n {
		t.Fatalf("floorPaced requests = %d, want %d", len(at), n)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	if span, want := at[n-1].Sub(t0), time.Duration(float64(n-1)/rate*float64(time.Second)); span < want {
		t.Errorf("floorPaced spread its requests over %v, want at least %v", span, want)
	}
}

// TestLatenessAfterStalls: 1,000 services at 1 s for 10 minutes, every check on time but for
// two stalls of a second, after each of which every check due in it started at the wake-up
// (a binary without catching up). The checks held up were late, some by more than half an
// interval, which on the interval's circle reads as early: one such start must not become its
// service's grid point, which made every other check of the service read as late by up to
// half an interval (uniform 0-250 ms at the quarter-interval cap, p50 ~125 ms, and the grid
// points of half the services on the wake-up's 100 ms), although the schedule kept its grid.
func TestLatenessAfterStalls(t *testing.T) {
	const n, iv = 1000, int64(time.Second)
	o := options{n: n, interval: time.Second}
	results, t0 := stalledResults(n, iv)
	// The whole 10 minutes, and 150 s of them with both stalls in: two held-up checks in 150.
	for _, span := range []struct{ from, to int64 }{{0, 600}, {90, 240}} {
		gridPeak, p50, p99, _, _ := lateness(&farm{o: o}, o, results, time.Unix(0, t0+span.from*iv), time.Unix(0, t0+span.to*iv))
		t.Logf("%d-%d s: grid peak %d per 100 ms (mean %d), lateness p50 %.0f ms, p99 %.0f", span.from, span.to, gridPeak, n/10, p50, p99)
		if p50 > 1 || p99 > 2 {
			t.Errorf("%d-%d s: lateness p50 %.0f ms, p99 %.0f; want within the checks' 1 ms (but for the stalls' few)", span.from, span.to, p50, p99)
		}
		if gridPeak > 2*n/10 {
			t.Errorf("%d-%d s: grid peak %d per 100 ms, want the grid's own (%d)", span.from, span.to, gridPeak, n/10)
		}
	}
}

// stalledResults are n services' passing checks every iv for 10 minutes from t0, on time but
// for two stalls of a second (at 100 s and 200 s), after which every check due in them started
// at the wake-up.
func stalledResults(n int, iv int64) (results []result, t0 int64) {
	t0 = time.Unix(1_800_000_000, 0).UnixNano()
	stalls := []struct{ at, d int64 }{{t0 + 100*iv + iv/3, iv}, {t0 + 200*iv + 7*iv/10, iv}}
	for svc := range n {
		for k := range int64(600) {
			due := t0 + k*iv + int64(svc)*iv/int64(n)
			at := due + int64(svc%3)*int64(time.Millisecond)/2 // on time, within a ms
			for _, s := range stalls {
				if due >= s.at && due < s.at+s.d {
					at = s.at + s.d
				}
			}
			results = append(results, result{svc: int32(svc), at: at / int64(time.Millisecond), ok: true})
		}
	}
	return results, t0
}

// TestMinutes: the minutes of a run show where its bursts and late starts fell, the two
// stalls' in the 2nd and 4th minutes, the others even and on time.
func TestMinutes(t *testing.T) {
	const n, iv = 1000, int64(time.Second)
	o := options{n: n, interval: time.Second}
	results, t0 := stalledResults(n, iv)
	ms := minutes(o, results, time.Unix(0, t0), time.Unix(0, t0+600*iv))
	if len(ms) != 10 {
		t.Fatalf("%d minutes, want 10", len(ms))
	}
	for k, m := range ms {
		stalled := k == 1 || k == 3
		if m.Starts != 60*n {
			t.Errorf("minute %d: %d starts, want %d", k, m.Starts, 60*n)
		}
		if peak := m.Peak100ms; stalled != (peak > 2*n/10) {
			t.Errorf("minute %d: peak %d per 100 ms, want a burst only in the stalls' minutes (1, 3)", k, peak)
		}
		if stalled != (m.OffGrid > 0) || m.LateP50MS > 1 {
			t.Errorf("minute %d: %d checks off the grid, late p50 %.0f ms; want off-grid ones only in the stalls' minutes, p50 0", k, m.OffGrid, m.LateP50MS)
		}
	}
}
