package history

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// The states of an alert in the outbox, as `uptty alerts` shows them.
const (
	// AlertPending is an alert not yet delivered nor tried.
	AlertPending = "pending"
	// AlertSent is an alert its sender delivered.
	AlertSent = "sent"
	// AlertFailed is an alert whose last attempt failed; it is tried again at NextAt.
	AlertFailed = "failed"
	// AlertGaveUp is an alert given up after its sender's give_up_after of failures.
	AlertGaveUp = "gave_up"
)

// Outgoing is one alert for one sender, as the outbox keeps it. History does not know what an
// alert is made of: Payload is the alert as its owner wrote it (JSON), read back as it was.
type Outgoing struct {
	ID      string // the alert's id, the same for every retry
	Sender  string
	Service string
	Event   string // down, up, degraded
	Payload []byte
	// State is AlertPending, AlertSent, AlertFailed or AlertGaveUp.
	State     string
	Attempts  int
	LastError string
	Created   time.Time
	NextAt    time.Time // zero when no attempt is planned
	SentAt    time.Time // zero until sent
}

// Extra is what comes with a check's result besides its events: the alerts it caused, to be
// committed in the same transaction, and whether an outage it starts is in a maintenance window.
type Extra struct {
	Maintenance bool
	// Via is the dependency an outage it starts is put down to, "" for none: kept so that a
	// restart still shows DOWN (via NAME).
	Via string
	// Reattributed says that the open outage, started by an earlier result, is put down to Via
	// from now on ("" for its own): its stored via is rewritten.
	Reattributed bool
	Alerts       []Outgoing
}

// outcome is what a sender made of one alert, for the outbox row.
type outcome struct {
	id, sender, state, err string
	at, next               time.Time
	skipped                bool // settled without an attempt
	// renameTo, when set, makes the outcome a rename of sender's rows (RenameSender).
	renameTo string
}

// RecordWith is Record with the alerts the result caused, committed with it (or dropped with
// it when the queue is full), and the maintenance mark of an outage it starts. It never blocks.
func (s *Store) RecordWith(service, group string, r track.Check, events []track.Event, x Extra) {
	s.recordWith(service, group, true, r, events, x)
}

func (s *Store) recordWith(service, group string, hasGroup bool, r track.Check, events []track.Event, x Extra) {
	o := op{kind: opEvent, service: service}
	switch {
	case !r.Start.IsZero():
		o = resultOp(service, r)
	case len(events) == 0 && len(x.Alerts) == 0:
		return
	}
	o.group, o.hasGroup = group, hasGroup
	if len(events) > 0 || len(x.Alerts) > 0 || x.Maintenance || x.Via != "" || x.Reattributed {
		o.more = &opMore{events: slices.Clone(events), maint: x.Maintenance, via: x.Via, viaNow: x.Reattributed,
			alerts: slices.Clone(x.Alerts)}
	}
	s.enqueue(o)
}

// AlertSent records that sender delivered the alert id at at. Like every outcome it goes
// through the writer's queue and never blocks; a lost outcome leaves the row pending, and the
// alert is sent again (same id) after a restart.
func (s *Store) AlertSent(id, sender string, at time.Time) {
	s.alertOutcome(outcome{id: id, sender: sender, state: AlertSent, at: at})
}

// AlertFailed records a failed attempt of sender at the alert id, to be tried again at next.
func (s *Store) AlertFailed(id, sender string, reason string, next time.Time) {
	s.alertOutcome(outcome{id: id, sender: sender, state: AlertFailed, err: reason, next: next})
}

// AlertGaveUp records that sender gave the alert id up after a last failed attempt.
func (s *Store) AlertGaveUp(id, sender string, reason string) {
	s.alertOutcome(outcome{id: id, sender: sender, state: AlertGaveUp, err: reason})
}

// AlertSkipped records that the alert id was not sent to sender, and will not be, for reason
// (a newer reminder of its outage came after it): settled as given up, with no attempt counted.
func (s *Store) AlertSkipped(id, sender, reason string) {
	s.alertOutcome(outcome{id: id, sender: sender, state: AlertGaveUp, err: reason, skipped: true})
}

// RenameSender gives the rows of the sender old to the sender new: a sender renamed in the
// config keeps its alerts, pending and sent, so that a restart, which knows it by its new name
// only, sends what is pending and the recoveries of the outages it paged. It goes through the
// writer's queue in order with the outcomes: those queued before it under old are applied
// first. A row that new has already (the same alert id) is left under old. Until it is
// committed, a start finds the rename itself (see KeepSenders).
func (s *Store) RenameSender(old, new string) {
	s.enqueue(op{kind: opOutcome, more: &opMore{outcome: &outcome{sender: old, renameTo: new}}})
}

func (s *Store) alertOutcome(o outcome) {
	o.err = text.CleanText(o.err, 200)
	s.enqueue(op{kind: opOutcome, more: &opMore{outcome: &o}})
}

// outbox inserts a result's alerts; one already there (the same id and sender) is kept as is.
func (w *writer) outbox(tx *sql.Tx, service string, list []Outgoing) error {
	for _, a := range list {
		created := a.Created
		if created.IsZero() {
			created = w.s.now()
		}
		state := a.State
		if state == "" {
			state = AlertPending
		}
		if _, err := tx.Exec(`INSERT INTO outbox (id, sender, service, event, payload, state, created)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			a.ID, a.Sender, service, a.Event, string(a.Payload), state, created.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

// applyOutcome updates an outbox row; every outcome is one attempt. A row already sent stays
// sent: an attempt that raced a restart must not make a delivered alert look pending.
func (w *writer) applyOutcome(tx *sql.Tx, o *outcome) error {
	if o.renameTo != "" {
		return renameSender(tx, o.sender, o.renameTo)
	}
	var at, next any
	if !o.at.IsZero() {
		at = o.at.UnixMilli()
	}
	if !o.next.IsZero() {
		next = o.next.UnixMilli()
	}
	attempts := 1
	if o.skipped {
		attempts = 0
	}
	_, err := tx.Exec(`UPDATE outbox SET state = ?, attempts = attempts + ?,
			last_error = CASE WHEN ? = '' THEN last_error ELSE ? END, next_at = ?, sent_at = coalesce(?, sent_at)
		WHERE id = ? AND sender = ? AND state <> 'sent'`,
		o.state, attempts, o.err, o.err, next, at, o.id, o.sender)
	return err
}

// AlertKnown reports whether the outbox holds the alert id for sender, in any state: after a
// restart, whether a sender was given an outage's down alert.
func (s *Store) AlertKnown(id, sender string) (bool, error) {
	var n int
	err := s.ro.QueryRowContext(context.Background(), "SELECT count(*) FROM outbox WHERE id = ? AND sender = ?", id, sender).Scan(&n)
	return n > 0, s.readErr(err)
}

// Reminders returns how many reminders of the down alert id sender was given (the highest n
// of the outbox's alert.RepeatID(id, n)), 0 for none: after a restart the next ones are
// numbered on from there, since the outbox and the receivers know an alert by its id.
func (s *Store) Reminders(id, sender string) (int, error) {
	prefix := id + "-r"
	rows, err := s.ro.QueryContext(context.Background(), "SELECT id FROM outbox WHERE id >= ? AND id < ? AND sender = ?",
		prefix, id+"-s", sender)
	if err != nil {
		return 0, s.readErr(err)
	}
	defer rows.Close()
	most := 0
	for rows.Next() {
		var got string
		if err := rows.Scan(&got); err != nil {
			return 0, s.readErr(err)
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(got, prefix)); err == nil && n > most {
			most = n
		}
	}
	return most, s.readErr(rows.Err())
}

// PendingAlerts returns the alerts not yet delivered nor given up (pending or failed), oldest
// first, for a monitor starting up to hand to its senders again under the same ids.
func (s *Store) PendingAlerts() ([]Outgoing, error) {
	return s.alerts(`WHERE state IN ('pending', 'failed') ORDER BY created, id, sender`)
}

// Alerts returns the newest limit alerts of the outbox (all for limit < 1), newest first.
func (s *Store) Alerts(limit int) ([]Outgoing, error) {
	if limit < 1 {
		limit = -1
	}
	return s.alerts(`ORDER BY created DESC, id DESC, sender LIMIT ?`, limit)
}

// AlertsSince returns the alerts of the outbox queued at since or later, and every one still
// pending or failing however old (an alert that has not gone is news), newest first.
func (s *Store) AlertsSince(since time.Time) ([]Outgoing, error) {
	return s.alerts(`WHERE created >= ? OR state IN ('pending', 'failed') ORDER BY created DESC, id DESC, sender`, since.UnixMilli())
}

func (s *Store) alerts(tail string, args ...any) ([]Outgoing, error) {
	rows, err := s.ro.QueryContext(context.Background(), `SELECT id, sender, service, event, payload, state,
		attempts, last_error, created, next_at, sent_at FROM outbox `+tail, args...)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil // a history from before alerts holds none
		}
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var list []Outgoing
	for rows.Next() {
		var a Outgoing
		var payload string
		var created int64
		var next, sent sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Sender, &a.Service, &a.Event, &payload, &a.State, &a.Attempts,
			&a.LastError, &created, &next, &sent); err != nil {
			return nil, s.readErr(err)
		}
		a.Payload, a.Created = []byte(payload), time.UnixMilli(created)
		if next.Valid {
			a.NextAt = time.UnixMilli(next.Int64)
		}
		if sent.Valid {
			a.SentAt = time.UnixMilli(sent.Int64)
		}
		list = append(list, a)
	}
	return list, s.readErr(rows.Err())
}

// ServiceAlerts returns the newest limit alerts of service (all for limit < 1), newest first:
// the detail view's Alerts section.
func (s *Store) ServiceAlerts(service string, limit int) ([]Outgoing, error) {
	if limit < 1 {
		limit = -1
	}
	return s.alerts(`WHERE service = ? ORDER BY created DESC, id DESC, sender LIMIT ?`, service, limit)
}
