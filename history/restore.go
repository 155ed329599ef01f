package history

import (
	"cmp"
	"context"
	"database/sql"
	"math"
	"slices"
	"time"

	"github.com/uptty/uptty/track"
)

// Restore rebuilds a service's state as it was when uptty last stopped, for
// track.Tracker.Restore: State, Since and Reason (from the last state change, the reason
// refreshed by newer results), Recent and Samples (oldest first; Recent lack Facts and Phases,
// which are not stored), recent Outages (oldest first, the open one last), OutageCount, Checks
// and Failures over all history, and the uptime accounting over all history: Observed is
// covered time and Downtime the covered time inside outages, as of AsOf, the end of the newest
// coverage (at most now). What a crash left inconsistent is repaired (see repair). A service
// with no history gives the zero Saved. It loads no more than a tracker keeps:
// track.SampleCap samples, track.RecentCap results and track.OutageCap outages.
func (s *Store) Restore(service string) (track.Saved, error) {
	return s.restore(context.Background(), service)
}

func (s *Store) restore(ctx context.Context, service string) (track.Saved, error) {
	var st track.Saved
	id, ok, err := s.serviceID(ctx, service)
	if err != nil || !ok {
		return st, err
	}
	results, err := s.recentResults(ctx, id, max(track.SampleCap, track.RecentCap))
	if err != nil {
		return st, err
	}
	for i, r := range results {
		st.Samples = append(st.Samples, track.Sample{Latency: r.Latency, OK: r.OK})
		if i >= len(results)-track.RecentCap {
			st.Recent = append(st.Recent, r)
		}
	}
	st.Samples = st.Samples[max(len(st.Samples)-track.SampleCap, 0):]
	if err := s.restoreState(ctx, id, &st); err != nil {
		return st, err
	}
	if err := s.restoreOutages(ctx, id, track.OutageCap, &st); err != nil {
		return st, err
	}
	err = s.q(ctx).QueryRowContext(ctx, `SELECT
		(SELECT coalesce(sum(checks), 0) FROM agg_hour WHERE service = ?1) + (SELECT coalesce(sum(checks), 0) FROM hour_pack WHERE service = ?1),
		(SELECT coalesce(sum(failures), 0) FROM agg_hour WHERE service = ?1) + (SELECT coalesce(sum(failures), 0) FROM hour_pack WHERE service = ?1)`,
		id).Scan(&st.Checks, &st.Failures)
	if err != nil {
		return st, s.readErr(err)
	}
	now := s.now()
	runs, err := s.runs(ctx, id, 0, now.UnixMilli())
	if err != nil {
		return st, err
	}
	covered, down, end, err := s.coverage(ctx, id, runs, 0, now.UnixMilli())
	if err != nil {
		return st, err
	}
	if end > 0 {
		st.AsOf = time.UnixMilli(end)
		st.Observed, st.Downtime = time.Duration(covered)*time.Millisecond, time.Duration(down)*time.Millisecond
	}
	repair(&st, now)
	setUnwatched(st.Outages, runs, now)
	return st, nil
}

// setUnwatched sets each outage's Unwatched: the time from its start to its end, or to now for
// the one going on, that runs do not cover. An outage open when uptty stopped has the time
// until now, the restart, in it: the screen writes its duration as the clocks do, and says how
// much of it nobody saw.
func setUnwatched(outages []track.Outage, runs []span, now time.Time) {
	for k := range outages {
		o := &outages[k]
		end := now
		if !o.Open() {
			end = o.End
		}
		x := span{o.Start.UnixMilli(), end.UnixMilli()}
		if x.end > x.start {
			o.Unwatched = time.Duration(x.end-x.start-overlap(runs, x)) * time.Millisecond
		}
	}
}

// repair makes a restored state consistent, as track.Tracker.Restore needs it. History stores
// states and outages apart, and a crash between two commits can leave them disagreeing. The
// outage record wins: an open outage means DOWN, and DOWN without one gets one from when DOWN
// began, so that DOWN and an open outage always go together. (PAUSED keeps its open outage:
// pausing stops the checks, not the outage.)
func repair(st *track.Saved, now time.Time) {
	open := len(st.Outages) > 0 && st.Outages[len(st.Outages)-1].Open()
	switch {
	case open && st.State != track.Down && st.State != track.Paused:
		o := st.Outages[len(st.Outages)-1]
		st.State, st.Since, st.Reason = track.Down, o.Start, cmp.Or(st.Reason, o.Cause)
	case !open && st.State == track.Down:
		start := st.Since
		if start.IsZero() {
			start = now
		}
		st.Outages = append(st.Outages, track.Outage{Start: start, Cause: cmp.Or(st.Reason, failedReason)})
		st.OutageCount++
	}
	st.OutageCount = max(st.OutageCount, len(st.Outages))
}

// failedReason stands in for the reason of a failed check that gave none, as the tracker's.
const failedReason = "check failed"

// recentResults returns a service's newest n results, oldest first.
func (s *Store) recentResults(ctx context.Context, id int64, n int) ([]track.Check, error) {
	rows, err := s.q(ctx).QueryContext(ctx, "SELECT at, latency, ok, reason FROM result WHERE service = ? ORDER BY at DESC LIMIT ?", id, n)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var rs []track.Check
	for rows.Next() {
		var at, latency int64
		var r track.Check
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
	rows.Close()
	// Fewer rows than asked for (all of them, then): the older results are packed. The n
	// newest of rows and packs together are among the rows and the n newest packed.
	if len(rs) < n {
		var packed []track.Check
		err := eachRawPack(ctx, s.q(ctx), id, math.MinInt64, math.MaxInt64, "DESC", func(hour int64, blob []byte) error {
			err := decodeRaw(hour, blob, func(r rawResult) { packed = append(packed, r.check()) })
			if err == nil && len(packed) >= n {
				return errStop
			}
			return err
		})
		if err != nil {
			return nil, s.readErr(err)
		}
		rs = append(rs, packed...)
		slices.SortStableFunc(rs, func(a, b track.Check) int { return b.Start.Compare(a.Start) })
		rs = slices.CompactFunc(rs, func(a, b track.Check) bool { return a.Start.Equal(b.Start) })
		rs = rs[:min(len(rs), n)]
	}
	slices.Reverse(rs)
	return rs, nil
}

// check is the result as the tracker keeps it.
func (r rawResult) check() track.Check {
	c := track.Check{Start: time.UnixMilli(r.at), Latency: time.Duration(r.latency) * time.Microsecond, OK: r.ok}
	if r.ok {
		c.Warning = r.reason
	} else {
		c.Reason = r.reason
	}
	return c
}

// restoreState sets State, Since and Reason from the last state change; the reason is the
// newest result's when it is newer and tells more (the latest failure while failing, the
// warning while degraded).
func (s *Store) restoreState(ctx context.Context, id int64, st *track.Saved) error {
	var at int64
	var to int
	err := s.q(ctx).QueryRowContext(ctx, "SELECT at, to_state, reason FROM state_change WHERE service = ? ORDER BY at DESC, id DESC LIMIT 1",
		id).Scan(&at, &to, &st.Reason)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return s.readErr(err)
	}
	st.State, st.Since = track.State(to), time.UnixMilli(at)
	if len(st.Recent) == 0 {
		return nil
	}
	if last := st.Recent[len(st.Recent)-1]; !last.Start.Before(st.Since) {
		switch {
		case (st.State == track.Pending || st.State == track.Down) && !last.OK && last.Reason != "":
			st.Reason = last.Reason
		case st.State == track.Degraded && last.OK && last.Warning != "":
			st.Reason = last.Warning
		}
	}
	return nil
}

func (s *Store) restoreOutages(ctx context.Context, id int64, n int, st *track.Saved) error {
	list, err := s.outages(ctx, "SELECT started, ended, cause FROM outage WHERE service = ? ORDER BY started DESC, id DESC LIMIT ?", id, n)
	if err != nil {
		return err
	}
	slices.Reverse(list)
	st.Outages = list
	err = s.q(ctx).QueryRowContext(ctx, "SELECT count(*) FROM outage WHERE service = ?", id).Scan(&st.OutageCount)
	return s.readErr(err)
}

func (s *Store) outages(ctx context.Context, query string, args ...any) ([]track.Outage, error) {
	rows, err := s.q(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var list []track.Outage
	for rows.Next() {
		var start int64
		var end sql.NullInt64
		var o track.Outage
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
	err = s.q(ctx).QueryRowContext(ctx, "SELECT id FROM service WHERE name = ?", name).Scan(&id)
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
