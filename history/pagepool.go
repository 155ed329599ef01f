package history

import (
	"encoding/binary"
	"fmt"
	"sync"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// pagePoolSlots is how many pages SQLite's page-cache pool holds: the group's bound with the
// writer and two readers open (58 + 15 + 2 × 30 pages, see cachesize.go) and SQLite's reserve
// of 10. SQLite holds every cached page in one of these slots, of exactly a page and its
// header (4,096 and ~300 bytes), where modernc's allocator served each from an 8 KiB slot.
// SQLite counts the group as under memory pressure once fewer than 10 slots are free, and then
// recycles its least recently used pages rather than taking more: a pool below the bound caps
// the caches below it (README "Memory, fifth pass"); with three or four readers open at once
// the readers' share is what gets recycled, which a query that reads each page of its range
// once does not miss.
const pagePoolSlots = 144

// pagePoolPageSize is the page size the pool's slots are sized for, SQLite's default, which
// the history files use; a page of another size is allocated as before.
const pagePoolPageSize = 4096

// pagePoolFrom is how many services a live history must have for SQLite's caches to use the
// pool: the pool's slots are all written (resident) when SQLite starts, and the caches of a
// history of fewer services never reach the group's bound, so that fewer 8 KiB slots, as many
// as it caches, take less. At 1,000 services every 10 s the caches reach the bound within
// minutes (README "Memory, fifth pass").
const pagePoolFrom = 300

var pagePool struct {
	once sync.Once
	err  error
}

// usePagePool gives SQLite its page-cache pool if it is not too late: SQLite takes it before
// its first connection only. A program that opened a database before (none does in uptty: the
// live history is the first) goes on without one.
func usePagePool() error {
	pagePool.once.Do(func() { pagePool.err = setupPagePool() })
	return pagePool.err
}

// setupPagePool gives SQLite its page-cache pool (SQLITE_CONFIG_PAGECACHE), allocated from
// modernc's allocator outside Go's heap, before SQLite's first connection initializes it.
func setupPagePool() error {
	tls := libc.NewTLS()
	defer tls.Close()
	va := libc.Xmalloc(tls, 3*8)
	hdr := libc.Xmalloc(tls, 8)
	if va == 0 || hdr == 0 {
		return fmt.Errorf("history: page pool: out of memory")
	}
	defer libc.Xfree(tls, va)
	defer libc.Xfree(tls, hdr)
	libc.Xmemset(tls, hdr, 0, 8)
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PCACHE_HDRSZ, libc.VaList(va, hdr)); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("history: page pool: SQLITE_CONFIG_PCACHE_HDRSZ: %d", rc)
	}
	slot := (pagePoolPageSize + int(int32(binary.NativeEndian.Uint32(libc.GoBytes(hdr, 4)))) + 7) &^ 7
	pool := libc.Xmalloc(tls, libc.Tsize_t(slot*pagePoolSlots)) // for the program's life
	if pool == 0 {
		return fmt.Errorf("history: page pool: out of memory")
	}
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PAGECACHE, libc.VaList(va, pool, int32(slot), int32(pagePoolSlots))); rc != sqlite3.SQLITE_OK {
		libc.Xfree(tls, pool)
		return fmt.Errorf("history: page pool: SQLITE_CONFIG_PAGECACHE: %d", rc)
	}
	return nil
}
