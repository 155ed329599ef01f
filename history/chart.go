package history

import (
	"context"
	"time"
)

// MaxBuckets bounds the buckets one Chart call returns, whatever it is asked for: a chart is
// as wide as a screen, and the work and memory of a call grow with its buckets.
const MaxBuckets = 1024

// StandardWindows returns the windows Windows reports on and a chart offers: 1h, 24h, 7d and
// 30d. The slice is new on every call.
func StandardWindows() []time.Duration {
	return []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}
}

// Windows returns the service's record over each of StandardWindows, ending at now, in that
// order. Each is an Uptime: whole hours are read from the hourly aggregates, so the cost of
// the 30-day window does not grow with the number of checks in it.
func (s *Store) Windows(service string, now time.Time) ([]Window, error) {
	spans := StandardWindows()
	out := make([]Window, 0, len(spans))
	for _, d := range spans {
		w, err := s.Uptime(service, d, now)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// Bucket is one slice of time in a chart: what the checks in it measured and how much of it
// was observed.
type Bucket struct {
	From, To time.Time
	// Checks and Failures count the results in the bucket.
	Checks, Failures int64
	// Min, P50 and Max are the latency of the passing checks (P50 read from a histogram, within
	// 2.2%); all 0 when none passed.
	Min, P50, Max time.Duration
	// Covered is the time in the bucket covered by checks; the rest is a gap, when uptty was not
	// running or the service was paused.
	Covered time.Duration
	// Down is the covered time in the bucket inside outages.
	Down time.Duration
}

// Passed is the number of passing checks in the bucket.
func (b Bucket) Passed() int64 { return b.Checks - b.Failures }

// Chart cuts the window that ends at now into n buckets of equal length (whole milliseconds,
// so the first may start up to n ms after now-window), oldest first, at most MaxBuckets. A
// service history has never seen gives buckets with nothing in them.
//
// Where buckets are shorter than an hour, latencies come from the raw results and, where those
// were rolled up, the per-minute aggregates; otherwise from the hourly aggregates alone, so a
// 30-day chart reads about 720 rows however often the service is checked. An aggregate counts
// in the bucket holding its middle (the first or the last bucket for those that stick out of
// the window), so a bucket's checks are placed to within half an aggregate. Coverage and
// outages are exact to the millisecond.
func (s *Store) Chart(service string, window time.Duration, now time.Time, n int) ([]Bucket, error) {
	n = min(n, MaxBuckets)
	width := window.Milliseconds() / int64(max(n, 1))
	if n <= 0 || width <= 0 {
		return nil, nil
	}
	to := now.UnixMilli()
	c := chart{from: to - width*int64(n), width: width, aggs: make([]agg, n)}
	buckets := make([]Bucket, n)
	for i := range buckets {
		buckets[i].From = time.UnixMilli(c.from + int64(i)*width)
		buckets[i].To = time.UnixMilli(c.from + int64(i+1)*width)
	}
	ctx := context.Background()
	id, ok, err := s.serviceID(ctx, service)
	if err != nil || !ok {
		return buckets, err
	}
	if err := s.chartLatency(ctx, &c, id, to); err != nil {
		return nil, err
	}
	runs, err := s.runs(ctx, id, c.from, to)
	if err != nil {
		return nil, err
	}
	outages, err := s.outageSpans(ctx, id, c.from, to)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		c.spread(r, func(i int, d int64) { buckets[i].Covered += ms(d) })
		for _, o := range outages {
			if lo, hi := max(r.start, o.start), min(r.end, o.end); hi > lo {
				c.spread(span{lo, hi}, func(i int, d int64) { buckets[i].Down += ms(d) })
			}
		}
	}
	for i := range buckets {
		b, a := &buckets[i], &c.aggs[i]
		b.Checks, b.Failures = a.checks, a.failures
		if a.passed() > 0 {
			b.Min, b.P50, b.Max = us(a.min), us(a.quantile(0.5)), us(a.max)
		}
	}
	return buckets, nil
}

// chart is the bucketing of one Chart call; times in ms.
type chart struct {
	from, width int64
	aggs        []agg
}

// index is the bucket holding the time at, clamped to the chart.
func (c *chart) index(at int64) int {
	i := floorTo(at-c.from, c.width) / c.width
	return int(min(max(i, 0), int64(len(c.aggs)-1)))
}

// spread calls add with the part of x in each bucket it overlaps; x lies inside the chart.
func (c *chart) spread(x span, add func(i int, d int64)) {
	for i := c.index(x.start); i < len(c.aggs); i++ {
		lo := c.from + int64(i)*c.width
		if lo >= x.end {
			return
		}
		if d := min(x.end, lo+c.width) - max(x.start, lo); d > 0 {
			add(i, d)
		}
	}
}

// chartLatency adds to each bucket the checks that belong to it.
func (s *Store) chartLatency(ctx context.Context, c *chart, id, to int64) error {
	if c.width >= hourMS {
		// Each hour in the bucket holding its middle (the first or the last bucket for those
		// that stick out of the chart).
		err := eachHour(ctx, s.ro, id, c.from-hourMS+1, to, func(start int64, a *agg) {
			c.aggs[c.index(start+hourMS/2)].merge(a)
		})
		return s.readErr(err)
	}
	// The minutes that overlap the chart, each in the bucket holding its middle, as hours are.
	err := eachMinute(ctx, s.ro, id, c.from-hourMS+1, to, func(start int64, a *agg) {
		if start > c.from-minuteMS && start < to {
			c.aggs[c.index(start+minuteMS/2)].merge(a)
		}
	})
	if err != nil {
		return s.readErr(err)
	}
	err = eachRaw(ctx, s.ro, id, c.from, to, func(r rawResult) {
		c.aggs[c.index(r.at)].add(r.latency, r.ok)
	})
	return s.readErr(err)
}

// startScanner reads an aggregate's start column ahead of the columns scanAgg reads.
type startScanner struct {
	rows  interface{ Scan(...any) error }
	start *int64
}

func (s startScanner) Scan(dest ...any) error {
	return s.rows.Scan(append([]any{s.start}, dest...)...)
}

// merge adds b, histogram and all, to a.
func (a *agg) merge(b *agg) {
	a.mergeRange(b.checks, b.failures, b.min, b.max)
	for i, n := range b.hist {
		if n != 0 {
			a.count(b.lo+i, n)
		}
	}
}
