package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// Incident is one outage as `uptty incidents` lists it.
type Incident struct {
	Service string
	Group   string
	Start   time.Time
	End     *time.Time // nil while the outage lasts
	// Duration is how long the outage lasted, or had lasted when it was read if it is open.
	Duration time.Duration
	Cause    string // the reason of the first failed check, "(via NAME) …" when put down to a dependency
	// Unmonitored marks an open outage of a service the config no longer has: nothing checks
	// it, so nothing will end it, and "ongoing" would be a guess. Set by the caller, who knows
	// the config, with MarkUnmonitored.
	Unmonitored bool
	// Observed is, for an open outage, when its service was last watched: the end of its
	// newest stretch of coverage (the last check and what it covers, cut where a reload
	// removed the service or uptty stopped). Zero when history has none.
	Observed time.Time
	// Maintenance marks an outage that began in a maintenance window: no alert was sent, and
	// uptime reports may leave it out.
	Maintenance bool
	// Ack is the outage's acknowledgement, nil when it had none.
	Ack *track.Ack
}

// ackDoc is an ack as the JSON writes it: who, when (as start and end are), the note.
type ackDoc struct {
	By   string `json:"by"`
	At   string `json:"at"`
	Note string `json:"note"`
}

// AckJSON is a as the JSON documents write it: null when there is none.
func AckJSON(a *track.Ack) any {
	if a == nil {
		return nil
	}
	return ackDoc{By: a.By, At: a.At.Truncate(time.Second).Local().Format(time.RFC3339), Note: a.Note}
}

// MarshalJSON writes the incident as the contract shows it: times in RFC 3339 to the second in
// the local zone, end null while open, and duration_s the whole seconds between the times
// written (so that it agrees with them).
func (i Incident) MarshalJSON() ([]byte, error) {
	type out struct {
		Service   string  `json:"service"`
		Group     string  `json:"group"`
		Start     string  `json:"start"`
		End       *string `json:"end"`
		DurationS int64   `json:"duration_s"`
		Cause     string  `json:"cause"`
		// Beyond the contract, and only when true: see Incident.Unmonitored.
		Unmonitored bool `json:"unmonitored,omitempty"`
		// Only when true, as the contract says.
		Maintenance bool `json:"maintenance,omitempty"`
		// Beyond the contract's first shape, always there: {by, at, note} or null.
		Ack any `json:"ack"`
	}
	start := i.Start.Truncate(time.Second)
	o := out{Service: i.Service, Group: i.Group, Start: start.Local().Format(time.RFC3339), Cause: i.Cause,
		DurationS: int64(i.WrittenDuration() / time.Second), Unmonitored: i.Unmonitored,
		Maintenance: i.Maintenance, Ack: AckJSON(i.Ack)}
	if i.End != nil {
		o.End = new(i.End.Truncate(time.Second).Local().Format(time.RFC3339))
	}
	return json.Marshal(o)
}

// MarkUnmonitored marks an open outage as one nothing checks any more (its service is not in
// the config): its duration stops where its service was last watched, rather than growing
// with the clock as if someone were still looking.
func (i *Incident) MarkUnmonitored() {
	if i.End != nil {
		return
	}
	i.Unmonitored = true
	if !i.Observed.IsZero() {
		i.Duration = min(i.Duration, max(i.Observed.Sub(i.Start), 0))
	}
}

// WrittenDuration is the time between the start and end as reports write them, to the second,
// so that a report's duration agrees with its own times (21:47:02 to 00:08:11 is 2h21m09s).
func (i Incident) WrittenDuration() time.Duration {
	end := i.Start.Add(i.Duration)
	if i.End != nil {
		end = *i.End
	}
	return text.WrittenDuration(i.Start, end)
}

// Incidents lists the outages that were going on at or after since (all of them for the zero
// time), of one service or, for "", of all, newest first.
func (s *Store) Incidents(since time.Time, service string) ([]Incident, error) {
	return s.incidents(since, service, -1)
}

// RecentIncidents is Incidents cut to the newest limit, with how many there are in all: what a
// screen shows, without reading months of a flapping service's outages to show twenty.
func (s *Store) RecentIncidents(since time.Time, service string, limit int) (list []Incident, total int, err error) {
	if list, err = s.incidents(since, service, limit); err != nil {
		return nil, 0, err
	}
	if len(list) < limit {
		return list, len(list), nil
	}
	err = s.ro.QueryRowContext(context.Background(), `SELECT count(*)
		FROM outage o JOIN service s ON s.id = o.service
		WHERE (o.ended IS NULL OR o.ended >= ?) AND (? = '' OR s.name = ?)`, sinceMilli(since), service, service).Scan(&total)
	return list, total, s.readErr(err)
}

func sinceMilli(since time.Time) int64 {
	if since.IsZero() {
		return 0
	}
	return since.UnixMilli()
}

// incidents lists at most limit incidents (all when limit < 0), newest first.
func (s *Store) incidents(since time.Time, service string, limit int) ([]Incident, error) {
	rows, err := s.ro.QueryContext(context.Background(), `SELECT s.name, s.grp, o.started, o.ended, o.cause, o.via, o.maintenance,
		o.ack_by, o.ack_at, o.ack_note,
		CASE WHEN o.ended IS NULL THEN (SELECT max(c.ended) FROM coverage c WHERE c.service = o.service) END
		FROM outage o JOIN service s ON s.id = o.service
		WHERE (o.ended IS NULL OR o.ended >= ?) AND (? = '' OR s.name = ?)
		ORDER BY o.started DESC, o.id DESC LIMIT ?`, sinceMilli(since), service, service, limit)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	now := s.now()
	var list []Incident
	for rows.Next() {
		var in Incident
		var start int64
		var end, ackAt, observed sql.NullInt64
		var ack track.Ack
		var via string
		if err := rows.Scan(&in.Service, &in.Group, &start, &end, &in.Cause, &via, &in.Maintenance, &ack.By, &ackAt, &ack.Note, &observed); err != nil {
			return nil, s.readErr(err)
		}
		// The dependency it was put down to comes first, as on its row: "(via Core router) …".
		in.Cause = text.WithVia(in.Cause, via)
		if observed.Valid {
			in.Observed = time.UnixMilli(observed.Int64)
		}
		if ackAt.Valid {
			ack.Start, ack.At = time.UnixMilli(start), time.UnixMilli(ackAt.Int64)
			in.Ack = &ack
		}
		in.Start, in.Duration = time.UnixMilli(start), now.Sub(time.UnixMilli(start))
		if end.Valid {
			in.End = new(time.UnixMilli(end.Int64))
			in.Duration = in.End.Sub(in.Start)
		}
		list = append(list, in)
	}
	return list, s.readErr(rows.Err())
}
