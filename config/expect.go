package config

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// expectHint points at the right place for a service key written under expect.
func (l *loader) expectHint(key string) string {
	if slices.Contains(l.kinds.serviceKeys, key) {
		return key + " goes directly under the service, not under expect"
	}
	return ""
}

// expect reads a service's expect section into f as "expect.x" fields, dropping the keys its
// scheme does not take.
func (l *loader) expect(fl field, scheme string, f map[string]field) {
	ef, _ := l.fields(fl.val, fl.path, "a mapping", l.kinds.expectKeys, l.expectHint)
	l.misplaced(ef, "expect.", scheme)
	for name, e := range ef {
		f["expect."+name] = e
	}
}

// scalarValue returns a scalar as a string (with ${VAR} expanded), int, float64, bool or nil.
// Other YAML types, such as timestamps, count as their text.
func (l *loader) scalarValue(n *yaml.Node, path string) (any, bool) {
	switch n.ShortTag() {
	case "!!null":
		return nil, true
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b, true
		}
	case "!!int":
		var i int
		if n.Decode(&i) == nil {
			return i, true
		}
		var f float64
		if n.Decode(&f) == nil {
			return f, true
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f, true
		}
	}
	return l.text(n, path, "a value")
}

// fraction reads a ratio: 0.66, or a percentage such as 66%.
func (l *loader) fraction(n *yaml.Node, path, want string) (float64, bool) {
	if !l.scalar(n, path, want) {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		var v float64
		if n.Decode(&v) != nil || math.IsNaN(v) || v < 0 || v > 1 {
			if v > 1 && v <= 100 {
				l.errorf(n, path, "%s is above 1: write %s%% for a percentage", n.Value, n.Value)
			} else {
				l.errorf(n, path, "must be from 0 to 1, or 0%% to 100%%, got %s", n.Value)
			}
			return 0, false
		}
		return v, true
	case "!!str":
		s, ok := l.text(n, path, want)
		if !ok {
			return 0, false
		}
		num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if !pct || err != nil || math.IsNaN(v) || v < 0 || v > 100 {
			l.errorf(n, path, "want %s, got %s", want, quote(s))
			return 0, false
		}
		return v / 100, true
	}
	l.errorf(n, path, "want %s, got %s", want, describe(n))
	return 0, false
}
