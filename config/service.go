package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/text"
)

// misplaced reports and drops the kind-specific keys that a service of this scheme does not
// take. An unknown scheme ("") says nothing: the url is already an error.
func (l *loader) misplaced(f map[string]field, prefix, scheme string) {
	if scheme == "" {
		return
	}
	k := l.kinds.kindOf(scheme)
	if scheme == commandScheme {
		k = l.kinds.command
	}
	for name, fl := range f {
		says := l.kinds.scopes[prefix+name]
		if says != "" && (k == nil || !k.takes(prefix+name, scheme)) {
			l.errorf(fl.key, fl.path, "only for %s services, not %s", says, scheme)
			delete(f, name)
		}
	}
}

// serviceHint points at the right place for a key that belongs under expect.
func (l *loader) serviceHint(key string) string {
	if slices.Contains(l.kinds.expectKeys, key) {
		return "did you mean expect." + key + "?"
	}
	return ""
}

// misspelt reports whether an unknown key of the item at path was answered "did you mean
// key?": then the key is there, misspelt (Name, URL), and "missing key" would only repeat it.
func (l *loader) misspelt(path, key string) bool {
	for _, e := range l.errs {
		own := strings.HasPrefix(e.Path, path+".") && !strings.ContainsAny(e.Path[len(path)+1:], ".[")
		if own && strings.HasSuffix(e.Msg, "did you mean "+key+"?") {
			return true
		}
	}
	return false
}

// service reads one item of the services list. It returns the name's node when the name is
// usable, for the duplicate check, and the names the service points at.
func (l *loader) service(n *yaml.Node, path string, defs timing) (Service, *yaml.Node, serviceRefs) {
	s := Service{Line: n.Line, Secrets: &text.Secrets{}}
	var refs serviceRefs
	f, ok := l.fields(n, path, "a mapping with a name and a url", l.kinds.serviceKeys, l.serviceHint)
	if !ok {
		return s, nil, refs
	}
	var nameNode *yaml.Node
	if fl, ok := f["name"]; ok {
		l.serviceNames[fl.val.Value] = true
		if name, ok := l.label(fl, false); ok && (name == "." || name == "..") {
			// /api/v1/services/../pause would be cleaned to another path on its way, by
			// HTTP clients and servers alike: the service could never be paused or silenced
			// from attach or the API.
			l.errorf(fl.val, fl.path, "%s cannot be a service name: it is a path segment in the API's and attach's URLs (/api/v1/services/NAME/pause)", quote(name))
		} else if ok {
			s.Name, nameNode = name, fl.val
			l.serviceNames[name] = true
		}
	} else if !l.misspelt(path, "name") {
		l.errorf(n, path, "missing name")
	}
	if fl, ok := f["group"]; ok {
		l.groupNames[fl.val.Value] = true
		s.Group, _ = l.label(fl, true)
		l.groupNames[s.Group] = true
	}
	if fl, ok := f["depends_on"]; ok {
		refs.dependsOn = &fl
		refs.deps = l.names(fl, "a list of service names")
		s.DependsOn = refNames(refs.deps)
	}
	if fl, ok := f["alerts"]; ok {
		if isNull(fl.val) {
			// Nothing and [] would differ from no key (every alert) in a way easy to miss.
			l.errorf(fl.val, fl.path, "empty: write [] to send no alert, or leave alerts out to send to every alert")
		} else {
			refs.alerts = l.names(fl, "a list of alert names")
			s.Alerts = refNames(refs.alerts)
		}
	}

	scheme := ""
	var kind *KindSpec
	u, hasURL := f["url"]
	c, hasCommand := f["command"]
	if hasURL {
		s.URL, scheme = l.url(u)
		if kind = l.kinds.kindOf(scheme); kind != nil {
			s.Kind = kind.Kind
		}
		urlSecrets(s.Secrets, s.URL)
	}
	if hasCommand {
		s.Command = l.command(c)
		scheme, kind = commandScheme, l.kinds.command
		if kind == nil {
			l.errorf(c.key, c.path, "no probe kind runs commands")
			scheme = ""
		} else {
			s.Kind = kind.Kind
		}
	}
	switch {
	case hasURL && hasCommand:
		l.errorf(c.key, c.path, "a service has a url or a command, not both")
		scheme, kind = "", nil
	case !hasURL && !hasCommand && !l.misspelt(path, "url") && !l.misspelt(path, "command"):
		l.errorf(n, path, "missing url or command")
	}
	l.misplaced(f, "", scheme)
	l.options(f, &s, kind, scheme)

	t := defs
	l.timing(f, &t, true)
	t = t.resolved()
	l.checkTiming(t, n, path)
	t.apply(&s)
	return s, nameNode, refs
}

// commandScheme stands for the scheme of command services in messages ("not command").
const commandScheme = "command"

// options hands the kind-specific keys to the kind's Parse. When the kind cannot be told (the
// url is unusable, or both url and command are set), every kind reads the keys it takes, so
// that their problems are reported all the same; a problem two kinds find is reported once.
func (l *loader) options(f map[string]field, s *Service, kind *KindSpec, scheme string) {
	kf := make(map[string]field, len(f))
	if fl, ok := f["expect"]; ok {
		l.expect(fl, scheme, kf)
	}
	for name, fl := range f {
		if l.kinds.scopes[name] != "" {
			kf[name] = fl
		}
	}
	if kind != nil {
		o := &Options{l: l, fields: kf, Scheme: scheme, URL: s.URL, secrets: s.Secrets}
		s.Options = kind.Parse(o)
		if b, ok := s.Options.(Briefer); ok {
			s.Brief = b.Brief().safe(s.Secrets)
		}
		return
	}
	for i := range l.kinds.specs {
		k := &l.kinds.specs[i]
		own := make(map[string]field, len(kf))
		for name, fl := range kf {
			if slices.ContainsFunc(k.Keys, func(key Key) bool { return key.Name == name }) {
				own[name] = fl
			}
		}
		k.Parse(&Options{l: l, fields: own, URL: s.URL, secrets: &text.Secrets{}})
	}
}

// urlSecrets keeps a URL's password and query values (?token=${TOKEN}) secret: a server may
// echo them back, and a message may quote them.
func urlSecrets(s *text.Secrets, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if p, ok := u.User.Password(); ok {
		s.AddUserinfo(u.User.Username(), p)
	}
	for _, values := range u.Query() {
		s.Add(values...)
	}
}

// label reads a name, a group or the location: any Unicode text a terminal can show on one
// line. Its ${VAR}s are not secrets (see plain).
func (l *loader) label(fl field, mayBeEmpty bool) (string, bool) {
	s, ok := l.plain(fl.val, fl.path, "text")
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
			return "", l.kinds.schemeOf(fl.val.Value)
		}
		return "", ""
	}
	scheme, problem := l.kinds.checkURL(raw)
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
