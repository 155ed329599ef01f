package history

import (
	"time"
)

// rollupChunk bounds the raw results rolled up in one transaction; between chunks the writer
// commits what was recorded meanwhile, so that a large backlog (a first run with a shorter
// retention) never holds up recording for long.
const rollupChunk = 5000

// rollup rolls up as of now. A rollup requested while one runs is answered after it.
func (w *writer) rollup(now time.Time) error {
	if w.rolling {
		return nil
	}
	w.rolling = true
	err := w.rollupOnce(now)
	w.rolling = false
	for len(w.deferred) > 0 {
		o := w.deferred[0]
		w.deferred = w.deferred[1:]
		o.more.done <- w.rollup(o.more.now)
	}
	return err
}

func (w *writer) rollupOnce(now time.Time) error {
	rawCutoff := floorTo(now.UnixMilli()-w.s.opts.Raw.Milliseconds(), minuteMS)
	minuteCutoff := floorTo(now.UnixMilli()-w.s.opts.minuteKeep().Milliseconds(), hourMS)
	outboxCutoff := floorTo(now.UnixMilli()-2*w.s.opts.Retention.Milliseconds(), hourMS)
	ids, err := w.serviceIDs()
	if err != nil {
		return fileErr(w.s.path, "cannot roll up old results", nil, err)
	}
	rawPackCutoff := floorTo(now.UnixMilli(), hourMS) - hourMS
	hourCutoff := floorTo(rawCutoff, dayMS)
	work, err := w.db.Prepare(qRollupWork)
	if err != nil {
		return fileErr(w.s.path, "cannot roll up old results", nil, err)
	}
	defer work.Close()
	drained := time.Now()
	for _, id := range ids {
		// What is recorded meanwhile is committed as often as between rollups.
		if time.Since(drained) >= commitDelay {
			w.drain()
			drained = time.Now()
		}
		// Most services have nothing old enough in most tables: one query says which steps
		// have work, rather than a transaction per step per service finding none (at 10,000
		// services, 2.7 s of CPU for a rollup with nothing to do). A step runs once one before
		// it did, as that may have left it work.
		var has [5]bool
		if err := work.QueryRow(id, rawCutoff, id, rawCutoff, id, rawPackCutoff, id, hourCutoff, id, minuteCutoff).
			Scan(&has[0], &has[1], &has[2], &has[3], &has[4]); err != nil {
			return fileErr(w.s.path, "cannot roll up old results", nil, err)
		}
		ran := false
		for i, step := range []struct {
			do     func(service, cutoff int64) (bool, error)
			cutoff int64
		}{
			{w.rollupRawPacks, rawCutoff},
			{w.rollupRaw, rawCutoff},
			// The results of the hours before the last one are packed.
			{w.packRaw, rawPackCutoff},
			// Hours as old as the raw results rolled up are final but for late results (which
			// add a row to agg_hour, packed at the next rollup).
			{w.packHours, hourCutoff},
		} {
			if !has[i] && !ran {
				continue
			}
			ran = true
			for done := false; !done; {
				if w.stopping() {
					return nil
				}
				if done, err = step.do(id, step.cutoff); err != nil {
					return fileErr(w.s.path, "cannot roll up old results", nil, err)
				}
				w.drain()
			}
		}
		if !has[4] && !ran {
			continue
		}
		// The hourly aggregates already hold these minutes.
		if _, err := w.db.Exec("DELETE FROM minute_pack WHERE service = ? AND start < ?", id, minuteCutoff); err != nil {
			return fileErr(w.s.path, "cannot roll up old results", nil, err)
		}
	}
	// Alerts that are settled (sent or given up) are kept for twice the retention; pending
	// ones are kept until they settle, however old.
	if _, err := w.db.Exec("DELETE FROM outbox WHERE state IN ('sent', 'gave_up') AND created < ?", outboxCutoff); err != nil {
		return fileErr(w.s.path, "cannot roll up old alerts", nil, err)
	}
	return nil
}

// rollupRaw turns the oldest chunk of a service's raw result rows before cutoff into
// per-minute aggregates (packed by the hour), and deletes them, in one transaction. done
// reports that none are left.
func (w *writer) rollupRaw(service, cutoff int64) (done bool, err error) {
	tx, err := w.db.Begin()
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	rows, err := tx.Query("SELECT at, latency, ok FROM result WHERE service = ? AND at < ? ORDER BY at LIMIT ?",
		service, cutoff, w.s.opts.rollupChunk)
	if err != nil {
		return false, err
	}
	hours := map[int64]*hourMinutes{}
	n, last := 0, int64(0)
	for rows.Next() {
		var at, latency int64
		var ok bool
		if err := rows.Scan(&at, &latency, &ok); err != nil {
			rows.Close()
			return false, err
		}
		hour := floorTo(at, hourMS)
		m := hours[hour]
		if m == nil {
			m = &hourMinutes{}
			hours[hour] = m
		}
		m[(at-hour)/minuteMS].add(latency, ok)
		n, last = n+1, at
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if n == 0 {
		return true, nil
	}
	for hour, m := range hours {
		if err := w.mergeMinutes(tx, service, hour, m); err != nil {
			return false, err
		}
	}
	if _, err := tx.Exec("DELETE FROM result WHERE service = ? AND at <= ?", service, last); err != nil {
		return false, err
	}
	return n < w.s.opts.rollupChunk, tx.Commit()
}

// qRollupWork says which of the rollup's steps have rows to work on for a service: raw_pack
// and result before the raw cutoff, result before the last hour, agg_hour before the day of the
// raw cutoff and minute_pack before the minute cutoff.
const qRollupWork = `SELECT
	EXISTS (SELECT 1 FROM raw_pack WHERE service = ? AND start < ?),
	EXISTS (SELECT 1 FROM result WHERE service = ? AND at < ?),
	EXISTS (SELECT 1 FROM result WHERE service = ? AND at < ?),
	EXISTS (SELECT 1 FROM agg_hour WHERE service = ? AND start < ?),
	EXISTS (SELECT 1 FROM minute_pack WHERE service = ? AND start < ?)`

func (w *writer) serviceIDs() ([]int64, error) {
	rows, err := w.db.Query("SELECT id FROM service ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (w *writer) stopping() bool {
	select {
	case <-w.s.stop:
		return true
	default:
		return false
	}
}
