package history

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/uptty/uptty/track"
)

// TestPagePool: the pages of a history's caches are in SQLite's pool, not each in an 8 KiB slot
// of modernc's allocator, and none overflowed it.
func TestPagePool(t *testing.T) {
	if err := usePagePool(); err != nil {
		t.Fatal(err) // set by TestMain
	}
	s, _ := openTest(t, Options{})
	for i := range 2000 {
		s.RecordResult(fmt.Sprint("svc-", i%500), track.Check{Start: t0.Add(time.Duration(i) * time.Second), Latency: time.Millisecond, OK: true})
	}
	flush(t, s)
	used, overflow := pageCacheStatus(t, sqlite3.SQLITE_STATUS_PAGECACHE_USED), pageCacheStatus(t, sqlite3.SQLITE_STATUS_PAGECACHE_OVERFLOW)
	t.Logf("pool slots used %d of %d, bytes beyond it %d", used, pagePoolSlots, overflow)
	if used == 0 {
		t.Errorf("pool slots in use with a history open = 0, want its cached pages")
	}
	if overflow != 0 {
		t.Errorf("page cache bytes allocated beyond the pool = %d, want 0", overflow)
	}
}

// pageCacheStatus reads one of SQLite's SQLITE_STATUS_PAGECACHE_* counters.
func pageCacheStatus(t testing.TB, op int32) int64 {
	tls := libc.NewTLS()
	defer tls.Close()
	p := libc.Xmalloc(tls, 16)
	defer libc.Xfree(tls, p)
	if rc := sqlite3.Xsqlite3_status64(tls, op, p, p+8, 0); rc != sqlite3.SQLITE_OK {
		t.Fatalf("sqlite3_status64(%d) = %d", op, rc)
	}
	return int64(binary.NativeEndian.Uint64(libc.GoBytes(p, 8)))
}
