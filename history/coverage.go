package history

import (
	"database/sql"
	"sync"
)

// runOf returns the newest coverage run of a service, loading it on first use; its id is 0
// when the service has none yet.
func (w *writer) runOf(tx *sql.Tx, service int64) (*run, error) {
	if r, ok := w.runs[service]; ok {
		return r, nil
	}
	r := &run{}
	err := w.stmts.queryRow(tx, qSelectRun, service).Scan(&r.id, &r.start, &r.end)
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	r.last, r.service = r.start, service
	w.runs[service] = r
	return r, nil
}

// extend books a result at `at` (ms) that covers up to span ms: it lengthens the newest run if
// the result starts within it, or begins a new run after a gap.
func (w *writer) extend(tx *sql.Tx, service, at, span int64) error {
	r, err := w.runOf(tx, service)
	if err != nil {
		return err
	}
	switch {
	case r.id == 0 && !r.dirty || at > r.end:
		if err := w.saveRun(tx, service, r); err != nil {
			return err
		}
		*r = run{service: service, start: at, end: at + span, last: at}
	case at < r.start:
		// A late result from before the run: it joins it only if it reaches it, so that runs
		// never overlap.
		if at+span < r.start {
			return nil
		}
		r.start = at
	default:
		r.end, r.last = max(r.end, at+span), max(r.last, at)
	}
	w.markRun(r)
	r.live = true
	return nil
}

// markRun notes that r changed since it was last saved.
func (w *writer) markRun(r *run) {
	if !r.published {
		r.published = true
		w.unpublished = append(w.unpublished, r)
	}
	if !r.dirty {
		r.dirty = true
		w.dirtyRuns = append(w.dirtyRuns, r)
		if r.id == 0 {
			w.newRuns = append(w.newRuns, r)
		}
	}
}

// pause ends the service's coverage at `at`: paused time is neither up nor down.
func (w *writer) pause(tx *sql.Tx, service, at int64) error {
	r, err := w.runOf(tx, service)
	if err != nil || r.id == 0 && !r.dirty {
		return err
	}
	if at < r.end {
		r.end = max(at, r.last)
		w.markRun(r)
	}
	return nil
}

// stopped ends the service's coverage at `at`, when it stopped being checked, and saves it at
// once rather than with the minute's runs: an open outage it leaves reads `unmonitored` from
// there on (see Incident.Observed), and must not seem to end a minute later, or two intervals
// past its last check.
func (w *writer) stopped(tx *sql.Tx, service, at int64) error {
	if err := w.pause(tx, service, at); err != nil {
		return err
	}
	return w.saveRun(tx, service, w.runs[service])
}

// saveRuns saves the runs changed since they were last saved; a service's runs are not walked
// unless it changed.
func (w *writer) saveRuns(tx *sql.Tx) error {
	for _, r := range w.dirtyRuns {
		if err := w.saveRun(tx, r.service, r); err != nil {
			return err
		}
	}
	clear(w.dirtyRuns)
	w.dirtyRuns = w.dirtyRuns[:0]
	clear(w.newRuns)
	w.newRuns = w.newRuns[:0]
	return nil
}

// saveNewRuns saves the runs begun since the last commit, which need a row. The runs that were
// only lengthened wait for saveRuns, once a minute with the hours (see flushMemory): at 10,000
// services every 10 s, rewriting a service's run with every result was a row written per
// result. A crash loses what they grew by since; the next start lengthens each service's
// newest run to its newest result (see rebuildService).
func (w *writer) saveNewRuns(tx *sql.Tx) error {
	for _, r := range w.newRuns {
		if r.id == 0 {
			if err := w.saveRun(tx, r.service, r); err != nil {
				return err
			}
		}
	}
	clear(w.newRuns)
	w.newRuns = w.newRuns[:0]
	return nil
}

// extendToResults lengthens a service's newest run to its newest result, after an uptty that
// did not close: the run's row lags its results by what it grew since it was last saved.
func (w *writer) extendToResults(tx *sql.Tx, service, newest int64) error {
	if r := w.runs[service]; r != nil {
		if r.id != 0 && r.end < newest {
			r.end, r.last = newest, max(r.last, newest)
			w.markRun(r)
		}
		return nil
	}
	_, err := tx.Exec(`UPDATE coverage SET ended = ?1 WHERE ended < ?1 AND id =
		(SELECT id FROM coverage WHERE service = ?2 ORDER BY started DESC LIMIT 1)`, newest, service)
	return err
}

func (w *writer) saveRun(tx *sql.Tx, service int64, r *run) error {
	if !r.dirty {
		return nil
	}
	if r.id != 0 {
		if _, err := w.stmts.exec(tx, qUpdateRun, r.start, r.end, r.id); err != nil {
			return err
		}
	} else {
		res, err := w.stmts.exec(tx, qInsertRun, service, r.start, r.end)
		if err != nil {
			return err
		}
		if r.id, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	r.dirty = false
	return nil
}

// liveRuns holds each service's newest coverage run as the writer last committed it, by
// service id. The writer saves a run's row when it begins and then once a minute (saveRuns),
// so the row lags what was checked by up to a minute: Uptime in the same process reads the run
// from here as well, and a service's detail agrees with its row (an outage of the last minute
// read as 100% up). Another process reads the rows alone.
type liveRuns struct {
	mu sync.RWMutex
	m  map[int64]span
}

// publish sets the runs changed by a commit.
func (l *liveRuns) publish(runs []*run) {
	if len(runs) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[int64]span{}
	}
	for _, r := range runs {
		l.m[r.service] = span{r.start, r.end}
	}
}

// forget drops every run: after a failed commit the rows are what there is.
func (l *liveRuns) forget() {
	l.mu.Lock()
	clear(l.m)
	l.mu.Unlock()
}

// of returns service's live run.
func (l *liveRuns) of(service int64) (span, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	r, ok := l.m[service]
	return r, ok
}
