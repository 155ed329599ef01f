package importer

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/config"
)

// gatusTop are the top-level keys of a Gatus config (config/config.go), with what uptty has in
// their place for the note of each that is set.
var gatusTop = map[string]string{
	"endpoints":                  "",
	"debug":                      "",
	"metrics":                    "`uptty serve` always serves Prometheus metrics on /metrics",
	"skip-invalid-config-update": "uptty keeps running on the old config when a reload is invalid",
	"disable-monitoring-lock":    "uptty runs up to `concurrency` checks at once (default 1000)",
	"concurrency":                "uptty runs up to `concurrency` checks at once (default 1000)",
	"security":                   "`uptty serve` takes a bearer token (--token-file) off loopback",
	"alerting":                   "uptty's alerts are set under `alerts:` (webhook with slack, discord, teams or ntfy format, command, alertmanager): see the README",
	"external-endpoints":         "uptty checks every service itself; it receives no pushed results",
	"suites":                     "uptty has no suites; write each step as a service",
	"storage":                    "uptty keeps history in its own SQLite file (`history:`)",
	"web":                        "`uptty serve --listen ADDR`",
	"ui":                         "the terminal screen takes no settings from the config",
	"maintenance":                "uptty's `maintenance:` windows (one-off, or `every:` with days and a time)",
	"remote":                     "`uptty attach URL` shows another uptty's services",
	"connectivity":               "",
	"tunneling":                  "",
	"announcements":              "",
}

// gatusEndpointKeys are the keys of a Gatus endpoint (config/endpoint/endpoint.go).
var gatusEndpointKeys = []string{"enabled", "name", "group", "url", "method", "body", "graphql",
	"headers", "extra-labels", "interval", "conditions", "alerts", "maintenance-windows", "dns",
	"ssh", "client", "ui", "store", "always-run"}

// gatusClientKeys are the keys of an endpoint's client (client/config.go).
var gatusClientKeys = []string{"proxy-url", "insecure", "ignore-redirect", "timeout", "dns-resolver",
	"oauth2", "identity-aware-proxy", "network", "tls", "tunnel", "store-cookies"}

// dnsTypes are the query types uptty's DNS check asks.
var dnsTypes = []string{"A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "CAA", "PTR"}

// gatusDefaultInterval is how often Gatus checks an endpoint that does not say.
const gatusDefaultInterval = time.Minute

// Gatus converts a Gatus config (one YAML file) into an uptty config. file names the input in
// notes and errors. The error is for input that is not a Gatus config: not YAML, an unknown key,
// a value of the wrong shape; each problem names the file, line and column.
func Gatus(data []byte, file string) (Result, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Result{}, config.SyntaxError(data, file, err)
	}
	g := &gatus{file: file}
	if len(root.Content) == 0 {
		return Result{}, fmt.Errorf("%s: empty: a Gatus config has endpoints", file)
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return Result{}, g.errorf(top, "not a Gatus config: want a mapping with endpoints")
	}
	d := &document{Source: "Gatus config", Command: "gatus", File: file,
		Defaults: defaults{Interval: gatusDefaultInterval, Comment: "Gatus checks an endpoint every 60s unless it says otherwise.",
			Shared: "The other keys are what every endpoint sets."}}
	var endpoints *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], deref(top.Content[i+1])
		hint, known := gatusTop[k.Value]
		switch {
		case !known && v.Anchor != "":
			// A block kept only to be merged into endpoints (x-defaults: &defaults): Gatus
			// ignores it, and the merges bring it in.
		case !known:
			g.fail(k, "unknown key %q: not a Gatus config key (want %s)", k.Value, keyList(gatusTop))
		case k.Value == "endpoints":
			endpoints = v
		case k.Value == "debug", isEmpty(v):
		default:
			text := k.Value + describe(k.Value, v) + ": no uptty equivalent"
			if hint != "" {
				text = k.Value + describe(k.Value, v) + ": " + hint
			}
			d.Lost = append(d.Lost, Note{File: file, Line: k.Line, Text: text})
		}
	}
	if (endpoints == nil || len(endpoints.Content) == 0) && len(g.errs) == 0 {
		return Result{}, g.errorf(top, "no endpoints: not a Gatus config")
	}
	if endpoints != nil {
		if endpoints.Kind != yaml.SequenceNode {
			g.fail(endpoints, "endpoints: want a list")
		} else {
			for i, n := range endpoints.Content {
				if s := g.endpoint(n, i); s != nil {
					d.Services = append(d.Services, s)
				}
			}
		}
	}
	if err := errors.Join(g.errs...); err != nil {
		return Result{}, err
	}
	return d.finish(), nil
}

// describe says which parts of a section were set, for its note: the alerting providers, the
// number of external endpoints...
func describe(key string, v *yaml.Node) string {
	switch {
	case v.Kind == yaml.MappingNode && (key == "alerting" || key == "storage" || key == "security"):
		var names []string
		for i := 0; i+1 < len(v.Content); i += 2 {
			names = append(names, v.Content[i].Value)
		}
		return " (" + strings.Join(names, ", ") + ")"
	case v.Kind == yaml.SequenceNode:
		return fmt.Sprintf(" (%d)", len(v.Content))
	}
	return ""
}

func isEmpty(v *yaml.Node) bool {
	return v.Kind == yaml.ScalarNode && (v.Tag == "!!null" || v.Value == "false" || v.Value == "") ||
		(v.Kind == yaml.SequenceNode || v.Kind == yaml.MappingNode) && len(v.Content) == 0
}

func keyList(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// gatus gathers the problems of one file: every one is reported, not just the first.
type gatus struct {
	file string
	errs []error
}

func (g *gatus) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", g.file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

func (g *gatus) fail(n *yaml.Node, format string, args ...any) {
	g.errs = append(g.errs, g.errorf(n, format, args...))
}

// fields reads a mapping, failing on keys not in known. Merge keys (<<: *defaults), which
// Gatus configs use to share settings between endpoints, bring in the keys the mapping lacks.
func (g *gatus) fields(n *yaml.Node, where string, known []string) (map[string]*yaml.Node, []string) {
	return g.merged(n, where, known, map[*yaml.Node]bool{})
}

// merged reads one mapping of a merge. seen holds the mappings already read: a mapping merged
// twice brings nothing new, and aliases merging aliases could otherwise double the work at each
// level.
func (g *gatus) merged(n *yaml.Node, where string, known []string, seen map[*yaml.Node]bool) (map[string]*yaml.Node, []string) {
	n = deref(n)
	if seen[n] {
		return nil, nil
	}
	seen[n] = true
	if n.Kind != yaml.MappingNode {
		g.fail(n, "%s: want a mapping", where)
		return nil, nil
	}
	out := map[string]*yaml.Node{}
	var order []string
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.Value == "<<" && k.Tag == "!!merge" {
			if v.Kind == yaml.SequenceNode {
				merges = append(merges, v.Content...)
			} else {
				merges = append(merges, v)
			}
			continue
		}
		if !slices.Contains(known, k.Value) {
			g.fail(k, "%s: unknown key %q (Gatus knows %s)", where, k.Value, strings.Join(known, ", "))
			continue
		}
		out[k.Value] = v
		order = append(order, k.Value)
	}
	for _, m := range merges {
		more, moreOrder := g.merged(m, where, known, seen)
		for _, k := range moreOrder {
			if _, ok := out[k]; !ok {
				out[k] = more[k]
				order = append(order, k)
			}
		}
	}
	return out, order
}

// deref follows a YAML alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func (g *gatus) str(n *yaml.Node, where string) string {
	n = deref(n)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		g.fail(n, "%s: want a text", where)
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func (g *gatus) boolean(n *yaml.Node, where string) bool {
	n = deref(n)
	if n == nil {
		return false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		g.fail(n, "%s: want true or false", where)
	}
	return b
}
