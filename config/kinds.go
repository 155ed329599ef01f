package config

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/text"
)

// KindSpec describes one probe kind to the loader: which services are of the kind, which keys
// they may set, and how those keys become the kind's options. Package probe declares one per
// kind, next to its checker, and Parse takes the list; config itself knows no kind.
type KindSpec struct {
	// Kind is the kind's name, shown in the detail view and in messages.
	Kind Kind
	// Schemes are the URL schemes (lower case) that pick the kind. A kind without schemes is
	// picked by the `command` key instead, and its messages call it by its name.
	Schemes []string
	// Keys are the kind-specific keys its services may set, in the order they are documented.
	// Keys under expect are written "expect.status".
	Keys []Key
	// CheckURL checks the shape of the kind's URLs past the scheme, returning a message for the
	// user (which must not quote the URL: it may hold a secret). nil means scheme://host:port.
	// CheckWebURL, CheckHostURL and NoPath do the common parts.
	CheckURL func(u *url.URL) error
	// Parse reads the keys through o and returns the kind's options, with the kind's defaults
	// applied, for Service.Options. It reports problems with o's Errorf; options it returns on
	// error are dropped. It must not fail on a scheme it does not know: when the scheme of a
	// service cannot be told, every kind reads the keys it takes so that their problems are
	// still reported.
	Parse func(o *Options) any
}

// Key is one kind-specific key.
type Key struct {
	Name string
	// Schemes are the kind's schemes that take the key; nil means all of them.
	Schemes []string
}

// schemesOf returns the pseudo-schemes a kind answers to in messages: its URL schemes, or its
// name when it is the command kind.
func (k KindSpec) schemesOf() []string {
	if len(k.Schemes) == 0 {
		return []string{string(k.Kind)}
	}
	return k.Schemes
}

// Brief is how a service's kind-specific options read in the detail view, already worded by the
// kind so that the view needs to know none: Check follows the kind on the "Check" line (the
// HTTP method), Limits follow the thresholds (cert warn 14d, insecure).
type Brief struct {
	Check  []string
	Limits []string
	// Insecure says certificates are not verified, which the list and reports show where a
	// passing service has no reason to show.
	Insecure bool
}

// safe returns b as every output may show it: secrets masked (a ${VAR} can be a method or a
// header), then cleaned, so that the UI and reports can trust it.
func (b Brief) safe(s *text.Secrets) Brief {
	// A list that masking and cleaning leave as it is, the most, is kept rather than copied:
	// the config keeps every service's for the whole run.
	clean := func(in []string) []string {
		var out []string // nil while every item is unchanged
		for i, v := range in {
			c := text.CleanText(s.Mask(v), 0)
			if c != v && out == nil {
				out = slices.Clone(in)
			}
			if out != nil {
				out[i] = c
			}
		}
		switch {
		case out != nil:
			return out
		case len(in) > 0:
			return in
		}
		return []string{}
	}
	b.Check, b.Limits = clean(b.Check), clean(b.Limits)
	return b
}

// Briefer is implemented by options that have something to show in the detail view.
type Briefer interface {
	Brief() Brief
}

// kindSet is the registry the loader was given, with what it derives from it.
type kindSet struct {
	specs       []KindSpec
	byScheme    map[string]*KindSpec
	command     *KindSpec         // the kind picked by `command`, if any
	serviceKeys []string          // every key a service may have, in documentation order
	expectKeys  []string          // every key under expect
	schemes     []string          // the URL schemes, for a typo's suggestion
	supported   string            // the URL schemes, for messages
	scopes      map[string]string // each kind-specific key: the schemes that take it, worded
}

// commonKeys are the keys every service takes, around the kinds' own ones.
var commonKeys = []string{"name", "group", "url", "command"}

// linkKeys are the keys every service takes that point at other parts of the config; they come
// last among a service's keys.
var linkKeys = []string{"depends_on", "alerts"}

func newKindSet(specs []KindSpec) *kindSet {
	ks := &kindSet{specs: specs, byScheme: map[string]*KindSpec{}}
	var schemes []string
	svc := slices.Clone(commonKeys)
	for i := range specs {
		k := &specs[i]
		if len(k.Schemes) == 0 {
			ks.command = k
		}
		for _, s := range k.Schemes {
			ks.byScheme[s] = k
			schemes = append(schemes, s)
		}
		for _, key := range k.Keys {
			if e, ok := strings.CutPrefix(key.Name, "expect."); ok {
				if !slices.Contains(svc, "expect") {
					svc = append(svc, "expect")
				}
				if !slices.Contains(ks.expectKeys, e) {
					ks.expectKeys = append(ks.expectKeys, e)
				}
			} else if !slices.Contains(svc, key.Name) {
				svc = append(svc, key.Name)
			}
		}
	}
	if !slices.Contains(svc, "expect") {
		svc = append(svc, "expect")
	}
	ks.serviceKeys = append(append(svc, timingKeys()...), linkKeys...)
	ks.schemes, ks.supported = schemes, strings.Join(schemes, ", ")
	ks.scopes = map[string]string{}
	for _, k := range specs {
		for _, key := range k.Keys {
			ks.scopes[key.Name] = ks.scope(key.Name)
		}
	}
	return ks
}

// kindOf returns the kind of a URL scheme (lower case), or nil.
func (ks *kindSet) kindOf(scheme string) *KindSpec { return ks.byScheme[scheme] }

// takes reports whether a kind's service of the given scheme takes key.
func (k *KindSpec) takes(key, scheme string) bool {
	for _, kk := range k.Keys {
		if kk.Name == key && (kk.Schemes == nil || slices.Contains(kk.Schemes, scheme)) {
			return true
		}
	}
	return false
}

// scope returns the schemes that take a kind-specific key, as a message names them ("http(s),
// tls, ws(s) and grpcs"), or "" for a key every service takes. Each kind's schemes are named
// together, in the registry's order, except that kinds taking the key on only some of their
// schemes come after those taking it on all, unless they lead the list.
func (ks *kindSet) scope(key string) string {
	type group struct {
		names   []string
		partial bool
	}
	var groups []group
	for _, k := range ks.specs {
		var g group
		for _, s := range k.schemesOf() {
			if k.takes(key, s) {
				g.names = append(g.names, s)
			} else {
				g.partial = true
			}
		}
		if len(g.names) > 0 {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return ""
	}
	slices.SortStableFunc(groups[1:], func(a, b group) int {
		switch {
		case a.partial == b.partial:
			return 0
		case a.partial:
			return 1
		}
		return -1
	})
	var names []string
	for _, g := range groups {
		for i := 0; i < len(g.names); i++ {
			// http and https read http(s).
			if i+1 < len(g.names) && g.names[i+1] == g.names[i]+"s" {
				names = append(names, g.names[i]+"(s)")
				i++
				continue
			}
			names = append(names, g.names[i])
		}
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Options reads a service's kind-specific keys for a KindSpec's Parse. Every problem it or the
// kind reports carries the file, line, column and key path of the value at fault.
type Options struct {
	l      *loader
	fields map[string]field // the kind's keys present, expect keys as "expect.x"
	// Scheme is the service's URL scheme in lower case, "command" for a command service, or ""
	// when it cannot be told (an unusable URL, or both a url and a command).
	Scheme string
	// URL is the service's URL after ${VAR} expansion; "" for a command, or when it is unusable.
	URL     string
	secrets *text.Secrets
}

// Get returns the value of key ("method", "expect.status"), if the service sets it.
func (o *Options) Get(key string) (Value, bool) {
	fl, ok := o.fields[key]
	if !ok {
		return Value{}, false
	}
	return Value{l: o.l, node: fl.val, path: fl.path}, true
}

// Secret marks request values that must never be shown (header values): each, and its last
// word (the token of "Bearer <token>").
func (o *Options) Secret(values ...string) {
	for _, v := range values {
		o.secrets.AddHeader(v)
	}
}

// Value is one value in the config file, read through typed getters that report a value of the
// wrong type or out of range at its position.
type Value struct {
	l    *loader
	node *yaml.Node
	path string
}

// Path is the value's key path, such as services[3].expect.status.
func (v Value) Path() string { return v.path }

// Errorf reports a problem with the value.
func (v Value) Errorf(format string, args ...any) { v.l.errorf(v.node, v.path, format, args...) }

// String returns a scalar as text with ${VAR} expanded; want says what was expected, for the
// message when it is not a scalar.
func (v Value) String(want string) (string, bool) { return v.l.text(v.node, v.path, want) }

// Bool returns true or false.
func (v Value) Bool() (bool, bool) { return v.l.boolean(v.node, v.path) }

// Int returns a whole number in lo..hi.
func (v Value) Int(lo, hi int) (int, bool) { return v.l.integer(v.node, v.path, lo, hi) }

// Duration returns a duration that is not negative, and above zero if positive is set.
func (v Value) Duration(positive bool) (time.Duration, bool) {
	return v.l.duration(v.node, v.path, positive)
}

// Fraction returns a ratio from 0 to 1, written as one (0.66) or as a percentage (66%); want
// names it in messages.
func (v Value) Fraction(want string) (float64, bool) { return v.l.fraction(v.node, v.path, want) }

// Scalar returns a scalar as a string (with ${VAR} expanded), int, float64, bool or nil; want
// says what was expected when it is not a scalar.
func (v Value) Scalar(want string) (any, bool) {
	if v.l.alias(v.node, v.path) {
		return nil, false
	}
	if v.node.Kind != yaml.ScalarNode {
		v.Errorf("want %s, got %s", want, describe(v.node))
		return nil, false
	}
	return v.l.scalarValue(v.node, v.path)
}

// Each returns the items of a list, or v alone when it is not one; list reports which. The
// items keep v's path.
func (v Value) Each() (items []Value, list bool) {
	if v.node.Kind != yaml.SequenceNode {
		return []Value{v}, false
	}
	for _, n := range v.node.Content {
		items = append(items, Value{l: v.l, node: n, path: v.path})
	}
	return items, true
}

// Pair is one entry of a mapping: its key (as text and as a Value, to report problems with the
// key itself) and its value.
type Pair struct {
	Name  string
	Key   Value
	Value Value
}

// Pairs returns the entries of a mapping with plain, distinct keys, in file order. Nothing
// (`json:` alone) counts as an empty mapping.
func (v Value) Pairs(want string) []Pair {
	ps, _ := v.l.pairs(v.node, v.path, want)
	out := make([]Pair, len(ps))
	for i, p := range ps {
		out[i] = Pair{Name: p.name, Key: Value{l: v.l, node: p.key, path: p.path},
			Value: Value{l: v.l, node: p.val, path: p.path}}
	}
	return out
}

// Headers returns a mapping of HTTP header names to values, in file order. No message quotes a
// value, since values may be secrets.
func (v Value) Headers() []Header { return v.l.headers(field{val: v.node, path: v.path}) }

// Closest returns the candidate nearest to s (ignoring case) if it is near enough to be a typo,
// else "": for messages that suggest the value meant.
func Closest(s string, candidates []string) string { return closest(s, candidates) }

// Quote writes config text for a message: quoted, escaped, and cut short.
func Quote(s string) string { return quote(s) }
