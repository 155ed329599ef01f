package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptty/uptty/text"
)

// The kinds of silence target.
const (
	// SilenceService silences one service by name.
	SilenceService = "service"
	// SilenceGroup silences every service of a group.
	SilenceGroup = "group"
)

// Silence keeps a service, or a group of them, from alerting until a time: it is still checked
// and drawn, and its outages are stored marked maintenance. One silence per target: a new one
// replaces it.
type Silence struct {
	Kind    string // SilenceService or SilenceGroup
	Name    string
	Until   time.Time
	Reason  string
	Created time.Time
}

// Silences returns the silences still in force at now, the soonest to end first. A history from
// before silences holds none.
func (s *Store) Silences(now time.Time) ([]Silence, error) {
	return silences(context.Background(), s.ro, now, s.readErr)
}

func silences(ctx context.Context, db *sql.DB, now time.Time, wrap func(error) error) ([]Silence, error) {
	rows, err := db.QueryContext(ctx, `SELECT kind, name, until, reason, created FROM silence
		WHERE until > ? ORDER BY until, kind, name`, now.UnixMilli())
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil
		}
		return nil, wrap(err)
	}
	defer rows.Close()
	var list []Silence
	for rows.Next() {
		var x Silence
		var until, created int64
		if err := rows.Scan(&x.Kind, &x.Name, &until, &x.Reason, &created); err != nil {
			return nil, wrap(err)
		}
		x.Until, x.Created = time.UnixMilli(until), time.UnixMilli(created)
		list = append(list, x)
	}
	return list, wrap(rows.Err())
}

// SetSilence stores x, replacing the silence of the same target, and drops the silences that
// have ended. It waits for the writer to commit it.
func (s *Store) SetSilence(ctx context.Context, x Silence) error {
	if err := checkSilence(&x, s.now()); err != nil {
		return err
	}
	return s.request(ctx, op{kind: opWrite, more: &opMore{write: setSilence(x)}})
}

// Unsilence removes the silences named name (of a service or a group, whichever there are) and
// reports how many there were in force.
func (s *Store) Unsilence(ctx context.Context, name string) (int, error) {
	var n int
	err := s.request(ctx, op{kind: opWrite, more: &opMore{write: unsilence(name, s.now(), &n)}})
	return n, err
}

// CleanReason is a silence's reason as it is kept and shown: one line of at most 200 cells,
// no control sequences (it comes from the API and the command line).
func CleanReason(s string) string { return text.CleanText(s, 200) }

func checkSilence(x *Silence, now time.Time) error {
	if x.Kind != SilenceService && x.Kind != SilenceGroup {
		return fmt.Errorf("history: silence kind %q: want service or group", x.Kind)
	}
	if x.Name == "" {
		return errors.New("history: a silence needs a name")
	}
	if x.Created.IsZero() {
		x.Created = now
	}
	x.Reason = CleanReason(x.Reason)
	return nil
}

func setSilence(x Silence) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		if _, err := tx.Exec("DELETE FROM silence WHERE until <= ?", x.Created.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO silence (kind, name, until, reason, created) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (kind, name) DO UPDATE SET until = excluded.until, reason = excluded.reason,
			created = excluded.created`, x.Kind, x.Name, x.Until.UnixMilli(), x.Reason, x.Created.UnixMilli())
		return err
	}
}

func unsilence(name string, now time.Time, n *int) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		err := tx.QueryRow("SELECT count(*) FROM silence WHERE name = ? AND until > ?", name, now.UnixMilli()).Scan(n)
		if err == nil {
			_, err = tx.Exec("DELETE FROM silence WHERE name = ? OR until <= ?", name, now.UnixMilli())
		}
		return err
	}
}

// SetSilenceAt stores x in the history file at path from a process that is not the monitor
// (`uptty silence`): when no uptty holds the file it is opened as usual (created and upgraded
// if need be); when one does, the silence is written beside it, through SQLite's own locking,
// and that uptty reads it within a few seconds.
func SetSilenceAt(path string, x Silence) error {
	if err := checkSilence(&x, time.Now()); err != nil {
		return err
	}
	return writeAt(path, setSilence(x))
}

// UnsilenceAt is Unsilence on the history file at path, as SetSilenceAt.
func UnsilenceAt(path, name string) (int, error) {
	var n int
	err := writeAt(path, unsilence(name, time.Now(), &n))
	return n, err
}

// writeAt runs fn in a transaction on the history file at path.
func writeAt(path string, fn func(*sql.Tx) error) error {
	if path == "" {
		return errors.New("history: an in-memory history cannot be written from another process")
	}
	store, err := Open(path, Options{})
	if err == nil {
		return errors.Join(store.request(context.Background(), op{kind: opWrite, more: &opMore{write: fn}}), store.Close())
	}
	if !errors.Is(err, ErrInUse) {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("history file %s: %w", path, err)
	}
	if err := refuseLinks(abs, abs+sidecars[0], abs+sidecars[1]); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", dsn(abs, false, false))
	if err != nil {
		return fileErr(abs, "cannot be opened", nil, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if err := checkFile(ctx, db, abs, false, false); err != nil {
		return err
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fileErr(abs, "cannot be read", nil, err)
	}
	if n := len(migrations()); version != n {
		return fileErr(abs, fmt.Sprintf("is in use by an uptty of another version (schema version %d, this one knows %d); silence it from that uptty", version, n), nil, nil)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fileErr(abs, "cannot be written", nil, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return fileErr(abs, "cannot be written", nil, err)
	}
	if err := tx.Commit(); err != nil {
		return fileErr(abs, "cannot be written", nil, err)
	}
	// The running uptty's silence poll reads the table when the file's modification time
	// moves, which its own commits (to the WAL) leave alone: move it.
	_ = os.Chtimes(abs, time.Time{}, time.Now())
	return nil
}

// SilencesAt lists the silences in force in the history file at path; a file that does not
// exist holds none.
func SilencesAt(path string, now time.Time) ([]Silence, error) {
	store, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return store.Silences(now)
}

// OpenVias returns the dependency each service's open outage was put down to, for the
// services that have one.
func (s *Store) OpenVias() (map[string]string, error) {
	rows, err := s.ro.QueryContext(context.Background(), `SELECT s.name, o.via FROM outage o
		JOIN service s ON s.id = o.service WHERE o.ended IS NULL AND o.via <> ''`)
	if err != nil {
		if strings.Contains(err.Error(), "no such column") {
			return nil, nil
		}
		return nil, s.readErr(err)
	}
	defer rows.Close()
	vias := map[string]string{}
	for rows.Next() {
		var name, via string
		if err := rows.Scan(&name, &via); err != nil {
			return nil, s.readErr(err)
		}
		vias[name] = via
	}
	return vias, s.readErr(rows.Err())
}
