// Package history keeps every check result, state change and outage in an embedded SQLite
// database (modernc.org/sqlite, no cgo), so that after a restart every row shows what it showed
// before, and so that uptime and incidents can be asked about long after the fact.
//
// # Writes
//
// RecordResult and RecordEvent never block: they put the write on a bounded queue that one
// writer goroutine, owned by the Store, commits in batches (whatever has queued up since the
// last commit, and what follows within 100ms, so a kill -9 loses at most the writes not yet
// committed). When the queue is full
// the write is dropped and counted; Err reports it, and any failed commit (disk full, read-only
// file), while the monitor goes on. The writer's statements are prepared once; the hourly
// aggregate of a service's current hour is kept in memory and added to the file once a minute
// (an hour that ended at once), so a result costs one row written, not an aggregate read and
// rewritten. After an uptty that did not close, Open rebuilds the newest hours of every
// service from the raw results.
//
// # Coverage and gaps
//
// Time when uptty was not running counts neither up nor down. A result covers the time from its
// start until the next result of the same service, but at most two check intervals (the
// interval given to Register; one minute when none was), so a check that runs late still joins
// the one before it while a stopped uptty leaves a gap. Coverage also ends when the service is
// paused and, on a clean Close, at the time of closing. Downtime is covered time inside an
// outage. An outage open when uptty stopped stays open until a passing check closes it, but the
// time uptty was not running is a gap, not downtime.
//
// # What is kept, and for how long
//
// Raw results are kept for Options.Raw (default 48 hours). Older ones are rolled up into
// per-minute aggregates, kept for a third of Options.Retention (default 90 days, so 30) but at
// least twice Raw; hourly aggregates are written along with the raw results from the start
// and kept for good, so nothing is ever dropped without a summary. Queries read each stretch
// of time from one tier (whole hours from the hourly aggregates, the rest from raw results
// or, where those were rolled up, per-minute ones), so they answer the same before and after
// a rollup. An aggregate holds the number of checks and failures, and the minimum, maximum
// and a latency histogram of the passing checks (a failed check's latency is its timeout, not
// the service's speed). The histogram has 16 buckets per doubling, so percentiles read from
// aggregates are within 2.2% of the exact value. State changes, outages and coverage are
// small and kept for good.
//
// Each tier is packed, so that 1,000 services checked every 30 s take under 200 MB in 90
// days: the raw results of the hours before the last one an hour of a service to a row
// (rawpack.go: nothing of them is lost), the per-minute aggregates an hour to a row, and the
// hourly aggregates of the days before the raw results' a day to a row (pack.go). The writer
// writes rows (raw results, the current hours) as before; the rollup packs them. A packed
// minute keeps its minimum and maximum to their histogram bucket (within 2.2%, like the
// percentiles); a packed hour keeps them exactly.
//
// # Files
//
// One uptty writes to a history file at a time: Open takes an advisory lock on PATH.lock, which
// holds the writer's pid, and a second Open fails with "history file PATH is in use by another
// uptty (pid N)". Any number of readers (Options.ReadOnly, as for `uptty incidents`) may read the
// file meanwhile: the database is in WAL mode with a busy timeout. Open never changes a file that
// it cannot read or that is not an uptty history (its application_id says so): it fails with an
// error naming the path. The schema version is PRAGMA user_version; migrations are an ordered
// list, applied in one transaction.
package history
