package config

import (
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/uptty/uptty/text"
)

// DisplayURL is the service's URL as every output shows it: no userinfo, query values and
// secrets masked (see text.DisplayURL). It is "" for command services.
func (s Service) DisplayURL() string {
	if s.URL == "" {
		return ""
	}
	return text.DisplayURL(s.URL, s.Secrets)
}

// shortSecret says why a ${VAR} value cannot be used, or "": every such value but a label's is
// masked as a secret wherever it appears, and a value of one to three characters cannot be masked without
// blotting out ordinary text (or be masked safely at all). An empty value shows nothing.
func shortSecret(name, v string) string {
	if n := utf8.RuneCountInString(v); n > 0 && n < text.MinSecret {
		return "environment variable " + name + " is too short to hide (" + strconv.Itoa(n) +
			" characters): a ${VAR} value outside a name, group or location is masked as a secret and needs at least " +
			strconv.Itoa(text.MinSecret) + "; write short values in the file itself"
	}
	return ""
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// referenced adds the value of every ${NAME} written anywhere in data, comments and errors
// included, so that a message never shows one, even one from a part of the file that failed
// to load.
func referenced(data []byte, getenv func(string) (string, bool)) []string {
	var out []string
	for _, m := range varRef.FindAllSubmatch(data, -1) {
		if v, ok := getenv(string(m[1])); ok {
			out = append(out, v)
		}
	}
	return out
}

// hideAll makes every message in err safe to print: every value masked, as written and as a
// quoted message escapes it, a value's start cut short by quote masked too (text.Secrets does
// that), and control characters escaped.
func hideAll(err error, values []string) error {
	var s text.Secrets
	for _, v := range values {
		s.Add(v)
		if q := strconv.Quote(v); q[1:len(q)-1] != v {
			s.Add(q[1 : len(q)-1])
		}
	}
	for _, e := range Errors(err) {
		e.Msg = text.Escape(s.Mask(e.Msg))
		e.Path = text.Escape(e.Path)
		e.File = text.Escape(e.File)
	}
	return err
}

// secrets adds every ${VAR} value in the file to each service's and each alert's secrets (which
// already hold their URL's password and query values and their header values, read with them);
// cfg.Secrets holds all of them.
func secrets(cfg *Config, values []string) {
	env := &text.Secrets{}
	env.Add(values...)
	all := &text.Secrets{}
	all.Merge(env)
	for i := range cfg.Services {
		s := &cfg.Services[i]
		if s.Secrets == nil {
			s.Secrets = &text.Secrets{}
		}
		s.Secrets.Merge(env)
		all.Merge(s.Secrets)
	}
	for i := range cfg.Alerts {
		a := &cfg.Alerts[i]
		if a.Secrets == nil {
			a.Secrets = &text.Secrets{}
		}
		a.Secrets.Merge(env)
		all.Merge(a.Secrets)
	}
	cfg.Secrets = all
}
