package history

import (
	"context"
	"database/sql"
	"math"
)

// rebuildHours recomputes the newest hourly aggregates of every service after an uptty that
// did not close (kill -9, a crash, power loss): it keeps the aggregates of its last minute
// in memory (see writer.hours), and those were lost while the raw results they summarise were
// committed. Each service's hours from the one before its newest result on are rebuilt from
// the raw results and per-minute aggregates, which together hold every check. It runs in the
// writer before it takes anything else from its queue but commits what queued up between
// services, like a rollup.
func (w *writer) rebuildHours() error {
	w.rebuilding = true
	defer func() {
		w.rebuilding = false
		for _, o := range w.flushes {
			w.answerFlush(o)
		}
		w.flushes = nil
	}()
	var unclean bool
	err := w.db.QueryRow("SELECT ended IS NULL FROM session WHERE id < ? ORDER BY id DESC LIMIT 1", w.s.session).Scan(&unclean)
	if err == sql.ErrNoRows || err == nil && !unclean {
		return nil
	}
	if err != nil {
		return fileErr(w.s.path, "cannot be read", nil, err)
	}
	ids, err := w.serviceIDs()
	if err != nil {
		return fileErr(w.s.path, "cannot be read", nil, err)
	}
	for _, id := range ids {
		if w.stopping() {
			return nil
		}
		var from int64
		err := w.writeTx(func(tx *sql.Tx) (err error) {
			from, err = w.rebuildService(tx, id)
			return err
		})
		if err != nil {
			return fileErr(w.s.path, "cannot rebuild the hourly aggregates", nil, err)
		}
		// What the writer kept of these hours is in the rebuilt rows: it holds committed
		// results only.
		for k := range w.hours {
			if k.service == id && k.start >= from {
				delete(w.hours, k)
			}
		}
		w.drain()
	}
	return nil
}

// rebuildService rebuilds one service's hourly aggregates from the hour before its newest
// result on, and returns that hour (MaxInt64 when the service has no result).
func (w *writer) rebuildService(tx *sql.Tx, id int64) (int64, error) {
	ctx := context.Background()
	newest, err := newestRaw(ctx, tx, id)
	if err != nil || !newest.Valid {
		return math.MaxInt64, err
	}
	if err := w.extendToResults(tx, id, newest.Int64); err != nil {
		return 0, err
	}
	from := floorTo(newest.Int64, hourMS) - hourMS
	// Packed days are final: a service whose newest results are as old as them (removed from
	// the config days ago) has its hours rebuilt from after them.
	var packed sql.NullInt64
	if err := tx.QueryRow("SELECT max(start) FROM hour_pack WHERE service = ?", id).Scan(&packed); err != nil {
		return 0, err
	}
	if packed.Valid {
		from = max(from, packed.Int64+dayMS)
	}
	hours := map[int64]*agg{}
	at := func(start int64) *agg {
		a := hours[start]
		if a == nil {
			a = &agg{}
			hours[start] = a
		}
		return a
	}
	err = eachMinute(ctx, tx, id, from, math.MaxInt64, func(start int64, m *agg) {
		at(floorTo(start, hourMS)).merge(m)
	})
	if err != nil {
		return 0, err
	}
	err = eachRaw(ctx, tx, id, from, math.MaxInt64, func(r rawResult) { at(floorTo(r.at, hourMS)).add(r.latency, r.ok) })
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec("DELETE FROM agg_hour WHERE service = ? AND start >= ?", id, from); err != nil {
		return 0, err
	}
	for start, a := range hours {
		if err := w.mergeAgg(tx, "agg_hour", aggKey{id, start}, a); err != nil {
			return 0, err
		}
	}
	return from, nil
}
