package history

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptty/uptty/track"
)

// SetAck stores the ack of the outage of the service named name that began at a.Start,
// replacing an earlier one. It waits for the writer to commit it, which comes after every
// result queued before it: the outage's row is there by then.
func (s *Store) SetAck(ctx context.Context, name string, a track.Ack) error {
	if a.Start.IsZero() || a.At.IsZero() {
		return errors.New("history: an ack needs its outage's start and its time")
	}
	return s.request(ctx, op{kind: opWrite, more: &opMore{write: func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE outage SET ack_by = ?, ack_at = ?, ack_note = ?
			WHERE service = (SELECT id FROM service WHERE name = ?) AND started = ?`,
			a.By, a.At.UnixMilli(), a.Note, name, a.Start.UnixMilli())
		return err
	}}})
}

// Unack removes the ack of the outage of the service named name that began at start.
func (s *Store) Unack(ctx context.Context, name string, start time.Time) error {
	return s.request(ctx, op{kind: opWrite, more: &opMore{write: func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE outage SET ack_by = '', ack_at = NULL, ack_note = ''
			WHERE service = (SELECT id FROM service WHERE name = ?) AND started = ?`, name, start.UnixMilli())
		return err
	}}})
}

// OpenAcks returns the acks of the outages going on, by service: what a restart restores. A
// history from before acks holds none.
func (s *Store) OpenAcks() (map[string]track.Ack, error) {
	rows, err := s.ro.QueryContext(context.Background(), `SELECT s.name, o.started, o.ack_by, o.ack_at, o.ack_note
		FROM outage o JOIN service s ON s.id = o.service WHERE o.ended IS NULL AND o.ack_at IS NOT NULL`)
	if err != nil {
		if strings.Contains(err.Error(), "no such column") {
			return nil, nil
		}
		return nil, s.readErr(err)
	}
	defer rows.Close()
	acks := map[string]track.Ack{}
	for rows.Next() {
		var name string
		var a track.Ack
		var start, at int64
		if err := rows.Scan(&name, &start, &a.By, &at, &a.Note); err != nil {
			return nil, s.readErr(err)
		}
		a.Start, a.At = time.UnixMilli(start), time.UnixMilli(at)
		acks[name] = a
	}
	return acks, s.readErr(rows.Err())
}
