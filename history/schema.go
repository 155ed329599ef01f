package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// applicationID marks a SQLite file as an uptty history ("upty"), so that Open can tell its
// own files from someone else's database before it changes anything.
const applicationID = 0x75707479

// migrations returns the schema changes in order: migration i takes the schema from version i
// to version i+1 (PRAGMA user_version). Released migrations are never edited, only appended to.
//
// Times are Unix milliseconds, latencies microseconds. Results and aggregates are keyed by
// (service, time) WITHOUT ROWID, so that a service's newest rows and any time range are one
// index range and the rows are stored once.
func migrations() []string {
	return []string{
		// 1: the first release.
		`
CREATE TABLE service (
	id    INTEGER PRIMARY KEY,
	name  TEXT NOT NULL UNIQUE,
	grp   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE result (
	service INTEGER NOT NULL,
	at      INTEGER NOT NULL,
	latency INTEGER NOT NULL,
	ok      INTEGER NOT NULL,
	state   INTEGER NOT NULL,
	reason  TEXT, -- the failure reason, or the warning of a passing check; NULL when none
	PRIMARY KEY (service, at)
) WITHOUT ROWID;
CREATE TABLE state_change (
	id         INTEGER PRIMARY KEY,
	service    INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	from_state INTEGER NOT NULL,
	to_state   INTEGER NOT NULL,
	reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX state_change_by_service ON state_change (service, at);
CREATE TABLE outage (
	id      INTEGER PRIMARY KEY,
	service INTEGER NOT NULL,
	started INTEGER NOT NULL,
	ended   INTEGER, -- NULL while the outage lasts
	cause   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outage_by_service ON outage (service, started);
CREATE INDEX outage_by_start ON outage (started);
CREATE TABLE coverage (
	id      INTEGER PRIMARY KEY,
	service INTEGER NOT NULL,
	started INTEGER NOT NULL,
	ended   INTEGER NOT NULL
);
CREATE INDEX coverage_by_service ON coverage (service, started);
CREATE TABLE agg_minute (
	service  INTEGER NOT NULL,
	start    INTEGER NOT NULL,
	checks   INTEGER NOT NULL,
	failures INTEGER NOT NULL,
	lat_min  INTEGER, -- over passing checks; NULL when none passed
	lat_p50  INTEGER,
	lat_p95  INTEGER,
	lat_max  INTEGER,
	hist     BLOB NOT NULL,
	PRIMARY KEY (service, start)
) WITHOUT ROWID;
CREATE TABLE agg_hour (
	service  INTEGER NOT NULL,
	start    INTEGER NOT NULL,
	checks   INTEGER NOT NULL,
	failures INTEGER NOT NULL,
	lat_min  INTEGER,
	lat_p50  INTEGER,
	lat_p95  INTEGER,
	lat_max  INTEGER,
	hist     BLOB NOT NULL,
	PRIMARY KEY (service, start)
) WITHOUT ROWID;
CREATE TABLE session (
	id      INTEGER PRIMARY KEY,
	pid     INTEGER NOT NULL,
	started INTEGER NOT NULL,
	ended   INTEGER
);
PRAGMA application_id = 1970304121;
`,
		// 2: result.state was written with every result and never read; state changes are in
		// state_change.
		`ALTER TABLE result DROP COLUMN state;`,
		// 3: alerts. The outbox holds every alert for every durable sender, written in the
		// transaction of the state change that caused it and updated as the sender answers;
		// outages in a maintenance window are marked.
		`
ALTER TABLE outage ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0;
CREATE TABLE outbox (
	id         TEXT NOT NULL, -- the alert's id: the same for every retry
	sender     TEXT NOT NULL,
	service    TEXT NOT NULL,
	event      TEXT NOT NULL,
	payload    TEXT NOT NULL, -- the alert as the generic JSON body
	state      TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed | gave_up
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created    INTEGER NOT NULL,
	next_at    INTEGER, -- the next attempt, while failed
	sent_at    INTEGER,
	PRIMARY KEY (id, sender)
) WITHOUT ROWID;
CREATE INDEX outbox_open ON outbox (state) WHERE state IN ('pending', 'failed');
CREATE INDEX outbox_by_created ON outbox (created);
`,
		// 4: silences, set from the TUI, the API or `uptty silence` (another process: the table
		// is how they reach a running uptty); and the dependency an open outage was put down
		// to, so that a restart keeps DOWN (via NAME).
		`
ALTER TABLE outage ADD COLUMN via TEXT NOT NULL DEFAULT '';
CREATE TABLE silence (
	kind    TEXT NOT NULL, -- service | group
	name    TEXT NOT NULL,
	until   INTEGER NOT NULL,
	reason  TEXT NOT NULL DEFAULT '',
	created INTEGER NOT NULL,
	PRIMARY KEY (kind, name)
) WITHOUT ROWID;
`,
		// 5: what the screen was showing (filter, sort, collapsed groups), so that a restart
		// comes back to it; key/value, the screen owns the keys and their encoding.
		`
CREATE TABLE ui_state (
	key   TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
`,
		// 6: acknowledgements. An ack belongs to its outage (it ends with it), so it is kept on
		// the outage's row; ack_at is NULL when the outage was not acknowledged.
		`
ALTER TABLE outage ADD COLUMN ack_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outage ADD COLUMN ack_at INTEGER;
ALTER TABLE outage ADD COLUMN ack_note TEXT NOT NULL DEFAULT '';
`,
		// 7: the per-minute tier is packed, an hour of a service's minutes to a row, the
		// hourly aggregates older than the raw results a day to a row (see pack.go), and the
		// raw results before the last hour an hour to a row (rawpack.go); packMinuteRows
		// moves the rows of agg_minute over and drops it, the rollup packs the older rows of
		// agg_hour and result.
		`
CREATE TABLE minute_pack (
	service INTEGER NOT NULL,
	start   INTEGER NOT NULL, -- the hour
	data    BLOB NOT NULL,
	PRIMARY KEY (service, start)
) WITHOUT ROWID;
-- A day of hours takes up to a few KB (checked every second): in a table WITHOUT ROWID a row
-- spills into overflow pages past about 1 KB, each page of its own, in a rowid table past 4 KB.
CREATE TABLE hour_pack (
	id       INTEGER PRIMARY KEY,
	service  INTEGER NOT NULL,
	start    INTEGER NOT NULL, -- the day (UTC)
	checks   INTEGER NOT NULL, -- the day's, for totals without decoding
	failures INTEGER NOT NULL,
	data     BLOB NOT NULL
);
CREATE UNIQUE INDEX hour_pack_key ON hour_pack (service, start);
CREATE TABLE raw_pack (
	id      INTEGER PRIMARY KEY,
	service INTEGER NOT NULL,
	start   INTEGER NOT NULL, -- the hour
	data    BLOB NOT NULL
);
CREATE UNIQUE INDEX raw_pack_key ON raw_pack (service, start);
`,
		// 8: the alert senders the outbox rows are kept under, each with a key of how it
		// delivers (see Store.KeepSenders), so that a start knows a sender renamed in the
		// config while no uptty ran and keeps its pending alerts.
		`
CREATE TABLE sender (
	name     TEXT NOT NULL PRIMARY KEY,
	delivery TEXT NOT NULL -- opaque to history: a hash, no secret
) WITHOUT ROWID;
`,
	}
}

// migrationCode holds the steps that SQL cannot do alone, by the version they lead to: each
// runs in the migration's transaction, after that version's SQL.
var migrationCode = map[int]func(ctx context.Context, tx *sql.Tx) error{
	7: packMinuteRows,
}

// packMinuteRows moves the per-minute aggregates of agg_minute into minute_pack, an hour of a
// service to a row, and drops agg_minute. A row whose histogram is damaged keeps its failures
// and the part of its histogram that could be read.
func packMinuteRows(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT service, start, checks, failures, lat_min, lat_max, hist FROM agg_minute ORDER BY service, start")
	if err != nil {
		return err
	}
	var (
		m           hourMinutes
		key         aggKey
		have        bool
		service, at int64
		packs       []aggKey
		blobs       [][]byte
	)
	flush := func() {
		if have {
			packs, blobs = append(packs, key), append(blobs, encodeMinutes(&m))
		}
		m, have = hourMinutes{}, false
	}
	for rows.Next() {
		var a agg
		if err := scanAgg(startScanner{startScanner{rows, &service}, &at}, &a); err != nil && err != errBadHist {
			rows.Close()
			return err
		}
		if k := (aggKey{service, floorTo(at, hourMS)}); !have || k != key {
			flush()
			key, have = k, true
		}
		m[(at-key.start)/minuteMS].merge(&a)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	flush()
	for i, k := range packs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO minute_pack (service, start, data) VALUES (?, ?, ?)", k.service, k.start, blobs[i]); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, "DROP TABLE agg_minute")
	return err
}

// migrate brings the schema from its current version up to len(steps), in one transaction, so
// that a crash halfway leaves the file at the version it had. It refuses a file written by a
// newer uptty.
func migrate(ctx context.Context, db *sql.DB, path string, steps []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fileErr(path, "cannot be written", nil, err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fileErr(path, "cannot be read", ErrNotHistory, err)
	}
	if version > len(steps) {
		return fileErr(path, fmt.Sprintf("was written by a newer uptty (schema version %d, this one knows up to %d)", version, len(steps)), ErrNewerSchema, nil)
	}
	if version == len(steps) {
		return nil
	}
	real := migrations()
	for i := version; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fileErr(path, fmt.Sprintf("cannot be upgraded to schema version %d", i+1), nil, err)
		}
		if code := migrationCode[i+1]; code != nil && i < len(real) && steps[i] == real[i] {
			if err := code(ctx, tx); err != nil {
				return fileErr(path, fmt.Sprintf("cannot be upgraded to schema version %d", i+1), nil, err)
			}
		}
	}
	// PRAGMA takes no parameters; the version is ours, not user input.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return fileErr(path, "cannot be written", nil, err)
	}
	if err := tx.Commit(); err != nil {
		return fileErr(path, "cannot be written", nil, err)
	}
	if version == 0 {
		// A new file went through tables that later versions drop (agg_minute): their
		// pages would stay free in it for good. Empty, it is copied in no time.
		if _, err := db.ExecContext(ctx, "VACUUM"); err != nil {
			return fileErr(path, "cannot be written", nil, err)
		}
	}
	return nil
}
