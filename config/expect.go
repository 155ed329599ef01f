package config

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

const defaultCertWarn = 14 * day

func expectKeys() []string {
	return []string{"status", "body_contains", "body_regex", "json", "headers", "cert_warn",
		"rcode", "answer_contains", "max_loss"}
}

// expectHint points at the right place for a service key written under expect.
func expectHint(key string) string {
	if slices.Contains(serviceKeys(), key) {
		return key + " goes directly under the service, not under expect"
	}
	return ""
}

// expect reads a service's expect section (fl may be nil) over the defaults for its scheme.
func (l *loader) expect(fl *field, scheme string) Expect {
	var e Expect
	switch scheme {
	case "https", "tls":
		e.CertWarn = defaultCertWarn
	case "dns":
		e.Rcode = "NOERROR"
	case "icmp":
		e.MaxLoss = 0.66
	}
	if fl == nil {
		return e
	}
	f, _ := l.fields(fl.val, fl.path, "a mapping", expectKeys(), expectHint)
	l.misplaced(f, "expect.", scheme)
	if fl, ok := f["status"]; ok {
		e.Status = l.status(fl)
	}
	if fl, ok := f["body_contains"]; ok {
		e.BodyContains, _ = l.text(fl.val, fl.path, "text")
	}
	if fl, ok := f["body_regex"]; ok {
		if re, ok := l.text(fl.val, fl.path, "a regular expression"); ok {
			if _, err := regexp.Compile(re); err != nil {
				l.errorf(fl.val, fl.path, "%s", oneLine(err.Error()))
			} else {
				e.BodyRegex = re
			}
		}
	}
	if fl, ok := f["json"]; ok {
		e.JSON = l.jsonExpects(fl)
	}
	if fl, ok := f["headers"]; ok {
		e.Headers = l.headers(fl)
	}
	if fl, ok := f["cert_warn"]; ok {
		if d, ok := l.duration(fl.val, fl.path, false); ok {
			e.CertWarn = d
		}
	}
	if fl, ok := f["rcode"]; ok {
		e.Rcode = l.rcode(fl)
	}
	if fl, ok := f["answer_contains"]; ok {
		e.AnswerContains, _ = l.text(fl.val, fl.path, "text")
	}
	if fl, ok := f["max_loss"]; ok {
		if v, ok := l.maxLoss(fl); ok {
			e.MaxLoss = v
		}
	}
	return e
}

// status reads one HTTP status or a list of them.
func (l *loader) status(fl field) []int {
	nodes := []*yaml.Node{fl.val}
	if fl.val.Kind == yaml.SequenceNode {
		nodes = fl.val.Content
		if len(nodes) == 0 {
			l.errorf(fl.val, fl.path, "empty list; leave status out to accept any 200-399")
			return nil
		}
	}
	var out []int
	for _, n := range nodes {
		code, ok := l.integer(n, fl.path, math.MinInt, math.MaxInt)
		if !ok {
			continue
		}
		if code < 100 || code > 599 {
			l.errorf(n, fl.path, "%d is not an HTTP status (100-599)", code)
			continue
		}
		out = append(out, code)
	}
	return out
}

// jsonExpects reads `json: {data.status: UP, items.0.ok: true}`, keeping each value's YAML type.
func (l *loader) jsonExpects(fl field) []JSONExpect {
	ps, _ := l.pairs(fl.val, fl.path, "a mapping of dotted paths to values")
	out := make([]JSONExpect, 0, len(ps))
	for _, p := range ps {
		if slices.Contains(strings.Split(p.name, "."), "") {
			l.errorf(p.key, p.path, "a dotted path such as data.status has no empty parts")
			continue
		}
		if l.alias(p.val, p.path) {
			continue
		}
		if p.val.Kind != yaml.ScalarNode {
			l.errorf(p.val, p.path, "want one value (text, number, true, false or null), got %s", describe(p.val))
			continue
		}
		want, ok := l.scalarValue(p.val, p.path)
		if ok {
			out = append(out, JSONExpect{Path: p.name, Want: want})
		}
	}
	return out
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

// rcodes are the DNS response codes a reply header can carry.
func rcodes() []string {
	return []string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"}
}

func (l *loader) rcode(fl field) string {
	s, ok := l.text(fl.val, fl.path, "a DNS response code such as NOERROR")
	if !ok {
		return ""
	}
	up := strings.ToUpper(s)
	if !slices.Contains(rcodes(), up) {
		msg := "unknown response code " + quote(s)
		if best := closest(up, rcodes()); best != "" {
			msg += "; did you mean " + best + "?"
		} else {
			msg += "; known: " + strings.Join(rcodes(), ", ")
		}
		l.errorf(fl.val, fl.path, "%s", msg)
		return ""
	}
	return up
}

// maxLoss reads a loss ratio: 0.66, or a percentage such as 66%.
func (l *loader) maxLoss(fl field) (float64, bool) {
	const want = "a loss such as 66% or 0.66"
	n := fl.val
	if !l.scalar(n, fl.path, want) {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		var v float64
		if n.Decode(&v) != nil || math.IsNaN(v) || v < 0 || v > 1 {
			if v > 1 && v <= 100 {
				l.errorf(n, fl.path, "%s is above 1: write %s%% for a percentage", n.Value, n.Value)
			} else {
				l.errorf(n, fl.path, "must be from 0 to 1, or 0%% to 100%%, got %s", n.Value)
			}
			return 0, false
		}
		return v, true
	case "!!str":
		s, ok := l.text(n, fl.path, want)
		if !ok {
			return 0, false
		}
		num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if !pct || err != nil || math.IsNaN(v) || v < 0 || v > 100 {
			l.errorf(n, fl.path, "want %s, got %s", want, quote(s))
			return 0, false
		}
		return v / 100, true
	}
	l.errorf(n, fl.path, "want %s, got %s", want, describe(n))
	return 0, false
}
