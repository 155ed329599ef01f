package config

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/text"
)

func serviceKeys() []string {
	return append([]string{"name", "group", "url", "command", "method", "headers", "body", "expect",
		"follow_redirects", "insecure", "count"}, timingKeys()...)
}

// scope returns the URL schemes that may use a kind-specific key (nil: any service) and how to
// name them in a message. Expect keys are prefixed with "expect.".
func scope(key string) ([]string, string) {
	switch key {
	case "method", "body", "follow_redirects", "expect.status", "expect.body_contains",
		"expect.body_regex", "expect.json", "expect.headers":
		return []string{"http", "https"}, "http(s)"
	case "headers":
		return []string{"http", "https", "ws", "wss"}, "http(s) and ws(s)"
	case "insecure":
		return []string{"http", "https", "tls", "ws", "wss", "grpcs"}, "http(s), tls, ws(s) and grpcs"
	case "expect.cert_warn":
		return []string{"https", "tls"}, "https and tls"
	case "expect.rcode", "expect.answer_contains":
		return []string{"dns"}, "dns"
	case "count", "expect.max_loss":
		return []string{"icmp"}, "icmp"
	}
	return nil, ""
}

// misplaced reports and drops the kind-specific keys that a service of this scheme does not
// take. An unknown scheme ("") says nothing: the url is already an error.
func (l *loader) misplaced(f map[string]field, prefix, scheme string) {
	if scheme == "" {
		return
	}
	for name, fl := range f {
		if ok, says := scope(prefix + name); ok != nil && !slices.Contains(ok, scheme) {
			l.errorf(fl.key, fl.path, "only for %s services, not %s", says, scheme)
			delete(f, name)
		}
	}
}

// serviceHint points at the right place for a key that belongs under expect.
func serviceHint(key string) string {
	if slices.Contains(expectKeys(), key) {
		return "did you mean expect." + key + "?"
	}
	return ""
}

// service reads one item of the services list. It returns the name's node when the name is
// usable, for the duplicate check.
func (l *loader) service(n *yaml.Node, path string, defs timing) (Service, *yaml.Node) {
	s := Service{Line: n.Line}
	f, ok := l.fields(n, path, "a mapping with a name and a url", serviceKeys(), serviceHint)
	if !ok {
		return s, nil
	}
	var nameNode *yaml.Node
	if fl, ok := f["name"]; ok {
		if name, ok := l.label(fl, false); ok {
			s.Name, nameNode = name, fl.val
		}
	} else {
		l.errorf(n, path, "missing name")
	}
	if fl, ok := f["group"]; ok {
		s.Group, _ = l.label(fl, true)
	}

	scheme := ""
	u, hasURL := f["url"]
	c, hasCommand := f["command"]
	if hasURL {
		s.URL, scheme = l.url(u)
		s.Kind = kindOf(scheme)
	}
	if hasCommand {
		s.Command = l.command(c)
		s.Kind, scheme = KindCommand, "command"
	}
	switch {
	case hasURL && hasCommand:
		l.errorf(c.key, c.path, "a service has a url or a command, not both")
		scheme = ""
	case !hasURL && !hasCommand:
		l.errorf(n, path, "missing url or command")
	}
	l.misplaced(f, "", scheme)
	l.options(f, &s, scheme)

	t := defs
	l.timing(f, &t, true)
	t = t.resolved()
	l.checkTiming(t, n, path)
	t.apply(&s)
	return s, nameNode
}

// options reads the kind-specific keys, over the defaults for the service's kind.
func (l *loader) options(f map[string]field, s *Service, scheme string) {
	switch s.Kind {
	case KindHTTP:
		s.Method, s.FollowRedirects = "GET", true
	case KindICMP:
		s.Count = 3
	}
	if fl, ok := f["method"]; ok {
		if m, ok := l.text(fl.val, fl.path, "an HTTP method such as GET"); ok {
			if msg := methodProblem(m); msg != "" {
				l.errorf(fl.val, fl.path, "method %s %s", quote(m), msg)
			} else {
				s.Method = m
			}
		}
	}
	if fl, ok := f["headers"]; ok {
		s.Headers = l.headers(fl)
	}
	if fl, ok := f["body"]; ok {
		s.Body, _ = l.text(fl.val, fl.path, "the request body as text")
	}
	if fl, ok := f["follow_redirects"]; ok {
		if b, ok := l.boolean(fl.val, fl.path); ok {
			s.FollowRedirects = b
		}
	}
	if fl, ok := f["insecure"]; ok {
		s.Insecure, _ = l.boolean(fl.val, fl.path)
	}
	if fl, ok := f["count"]; ok {
		if n, ok := l.integer(fl.val, fl.path, 1, 100); ok {
			s.Count = n
		}
	}
	var e *field
	if fl, ok := f["expect"]; ok {
		e = &fl
	}
	s.Expect = l.expect(e, scheme)
}

// label reads a name or group: any Unicode text a terminal can show on one line.
func (l *loader) label(fl field, mayBeEmpty bool) (string, bool) {
	s, ok := l.text(fl.val, fl.path, "text")
	if !ok || (s == "" && mayBeEmpty) {
		return s, ok
	}
	if msg := labelProblem(s); msg != "" {
		l.errorf(fl.val, fl.path, "%s", msg)
		return "", false
	}
	// Cleaned once here, so that every output can show names as they are.
	return text.CleanText(s, 0), true
}

func labelProblem(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "is blank"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.TrimSpace(s) != s:
		return "has spaces at the start or end"
	}
	for _, r := range s {
		// Bidirectional overrides would let a name rearrange the rest of its row; other
		// invisible marks make two names that look alike differ.
		switch {
		case unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return fmt.Sprintf("has the control character %U", r)
		case text.Escape(string(r)) != string(r):
			return fmt.Sprintf("has the invisible character %U", r)
		}
	}
	return ""
}

// url reads a service URL and returns it with its scheme (see checkURL).
func (l *loader) url(fl field) (string, string) {
	raw, ok := l.text(fl.val, fl.path, "a URL such as https://example.com/health")
	if !ok {
		// The scheme as written still says which kind-specific keys are allowed.
		if fl.val.Kind == yaml.ScalarNode {
			return "", schemeOf(fl.val.Value)
		}
		return "", ""
	}
	scheme, problem := checkURL(raw)
	if problem != "" {
		l.errorf(fl.val, fl.path, "%s", problem)
	}
	return raw, scheme
}

// command reads a program and its arguments. It must be a list: a string would need a shell
// to split it, and commands run without one.
func (l *loader) command(fl field) []string {
	if fl.val.Kind == yaml.ScalarNode && !isNull(fl.val) {
		l.errorf(fl.val, fl.path, "must be a list, e.g. [pg_isready, -h, db.example.com]: it runs without a shell")
		return nil
	}
	items, ok := l.list(fl.val, fl.path, "a list: [program, arguments...]")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		l.errorf(fl.val, fl.path, "empty list: the first item is the program to run")
		return nil
	}
	args := make([]string, 0, len(items))
	for i, it := range items {
		p := index(fl.path, i)
		a, ok := l.text(it, p, "text")
		switch {
		case !ok:
		case i == 0 && strings.TrimSpace(a) == "":
			l.errorf(it, p, "the program name is empty")
		case strings.ContainsRune(a, 0):
			l.errorf(it, p, "contains a NUL character")
		}
		args = append(args, a)
	}
	return args
}

// headers reads a mapping of HTTP header names to values, in file order. Values may be
// secrets, so no message quotes one.
func (l *loader) headers(fl field) []Header {
	ps, _ := l.pairs(fl.val, fl.path, "a mapping of header names to values")
	out := make([]Header, 0, len(ps))
	seen := make(map[string]*yaml.Node, len(ps))
	for _, p := range ps {
		if !isToken(p.name) {
			l.errorf(p.key, p.path, "%s is not a valid header name", quote(p.name))
			continue
		}
		low := strings.ToLower(p.name)
		if prev, dup := seen[low]; dup {
			l.errorf(p.key, p.path, "duplicate header (first at line %d:%d; names ignore case)", prev.Line, prev.Column)
			continue
		}
		seen[low] = p.key
		v, ok := l.text(p.val, p.path, "the header's text")
		if !ok {
			continue
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r != '\t' && (r < ' ' || r == 0x7f) }) {
			l.errorf(p.val, p.path, "the value has a line break or control character")
			continue
		}
		out = append(out, Header{Name: p.name, Value: v})
	}
	return out
}

// methodProblem checks an HTTP method: an HTTP token, written in upper case.
func methodProblem(m string) string {
	switch {
	case !isToken(m):
		return "is not an HTTP method"
	case strings.ToUpper(m) != m:
		return "must be upper case: " + strings.ToUpper(m)
	}
	return ""
}

// isToken reports whether s is an HTTP token (RFC 9110), as header names and methods are.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		alnum := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
