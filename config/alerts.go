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
