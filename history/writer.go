package history

import (
	"database/sql"
	"errors"
	"math"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// maxBatch bounds the writes committed in one transaction, so that a flood of results still
// reaches the disk in steps and a Flush behind them does not wait for all of them.
const maxBatch = 2000

type opKind uint8

const (
	opResult opKind = iota + 1
	opEvent
	opFlush   // answer once everything queued before is committed
	opRollup  // roll up as of now
	opExec    // tests: call hook, run sql on the writer's connection (a full disk...)
	opOutcome // a sender's answer about one alert, for its outbox row
	opWrite   // run write in a transaction of its own and answer its error (silences)
	opPrefs   // the screen's saved state, replaced key by key
	opStopped // the service is no longer checked (a reload removed it): its coverage ends at `at`
)

// op is one queued write or request. Results are copied into it field by field, so that the
// queue holds no memory of the caller's (Facts, Phases). A plain result, nearly all of the
// queue, is 88 bytes: what other ops carry is behind more. The queue's buffer is allocated
// whole and, being a ring, all of it is written within a few thousand writes: at 256 bytes an
// op it was 1.3 MB of resident memory at 1,000 services (a result of each and 4,096), and
// scanned by every collection.
type op struct {
	kind     opKind
	hasGroup bool
	ok       bool
	service  string
	group    string
	span     time.Duration // how long a result covers at most: two intervals

	at, latency int64 // ms, µs
	reason      string

	more *opMore // nil for a result without events or alerts
}

// opMore is what an op other than a plain result carries.
type opMore struct {
	event   *track.Event  // opEvent's
	events  []track.Event // the events a result caused, committed with it
	maint   bool          // an outage started by events is in a maintenance window
	via     string        // the dependency an outage started by events is put down to
	viaNow  bool          // the open outage is put down to via from now on (Extra.Reattributed)
	write   func(*sql.Tx) error
	alerts  []Outgoing // the alerts the events caused, committed with them
	outcome *outcome
	prefs   map[string]string // opPrefs: "" deletes a key
	now     time.Time
	sql     string
	hook    func()
	done    chan error
}

// writer is the goroutine that owns the write connection. Everything in it is touched by that
// goroutine only.
type writer struct {
	s     *Store
	db    *sql.DB
	batch []op
	ids   map[string]*serviceRow
	runs  map[int64]*run // the newest coverage run of each service, loaded when first needed

	rolling  bool // a rollup is running: rollups asked for meanwhile wait in deferred
	deferred []op

	rebuilding bool // rebuildHours runs: Flushes wait in flushes
	flushes    []op

	stmts     stmts
	dirtyRuns []*run // the runs changed since they were last saved (see saveNewRuns)
	// unpublished are the runs changed since the last commit, for Store.live.
	unpublished []*run
	newRuns     []*run // those of them begun since the last commit, with no row yet
	// hours are the hourly aggregates of committed results not yet added to agg_hour, so that
	// a service's hour is read and rewritten about once a minute, not with every commit.
	hours  map[aggKey]*agg
	oldest int64 // the earliest start in hours, to find hours that ended without a walk
	newest int64 // the start of the newest hour any result was in
}

type serviceRow struct {
	id    int64
	group string
}

// run is a stretch of covered time (a coverage row). live marks runs extended by this session,
// whose end Close sets to the time of closing.
type run struct {
	service          int64
	id               int64 // 0 until inserted
	start, end, last int64 // ms; last is the newest result's start
	dirty, live      bool
	published        bool // in writer.unpublished, for Store.live after the commit
}

func newWriter(s *Store) *writer {
	w := &writer{s: s, db: s.rw, hours: map[aggKey]*agg{}}
	w.reset()
	return w
}

// reset forgets what the writer caches of the database, after a failed commit rolled it back.
func (w *writer) reset() {
	w.ids = map[string]*serviceRow{}
	w.runs = map[int64]*run{}
	w.dirtyRuns = w.dirtyRuns[:0]
	w.newRuns = w.newRuns[:0]
	w.unpublished = w.unpublished[:0]
	w.s.live.forget()
}

func (w *writer) run() {
	defer close(w.s.done)
	w.stmts.prepare(w.db, hotQueries)
	defer w.stmts.close()
	rollup := time.NewTimer(rollupDelay)
	defer rollup.Stop()
	aggs := time.NewTicker(flushEvery)
	defer aggs.Stop()
	w.setErr(w.rebuildHours())
	for {
		select {
		case <-aggs.C:
			w.setErr(w.flushMemory())
		case <-w.s.queue.ready:
			// A poke left from before is for writes or a request this collect takes: kept, it
			// would end the next batch's wait at once, however few had joined it.
			select {
			case <-w.s.hurry:
			default:
			}
			if w.batch = w.collect(w.batch[:0]); len(w.batch) == 0 {
				continue // what woke it was taken by the last batch's collect
			}
			w.batch = w.gather(w.batch)
			w.process(w.batch)
		case <-rollup.C:
			w.setErr(w.rollup(w.s.now()))
			rollup.Reset(rollupEvery)
		case <-w.s.stop:
			for w.drain() {
			}
			w.setErr(w.endSession(w.s.now().UnixMilli()))
			return
		}
	}
}

// collect adds to batch whatever else is queued, without waiting.
func (w *writer) collect(batch []op) []op {
	return w.s.queue.take(batch, maxBatch-len(batch))
}

// gather waits commitDelay for more writes to join a batch of writes, so that a monitor's
// steady trickle of results (100 a second at 1,000 services every 10 s) is committed once a
// second rather than once per result: a commit costs far more than a row. It sleeps through
// the wait and takes what was queued meanwhile at its end, rather than receiving each write as
// it comes: a receive wakes the writer, and a wake-up (a thread woken, the scheduler run) costs
// about as much as the write on this kind of machine. A request (Flush, Rollup...) or a batch's
// worth queued (batchFull, see Store.enqueue) pokes it to end the wait at once, as does a batch
// already that full or holding a request. The wait ends with the first write queued once
// commitDelay is over, or commitSlack after that when none comes (see commitSlack).
func (w *writer) gather(batch []op) []op {
	if len(batch) >= batchFull {
		return batch
	}
	for _, o := range batch {
		if !isWrite(o.kind) {
			return batch
		}
	}
	// Told before the queue is read: a write queued after the read sees the count and pokes,
	// as does the first write queued commitDelay on.
	w.s.gathering.Store(int64(len(batch)))
	w.s.commitAt.Store(int64(time.Since(w.s.epoch) + commitDelay))
	defer func() {
		w.s.gathering.Store(0)
		w.s.commitAt.Store(0)
	}()
	if len(batch)+w.s.queue.len() >= batchFull {
		return w.collect(batch)
	}
	timer := time.NewTimer(commitDelay + commitSlack)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-w.s.hurry:
	case <-w.s.stop:
	}
	return w.collect(batch)
}

// isWrite reports whether an op is a write that commits with others, rather than a request
// answered once what was queued before it is committed.
func isWrite(k opKind) bool {
	return k == opResult || k == opEvent || k == opOutcome || k == opPrefs || k == opStopped
}

// drain processes one batch of whatever is queued and reports whether there was any. It has a
// batch of its own: a rollup drains while the batch that asked for it is being processed.
func (w *writer) drain() bool {
	batch := w.collect(nil)
	if len(batch) == 0 {
		return false
	}
	w.process(batch)
	return true
}

// process commits the writes of a batch in one transaction, cut where a request must see the
// writes before it committed.
func (w *writer) process(batch []op) {
	from := 0
	for i, o := range batch {
		if isWrite(o.kind) {
			continue
		}
		w.commit(batch[from:i])
		from = i + 1
		switch o.kind {
		case opFlush:
			if w.rebuilding {
				w.flushes = append(w.flushes, o) // answered once the hours are rebuilt
				continue
			}
			w.answerFlush(o)
		case opRollup:
			if w.rolling {
				w.deferred = append(w.deferred, o)
			} else {
				w.setErr(w.flushMemory())
				o.more.done <- w.rollup(o.more.now)
			}
		case opWrite:
			o.more.done <- w.writeTx(o.more.write)
		case opExec:
			var err error
			if o.more.hook != nil {
				o.more.hook()
			}
			if o.more.sql != "" {
				_, err = w.db.Exec(o.more.sql)
			}
			o.more.done <- err
		}
	}
	w.commit(batch[from:])
}

// eventsOf writes an op's event, the events its result caused and their alerts.
func (w *writer) eventsOf(tx *sql.Tx, id int64, service string, m *opMore) error {
	if m.event != nil {
		if err := w.event(tx, id, *m.event, false, ""); err != nil {
			return err
		}
	}
	for _, e := range m.events {
		if err := w.event(tx, id, e, m.maint, m.via); err != nil {
			return err
		}
	}
	if m.viaNow {
		if _, err := tx.Exec("UPDATE outage SET via = ? WHERE service = ? AND ended IS NULL", m.via, id); err != nil {
			return err
		}
	}
	if len(m.alerts) > 0 {
		return w.outbox(tx, service, m.alerts)
	}
	return nil
}

// answerFlush answers a Flush: everything before it is committed, the hours kept in memory
// included, so that queries see it all.
func (w *writer) answerFlush(o op) {
	w.setErr(w.flushMemory())
	w.s.errMu.Lock()
	o.more.done <- w.s.writeErr
	w.s.errMu.Unlock()
}

// commit writes ops in one transaction, or counts them as lost and says so in Err.
func (w *writer) commit(ops []op) {
	if len(ops) == 0 {
		return
	}
	dropped := w.s.dropped.Load()
	if err := w.write(ops); err != nil {
		w.reset()
		w.s.failed.Add(uint64(len(ops)))
		now := w.s.now()
		w.s.errMu.Lock()
		u := &w.s.unsaved
		if u.since.IsZero() {
			u.since, u.cause = now, writeCause(err)
		}
		w.s.writeErr = fileErr(w.s.path, "cannot be written since "+u.since.Format(time.TimeOnly)+", history is not being saved", nil, err)
		w.s.errMu.Unlock()
		return
	}
	w.s.written.Add(uint64(len(ops)))
	w.s.commits.Add(1)
	now := w.s.now()
	w.s.errMu.Lock()
	w.s.writeErr, w.s.droppedBefore = nil, dropped
	if u := &w.s.unsaved; !u.since.IsZero() {
		u.total += max(now.Sub(u.since), 0)
		u.stretches++
		u.resumed, u.lastCause, u.since = now, u.cause, time.Time{}
	}
	w.s.errMu.Unlock()
}

// writeCause says in a few words why a commit failed: "disk full".
func writeCause(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			return "disk full"
		case sqlite3.SQLITE_READONLY:
			return "read-only"
		case sqlite3.SQLITE_IOERR:
			return "I/O error"
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return "busy"
		}
	}
	return text.CleanText(err.Error(), 60)
}

func (w *writer) setErr(err error) {
	if err == nil {
		return
	}
	w.s.errMu.Lock()
	w.s.writeErr = err
	w.s.errMu.Unlock()
}

func (w *writer) write(ops []op) (err error) {
	tx, err := w.db.Begin()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	hours := map[aggKey]*agg{}
	for i := range ops {
		o := &ops[i]
		if o.kind == opOutcome {
			if err := w.applyOutcome(tx, o.more.outcome); err != nil {
				return err
			}
			continue
		}
		if o.kind == opPrefs {
			if err := writePrefs(tx, o.more.prefs); err != nil {
				return err
			}
			continue
		}
		id, err := w.serviceID(tx, o)
		if err != nil {
			return err
		}
		if o.kind == opResult {
			err = w.result(tx, id, o, hours)
		} else if o.kind == opStopped {
			err = w.stopped(tx, id, o.at)
		}
		if m := o.more; m != nil && err == nil {
			err = w.eventsOf(tx, id, o.service, m)
		}
		if err != nil {
			return err
		}
	}
	newest := w.newest
	for k := range hours {
		newest = max(newest, k.start)
	}
	ended, err := w.addEndedHours(tx, hours, newest)
	if err != nil {
		return err
	}
	if err := w.saveNewRuns(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	w.keepHours(hours, ended)
	w.newest = newest
	w.publishRuns()
	return nil
}

// publishRuns hands the runs the last commit changed to the store's readers (Store.live).
func (w *writer) publishRuns() {
	w.s.live.publish(w.unpublished)
	for _, r := range w.unpublished {
		r.published = false
	}
	clear(w.unpublished)
	w.unpublished = w.unpublished[:0]
}

// addEndedHours adds to agg_hour the aggregates of the hours before the current one (the hour
// of the newest result, current): those of the batch (hours) and those kept from earlier
// commits; it returns their keys. The others stay in memory until flushMemory, so that a
// service's current hour is rewritten once a minute rather than with every commit. The
// current hour follows the results, not the clock, so that history recorded after the fact
// (tests, imports) is written as it comes.
func (w *writer) addEndedHours(tx *sql.Tx, hours map[aggKey]*agg, current int64) ([]aggKey, error) {
	var ended []aggKey
	for k := range hours {
		if k.start < current {
			ended = append(ended, k)
		}
	}
	if len(w.hours) > 0 && w.oldest < current {
		for k := range w.hours {
			if _, inBatch := hours[k]; k.start < current && !inBatch {
				ended = append(ended, k)
			}
		}
	}
	for _, k := range ended {
		var sum agg
		if a := w.hours[k]; a != nil {
			sum.merge(a)
		}
		if a := hours[k]; a != nil {
			sum.merge(a)
		}
		if err := w.mergeAgg(tx, "agg_hour", k, &sum); err != nil {
			return nil, err
		}
	}
	return ended, nil
}

// keepHours takes in the aggregates of a committed batch, but for the hours written already.
func (w *writer) keepHours(hours map[aggKey]*agg, ended []aggKey) {
	for _, k := range ended {
		delete(w.hours, k)
		delete(hours, k)
	}
	if len(ended) > 0 || len(w.hours) == 0 {
		w.oldest = math.MaxInt64
		for k := range w.hours {
			w.oldest = min(w.oldest, k.start)
		}
	}
	for k, a := range hours {
		w.oldest = min(w.oldest, k.start)
		if kept := w.hours[k]; kept != nil {
			kept.merge(a)
			continue
		}
		w.hours[k] = a
	}
}

// flushMemory adds every aggregate kept in memory to agg_hour and saves the coverage runs
// lengthened since the last flush, in a transaction of its own.
func (w *writer) flushMemory() error {
	if len(w.hours) == 0 && len(w.dirtyRuns) == 0 {
		return nil
	}
	err := w.writeTx(func(tx *sql.Tx) error {
		for k, a := range w.hours {
			var sum agg
			sum.merge(a)
			if err := w.mergeAgg(tx, "agg_hour", k, &sum); err != nil {
				return err
			}
		}
		return w.saveRuns(tx)
	})
	if err != nil {
		w.reset() // the runs' rows are as they were: read them again
		return fileErr(w.s.path, "cannot be written", nil, err)
	}
	clear(w.hours)
	w.oldest = math.MaxInt64
	return nil
}

// serviceID returns the service's row id, adding the service or updating its group as needed.
func (w *writer) serviceID(tx *sql.Tx, o *op) (int64, error) {
	row, ok := w.ids[o.service]
	if !ok {
		row = &serviceRow{}
		err := w.stmts.queryRow(tx, qSelectService, o.service).Scan(&row.id, &row.group)
		if err == sql.ErrNoRows {
			res, err := w.stmts.exec(tx, qInsertService, o.service, o.group)
			if err != nil {
				return 0, err
			}
			row.group = o.group
			if row.id, err = res.LastInsertId(); err != nil {
				return 0, err
			}
		} else if err != nil {
			return 0, err
		}
		w.ids[o.service] = row
	}
	if o.hasGroup && row.group != o.group {
		if _, err := w.stmts.exec(tx, qUpdateGroup, o.group, row.id); err != nil {
			return 0, err
		}
		row.group = o.group
	}
	return row.id, nil
}

func (w *writer) result(tx *sql.Tx, id int64, o *op, hours map[aggKey]*agg) error {
	var reason any
	if o.reason != "" {
		reason = o.reason
	}
	res, err := w.stmts.exec(tx, qInsertResult, id, o.at, o.latency, o.ok, reason)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // a result of the same service at the same millisecond is already stored
	}
	k := aggKey{service: id, start: floorTo(o.at, hourMS)}
	a := hours[k]
	if a == nil {
		a = &agg{}
		hours[k] = a
	}
	a.add(o.latency, o.ok)
	return w.extend(tx, id, o.at, o.span.Milliseconds())
}

// event writes one event; maint marks an outage it starts as in a maintenance window, via
// names the dependency it is put down to.
func (w *writer) event(tx *sql.Tx, id int64, e track.Event, maint bool, via string) error {
	switch e.Kind {
	case track.StateChanged:
		if _, err := tx.Exec("INSERT INTO state_change (service, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)",
			id, e.At.UnixMilli(), int(e.From), int(e.To), e.Reason); err != nil {
			return err
		}
		if e.To == track.Paused {
			return w.pause(tx, id, e.At.UnixMilli())
		}
	case track.OutageStarted:
		start := e.Outage.Start.UnixMilli()
		_, err := tx.Exec(`INSERT INTO outage (service, started, cause, maintenance, via) SELECT ?, ?, ?, ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM outage WHERE service = ? AND started = ?)`,
			id, start, e.Outage.Cause, maint, via, id, start)
		return err
	case track.OutageEnded:
		start, end := e.Outage.Start.UnixMilli(), e.Outage.End.UnixMilli()
		if e.Outage.End.IsZero() {
			end = e.At.UnixMilli()
		}
		res, err := tx.Exec("UPDATE outage SET ended = ? WHERE service = ? AND started = ? AND ended IS NULL", end, id, start)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		// An outage that began before history did: keep it whole.
		_, err = tx.Exec(`INSERT INTO outage (service, started, ended, cause, maintenance) SELECT ?, ?, ?, ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM outage WHERE service = ? AND started = ?)`,
			id, start, end, e.Outage.Cause, maint, id, start)
		return err
	}
	return nil
}

// writeTx runs fn in a transaction of its own.
func (w *writer) writeTx(fn func(*sql.Tx) error) error {
	tx, err := w.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// endSession ends coverage now for every service this session checked, and the session.
func (w *writer) endSession(now int64) error {
	if w.s.session == 0 {
		return nil
	}
	if err := w.flushMemory(); err != nil {
		return err
	}
	tx, err := w.db.Begin()
	if err != nil {
		return fileErr(w.s.path, "cannot be written", nil, err)
	}
	defer tx.Rollback()
	for _, r := range w.runs {
		if r.live && r.end > now {
			r.end = max(now, r.last)
			w.markRun(r)
		}
	}
	err = w.saveRuns(tx)
	if err == nil {
		_, err = tx.Exec("UPDATE session SET ended = ? WHERE id = ?", now, w.s.session)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return fileErr(w.s.path, "cannot be written", nil, err)
	}
	return nil
}
