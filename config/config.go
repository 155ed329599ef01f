// Package config loads and validates uptty's YAML configuration.
//
// Loading is strict: unknown keys, duplicate names, bad durations and URLs, a timeout above its
// interval and unset ${VAR} references are all errors. Every error names the file, line and
// column and the key path (services[3].expect.status), and all of them are reported at once.
package config

import (
	"time"

	"github.com/uptty/uptty/text"
)

// Config is a loaded, validated and defaulted configuration.
type Config struct {
	// Path is the file the configuration was read from ("" for built-in configs such as the demo).
	Path string
	// Concurrency bounds how many checks may be in flight at once across all services.
	Concurrency int
	// Services are in file order; names are unique.
	Services []Service
	// Location names where this uptty runs (a region, a site), for the location label of its
	// metrics, so that the same config run in several places tells its probes apart; "" for none.
	Location string
	// Modules are the named service templates of /probe (the top-level modules map).
	Modules map[string]*Module
	// ProbeTargets are patterns of the targets /probe may check besides the services' URLs
	// (see ProbeAllowed).
	ProbeTargets []string
	// History says where check results are kept across restarts.
	History History
	// Secrets are every service's secrets together, for outputs not tied to one service.
	Secrets *text.Secrets
	// Alerts are where alerts go (the top-level alerts list), in file order.
	Alerts []Alert
	// Maintenance are the windows in which covered services send no alert.
	Maintenance []Maintenance
}

// History is the `history` section: where results are stored and for how long.
type History struct {
	// Path is the database file, with ~/ and relative paths resolved; "" keeps history in memory.
	// The default is $XDG_STATE_HOME/uptty/history.db (else ~/.local/state/uptty/history.db).
	Path string
	// Retention is how long raw check results are kept before they are rolled up (default 90d).
	Retention time.Duration
	// Raw is how long raw check results are kept before they are rolled up into per-minute
	// aggregates, at most Retention; 0 when the file does not set it (history's default, 48h).
	Raw time.Duration
	// Set reports whether the file has a history section; when false, Path and Retention are
	// the defaults.
	Set bool
}

// Kind names the probe a service uses, picked by its URL scheme (or by `command`). The kinds
// are whatever KindSpecs Parse is given; package probe declares them.
type Kind string

// Service is one monitored target with every default already applied: the settings every kind
// shares, and the kind's own in Options.
type Service struct {
	Name  string
	Group string
	// URL is the target as written, after ${VAR} expansion. Empty for command services.
	URL  string
	Kind Kind
	// Command is the target of a command service: program and arguments, run without a shell.
	Command []string

	// Options are the kind's typed options (a probe.HTTPOptions for an http service...), as its
	// KindSpec's Parse returned them; nil for a kind without options.
	Options any
	// Brief is how Options read in the detail view.
	Brief Brief
	// Secrets are what no output may show (see text.Secrets): every ${VAR} value in the file,
	// the URL's password (and its Basic-auth form) and query values, header values. Never nil
	// for a loaded service.
	Secrets *text.Secrets

	Interval         time.Duration // time between checks (default 30s)
	Timeout          time.Duration // one check's limit (default 10s, at most Interval)
	RetryInterval    time.Duration // after a failure, check again this soon (default 5s, at most Interval)
	FailureThreshold int           // consecutive failures before DOWN (default 2)
	SuccessThreshold int           // consecutive successes before UP again (default 1)
	Slow             time.Duration // if > 0, UP but slower than this is DEGRADED

	// DependsOn names the services this one needs: while one of them is DOWN, this one failing
	// shows DOWN (via NAME) and sends no alert of its own. Checked at load: names exist, no cycle.
	DependsOn []string
	// Alerts names the alerts this service sends to; nil sends to every alert.
	Alerts []string

	// Line is where the service's entry starts in the file, for messages about it.
	Line int
}

// Header is one HTTP request header from the config.
type Header struct {
	Name  string
	Value string
}
