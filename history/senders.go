package history

import (
	"context"
	"database/sql"
	"strings"
)

// Senders returns the alert senders the outbox rows are kept under, name to delivery key: those
// KeepSenders recorded at the last start, under the names reloads renamed them to since. The
// keys are the caller's, opaque to history.
func (s *Store) Senders() (map[string]string, error) {
	rows, err := s.ro.QueryContext(context.Background(), "SELECT name, delivery FROM sender")
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil // a history from before senders were kept knows none
		}
		return nil, s.readErr(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, key string
		if err := rows.Scan(&name, &key); err != nil {
			return nil, s.readErr(err)
		}
		out[name] = key
	}
	return out, s.readErr(rows.Err())
}

// KeepSenders gives the outbox rows of each old name in renamed (old to new) to its new name,
// as RenameSender does, and records senders (name to delivery key) as the senders from now on,
// in one transaction, committed with all that was queued before it when it returns. A start
// calls it before reading PendingAlerts: a sender renamed in the config while no uptty ran (or
// before a reload's RenameSender was committed) is known by its delivery key, and its pending
// alerts are sent, not given up. It waits for the writer, which answers it between two
// services while it rebuilds the hours after a crash: a wait of one commit, not of the rebuild.
func (s *Store) KeepSenders(ctx context.Context, renamed, senders map[string]string) error {
	return s.request(ctx, op{kind: opWrite, more: &opMore{write: func(tx *sql.Tx) error {
		for old, name := range renamed {
			if err := renameSender(tx, old, name); err != nil {
				return err
			}
		}
		if _, err := tx.Exec("DELETE FROM sender"); err != nil {
			return err
		}
		for name, key := range senders {
			if _, err := tx.Exec("INSERT INTO sender (name, delivery) VALUES (?, ?)", name, key); err != nil {
				return err
			}
		}
		return nil
	}}})
}

// renameSender gives the outbox rows and the delivery key of the sender old to new; a row new
// has already (the same alert id) is left under old.
func renameSender(tx *sql.Tx, old, new string) error {
	if _, err := tx.Exec("UPDATE OR IGNORE outbox SET sender = ? WHERE sender = ?", new, old); err != nil {
		return err
	}
	if _, err := tx.Exec("UPDATE OR IGNORE sender SET name = ? WHERE name = ?", new, old); err != nil {
		return err
	}
	_, err := tx.Exec("DELETE FROM sender WHERE name = ?", old)
	return err
}
