package importer

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// endpoint converts one Gatus endpoint; nil when it is too malformed to say anything about.
func (g *gatus) endpoint(n *yaml.Node, i int) *service {
	where := fmt.Sprintf("endpoints[%d]", i)
	f, order := g.fields(n, where, gatusEndpointKeys)
	if f == nil {
		return nil
	}
	s := &service{Line: n.Line}
	s.Name = gatusEnv(g.str(f["name"], where+".name"))
	s.Group = gatusEnv(g.str(f["group"], where+".group"))
	raw := g.str(f["url"], where+".url")
	if f["enabled"] != nil && !g.boolean(f["enabled"], where+".enabled") {
		s.Skip = "disabled in Gatus (enabled: false)"
	}

	s.Interval = gatusDefaultInterval
	if v := f["interval"]; v != nil {
		text := g.str(v, where+".interval")
		if d, err := time.ParseDuration(text); err == nil && d > 0 {
			s.Interval = d
		} else if hasEnv(text) {
			s.lose("interval %s comes from the environment, which uptty does not expand in durations; Gatus's 60s applies", text)
		} else {
			g.fail(v, "%s.interval: %q is not a duration", where, text)
		}
	}

	var conds []string
	if v := f["conditions"]; v != nil {
		if v.Kind != yaml.SequenceNode {
			g.fail(v, "%s.conditions: want a list", where)
		}
		for _, c := range v.Content {
			conds = append(conds, g.str(c, where+".conditions"))
		}
	}

	k, ok := g.target(s, raw, f["dns"], where)
	if !ok {
		return s
	}
	g.client(s, k, f["client"], where)
	g.request(s, k, f, where)
	conditions(s, k, conds)
	if s.Timeout > s.Interval {
		s.lose("client.timeout %s is above the interval %s: uptty's timeout is at most the interval", duration(s.Timeout), duration(s.Interval))
		s.Timeout = s.Interval
	}
	if s.Slow > 0 && s.Slow >= cmpTimeout(s.Timeout, s.Interval) {
		s.lose("slow %s is not below the timeout: dropped", duration(s.Slow))
		s.Slow = 0
	}

	for _, key := range order {
		v := f[key]
		switch key {
		case "alerts":
			if len(v.Content) > 0 {
				s.lose("alerts (%s): uptty's alerts are set under `alerts:` at the top and picked with `alerts: [NAME]`", alertTypes(v))
			}
		case "maintenance-windows":
			if len(v.Content) > 0 {
				s.lose("maintenance-windows: write them under `maintenance:` with `services: [NAME]`")
			}
		case "extra-labels":
			s.lose("extra-labels: uptty's metrics carry service, group, kind and location only")
		case "store", "always-run":
			s.lose("%s: suites have no uptty equivalent", key)
		case "ui":
			s.lose("ui settings: uptty's screen takes none (it masks secrets by itself)")
		}
	}
	return s
}

// cmpTimeout is the timeout a service gets: its own, else uptty's 10s or the interval if shorter.
func cmpTimeout(t, interval time.Duration) time.Duration {
	if t > 0 {
		return t
	}
	return min(10*time.Second, interval)
}

func alertTypes(v *yaml.Node) string {
	var types []string
	for _, a := range v.Content {
		for i := 0; i+1 < len(a.Content); i += 2 {
			if a.Content[i].Value == "type" && !slices.Contains(types, a.Content[i+1].Value) {
				types = append(types, a.Content[i+1].Value)
			}
		}
	}
	if len(types) == 0 {
		return fmt.Sprint(len(v.Content))
	}
	return strings.Join(types, ", ")
}

// target sets s's URL from the endpoint's url (and dns), and says which uptty kind it became.
// A kind uptty lacks makes the entry commented out.
func (g *gatus) target(s *service, raw string, dnsNode *yaml.Node, where string) (kind, bool) {
	url := gatusEnv(raw)
	if dnsNode != nil {
		f, _ := g.fields(dnsNode, where+".dns", []string{"query-type", "query-name"})
		qtype := strings.ToUpper(g.str(f["query-type"], where+".dns.query-type"))
		name := strings.TrimSuffix(gatusEnv(g.str(f["query-name"], where+".dns.query-name")), ".")
		if !slices.Contains(dnsTypes, qtype) {
			s.Skip = fmt.Sprintf("DNS query type %q: uptty asks %s", qtype, strings.Join(dnsTypes, ", "))
			return kind{}, false
		}
		if qtype == "PTR" {
			if ip := net.ParseIP(name); ip != nil {
				name = reverseName(ip)
			}
		}
		server := url
		if h, p, err := net.SplitHostPort(server); err == nil {
			if p == "53" {
				server = h
			}
			if strings.Contains(h, ":") && p != "53" {
				server = "[" + h + "]:" + p
			} else if strings.Contains(h, ":") {
				server = "[" + h + "]"
			}
		} else if strings.Contains(server, ":") {
			server = "[" + server + "]"
		}
		s.URL = "dns://" + server + "/" + name + "?type=" + qtype
		return kind{Name: "dns", Scheme: "dns"}, true
	}
	scheme, _, _ := strings.Cut(url, "://")
	scheme = strings.ToLower(scheme)
	s.URL = url
	switch scheme {
	case "http", "https":
		return kind{"http", scheme}, true
	case "tcp":
		return kind{"tcp", scheme}, true
	case "tls":
		return kind{"tls", scheme}, true
	case "icmp":
		return kind{"icmp", scheme}, true
	case "grpc", "grpcs":
		return kind{"grpc", scheme}, true
	case "ws", "wss":
		return kind{"ws", scheme}, true
	case "udp", "sctp", "starttls", "ssh":
		s.Skip = scheme + ":// endpoints: uptty has no " + map[string]string{"udp": "UDP", "sctp": "SCTP",
			"starttls": "STARTTLS", "ssh": "SSH"}[scheme] + " check (a `command:` service can run one)"
		if scheme == "ssh" {
			s.URL = "" // the ssh section holds credentials, and the URL alone checks nothing
		}
		return kind{}, false
	}
	s.Skip = "the url has no scheme Gatus or uptty knows"
	return kind{}, false
}

// reverseName is the PTR query name of an address, as Gatus makes it from a plain IP.
func reverseName(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return fmt.Sprintf("%d.%d.%d.%d.in-addr.arpa", v4[3], v4[2], v4[1], v4[0])
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := len(ip) - 1; i >= 0; i-- {
		b.WriteByte(hex[ip[i]&0xf])
		b.WriteByte('.')
		b.WriteByte(hex[ip[i]>>4])
		b.WriteByte('.')
	}
	return b.String() + "ip6.arpa"
}

// client carries over the endpoint's client settings uptty has.
func (g *gatus) client(s *service, k kind, n *yaml.Node, where string) {
	if n == nil {
		return
	}
	where += ".client"
	f, order := g.fields(n, where, gatusClientKeys)
	for _, key := range order {
		v := f[key]
		switch key {
		case "insecure":
			if !g.boolean(v, where+".insecure") {
				continue
			}
			switch {
			case k.Name == "http" && k.Scheme == "https", k.Name == "tls", k.Scheme == "grpcs", k.Scheme == "wss":
				s.Insecure = true
			}
		case "ignore-redirect":
			if g.boolean(v, where+".ignore-redirect") && k.Name == "http" {
				s.NoRedirects = true
			}
		case "timeout":
			text := g.str(v, where+".timeout")
			d, err := time.ParseDuration(text)
			switch {
			case err == nil && d >= time.Millisecond:
				s.Timeout = d
			case err == nil:
				// Gatus takes a timeout under 1ms as its 10s default.
			case hasEnv(text):
				s.lose("client.timeout %s comes from the environment, which uptty does not expand in durations", text)
			default:
				g.fail(v, "%s.timeout: %q is not a duration", where, text)
			}
		case "network":
			if net := g.str(v, where+".network"); net != "" && net != "ip" {
				s.lose("client.network %s: uptty uses whichever address the name resolves to first", net)
			}
		case "store-cookies":
			if g.boolean(v, where+".store-cookies") {
				s.lose("client.store-cookies: uptty keeps no cookies between checks")
			}
		default:
			if !isEmpty(v) {
				s.lose("client.%s: no uptty equivalent", key)
			}
		}
	}
}

// request carries over method, headers and body, which uptty sends on http(s) only.
func (g *gatus) request(s *service, k kind, f map[string]*yaml.Node, where string) {
	method := strings.ToUpper(g.str(f["method"], where+".method"))
	body := g.str(f["body"], where+".body")
	graphql := f["graphql"] != nil && g.boolean(f["graphql"], where+".graphql")
	var headers []pair
	if h := f["headers"]; h != nil {
		if h.Kind != yaml.MappingNode {
			g.fail(h, "%s.headers: want a mapping", where)
		} else {
			for i := 0; i+1 < len(h.Content); i += 2 {
				headers = append(headers, pair{gatusEnv(h.Content[i].Value), gatusEnv(g.str(h.Content[i+1], where+".headers"))})
			}
		}
	}
	switch k.Name {
	case "http":
		s.Method = method
		s.Headers = headers
		if body != "" {
			s.Body = g.body(s, body)
			if graphql {
				q, _ := json.Marshal(map[string]string{"query": s.Body})
				s.Body = string(q)
				if !hasHeader(headers, "Content-Type") {
					s.Headers = append(s.Headers, pair{"Content-Type", "application/json"})
				}
			}
		}
		return
	case "ws":
		s.Headers = headers
	default:
		if len(headers) > 0 {
			s.lose("headers: uptty sends headers on http(s) and ws(s) only")
		}
	}
	if method != "" && method != "GET" {
		s.lose("method %s: uptty's %s check sends no HTTP request", method, k.Name)
	}
	if body != "" {
		s.lose("body: uptty's %s check sends nothing after connecting", k.Name)
	}
}

// body resolves the placeholders Gatus fills in from the endpoint itself.
func (g *gatus) body(s *service, body string) string {
	body = gatusEnv(body)
	body = strings.NewReplacer("[ENDPOINT_NAME]", s.Name, "[ENDPOINT_GROUP]", s.Group,
		"[ENDPOINT_URL]", s.URL).Replace(body)
	for _, ph := range []string{"[LOCAL_ADDRESS]", "[RANDOM_STRING_N]", "[CONTEXT]"} {
		if strings.Contains(body, strings.TrimSuffix(ph, "N]")) {
			s.lose("body placeholder %s: uptty sends the body as written", ph)
		}
	}
	return body
}

func hasHeader(hs []pair, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Key, name) {
			return true
		}
	}
	return false
}
