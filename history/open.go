package history

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeoutMS is how long a connection waits for another's lock before failing: long enough
// for a reader in another process and the writer's commits to take turns.
const busyTimeoutMS = 5000

// readers bounds the connections that serve queries.
const readers = 4

// openFile opens the database at s.path (absolute) for writing: it takes the writer lock,
// checks that the file is an uptty history (or empty), migrates it, switches it to WAL and
// records the session, which also proves that the file can be written.
func (s *Store) openFile(ctx context.Context) error {
	if err := checkPathKind(s.path); err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fileErr(s.path, "cannot be created", nil, err)
	}
	if err := checkDir(dir, s.path); err != nil {
		return err
	}
	unlock, closing, err := lockFile(s.path+".lock", s.opts.Serving, s.opts.Attach, s.opts.Config)
	var inUse errInUse
	inUseErr := func(what string, cause error) error {
		fe := fileErr(s.path, what, ErrInUse, cause).(*fileError)
		fe.config = inUse.config
		return fe
	}
	switch {
	case errors.As(err, &inUse) && inUse.closing:
		return inUseErr(fmt.Sprintf("is in use by another uptty (pid %d)", inUse.pid), errClosing)
	case errors.As(err, &inUse) && inUse.serving != "":
		fe := inUseErr(fmt.Sprintf("is in use by uptty serve at %s (pid %d)", inUse.serving, inUse.pid), nil).(*fileError)
		fe.serving, fe.attach = inUse.serving, inUse.attach
		return fe
	case errors.As(err, &inUse) && inUse.pid > 0:
		return inUseErr(fmt.Sprintf("is in use by another uptty (pid %d)", inUse.pid), nil)
	case errors.As(err, &inUse):
		return inUseErr("is in use by another uptty", nil)
	case errors.Is(err, ErrUnsafe):
		return err
	case err != nil:
		return fileErr(s.path, "cannot be locked for writing", nil, err)
	}
	s.unlock, s.closing = unlock, closing
	checked, err := prepareFiles(ctx, s.path)
	if err != nil {
		return err
	}
	if s.rw, err = sql.Open("sqlite", dsn(s.path, false, false)); err != nil {
		return fileErr(s.path, "cannot be opened", nil, err)
	}
	s.rw.SetMaxOpenConns(1)
	if err := checkFile(ctx, s.rw, s.path, true, !checked); err != nil {
		return err
	}
	if err := migrate(ctx, s.rw, s.path, migrations()); err != nil {
		return err
	}
	if err := closeSuperseded(ctx, s.rw); err != nil {
		return fileErr(s.path, "cannot be written", nil, err)
	}
	// WAL lets readers (uptty incidents) read while we write. Where the file system cannot do
	// WAL, SQLite keeps the old journal, which is still safe: readers wait for the busy timeout.
	var mode string
	if err := s.rw.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return fileErr(s.path, "cannot be written", nil, err)
	}
	if err := s.startSession(ctx); err != nil {
		return err
	}
	s.ro, err = openReaders(dsn(s.path, false, true))
	if err != nil {
		return fileErr(s.path, "cannot be opened", nil, err)
	}
	if s.opened, err = os.Stat(s.path); err != nil {
		return fileErr(s.path, "cannot be read", nil, err)
	}
	return nil
}

// openReadOnly opens an existing history for queries only. It takes no lock and writes nothing.
func (s *Store) openReadOnly(ctx context.Context) error {
	if _, err := os.Stat(s.path); err != nil {
		return fileErr(s.path, "cannot be read", nil, err)
	}
	if err := refuseLinks(s.path, s.path+sidecars[0], s.path+sidecars[1]); err != nil {
		return err
	}
	if err := checkPathKind(s.path); err != nil {
		return err
	}
	var err error
	if s.ro, err = openReaders(dsn(s.path, false, true)); err != nil {
		return fileErr(s.path, "cannot be opened", nil, err)
	}
	if err := checkFile(ctx, s.ro, s.path, false, false); err != nil {
		return err
	}
	var version int
	if err := s.ro.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fileErr(s.path, "cannot be read", nil, err)
	}
	if n := len(migrations()); version > n {
		return fileErr(s.path, fmt.Sprintf("was written by a newer uptty (schema version %d, this one knows up to %d)", version, n), ErrNewerSchema, nil)
	} else if version < n {
		return fileErr(s.path, fmt.Sprintf("has an older schema (version %d); run uptty once to upgrade it", version), nil, nil)
	}
	return nil
}

// openMemory opens a private in-memory database. Its name is random so that two stores in one
// process never share it; it lives as long as the writer's connection.
func (s *Store) openMemory(ctx context.Context) error {
	var b [8]byte
	rand.Read(b[:])
	name := "/uptty-history-" + hex.EncodeToString(b[:])
	var err error
	if s.rw, err = sql.Open("sqlite", dsn(name, true, false)); err != nil {
		return fileErr("", "cannot be opened", nil, err)
	}
	s.rw.SetMaxOpenConns(1)
	if err := migrate(ctx, s.rw, "", migrations()); err != nil {
		return err
	}
	if err := s.startSession(ctx); err != nil {
		return err
	}
	if s.ro, err = openReaders(dsn(name, true, true)); err != nil {
		return fileErr("", "cannot be opened", nil, err)
	}
	return nil
}

func (s *Store) startSession(ctx context.Context) error {
	res, err := s.rw.ExecContext(ctx, "INSERT INTO session (pid, started) VALUES (?, ?)",
		os.Getpid(), s.now().UnixMilli())
	if err == nil {
		s.session, err = res.LastInsertId()
	}
	if err != nil {
		return fileErr(s.path, "cannot be written", nil, err)
	}
	return nil
}

// prepareFiles makes the database and the files SQLite keeps beside it ours and private (mode
// 0600) before SQLite opens them, never following a symbolic link. An existing database is
// checked first through a connection that creates nothing, so that a file that is not a
// history, or a damaged one, is refused with nothing created beside it; checked says it was.
// Where a leftover WAL holds writes, that check must wait for SQLite to read the WAL.
func prepareFiles(ctx context.Context, path string) (checked bool, err error) {
	f, created, err := openOwn(path, true)
	if err != nil {
		return false, openErr(path, err)
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return false, fileErr(path, "cannot be read", nil, err)
	}
	walBytes := int64(0)
	for _, suffix := range sidecars {
		f, _, err := openOwn(path+suffix, false)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, openErr(path+suffix, err)
		}
		if fi, err := f.Stat(); err == nil && suffix == "-wal" {
			walBytes = fi.Size()
		}
		f.Close()
	}
	if !created && fi.Size() > 0 && walBytes == 0 {
		// immutable: SQLite takes no lock and opens no -wal or -shm. Safe while we hold the
		// writer's lock and no WAL is left over: nobody else writes the file.
		db, err := sql.Open("sqlite", dsn(path, false, true)+"&immutable=1")
		if err != nil {
			return false, fileErr(path, "cannot be opened", nil, err)
		}
		db.SetMaxOpenConns(1)
		err = checkFile(ctx, db, path, true, true)
		db.Close()
		if err != nil {
			return false, err
		}
		checked = true
	}
	for _, suffix := range sidecars {
		f, _, err := openOwn(path+suffix, true)
		if err != nil {
			return false, openErr(path+suffix, err)
		}
		f.Close()
	}
	return checked, nil
}

// openErr words an error of openOwn that is not already about the file.
func openErr(path string, err error) error {
	var fe *fileError
	if errors.As(err, &fe) {
		return err
	}
	return fileErr(path, "cannot be opened", nil, err)
}

// checkFile makes sure that the database is an uptty history, or empty (a new file), before
// anything writes to it: a file that is not a database, a damaged one or another program's is
// reported and left exactly as it was. whole also reads every page (PRAGMA quick_check), for a
// file damaged past its first page.
func checkFile(ctx context.Context, db *sql.DB, path string, allowEmpty, whole bool) error {
	var appID, version int
	err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID)
	if err == nil {
		err = db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	}
	var tables []string
	if err == nil {
		tables, err = tableNames(ctx, db)
	}
	var damage string
	if err == nil && whole && appID == applicationID {
		damage, err = quickCheck(ctx, db)
	}
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_NOTADB || se.Code()&0xff == sqlite3.SQLITE_CORRUPT) {
			return fileErr(path, "is not an uptty history (not an SQLite database, or a damaged one); it was left untouched", ErrNotHistory, err)
		}
		return fileErr(path, "cannot be read", nil, err)
	}
	if damage != "" {
		return fileErr(path, "is a damaged uptty history (PRAGMA quick_check: "+damage+"); it was left untouched", ErrNotHistory, nil)
	}
	switch {
	case appID == applicationID:
		return nil
	case appID == 0 && version == 0 && len(tables) == 0:
		if allowEmpty {
			return nil
		}
		return fileErr(path, "is empty: not an uptty history", ErrNotHistory, nil)
	case appID != 0:
		return fileErr(path, fmt.Sprintf("is not an uptty history (application id %#x); it was left untouched", appID), ErrNotHistory, nil)
	default:
		if len(tables) > 5 {
			tables = append(tables[:5], "…")
		}
		return fileErr(path, fmt.Sprintf("is not an uptty history (it holds tables %s); it was left untouched", strings.Join(tables, ", ")), ErrNotHistory, nil)
	}
}

// quickCheck reads every page of the database and returns SQLite's first complaint, "" when
// there is none.
func quickCheck(ctx context.Context, db *sql.DB) (string, error) {
	var first string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&first); err != nil {
		return "", err
	}
	if first == "ok" {
		return "", nil
	}
	return first, nil
}

func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// dsn builds the driver's data source name. The path goes in a file: URI, escaped, so that any
// character in it (?, #, %) is taken literally.
func dsn(path string, memory, readOnly bool) string {
	q := []string{fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS)}
	if memory {
		q = append(q, "vfs=memdb")
	}
	if readOnly {
		q = append(q, "_pragma=query_only(1)", fmt.Sprintf("_pragma=cache_size(-%d)", readerCacheKiB))
		if !memory {
			q = append(q, "mode=ro")
		}
	} else {
		// IMMEDIATE: the writer takes the write lock when its transaction begins, so that it
		// waits (busy timeout) rather than failing when it would upgrade a read lock.
		q = append(q, "_txlock=immediate", "_pragma=synchronous(NORMAL)",
			fmt.Sprintf("_pragma=cache_size(-%d)", writerCacheKiB), fmt.Sprintf("_pragma=temp.cache_size(-%d)", writerTempCacheKiB))
	}
	u := url.URL{Scheme: "file", Path: path}
	return u.String() + "?" + strings.Join(q, "&")
}
