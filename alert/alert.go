// Package alert tells someone: the alert model, the senders (webhook, command, Alertmanager,
// terminal) and the dispatcher that delivers every alert to every sender with retries.
//
// The package knows nothing of the config or the monitor: the caller builds an Alert from a
// state change (text already masked and cleaned) and enqueues it; hooks report what was sent,
// what failed and what was given up, so that a durable outbox can be kept elsewhere.
package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/text"
)

// Event is what happened to a service: it went down, came back up, or became degraded.
type Event string

// The events an alert can be about; the strings are the contract's "event" values.
const (
	EventDown     Event = "down"
	EventUp       Event = "up"
	EventDegraded Event = "degraded"
)

// Alert is one notification about one service. Every retry of one alert carries the same ID,
// so a receiver can drop duplicates.
type Alert struct {
	// ID is stable for every retry and resend of this alert (see NewID).
	ID string
	// Event is down, up or degraded.
	Event Event
	// Service is the service's name; Group its group ("" when none).
	Service, Group string
	// State is the state word as the screen shows it: DOWN, UP, DEGRADED.
	State string
	// Reason says why the service is down or degraded; on recovery, why it was.
	Reason string
	// Start is when the outage (or degradation) began.
	Start time.Time
	// End is when it ended; nil while it lasts.
	End *time.Time
	// Duration is how long it lasted, or has lasted so far when the alert was made. What the
	// alert says is writtenDuration, which agrees with the times it writes.
	Duration time.Duration
	// At is when the alert was made.
	At time.Time
	// Link is where a human can look (the service's link setting); optional.
	Link string
	// Dependents are services that fail because this one is down; optional.
	Dependents []string
	// Maintenance marks an alert about a service in a maintenance window.
	Maintenance bool
}

// NewID derives an alert's id from what identifies it: the service, the event and the start
// of the outage. A restart that re-sends a pending alert computes the same id, so a receiver
// sees one alert however often it is delivered. Start counts in whole seconds because that is
// what survives a round trip through any store; one service cannot start two outages within a
// second.
func NewID(service string, event Event, start time.Time) string {
	h := sha256.New()
	h.Write([]byte("uptty-alert\x00"))
	h.Write([]byte(service))
	h.Write([]byte{0})
	h.Write([]byte(event))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(start.Unix(), 10)))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// RepeatID is the id of the n-th reminder (n >= 1) that a service is still down: a reminder is
// a new alert, which a receiver must not drop as a duplicate of the first one.
func RepeatID(id string, n int) string {
	return id + "-r" + strconv.Itoa(n)
}

// isReminder reports whether a is a reminder (RepeatID) of its outage's down alert.
func isReminder(a Alert) bool {
	base, _, ok := strings.Cut(a.ID, "-r")
	return ok && a.Event == EventDown && base == NewID(a.Service, EventDown, a.Start)
}

// Text is the alert as one human line, with times as they are in the alert.
func (a Alert) Text() string { return a.Summary(nil) }

// Summary is the alert as one human line, times written in loc (nil: as they are):
//
//	Checkout API is DOWN since 21:47:02: status 503, want 200-399
//	Checkout API is UP after 2h21m (down 21:47:02 → 00:08:11)
//
// The result has no control characters even if the alert's fields do.
func (a Alert) Summary(loc *time.Location) string {
	clock := func(t time.Time) string {
		if loc != nil {
			t = t.In(loc)
		}
		// An outage past a day needs the date to be read right.
		if a.Duration >= 24*time.Hour {
			return t.Format("Jan 2 15:04:05")
		}
		return t.Format("15:04:05")
	}
	var b strings.Builder
	b.WriteString(text.CleanText(a.Service, 0))
	switch a.Event {
	case EventUp:
		b.WriteString(" is UP after ")
		b.WriteString(text.FormatDuration(a.writtenDuration()))
		b.WriteString(" (down ")
		b.WriteString(clock(a.Start))
		if a.End != nil {
			b.WriteString(" → ")
			b.WriteString(clock(*a.End))
		}
		b.WriteString(")")
	default:
		word := strings.ToUpper(string(a.Event))
		if a.Event != EventDown && a.Event != EventDegraded {
			word = text.CleanText(strings.ToUpper(a.State), 0)
		}
		b.WriteString(" is ")
		b.WriteString(word)
		b.WriteString(" since ")
		b.WriteString(clock(a.Start))
		if r := text.CleanText(a.Reason, 0); r != "" {
			b.WriteString(": ")
			b.WriteString(r)
		}
	}
	if len(a.Dependents) > 0 {
		b.WriteString(" (affects ")
		b.WriteString(dependents(a.Dependents, 5))
		b.WriteString(")")
	}
	if a.Maintenance {
		b.WriteString(" [maintenance]")
	}
	return b.String()
}

// writtenDuration is the alert's duration as its start and end (or start and duration so far)
// are written, to the second: an outage from 21:47:02.8 to 21:47:05.1 is 3s, as those times
// say and as `uptty incidents` and the API say, not the 2.3s measured.
func (a Alert) writtenDuration() time.Duration {
	end := a.Start.Add(a.Duration)
	if a.End != nil {
		end = *a.End
	}
	return text.WrittenDuration(a.Start, end)
}

// dependents lists at most max names, then how many more there are.
func dependents(names []string, max int) string {
	n := min(len(names), max)
	parts := make([]string, 0, n+1)
	for _, name := range names[:n] {
		parts = append(parts, text.CleanText(name, 0))
	}
	if len(names) > n {
		parts = append(parts, "+"+strconv.Itoa(len(names)-n)+" more")
	}
	return strings.Join(parts, ", ")
}

// body is the generic webhook body, the contract's schema; the command sender writes the same
// JSON to its program's stdin.
type body struct {
	ID          string   `json:"id"`
	Event       Event    `json:"event"`
	Service     string   `json:"service"`
	Group       string   `json:"group"`
	State       string   `json:"state"`
	Reason      string   `json:"reason"`
	Start       string   `json:"start"`
	End         *string  `json:"end"`
	DurationS   int64    `json:"duration_s"`
	At          string   `json:"at"`
	Link        string   `json:"link,omitempty"`
	Dependents  []string `json:"dependents,omitempty"`
	Maintenance bool     `json:"maintenance,omitempty"`
	Location    string   `json:"location,omitempty"`
}

// MarshalJSON writes the contract's generic body: {"id", "event", "service", "group", "state",
// "reason", "start", "end" (null while down), "duration_s", "at"}, plus "link", "dependents"
// and "maintenance" when set. Times are RFC 3339 in the alert's own zone.
func (a Alert) MarshalJSON() ([]byte, error) { return a.genericBody("") }

// genericBody is MarshalJSON with "location" added when location (the config's location:,
// where this uptty runs) is set: the same outage seen from two places is two alerts, and the
// receiver can tell them apart, as Alertmanager does by its location label.
func (a Alert) genericBody(location string) ([]byte, error) {
	b := body{
		ID: a.ID, Event: a.Event, Service: a.Service, Group: a.Group, State: a.State,
		Reason: a.Reason, Start: a.Start.Format(time.RFC3339),
		DurationS: int64(a.writtenDuration() / time.Second), At: a.At.Format(time.RFC3339),
		Link: a.Link, Dependents: a.Dependents, Maintenance: a.Maintenance,
		Location: text.CleanText(location, 0),
	}
	if a.End != nil {
		end := a.End.Format(time.RFC3339)
		b.End = &end
	}
	return json.Marshal(b)
}
