package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"
)

// loader walks the YAML tree by hand, so that every message says exactly where and what, and
// collects the errors instead of stopping at the first.
type loader struct {
	file   string
	dir    string // the config file's directory, for relative paths
	getenv func(string) (string, bool)
	kinds  *kindSet
	errs   []*Error
	// env holds every value that ${VAR} expanded to: secrets, masked in every message.
	env []string
	// shown holds the values ${VAR} expanded to in labels (names, groups, the location),
	// which are not secrets unless env has them too.
	shown []string
	// serviceNames, groupNames and alertNames hold every name written, usable or not (as
	// written and expanded), so that a reference to one that failed to load is not reported
	// a second time.
	serviceNames, groupNames, alertNames map[string]bool
	// suggested counts the "did you mean" suggestions made for unknown names.
	suggested int
}

func (l *loader) errorf(n *yaml.Node, path, format string, args ...any) {
	e := &Error{File: l.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	l.errs = append(l.errs, e)
}

// field is one key of a mapping with its value.
type field struct {
	key, val *yaml.Node
	name     string
	path     string
}

// join appends a key to a key path. A key that is not a plain word (a JSON path with dots, a
// header name with a space, an empty key) is quoted in brackets: json["data.status"].
func join(path, key string) string {
	plain := key != "" && !strings.ContainsFunc(key, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-'
	})
	switch {
	case !plain:
		return path + "[" + quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

// index appends a list index to a key path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// alias reports (once, as an error) whether n is an alias. Aliases are refused rather than
// resolved: the config never needs them, and refusing them rules out alias bombs.
func (l *loader) alias(n *yaml.Node, path string) bool {
	if n.Kind != yaml.AliasNode {
		return false
	}
	l.errorf(n, path, "aliases (*%s) are not supported; write the value out", n.Value)
	return true
}

// pairs checks that n is a mapping with plain, distinct keys and returns its entries in file
// order. A null node counts as an empty mapping, so `expect:` with nothing under it is fine.
func (l *loader) pairs(n *yaml.Node, path, want string) ([]field, bool) {
	if l.alias(n, path) {
		return nil, false
	}
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, path, "want %s, got %s", want, describe(n))
		return nil, false
	}
	out := make([]field, 0, len(n.Content)/2)
	first := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if l.alias(k, path) {
			continue
		}
		if k.Kind != yaml.ScalarNode || isNull(k) {
			l.errorf(k, path, "keys must be plain text, got %s", describe(k))
			continue
		}
		p := join(path, k.Value)
		if prev, dup := first[k.Value]; dup {
			l.errorf(k, p, "duplicate key (first at line %d:%d)", prev.Line, prev.Column)
			continue
		}
		first[k.Value] = k
		out = append(out, field{key: k, val: v, name: k.Value, path: p})
	}
	return out, true
}

// fields is pairs for a mapping of fixed keys: an unknown key is an error that suggests the
// key meant, from known or from hint (which knows keys that belong elsewhere).
func (l *loader) fields(n *yaml.Node, path, want string, known []string, hint func(string) string) (map[string]field, bool) {
	ps, ok := l.pairs(n, path, want)
	out := make(map[string]field, len(ps))
	for _, f := range ps {
		if !slices.Contains(known, f.name) {
			l.errorf(f.key, f.path, "%s", unknownKey(f.name, known, hint))
			continue
		}
		out[f.name] = f
	}
	return out, ok
}

// scalar reports whether n is a usable scalar, saying what was wanted if not.
func (l *loader) scalar(n *yaml.Node, path, want string) bool {
	if l.alias(n, path) {
		return false
	}
	if n.Kind != yaml.ScalarNode || isNull(n) {
		l.errorf(n, path, "want %s, got %s", want, describe(n))
		return false
	}
	if tag := n.ShortTag(); !strings.HasPrefix(tag, "!!") {
		l.errorf(n, path, "unsupported tag %s", tag)
		return false
	}
	return true
}

// text returns a scalar as text, with ${VAR} expanded. A number or true/false counts as its
// text, so `name: 404` names the service "404". Every value a ${VAR} brings is a secret.
func (l *loader) text(n *yaml.Node, path, want string) (string, bool) {
	return l.expanded(n, path, want, true)
}

// plain is text for a label that identifies something (a name, a group, the location): the
// values its ${VAR}s bring are shown as they are, since a label that reads ••• labels nothing.
// A value that some other key uses as well is still masked everywhere, that label included.
func (l *loader) plain(n *yaml.Node, path, want string) (string, bool) {
	return l.expanded(n, path, want, false)
}

func (l *loader) expanded(n *yaml.Node, path, want string, secret bool) (string, bool) {
	if !l.scalar(n, path, want) {
		return "", false
	}
	short := false
	s, problems := expand(n.Value, func(name string) (string, bool) {
		v, ok := l.getenv(name)
		switch {
		case ok && secret:
			if msg := shortSecret(name, v); msg != "" {
				l.errorf(n, path, "%s", msg)
				short = true
			}
			l.env = append(l.env, v)
		case ok:
			l.shown = append(l.shown, v)
		}
		return v, ok
	})
	for _, p := range problems {
		l.errorf(n, path, "%s", p)
	}
	return s, len(problems) == 0 && !short
}

// integer returns a whole number in lo..hi.
func (l *loader) integer(n *yaml.Node, path string, lo, hi int) (int, bool) {
	const want = "a whole number"
	if !l.scalar(n, path, want) {
		return 0, false
	}
	var v int
	if n.ShortTag() != "!!int" {
		l.errorf(n, path, "want %s, got %s%s", want, describe(n), unquote(n, "!!int"))
		return 0, false
	}
	if err := n.Decode(&v); err != nil || v < lo || v > hi {
		if hi == math.MaxInt {
			l.errorf(n, path, "must be at least %d, got %s", lo, n.Value)
		} else {
			l.errorf(n, path, "must be from %d to %d, got %s", lo, hi, n.Value)
		}
		return 0, false
	}
	return v, true
}

// boolean returns true or false; YAML 1.1 spellings such as yes and on are refused.
func (l *loader) boolean(n *yaml.Node, path string) (bool, bool) {
	const want = "true or false"
	if !l.scalar(n, path, want) {
		return false, false
	}
	var v bool
	if n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		fix := unquote(n, "!!bool")
		if fix == "" && n.Kind == yaml.ScalarNode {
			// YAML 1.1's spellings, which YAML 1.2 (and uptty) read as text.
			switch strings.ToLower(n.Value) {
			case "yes", "y", "on":
				fix = ": write true"
			case "no", "n", "off":
				fix = ": write false"
			}
		}
		l.errorf(n, path, "want %s, got %s%s", want, describe(n), fix)
		return false, false
	}
	return v, true
}

// unquote says to write n without its quotes when, so written, it would be of YAML type tag:
// "want true or false, got the text "true"" read as a contradiction.
func unquote(n *yaml.Node, tag string) string {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
		return ""
	}
	plain := yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}
	if plain.ShortTag() != tag {
		return ""
	}
	return " in quotes: write " + n.Value + ", without them"
}

// duration returns a duration that is not negative, and above zero if positive is set.
func (l *loader) duration(n *yaml.Node, path string, positive bool) (time.Duration, bool) {
	s, ok := l.text(n, path, "a duration such as 30s")
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s)
	switch {
	case err != nil:
		l.errorf(n, path, "%v", err)
		return 0, false
	case d < 0 && positive:
		l.errorf(n, path, "must not be negative, got %s: write a duration such as %s", s, durationExample(path))
		return 0, false
	case d < 0:
		l.errorf(n, path, "must not be negative, got %s: write 0s or a duration such as %s", s, durationExample(path))
		return 0, false
	case d == 0 && positive:
		l.errorf(n, path, "must be above 0, got %s: write a duration such as %s", s, durationExample(path))
		return 0, false
	}
	return d, true
}

// durationExample is a likely value for the duration key at path, for a message that says what
// to write: "retention: write a duration such as 30s" would mislead.
func durationExample(path string) string {
	switch path[strings.LastIndexByte(path, '.')+1:] {
	case "timeout":
		return "10s"
	case "retry_interval":
		return "5s"
	case "slow":
		return "1s"
	case "cert_warn":
		return "14d"
	case "retention":
		return "90d"
	case "for":
		return "2h"
	case "repeat":
		return "30m"
	case "give_up_after":
		return "1d"
	}
	return "30s"
}

// list returns the items of a sequence.
func (l *loader) list(n *yaml.Node, path, want string) ([]*yaml.Node, bool) {
	if l.alias(n, path) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, path, "want %s, got %s", want, describe(n))
		return nil, false
	}
	return n.Content, true
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing"
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	}
	return "the text " + quote(n.Value)
}
