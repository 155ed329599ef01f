package history

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"
)

// Window is a service's record over a time window.
type Window struct {
	From, To time.Time
	// Covered is the time inside the window covered by checks (see the package doc); the rest
	// is a gap, counted neither up nor down.
	Covered time.Duration
	// Down is the covered time inside outages.
	Down time.Duration
	// Up is 1 - Down/Covered, the uptime ratio; 0 when nothing is covered.
	Up float64
	// Coverage is Covered / (To - From): how much of the window Up speaks for.
	Coverage float64
	// Incidents counts the outages overlapping the window, the open one included.
	Incidents int
	// MTTR is the mean duration of those incidents that have ended (their whole duration, also
	// outside the window); 0 when none has, and then it is not meaningful.
	MTTR time.Duration
	// MTBF is the covered time up (Covered - Down) per incident; 0 when it is not meaningful:
	// there was no incident, or no time up at all (a service that never passed in the window,
	// its one outage still open).
	MTBF time.Duration
	// Checks and Failures count the results in the window.
	Checks, Failures int64
	// P50, P95 and P99 are latency percentiles of the passing checks in the window, read from
	// histograms: within 2.2% of the exact nearest-rank value.
	P50, P95, P99 time.Duration
}

// Uptime returns the service's record over the window that ends at now. A service history has
// never seen gives a Window with nothing covered.
func (s *Store) Uptime(service string, window time.Duration, now time.Time) (Window, error) {
	ctx := context.Background()
	from, to := now.Add(-window).UnixMilli(), now.UnixMilli()
	w := Window{From: time.UnixMilli(from), To: time.UnixMilli(to)}
	id, ok, err := s.serviceID(ctx, service)
	if err != nil || !ok || to <= from {
		return w, err
	}
	runs, err := s.runs(ctx, id, from, to)
	if err != nil {
		return w, err
	}
	outages, err := s.outageSpans(ctx, id, from, to)
	if err != nil {
		return w, err
	}
	covered := total(runs)
	var down, repaired, ended int64
	for _, o := range outages {
		down += overlap(runs, span{max(o.start, from), min(o.end, to)})
		if o.ended {
			repaired += o.end - o.start
			ended++
		}
	}
	w.Covered, w.Down = ms(covered), ms(down)
	w.Coverage = float64(covered) / float64(to-from)
	if covered > 0 {
		w.Up = 1 - float64(down)/float64(covered)
	}
	w.Incidents = len(outages)
	if ended > 0 {
		w.MTTR = ms(repaired / ended)
	}
	if w.Incidents > 0 {
		w.MTBF = ms((covered - down) / int64(w.Incidents))
	}
	a, err := s.latency(ctx, id, from, to)
	if err != nil {
		return w, err
	}
	w.Checks, w.Failures = a.checks, a.failures
	w.P50, w.P95, w.P99 = us(a.quantile(0.50)), us(a.quantile(0.95)), us(a.quantile(0.99))
	return w, nil
}

// span is a time interval [start, end) in ms.
type span struct{ start, end int64 }

type outageSpan struct {
	span
	ended bool
}

// coverage returns the covered time of runs, the service's runs in [from, to) (see runs), the
// part of it inside outages, and the end of the newest coverage (0 if none), all in ms.
func (s *Store) coverage(ctx context.Context, id int64, runs []span, from, to int64) (covered, down, end int64, err error) {
	if len(runs) == 0 {
		return 0, 0, 0, nil
	}
	outages, err := s.outageSpans(ctx, id, from, to)
	if err != nil {
		return 0, 0, 0, err
	}
	for _, o := range outages {
		down += overlap(runs, o.span)
	}
	return total(runs), down, runs[len(runs)-1].end, nil
}

// runs returns the coverage in [from, to), clipped to it, sorted and without overlaps: the
// rows, and in the process writing the file the run its writer has lengthened since it last
// saved it (Store.live).
func (s *Store) runs(ctx context.Context, id, from, to int64) ([]span, error) {
	rows, err := s.q(ctx).QueryContext(ctx, "SELECT started, ended FROM coverage WHERE service = ? AND started < ? AND ended > ? ORDER BY started",
		id, to, from)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var all []span
	for rows.Next() {
		var r span
		if err := rows.Scan(&r.start, &r.end); err != nil {
			return nil, s.readErr(err)
		}
		all = append(all, r)
	}
	if err := s.readErr(rows.Err()); err != nil {
		return nil, err
	}
	if l, ok := s.live.of(id); ok && l.start < to && l.end > from {
		all = append(all, l)
		slices.SortFunc(all, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	}
	var runs []span
	for _, r := range all {
		r = span{max(r.start, from), min(r.end, to)}
		if n := len(runs); n > 0 && r.start <= runs[n-1].end {
			runs[n-1].end = max(runs[n-1].end, r.end)
			continue
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// outageSpans returns the outages overlapping [from, to), whole (MTTR needs their whole
// duration): callers clip them. An open outage ends at to.
func (s *Store) outageSpans(ctx context.Context, id, from, to int64) ([]outageSpan, error) {
	rows, err := s.q(ctx).QueryContext(ctx, `SELECT started, ended FROM outage
		WHERE service = ? AND started < ? AND (ended IS NULL OR ended > ?) ORDER BY started`, id, to, from)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var list []outageSpan
	for rows.Next() {
		var o outageSpan
		var end sql.NullInt64
		if err := rows.Scan(&o.start, &end); err != nil {
			return nil, s.readErr(err)
		}
		o.end, o.ended = to, end.Valid
		if end.Valid {
			o.end = end.Int64
		}
		list = append(list, o)
	}
	return list, s.readErr(rows.Err())
}

// latency sums up the checks in [from, to): whole hours from the hourly aggregates, the ends
// from raw results and, where those were rolled up, per-minute aggregates.
func (s *Store) latency(ctx context.Context, id, from, to int64) (*agg, error) {
	var sum agg
	firstHour, lastHour := floorTo(from+hourMS-1, hourMS), floorTo(to, hourMS)
	edges := []span{{from, to}}
	if firstHour < lastHour {
		edges = []span{{from, firstHour}, {lastHour, to}}
		if err := eachHour(ctx, s.ro, id, firstHour, lastHour, func(_ int64, a *agg) { sum.merge(a) }); err != nil {
			return nil, s.readErr(err)
		}
	}
	for _, e := range edges {
		if e.start >= e.end {
			continue
		}
		err := eachMinute(ctx, s.ro, id, floorTo(e.start, hourMS), e.end, func(start int64, a *agg) {
			if start >= e.start && start < e.end {
				sum.merge(a)
			}
		})
		if err != nil {
			return nil, s.readErr(err)
		}
		if err := eachRaw(ctx, s.ro, id, e.start, e.end, func(r rawResult) { sum.add(r.latency, r.ok) }); err != nil {
			return nil, s.readErr(err)
		}
	}
	return &sum, nil
}

func total(runs []span) (n int64) {
	for _, r := range runs {
		n += r.end - r.start
	}
	return n
}

// overlap is how much of x the sorted, disjoint runs cover.
func overlap(runs []span, x span) (n int64) {
	for _, r := range runs {
		if lo, hi := max(r.start, x.start), min(r.end, x.end); hi > lo {
			n += hi - lo
		}
	}
	return n
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
func us(n int64) time.Duration { return time.Duration(n) * time.Microsecond }
