package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// StarterService is one service of a starter config: a URL the user gave, as uptty will check it.
type StarterService struct {
	Name string
	URL  string
	// Guess says how the URL was completed when it had no scheme ("" when it had one).
	Guess string
}

// StarterServices turns what the user typed into services, one per URL, the kind guessed from
// the scheme: a URL with a scheme uptty checks stays as it is; host:port is tcp://host:port;
// a bare host, or a host and a path, is https:// (a web site is what people name most often,
// and a host answering only plain HTTP shows as DOWN with the reason, easy to fix). Names are
// the host (the name asked about for dns), made unique with the port or path, then a number.
// kinds are the probe kinds (probe.Kinds()); an unknown scheme is an error naming the ones
// there are. The error joins every URL at fault; the services are the others.
func StarterServices(raw []string, kinds []KindSpec) ([]StarterService, error) {
	var schemes []string
	for _, k := range kinds {
		schemes = append(schemes, k.Schemes...)
	}
	var out []StarterService
	var errs []error
	taken := map[string]bool{}
	for _, r := range raw {
		r = strings.TrimSpace(r)
		if r == "" {
			errs = append(errs, errors.New("an empty URL"))
			continue
		}
		s, err := starterService(r, schemes)
		if err != nil {
			errs = append(errs, err) // every URL at fault at once, as a config's errors
			continue
		}
		s.Name = uniqueName(s.URL, s.Name, taken)
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

func starterService(raw string, schemes []string) (StarterService, error) {
	if scheme, rest, ok := strings.Cut(raw, ":"); ok && isScheme(scheme) && (strings.HasPrefix(rest, "//") || strings.EqualFold(scheme, "dns")) {
		scheme = strings.ToLower(scheme)
		if !slices.Contains(schemes, scheme) {
			return StarterService{}, fmt.Errorf("%q: uptty does not check %s:// URLs (it checks %s)", raw, scheme, strings.Join(schemes, ", "))
		}
		u, err := url.Parse(raw)
		if err != nil {
			return StarterService{}, fmt.Errorf("%q: not a URL", raw)
		}
		return StarterService{Name: hostOf(u), URL: raw}, nil
	}
	if host, port, err := net.SplitHostPort(raw); err == nil && host != "" && !strings.Contains(port, "/") {
		if _, err := strconv.ParseUint(port, 10, 16); err == nil {
			return StarterService{Name: host, URL: "tcp://" + raw, Guess: "host:port without a scheme: checked by a TCP connect"}, nil
		}
	}
	u, err := url.Parse("https://" + raw)
	// A host name never starts with "-": such a word is a mistyped flag (or "-" for stdin
	// where it is not read), not a web site.
	if err != nil || u.Hostname() == "" || strings.HasPrefix(u.Hostname(), "-") {
		return StarterService{}, fmt.Errorf("%q: want a URL (https://host/path, tcp://host:port, dns:name...), host:port or a host", raw)
	}
	return StarterService{Name: u.Hostname(), URL: u.String(), Guess: "no scheme given: checked over https"}, nil
}

// hostOf is what a service checking u is named after: the host, or for DNS the name asked about.
func hostOf(u *url.URL) string {
	if strings.EqualFold(u.Scheme, "dns") {
		name := strings.TrimPrefix(u.Path, "/")
		if u.Opaque != "" {
			name = u.Opaque
		}
		if name != "" {
			return name + " DNS"
		}
	}
	if h := u.Hostname(); h != "" {
		return h
	}
	return u.String()
}

// uniqueName is name, or failing that name with the port or path the URL adds, or a number.
func uniqueName(rawURL, name string, taken map[string]bool) string {
	candidates := []string{name}
	if u, err := url.Parse(rawURL); err == nil {
		if u.Port() != "" {
			candidates = append(candidates, name+":"+u.Port())
		}
		if p := strings.Trim(u.Path, "/"); p != "" && !strings.EqualFold(u.Scheme, "dns") {
			candidates = append(candidates, name+"/"+p)
		}
	}
	for _, c := range candidates {
		if !taken[c] {
			taken[c] = true
			return c
		}
	}
	for n := 2; ; n++ {
		c := fmt.Sprintf("%s (%d)", name, n)
		if !taken[c] {
			taken[c] = true
			return c
		}
	}
}

// Starter returns a starter config, every key it leaves at its default commented out with
// that default. Without services it checks https://example.com/ and shows, commented out, a
// service of every kind.
func Starter(services []StarterService) []byte {
	var b strings.Builder
	b.WriteString(starterHead)
	b.WriteString("services:\n")
	if len(services) == 0 {
		b.WriteString(starterExamples)
		return []byte(b.String())
	}
	for _, s := range services {
		if s.Guess != "" {
			fmt.Fprintf(&b, "  # %s\n", s.Guess)
		}
		fmt.Fprintf(&b, "  - name: %s\n    url: %s\n", yamlScalar(s.Name), yamlScalar(s.URL))
	}
	return []byte(b.String())
}

// yamlScalar writes s as YAML reads it back, quoted only where it must be.
func yamlScalar(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(string(out), "\n")
}

const starterHead = `# uptty config, written by uptty init. Check it with: uptty validate
# Every key is in config.example.yaml (and README.md); the ones commented out below show
# their defaults. Durations are Go durations plus d for days: 500ms, 30s, 5m, 14d.
# ${VAR} in any text value is the environment variable VAR, kept secret on screen
# (except in name, group and location, which are shown as they are).

# Defaults for every service; a service may set any of these itself.
defaults:
  interval: 30s           # time between checks
  # timeout: 10s          # one check's limit; at most interval
  # retry_interval: 5s    # after a failure, check again this soon
  # failure_threshold: 2  # consecutive failures before DOWN
  # success_threshold: 1  # consecutive successes before UP again
  # slow: 0s              # if above 0: UP but slower than this shows DEGRADED

# Where history is kept (default $XDG_STATE_HOME/uptty/history.db; "" keeps it in memory).
# history:
#   path: ~/.local/state/uptty/history.db
#   retention: 90d

# Where to say that a service went DOWN or came back (README.md, "Alerts").
# alerts:
#   - name: team
#     type: webhook        # webhook | command | alertmanager | terminal
#     url: https://hooks.example.com/uptty
#     format: slack        # generic | slack | discord | teams | ntfy

# What to check: a unique name and a url each; the URL's scheme picks the probe.
# Each service may also set group (the screen groups rows by it), expect, and any key of defaults.
`

const starterExamples = `  - name: Example site
    url: https://example.com/
    # group: web          # the screen groups rows by it
    # expect:
    #   status: [200]     # default: any 200-399
    #   body_contains: Example

  # More kinds (README.md, "Probe kinds"):
  # - name: Postgres
  #   url: tcp://db.example.com:5432
  # - name: Mail TLS
  #   url: tls://mail.example.com:465
  # - name: Mail exchanger
  #   url: dns://9.9.9.9/example.com?type=MX
  # - name: Core router
  #   url: icmp://router.example.com
  # - name: Orders gRPC
  #   url: grpcs://orders.example.com:443/orders.v1.Orders
  # - name: Live feed
  #   url: wss://feed.example.com/socket
  # - name: Backups fresh
  #   command: [/usr/local/bin/check-backups, --max-age, 26h]
`
