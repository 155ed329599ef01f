package track

import (
	"slices"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	tests := []struct {
		name     string
		samples  []Sample
		p50, p95 time.Duration
	}{
		{name: "none"},
		{name: "only failures", samples: []Sample{{Latency: time.Second}}},
		{name: "one", samples: []Sample{{Latency: 5 * ms, OK: true}}, p50: 5 * ms, p95: 5 * ms},
		{name: "failures left out", samples: []Sample{
			{Latency: 30 * ms, OK: true}, {Latency: 3 * time.Second}, {Latency: 10 * ms, OK: true},
			{Latency: 20 * ms, OK: true}, {Latency: 40 * ms, OK: true},
		}, p50: 20 * ms, p95: 40 * ms},
		{name: "1 to 100", samples: func() []Sample {
			var s []Sample
			for i := 100; i >= 1; i-- {
				s = append(s, Sample{Latency: time.Duration(i) * ms, OK: true})
			}
			return s
		}(), p50: 50 * ms, p95: 95 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRing[packed](SampleCap, SampleCap)
			for _, s := range tt.samples {
				*r.push() = pack(s)
			}
			if p50, p95 := percentiles(&r); p50 != tt.p50 || p95 != tt.p95 {
				t.Errorf("percentiles() = %v, %v, want %v, %v", p50, p95, tt.p50, tt.p95)
			}
		})
	}
}

func TestRing(t *testing.T) {
	r := newRing[int](3, 1)
	for i := range 7 {
		*r.push() = i
	}
	if got := []int{*r.at(0), *r.at(1), *r.at(2)}; r.count() != 3 || got[0] != 4 || got[2] != 6 || *r.last() != 6 {
		t.Errorf("ring after 0..6 = %v (count %d), want [4 5 6]", got, r.count())
	}
}

func BenchmarkObserve(b *testing.B) {
	facts := []Fact{{Label: "status", Value: "200"}, {Label: "server", Value: "nginx"}}
	phases := []Phase{{Name: "dns", Duration: ms}, {Name: "connect", Duration: 2 * ms}}
	bench := []struct {
		name string
		res  func(i int) Check
	}{
		{"steady", func(i int) Check {
			return Check{OK: true, Latency: time.Duration(50+i%7) * ms, Facts: facts, Phases: phases}
		}},
		{"slow", func(i int) Check {
			return Check{OK: true, Latency: time.Duration(900+i%7) * ms, Facts: facts, Phases: phases}
		}},
		// A state change every check is the worst case: each allocates its events.
		{"flapping", func(i int) Check {
			return Check{OK: i%2 == 0, Reason: "refused", Latency: 50 * ms, Facts: facts, Phases: phases}
		}},
	}
	for _, bb := range bench {
		b.Run(bb.name, func(b *testing.B) {
			tr := NewTracker(Policy{FailureThreshold: 1, SuccessThreshold: 1, Slow: 800 * ms})
			at := t0
			for i := range 2 * SampleCap {
				r := bb.res(i)
				r.Start, at = at, at.Add(time.Second)
				tr.Observe(r)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := bb.res(i)
				r.Start, at = at, at.Add(time.Second)
				tr.Observe(r)
				i++
			}
		})
	}
}

func BenchmarkStatus(b *testing.B) {
	tr := NewTracker(Policy{FailureThreshold: 2})
	facts := []Fact{{Label: "status", Value: "200"}}
	for i := range 1000 {
		tr.Observe(Check{Start: t0.Add(time.Duration(i) * time.Second), OK: i%50 < 45, Reason: "refused",
			Latency: time.Duration(i%97) * ms, Facts: facts})
	}
	now := t0.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		_ = tr.Status(now)
	}
}

func TestRingGrowsToItsSize(t *testing.T) {
	tests := []struct {
		size, first int
		caps        []int // cap after each push, until full
	}{
		{size: 5, first: 5, caps: []int{5, 5, 5, 5, 5}},
		{size: 5, first: 2, caps: []int{2, 2, 4, 4, 5}},
		{size: 3, first: 1, caps: []int{1, 2, 3}},
	}
	for _, tt := range tests {
		r := newRing[int](tt.size, tt.first)
		var caps []int
		for i := range 3 * tt.size {
			*r.push() = i
			if i < tt.size {
				caps = append(caps, cap(r.buf))
			} else if cap(r.buf) != tt.size {
				t.Fatalf("newRing(%d, %d): cap after %d pushes = %d, want %d", tt.size, tt.first, i+1, cap(r.buf), tt.size)
			}
		}
		if !slices.Equal(caps, tt.caps) {
			t.Errorf("newRing(%d, %d): caps while filling = %v, want %v", tt.size, tt.first, caps, tt.caps)
		}
		if got := *r.at(0); got != 2*tt.size {
			t.Errorf("newRing(%d, %d): oldest after %d pushes = %d, want %d", tt.size, tt.first, 3*tt.size, got, 2*tt.size)
		}
	}
}
