package history

import (
	"database/sql"
	"time"
)

// The page caches' sizes (PRAGMA cache_size, negative: KiB). modernc's SQLite is built with
// SQLITE_ENABLE_MEMORY_MANAGEMENT, which puts the pages of every connection's caches (main and
// temp database alike) in one group, bounded by the sum of their cache_size: pages a commit
// has released stay cached until the whole group is at that bound, whichever connection's
// budget it is. At SQLite's default, 2,000 KiB (~470 pages) for each, the writer of 1,000
// services checked every second held a page more each second, 1,190 pages at 13 minutes (9.3
// MB: modernc's allocator serves a 4 KiB page and its header from an 8 KiB slot), on its way to
// the budgets of its own temp database and of the readers: 1,400 pages and more. The results table's key is
// (service, at), so a commit at 1 s writes a leaf of every service: 1,000 leaves, which no
// budget here holds; each commit reads most of them back from the OS's cache whatever the
// size, and what it does find again is the B-trees' inner pages and the small tables.
// BenchmarkWriter1kAt1s costs the same per result at 250 KiB as at 1,000, 2,000 and 8,000
// (which holds every leaf); so do BenchmarkWriter1kAt10s, BenchmarkWriter10k and the hourly
// rollup (BenchmarkRollup10k). See README "Memory, third pass" and "Memory, tenth pass".
const (
	// writerCacheKiB is the writer's main database, ~58 pages: what it finds again is the
	// B-trees' inner pages and the small tables, which this holds; the leaves a commit writes
	// are more than any budget here (at 1,000 KiB the writer's cost a result was the same).
	writerCacheKiB = 250
	// writerTempCacheKiB is the writer's temp database (sorts and temporary tables), whose
	// budget counts in the group from the moment it exists, used or not.
	writerTempCacheKiB = 64
	// readerCacheKiB is a reader's: a query reads each page of its range once, and the OS
	// caches the file. Its ~30 pages count in the group's bound for every reader open, and the
	// writer's pages fill them (the silence poll keeps one reader open in serve): 256 KiB
	// (~60 pages) kept ~0.25 MB more of the writer's pages to no one's gain. SQLite's page pool
	// (pagepool.go) is sized to this bound.
	readerCacheKiB = 128
)

// readerIdle is how long a reader connection stays open unused: closing it takes its budget
// out of the group's bound, and the pages beyond the bound are freed.
const readerIdle = 30 * time.Second

// openReaders opens the pool of reader connections at dsn.
func openReaders(dsn string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(readers)
	db.SetConnMaxIdleTime(readerIdle)
	return db, nil
}
