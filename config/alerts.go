package config

import (
	"time"

	"github.com/uptty/uptty/text"
)

// The alert sender types that `alerts[].type` takes.
const (
	SenderWebhook      = "webhook"
	SenderCommand      = "command"
	SenderAlertmanager = "alertmanager"
	SenderTerminal     = "terminal"
)

// The alert events that `alerts[].on` takes.
const (
	EventDown     = "down"
	EventUp       = "up"
	EventDegraded = "degraded"
)

// Alert is one entry of the top-level `alerts` list: where alerts go, and which. Every default
// is applied at load.
type Alert struct {
	// Name is unique among alerts; services pick alerts by it (services[].alerts).
	Name string
	// Type is SenderWebhook, SenderCommand, SenderAlertmanager or SenderTerminal.
	Type string
	// URL is the receiver (webhook, alertmanager), after ${VAR} expansion.
	URL string
	// Format shapes a webhook's body: generic (default), slack, discord, teams or ntfy.
	Format string
	// Headers are sent with a webhook's POST; values are secrets.
	Headers []Header
	// Command is a command sender's program and arguments, run without a shell.
	Command []string
	// On lists the events that send (default [down, up]; degraded is opt-in).
	On []string
	// Repeat re-notifies this often while a service stays down; 0 never (default).
	Repeat time.Duration
	// Timeout bounds one delivery attempt (default 10s).
	Timeout time.Duration
	// GiveUpAfter is how long a failing delivery is retried before it is given up (default 24h).
	GiveUpAfter time.Duration
	// Secrets are what no output may show (header values, URL passwords, ${VAR} values).
	Secrets *text.Secrets
	// Line is where the entry starts in the file.
	Line int
}

// Maintenance is one entry of the top-level `maintenance` list: a window in which the services
// it covers are checked and drawn but send no alert, and their outages are stored marked as
// maintenance. A window is either one-off (Start to End) or recurring (Every, For, Location).
type Maintenance struct {
	Name string
	// Services and Groups pick what the window covers, by name; both empty covers every service.
	Services []string
	Groups   []string
	// Start and End bound a one-off window; both zero for a recurring one.
	Start, End time.Time
	// Every is the recurring form as written ("sat 02:00", "daily 03:30"); "" for a one-off
	// window. For is how long each occurrence lasts, in Location (default the local zone).
	Every    string
	For      time.Duration
	Location *time.Location
	// Line is where the entry starts in the file.
	Line int

	// occurs reports whether a recurring window's occurrence starting at or before t covers t;
	// set at load from Every.
	occurs func(t time.Time) bool
}

// recurrence is a parsed `every`: the weekdays an occurrence starts on and its wall-clock time.
type recurrence struct {
	days         [7]bool // by time.Weekday
	hour, minute int
}

// covers reports whether an occurrence of length d in loc covers t. An occurrence starts on one
// of its days at hour:minute as loc's clocks read then, so a window stays at 02:00 across a
// daylight saving change; d is elapsed time.
func (r recurrence) covers(t time.Time, d time.Duration, loc *time.Location) bool {
	y, m, day := t.In(loc).Date()
	// An occurrence lasts at most maxWindow (7 days), so one covering t started on t's date or on
	// one of the 7 before it; one more allows for the hour a zone change moves a start by.
	for k := 0; k <= 8; k++ {
		if !r.days[time.Date(y, m, day-k, 0, 0, 0, 0, time.UTC).Weekday()] {
			continue
		}
		s := wallStart(y, m, day-k, r.hour, r.minute, loc)
		if !t.Before(s) && t.Before(s.Add(d)) {
			return true
		}
	}
	return false
}

// wallStart is the first instant at which loc's clocks read hour:minute (or later) on the date.
// time.Date leaves both edge cases to chance: a time the clocks skip (spring forward) starts
// when they jump past it, and a time they repeat (fall back) starts at its first reading.
func wallStart(y int, m time.Month, day, hour, minute int, loc *time.Location) time.Time {
	s := time.Date(y, m, day, hour, minute, 0, 0, loc)
	want := time.Date(y, m, day, hour, minute, 0, 0, time.UTC)
	got := time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), s.Minute(), 0, 0, time.UTC)
	zoneStart, zoneEnd := s.ZoneBounds()
	switch {
	case got.Before(want) && !zoneEnd.IsZero():
		// Skipped, and s read on the clock before the jump: start at the jump.
		return zoneEnd
	case got.After(want) && !zoneStart.IsZero():
		// Skipped, and s read on the clock after the jump.
		return zoneStart
	case !got.Equal(want) || zoneStart.IsZero():
		return s
	}
	_, now := s.Zone()
	if _, before := zoneStart.Add(-time.Second).Zone(); before > now {
		// The clocks went back at zoneStart; s may be the second reading of its time.
		if first := s.Add(-time.Duration(before-now) * time.Second); first.Before(zoneStart) {
			return first
		}
	}
	return s
}

// Covers reports whether the window applies to a service of this name and group.
func (m Maintenance) Covers(name, group string) bool {
	if len(m.Services) == 0 && len(m.Groups) == 0 {
		return true
	}
	for _, s := range m.Services {
		if s == name {
			return true
		}
	}
	for _, g := range m.Groups {
		if g != "" && g == group {
			return true
		}
	}
	return false
}

// Active reports whether the window is open at t.
func (m Maintenance) Active(t time.Time) bool {
	if m.Every == "" {
		return !t.Before(m.Start) && t.Before(m.End)
	}
	return m.occurs != nil && m.occurs(t)
}
