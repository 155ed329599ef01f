package track

import (
	"slices"
	"time"
)

// ring keeps the newest values up to a fixed size. It grows as values arrive, so a service that
// has been checked a few times costs a few entries, not the full size (at 10,000 services that is
// the difference between kilobytes and hundreds of megabytes); once full it never allocates
// again, which is what keeps Tracker.Observe allocation-free in the steady state. It grows to
// exactly its size, never past it as append's doubling would (a ring of 50 took 64 slots).
type ring[T any] struct {
	buf   []T
	size  int
	first int // slots of the first allocation: size for a ring every service fills
	head  int // index of the oldest value
	n     int
}

// newRing returns a ring of size values that allocates first slots at its first push, then
// doubles up to size.
func newRing[T any](size, first int) ring[T] {
	return ring[T]{size: size, first: min(max(first, 1), size)}
}

// push makes room for a newest value and returns its slot. When full the slot is the oldest
// value's, returned as it was so that callers can reuse the slices it holds.
func (r *ring[T]) push() *T {
	if r.n < r.size {
		if len(r.buf) == cap(r.buf) && len(r.buf) < r.size {
			// Only while not full, when the values are buf[:n] in order (head is 0).
			grown := make([]T, len(r.buf), min(max(2*cap(r.buf), r.first), r.size))
			copy(grown, r.buf)
			r.buf = grown
		}
		if len(r.buf) < r.size {
			var zero T
			r.buf = append(r.buf, zero)
		}
		i := (r.head + r.n) % len(r.buf)
		r.n++
		return &r.buf[i]
	}
	i := r.head
	r.head = (r.head + 1) % len(r.buf)
	return &r.buf[i]
}

// at returns the i-th value, oldest first.
func (r *ring[T]) at(i int) *T { return &r.buf[(r.head+i)%len(r.buf)] }

func (r *ring[T]) count() int { return r.n }

// last returns the newest value; the ring must not be empty.
func (r *ring[T]) last() *T { return r.at(r.n - 1) }

// percentiles returns the nearest-rank P50 and P95 of the passing samples' latencies, zero
// when none passed. Failed checks are left out: a timeout's latency is the timeout, not the
// service's speed.
func percentiles(samples *ring[packed]) (p50, p95 time.Duration) {
	var buf [SampleCap]time.Duration
	lat := buf[:0]
	for i := range samples.count() {
		if s := samples.at(i).Sample(); s.OK {
			lat = append(lat, s.Latency)
		}
	}
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	return nearestRank(lat, 50), nearestRank(lat, 95)
}

// nearestRank returns the smallest value with at least p percent of sorted at or below it.
func nearestRank(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

// copyRecent copies the recent results; the newest carries its exact start and latency and a
// copy of its facts and phases.
func (t *Tracker) copyRecent() []Check {
	n := t.recent.count()
	if n == 0 {
		return nil
	}
	recent := make([]Check, n)
	loc := t.lastStart.Location()
	for i := range n {
		recent[i] = t.check(t.recent.at(i), loc)
	}
	last := &recent[n-1]
	last.Start, last.Latency = t.lastStart, t.lastLatency
	last.StatusCode, last.CertExpiry = t.lastCode, t.lastExpiry
	if len(t.lastFacts) > 0 {
		last.Facts = slices.Clone(t.lastFacts)
	}
	if len(t.lastPhases) > 0 {
		last.Phases = slices.Clone(t.lastPhases)
	}
	return recent
}
