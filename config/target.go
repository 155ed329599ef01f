package config

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// checkURL checks a service URL for its scheme. It returns the scheme (lower case) whenever it
// is a supported one, even if the rest is wrong, so that kind-specific keys can still be
// checked, and a message saying what is wrong, or "".
func (ks *kindSet) checkURL(raw string) (scheme, problem string) {
	head, rest, found := strings.Cut(raw, ":")
	if !found || !isScheme(head) || isPort(rest) {
		// The URL is not quoted back: it may hold a secret from the environment.
		return "", "no scheme: write e.g. https://host/path or tcp://host:port"
	}
	scheme = strings.ToLower(head)
	if ks.kindOf(scheme) == nil {
		if best := closest(head, ks.schemes); best != "" {
			return "", "unknown scheme " + quote(head) + "; did you mean " + best + "?"
		}
		return "", "unknown scheme " + quote(head) + "; supported: " + ks.supported
	}
	u, problem := parseURL(raw)
	if problem != "" {
		return scheme, problem
	}
	check := ks.kindOf(scheme).CheckURL
	if check == nil {
		check = checkHostPort
	}
	if err := check(u); err != nil {
		return scheme, err.Error()
	}
	return scheme, ""
}

// hasUserinfo reports whether raw seems to have a user:password@ part: an @ after the //.
func hasUserinfo(raw string) bool {
	_, rest, ok := strings.Cut(raw, "//")
	return ok && strings.Contains(rest, "@")
}

// schemeOf returns the supported scheme that raw starts with, or "".
func (ks *kindSet) schemeOf(raw string) string {
	head, _, found := strings.Cut(raw, ":")
	if scheme := strings.ToLower(head); found && ks.kindOf(scheme) != nil {
		return scheme
	}
	return ""
}

// isScheme reports whether s has the shape of a URL scheme: a letter, then letters, digits,
// +, - and . (so "example.com/a" in "example.com/a:b" is no scheme).
func isScheme(s string) bool {
	for i, c := range s {
		letter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || !strings.ContainsRune("0123456789+-.", c)) {
			return false
		}
	}
	return s != ""
}

// isPort reports whether s is all digits, as in host:8080 written without a scheme.
func isPort(s string) bool {
	s = strings.SplitN(s, "/", 2)[0]
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CheckWebURL checks an http(s) or ws(s) URL: it needs a host; the port, if any, must be valid.
func CheckWebURL(u *url.URL) error {
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return errors.New("missing host: write " + u.Scheme + "://host/path")
	}
	if u.Port() == "" {
		if strings.HasSuffix(u.Host, ":") {
			return errors.New("empty port after " + quote(u.Host))
		}
		return nil
	}
	return CheckPort(u.Port())
}

// CheckHostURL checks the start of a URL that names a host (and a port, if port is set) and
// nothing after it but a path: no user info, query or fragment. form is how to write the URL,
// for messages ("tcp://host:port"). The caller checks the path.
func CheckHostURL(u *url.URL, form string, port bool) error {
	bad := func(what string) error { return errors.New(what + ": write " + form) }
	switch {
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return bad("missing host")
	case u.User != nil:
		return bad("user info is not used")
	case u.RawQuery != "" || u.ForceQuery:
		return bad("a query is not used")
	case u.Fragment != "":
		return bad("a fragment is not used")
	}
	if !port {
		if u.Port() != "" || strings.HasSuffix(u.Host, ":") {
			return bad(u.Scheme + " has no port")
		}
		return nil
	}
	if u.Port() == "" {
		return bad("missing port")
	}
	return CheckPort(u.Port())
}

// NoPath checks that a URL has no path beyond "/"; form is how to write the URL.
func NoPath(u *url.URL, form string) error {
	if strings.TrimPrefix(u.Path, "/") != "" {
		return errors.New("a path is not used: write " + form)
	}
	return nil
}

// checkHostPort checks the URL of a kind that says nothing of its form: scheme://host:port.
func checkHostPort(u *url.URL) error {
	form := u.Scheme + "://host:port"
	if err := CheckHostURL(u, form, true); err != nil {
		return err
	}
	return NoPath(u, form)
}

// CheckPort checks a port number as written in a URL.
func CheckPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return errors.New("port " + quote(p) + " is not from 1 to 65535")
	}
	return nil
}
