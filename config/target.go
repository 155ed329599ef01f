package config

import (
	"errors"
	"net"
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
		return "", "unknown scheme " + quote(head) + "; supported: " + ks.supported
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return scheme, "invalid URL: " + oneLine(err.Error())
	}
	switch scheme {
	case "dns":
		_, err = dnsTarget(u)
	case "http", "https", "ws", "wss":
		err = checkWeb(u)
	default:
		err = checkHost(u, scheme)
	}
	if err != nil {
		return scheme, err.Error()
	}
	return scheme, ""
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

// checkWeb checks an http(s) or ws(s) URL: it needs a host; the port, if any, must be valid.
func checkWeb(u *url.URL) error {
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return errors.New("missing host: write " + u.Scheme + "://host/path")
	}
	if u.Port() == "" {
		if strings.HasSuffix(u.Host, ":") {
			return errors.New("empty port after " + quote(u.Host))
		}
		return nil
	}
	return checkPort(u.Port())
}

// checkHost checks the host-only schemes: tcp and tls (host:port), grpc and grpcs
// (host:port[/service]) and icmp (host, nothing else).
func checkHost(u *url.URL, scheme string) error {
	form := scheme + "://host:port"
	switch scheme {
	case "icmp":
		form = "icmp://host"
	case "grpc", "grpcs":
		form = scheme + "://host:port[/service]"
	}
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
	if scheme == "icmp" {
		if u.Port() != "" || strings.HasSuffix(u.Host, ":") {
			return bad("icmp has no port")
		}
	} else if u.Port() == "" {
		return bad("missing port")
	} else if err := checkPort(u.Port()); err != nil {
		return err
	}
	path := strings.TrimPrefix(u.Path, "/")
	if scheme == "grpc" || scheme == "grpcs" {
		if strings.Contains(path, "/") {
			return bad("the path is one gRPC service name")
		}
		return nil
	}
	if path != "" {
		return bad("a path is not used")
	}
	return nil
}

func checkPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return errors.New("port " + quote(p) + " is not from 1 to 65535")
	}
	return nil
}

// DNSTarget is a dns: service URL taken apart (RFC 4501).
type DNSTarget struct {
	// Server is host:port of the DNS server to ask (port 53 unless given); "" means the system
	// resolver.
	Server string
	// Name is the name to look up, as written (no trailing dot is added).
	Name string
	// Type is the query type in upper case: A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, CAA or PTR.
	Type string
}

// ParseDNS takes apart a dns: URL: dns:name?type=T, dns:///name, dns://server[:port]/name.
// Query keys and values are case-insensitive and may be separated by ; (as RFC 4501 writes
// them) or &; the keys are type (default A) and class (IN only).
func ParseDNS(raw string) (DNSTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return DNSTarget{}, err
	}
	if !strings.EqualFold(u.Scheme, "dns") {
		return DNSTarget{}, errors.New("not a dns: URL")
	}
	return dnsTarget(u)
}

func dnsTarget(u *url.URL) (DNSTarget, error) {
	const form = "dns:name?type=A or dns://server/name?type=A"
	t := DNSTarget{Type: "A"}
	name := u.Opaque
	if name == "" {
		name = strings.TrimPrefix(u.EscapedPath(), "/")
		if u.Host != "" {
			host, port := u.Hostname(), u.Port()
			if host == "" {
				return t, errors.New("missing server host: write " + form)
			}
			if port == "" {
				port = "53"
			} else if err := checkPort(port); err != nil {
				return t, err
			}
			t.Server = net.JoinHostPort(host, port)
		}
	}
	name, err := url.PathUnescape(name)
	if err != nil {
		return t, errors.New("invalid name: " + err.Error())
	}
	if name == "" {
		return t, errors.New("missing the name to look up: write " + form)
	}
	if msg := dnsNameProblem(name); msg != "" {
		return t, errors.New(msg)
	}
	t.Name = name
	if u.User != nil || u.Fragment != "" {
		return t, errors.New("user info and fragments are not used: write " + form)
	}
	seen := map[string]bool{}
	for _, part := range strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == ';' || r == '&' }) {
		k, v, _ := strings.Cut(part, "=")
		k, v = strings.ToLower(k), strings.ToUpper(v)
		if seen[k] {
			return t, errors.New("query key " + quote(k) + " given twice")
		}
		seen[k] = true
		switch k {
		case "type":
			if !isQueryType(v) {
				return t, errors.New("unknown query type " + quote(v) + "; supported: " + queryTypes)
			}
			t.Type = v
		case "class":
			if v != "IN" {
				return t, errors.New("only class=IN is supported")
			}
		default:
			return t, errors.New("unknown query key " + quote(k) + "; supported: type, class")
		}
	}
	return t, nil
}

const queryTypes = "A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, CAA, PTR"

func isQueryType(t string) bool {
	switch t {
	case "A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "CAA", "PTR":
		return true
	}
	return false
}

// dnsNameProblem checks the shape of a domain name: labels of 1 to 63 characters, at most 253
// in all, no spaces or control characters. "." alone is the root.
func dnsNameProblem(name string) string {
	if name == "." {
		return ""
	}
	trimmed := strings.TrimSuffix(name, ".")
	if len(trimmed) > 253 {
		return "name is longer than 253 characters"
	}
	for _, label := range strings.Split(trimmed, ".") {
		if label == "" || len(label) > 63 {
			return "name " + quote(name) + " has an empty label or one longer than 63 characters"
		}
		for _, c := range label {
			if c <= ' ' || c == 0x7f || c == '/' {
				return "name " + quote(name) + " has a space, slash or control character"
			}
		}
	}
	return ""
}
