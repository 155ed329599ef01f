package history

import (
	"context"
	"database/sql"
	"maps"
)

// maxPrefValue bounds one stored preference, so that a runaway caller cannot grow the file
// through it; the screen's state is a few hundred bytes.
const maxPrefValue = 64 << 10

// Prefs returns the screen's saved state (filter, sort, collapsed groups…), key by key: what
// SetPrefs last committed. It is empty for a new history.
func (s *Store) Prefs() (map[string]string, error) {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed || s.ro == nil {
		return nil, ErrClosed
	}
	rows, err := s.ro.QueryContext(context.Background(), "SELECT key, value FROM ui_state")
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, s.readErr(err)
		}
		out[k] = v
	}
	return out, s.readErr(rows.Err())
}

// SetPrefs stores the given keys of the screen's state, an empty value deleting its key, and
// leaves the others as they are. Like Record it goes through the writer's queue and never
// blocks: the screen calls it from a key press.
func (s *Store) SetPrefs(prefs map[string]string) {
	if len(prefs) == 0 {
		return
	}
	s.enqueue(op{kind: opPrefs, more: &opMore{prefs: maps.Clone(prefs)}})
}

func writePrefs(tx *sql.Tx, prefs map[string]string) error {
	for k, v := range prefs {
		if v == "" || len(v) > maxPrefValue {
			if _, err := tx.Exec("DELETE FROM ui_state WHERE key = ?", k); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.Exec("INSERT INTO ui_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", k, v); err != nil {
			return err
		}
	}
	return nil
}
