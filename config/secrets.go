package config

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
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

// shortSecret says why a ${VAR} value cannot be used, or "": every such value is masked as a
// secret wherever it appears, and a value of one to three characters cannot be masked without
// blotting out ordinary text (or be masked safely at all). An empty value shows nothing.
func shortSecret(name, v string) string {
	if n := utf8.RuneCountInString(v); n > 0 && n < text.MinSecret {
		return "environment variable " + name + " is too short to hide (" + strconv.Itoa(n) +
			" characters): every ${VAR} value is masked as a secret and needs at least " +
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

// hideAll makes every message in err safe to print (see hide), masking values.
func hideAll(err error, values []string) error {
	var s text.Secrets
	s.Add(values...)
	for _, e := range Errors(err) {
		e.Msg = hide(e.Msg, &s, values)
		e.Path = text.Escape(e.Path)
		e.File = text.Escape(e.File)
	}
	return err
}

// secrets gives each service the secrets that no output may show: every ${VAR} value in the
// file, its URL's password (and the Basic authorization it becomes), and its header values.
// cfg.Secrets holds all of them.
func secrets(cfg *Config, values []string) {
	env := &text.Secrets{}
	env.Add(values...)
	all := &text.Secrets{}
	all.Merge(env)
	for i := range cfg.Services {
		s := &cfg.Services[i]
		sec := &text.Secrets{}
		sec.Merge(env)
		if u, err := url.Parse(s.URL); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				sec.AddUserinfo(u.User.Username(), pw)
			}
		}
		for _, h := range s.Headers {
			sec.AddHeader(h.Value)
		}
		s.Secrets = sec
		all.Merge(sec)
	}
	cfg.Secrets = all
}

// hide makes a message safe to print: every secret masked, as written and as quote escapes it,
// a secret's start cut short by quote masked too, and control characters escaped.
func hide(msg string, s *text.Secrets, values []string) string {
	msg = s.Mask(msg)
	for _, v := range values {
		q := strconv.Quote(v)
		if q = q[1 : len(q)-1]; q != v {
			msg = strings.ReplaceAll(msg, q, text.Mask)
		}
	}
	msg = hideCut(msg, values)
	return text.Escape(msg)
}

// hideCut masks the end of each text that quote cut short ("…\"") where it is the start of a
// secret, since the whole secret is no longer there to be found.
func hideCut(msg string, values []string) string {
	const cut = "…\""
	var b strings.Builder
	for {
		i := strings.Index(msg, cut)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		head := msg[:i]
		for _, v := range values {
			q := strconv.Quote(v)
			q = q[1 : len(q)-1]
			if n := longestPrefixSuffix(head, q); n > 0 {
				head = head[:len(head)-n] + text.Mask
				break
			}
		}
		b.WriteString(head + cut)
		msg = msg[i+len(cut):]
	}
}

// longestPrefixSuffix returns the length of the longest proper prefix of v that head ends
// with, whole runes only, or 0.
func longestPrefixSuffix(head, v string) int {
	for n := len(v) - 1; n > 0; n-- {
		if utf8.RuneStart(v[n]) && strings.HasSuffix(head, v[:n]) {
			return n
		}
	}
	return 0
}
