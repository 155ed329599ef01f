package config

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/text"
)

// Module is one entry of the top-level modules map: how uptty's blackbox-style /probe checks a
// target it is handed, as blackbox_exporter's modules do. It takes the keys of a service but
// those that say what and who it is (name, url, command, group, depends_on, alerts); /probe's
// target is its url.
type Module struct {
	Name string
	// Line is where the module's entry starts in the file.
	Line int

	node  *yaml.Node // the module's mapping, read again for every target
	path  string     // modules.NAME
	defs  timing     // the file's defaults, under the module's own keys
	build func() *loader
	env   []string // every ${VAR} value in the file: secrets of every service
}

// moduleBarred are the service keys a module does not take: the target gives the url, and a
// probe has no name, group, dependencies nor alerts of its own.
var moduleBarred = []string{"name", "url", "command", "group", "depends_on", "alerts"}

// modules reads the modules map. A module is checked as far as it can be without a target:
// its keys, timing and values; whether its keys suit the target's kind is checked with the
// target, by Module.Service.
func (l *loader) modules(fl field, defs timing) map[string]*Module {
	ps, ok := l.pairs(fl.val, fl.path, "a mapping of module names to settings")
	if !ok {
		return nil
	}
	out := make(map[string]*Module, len(ps))
	for _, p := range ps {
		if msg := labelProblem(p.name); msg != "" {
			l.errorf(p.key, p.path, "module name %s", msg)
			continue
		}
		if !isNull(p.val) && p.val.Kind != yaml.MappingNode {
			l.errorf(p.val, p.path, "want a mapping of service keys, got %s", describe(p.val))
			continue
		}
		node := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: p.key.Line, Column: p.key.Column}
		if !isNull(p.val) {
			node.Line, node.Column = p.val.Line, p.val.Column
			for i := 0; i+1 < len(p.val.Content); i += 2 {
				k := p.val.Content[i]
				if slices.Contains(moduleBarred, k.Value) {
					l.errorf(k, join(p.path, k.Value), "a module takes no %s: /probe's target is its url", k.Value)
					continue
				}
				node.Content = append(node.Content, k, p.val.Content[i+1])
			}
		}
		// Read as a service with no url, for the problems of its keys and values.
		before := len(l.errs)
		l.service(moduleNode(node, ""), p.path, defs)
		l.errs = append(l.errs[:before], slices.DeleteFunc(l.errs[before:], func(e *Error) bool {
			return e.Path == p.path && e.Msg == "missing url or command"
		})...)
		out[p.name] = &Module{Name: p.name, Line: p.key.Line, node: node, path: p.path, defs: defs,
			build: l.fresh}
	}
	return out
}

// fresh is a loader like l with no errors and no names seen, for reading a module again.
func (l *loader) fresh() *loader {
	return &loader{file: l.file, dir: l.dir, getenv: l.getenv, kinds: l.kinds,
		serviceNames: map[string]bool{}, groupNames: map[string]bool{}, alertNames: map[string]bool{}}
}

// moduleNode is the module's mapping with name: probe and, when target is set, url: target
// added. The target is written with every $ doubled: it comes from a request, and ${VAR} in it
// must never reach the environment.
func moduleNode(m *yaml.Node, target string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: m.Line, Column: m.Column}
	n.Content = slices.Clone(m.Content)
	scalar := func(v string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle, Line: m.Line, Column: m.Column}
	}
	n.Content = append(n.Content, scalar("name"), scalar("probe"))
	if target != "" {
		n.Content = append(n.Content, scalar("url"), scalar(strings.ReplaceAll(target, "$", "$$")))
	}
	return n
}

// Service returns the service that checks target with m's settings: loaded as if the file had
// a service with m's keys and url: target, its Secrets those of the file's environment and of
// the target's own password and query. The error says what is wrong with the target for this
// module (not a URL uptty checks, or a key of the module its kind does not take), with the
// module's position in the file.
func (m *Module) Service(target string) (Service, error) {
	if target == "" {
		return Service{}, errors.New("no target")
	}
	l := m.build()
	s, _, _ := l.service(moduleNode(m.node, target), m.path, m.defs)
	if err := joinErrors(l.errs); err != nil {
		return Service{}, hideAll(err, append(m.env, l.env...))
	}
	env := &text.Secrets{}
	env.Add(append(m.env, l.env...)...)
	s.Secrets.Merge(env)
	return s, nil
}

// probeTargets reads the probe_targets list: patterns of the targets /probe may check besides
// the configured services' URLs, as path.Match takes them (* matches anything but /).
func (l *loader) probeTargets(fl field) []string {
	items, ok := l.list(fl.val, fl.path, "a list of target patterns, such as https://*.example.com/healthz")
	if !ok {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		p := index(fl.path, i)
		pat, ok := l.text(it, p, "a target pattern")
		if !ok {
			continue
		}
		if _, err := path.Match(pat, ""); err != nil || pat == "" {
			l.errorf(it, p, "not a pattern: * matches anything but /, ? one character, [a-z] a range")
			continue
		}
		out = append(out, pat)
	}
	return out
}

// ProbeAllowed reports whether /probe may check target: a configured service's URL, or one
// that a probe_targets pattern matches. Anything else is refused, so that uptty is no open
// proxy for whoever reaches its API. A pattern is matched against the target's scheme, host
// (in lower case) and path, as parsed: never the text as written, where a ? or # could end the
// host that a pattern appears to match (https://evil.test?.example.com/). A target with
// userinfo or a fragment matches no pattern.
func (c *Config) ProbeAllowed(target string) bool {
	for _, s := range c.Services {
		if s.URL != "" && s.URL == target {
			return true
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.User != nil || u.Fragment != "" || u.Opaque != "" || u.Scheme == "" || u.Host == "" {
		return false
	}
	canon := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.EscapedPath()
	_, ipErr := netip.ParseAddr(u.Hostname())
	for _, p := range c.ProbeTargets {
		if ok, _ := path.Match(p, canon); ok && (ipErr == nil || !addressPattern(p)) {
			return true
		}
	}
	return false
}

// patternClasses are a pattern's [a-z] character classes.
var patternClasses = regexp.MustCompile(`\[[^\]]*\]`)

// addressPattern reports whether pattern's host is an IP address with wildcards (10.0.0.*,
// 192.168.[1-2].?): it means those addresses, and only a target written as one matches it, not
// a host name that happens to match its text (10.0.0.evil.test, whose DNS may point anywhere).
func addressPattern(pattern string) bool {
	_, rest, ok := strings.Cut(pattern, "://")
	if !ok {
		return false
	}
	host, _, _ := strings.Cut(rest, "/")
	host = strings.NewReplacer("*", "0", "?", "0").Replace(patternClasses.ReplaceAllString(host, "0"))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	_, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil
}
