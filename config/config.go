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
	// History says where check results are kept across restarts.
	History History
	// Secrets are every service's secrets together, for outputs not tied to one service.
	Secrets *text.Secrets
}

// History is the `history` section: where results are stored and for how long.
type History struct {
	// Path is the database file, with ~/ and relative paths resolved; "" keeps history in memory.
	// The default is $XDG_STATE_HOME/uptty/history.db (else ~/.local/state/uptty/history.db).
	Path string
	// Retention is how long raw check results are kept before they are rolled up (default 90d).
	Retention time.Duration
	// Set reports whether the file has a history section; when false, Path and Retention are
	// the defaults.
	Set bool
}

// Kind names the probe a service uses, picked by its URL scheme (or by `command`).
type Kind string

// The probe kinds. KindHTTP covers http and https.
const (
	KindHTTP    Kind = "http"
	KindTCP     Kind = "tcp"
	KindTLS     Kind = "tls"
	KindDNS     Kind = "dns"
	KindICMP    Kind = "icmp"
	KindGRPC    Kind = "grpc"
	KindWS      Kind = "ws"
	KindCommand Kind = "command"
)

// Service is one monitored target with every default already applied.
type Service struct {
	Name  string
	Group string
	// URL is the target as written, after ${VAR} expansion. Empty for command services.
	URL  string
	Kind Kind

	Method  string   // HTTP method, default GET
	Headers []Header // in file order; values are secrets and never printed
	Body    string   // HTTP request body

	FollowRedirects bool // HTTP: follow up to 10 redirects (default true)
	Insecure        bool // HTTP/TLS/WS/gRPC: skip certificate verification

	Command []string // command services: program and arguments, run without a shell
	Count   int      // icmp: echo requests per check (default 3)

	Expect Expect

	Interval         time.Duration // time between checks (default 30s)
	Timeout          time.Duration // one check's limit (default 10s, at most Interval)
	RetryInterval    time.Duration // after a failure, check again this soon (default 5s, at most Interval)
	FailureThreshold int           // consecutive failures before DOWN (default 2)
	SuccessThreshold int           // consecutive successes before UP again (default 1)
	Slow             time.Duration // if > 0, UP but slower than this is DEGRADED

	// Line is where the service's entry starts in the file, for messages about it.
	Line int

	// Secrets are what no output may show (see text.Secrets): every ${VAR} value in the file,
	// the URL's password and header values. Never nil in a loaded config.
	Secrets *text.Secrets
}

// Header is one HTTP request header from the config.
type Header struct {
	Name  string
	Value string
}

// Expect holds what a check must see to pass. Zero values mean "not checked" unless noted.
type Expect struct {
	Status         []int             // HTTP: accepted status codes; empty means 200-399
	BodyContains   string            // HTTP: body must contain this text
	BodyRegex      string            // HTTP: body must match this regular expression
	JSON           []JSONExpect      // HTTP: dotted paths into the JSON body, each must equal
	Headers        []Header          // HTTP: each response header must contain the text
	CertWarn       time.Duration     // https/tls: DEGRADED when the certificate expires within it (default 14d)
	Rcode          string            // dns: expected response code (default NOERROR)
	AnswerContains string            // dns: an answer record must contain this text
	MaxLoss        float64           // icmp: highest acceptable loss ratio 0..1 (default 0.66)
	Extra          map[string]string // reserved for kinds that need more; nil today
}

// JSONExpect is one `expect.json` entry: the value at Path must equal Want.
type JSONExpect struct {
	Path string // dotted path, e.g. data.status or items.0.ok
	Want any    // a YAML scalar: string, int, float64, bool or nil
}
