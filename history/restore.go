package history

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
)

// Limits bound what Restore loads. Zero fields take the defaults, which match what a
// monitor.Tracker keeps.
type Limits struct {
	Samples int // latency samples for the sparkline (default monitor.SampleCap)
	Recent  int // results for the detail view and the streaks (default monitor.RecentCap)
	Outages int // outages, the open one included (default monitor.OutageCap)
}

func (l Limits) withDefaults() Limits {
	if l.Samples <= 0 {
		l.Samples = monitor.SampleCap
	}
	if l.Recent <= 0 {
		l.Recent = monitor.RecentCap
	}
	if l.Outages <= 0 {
		l.Outages = monitor.OutageCap
	}
	return l
}

// Restore rebuilds a service's status as it was when uptty last stopped, for
// monitor.Tracker.Restore: State, Since and Reason (from the last state change, the reason
// refreshed by newer results), Last, Recent and Samples (oldest first; Recent lack Facts and
// Phases, which are not stored), the open outage, the last ended one and recent Outages (oldest
// first, the open one last), OutageCount, Checks and Failures over all history, and the uptime
// accounting over all history: Observed is covered time and Downtime the covered time inside
// outages, as of AsOf, the end of the newest coverage (at most now). A service with no history
// gives the zero Status.
func (s *Store) Restore(service string, lim Limits) (monitor.Status, error) {
	lim = lim.withDefaults()
	ctx := context.Background()
	var st monitor.Status
	id, ok, err := s.serviceID(ctx, service)
	if err != nil || !ok {
		return st, err
	}
	results, err := s.recentResults(ctx, id, max(lim.Samples, lim.Recent))
	if err != nil {
		return st, err
	}
	for i, r := range results {
		st.Samples = append(st.Samples, monitor.Sample{At: r.Start, Latency: r.Latency, OK: r.OK})
		if i >= len(results)-lim.Recent {
			st.Recent = append(st.Recent, r)
		}
	}
	st.Samples = st.Samples[max(len(st.Samples)-lim.Samples, 0):]
	if n := len(st.Recent); n > 0 {
		st.Last = st.Recent[n-1]
	}
	st.P50, st.P95 = samplePercentiles(st.Samples)
	if err := s.restoreState(ctx, id, &st); err != nil {
		return st, err
	}
	if err := s.restoreOutages(ctx, id, lim.Outages, &st); err != nil {
		return st, err
	}
	err = s.ro.QueryRowContext(ctx, "SELECT coalesce(sum(checks), 0), coalesce(sum(failures), 0) FROM agg_hour WHERE service = ?",
		id).Scan(&st.Checks, &st.Failures)
	if err != nil {
		return st, s.readErr(err)
	}
	now := s.now().UnixMilli()
	covered, down, end, err := s.coverage(ctx, id, 0, now)
	if err != nil {
		return st, err
	}
	if end > 0 {
		st.AsOf = time.UnixMilli(end)
		st.Observed, st.Downtime = time.Duration(covered)*time.Millisecond, time.Duration(down)*time.Millisecond
	}
	return st, nil
}

// recentResults returns a service's newest n results, oldest first.
func (s *Store) recentResults(ctx context.Context, id int64, n int) ([]probe.Result, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT at, latency, ok, reason FROM result WHERE service = ? ORDER BY at DESC LIMIT ?", id, n)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var rs []probe.Result
	for rows.Next() {
		var at, latency int64
		var r probe.Result
		var reason sql.NullString
		if err := rows.Scan(&at, &latency, &r.OK, &reason); err != nil {
			return nil, s.readErr(err)
		}
		r.Start, r.Latency = time.UnixMilli(at), time.Duration(latency)*time.Microsecond
		if r.OK {
			r.Warning = reason.String
		} else {
			r.Reason = reason.String
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.readErr(err)
	}
	slices.Reverse(rs)
	return rs, nil
}

// restoreState sets State, Since and Reason from the last state change; the reason is the
// newest result's when it is newer and tells more (the latest failure while failing, the
// warning while degraded).
func (s *Store) restoreState(ctx context.Context, id int64, st *monitor.Status) error {
	var at int64
	var to int
	err := s.ro.QueryRowContext(ctx, "SELECT at, to_state, reason FROM state_change WHERE service = ? ORDER BY at DESC, id DESC LIMIT 1",
		id).Scan(&at, &to, &st.Reason)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return s.readErr(err)
	}
	st.State, st.Since = monitor.State(to), time.UnixMilli(at)
	if last := st.Last; !last.Start.Before(st.Since) {
		switch {
		case (st.State == monitor.Pending || st.State == monitor.Down) && !last.OK && last.Reason != "":
			st.Reason = last.Reason
		case st.State == monitor.Degraded && last.OK && last.Warning != "":
			st.Reason = last.Warning
		}
	}
	return nil
}

func (s *Store) restoreOutages(ctx context.Context, id int64, n int, st *monitor.Status) error {
	list, err := s.outages(ctx, "SELECT started, ended, cause FROM outage WHERE service = ? ORDER BY started DESC, id DESC LIMIT ?", id, n)
	if err != nil {
		return err
	}
	slices.Reverse(list)
	// The outage going on is the newest one, if it is open: an older one left open (a tracker
	// that did not restore it started another) stays in Outages as it was stored.
	if k := len(list); k > 0 && list[k-1].Open() {
		st.Outage = new(list[k-1])
	}
	last, err := s.outages(ctx, "SELECT started, ended, cause FROM outage WHERE service = ? AND ended IS NOT NULL ORDER BY ended DESC, id DESC LIMIT 1", id)
	if err != nil {
		return err
	}
	if len(last) > 0 {
		st.LastOutage = new(last[0])
	}
	st.Outages = list
	err = s.ro.QueryRowContext(ctx, "SELECT count(*) FROM outage WHERE service = ?", id).Scan(&st.OutageCount)
	return s.readErr(err)
}

func (s *Store) outages(ctx context.Context, query string, args ...any) ([]monitor.Outage, error) {
	rows, err := s.ro.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var list []monitor.Outage
	for rows.Next() {
		var start int64
		var end sql.NullInt64
		var o monitor.Outage
		if err := rows.Scan(&start, &end, &o.Cause); err != nil {
			return nil, s.readErr(err)
		}
		o.Start = time.UnixMilli(start)
		if end.Valid {
			o.End = time.UnixMilli(end.Int64)
		}
		list = append(list, o)
	}
	return list, s.readErr(rows.Err())
}

// serviceID finds a service by name; ok is false when history has never seen it.
func (s *Store) serviceID(ctx context.Context, name string) (id int64, ok bool, err error) {
	err = s.ro.QueryRowContext(ctx, "SELECT id FROM service WHERE name = ?", name).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	return id, err == nil, s.readErr(err)
}

// readErr names the file in an error from a query.
func (s *Store) readErr(err error) error {
	if err == nil {
		return nil
	}
	return fileErr(s.path, "cannot be read", nil, err)
}

// samplePercentiles is the nearest-rank P50 and P95 of the passing samples, as a Tracker
// computes them.
func samplePercentiles(samples []monitor.Sample) (p50, p95 time.Duration) {
	var lat []time.Duration
	for _, x := range samples {
		if x.OK {
			lat = append(lat, x.Latency)
		}
	}
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	rank := func(p int) time.Duration { return lat[max((p*len(lat)+99)/100, 1)-1] }
	return rank(50), rank(95)
}
