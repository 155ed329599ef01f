package importer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kuma converts an Uptime Kuma backup (the JSON of Settings → Backup → Export, Uptime Kuma 1.x;
// 2.0 has no such export) into an uptty config. file names the input in notes and errors. The
// error is for input that is not such a backup: not JSON, cut short, without a version or
// monitorList, or of another major version; it names the file, line and column.
func Kuma(data []byte, file string) (Result, error) {
	k := &kuma{file: file, data: data}
	b, err := k.decode()
	if err != nil {
		return Result{}, err
	}
	d := &document{Source: "Uptime Kuma backup", Command: "kuma", File: file,
		Defaults: defaults{Comment: "The timing most monitors in the backup share."}}
	if len(b.notifications) > 0 {
		d.Lost = append(d.Lost, Note{File: file, Line: b.notificationLine,
			Text: "notifications (" + strings.Join(b.notifications, ", ") + "): uptty's alerts are set under `alerts:` (webhook with slack, discord, teams or ntfy format, command, alertmanager): see the README"})
	}
	if b.proxies > 0 {
		d.Lost = append(d.Lost, Note{File: file, Line: b.proxyLine,
			Text: fmt.Sprintf("proxies (%d): uptty connects directly, through no proxy", b.proxies)})
	}
	byID := map[string]kumaMonitor{}
	for _, m := range b.monitors {
		byID[m.str("id")] = m
	}
	for _, m := range b.monitors {
		if m.str("type") == "group" {
			// A folder of monitors becomes their group; its own up/down (down when a member
			// is) has no uptty service to go to, and the user must hear that it went.
			d.Lost = append(d.Lost, Note{File: file, Line: m.line, Service: m.str("name"), Text: kumaGroupNote(m, b.monitors)})
			continue
		}
		d.Services = append(d.Services, k.monitor(m, byID))
	}
	return d.finish(), nil
}

// kumaGroupNote says what became of a group monitor g: the group of the monitors in it, its own
// state checked by none.
func kumaGroupNote(g kumaMonitor, monitors []kumaMonitor) string {
	n := 0
	for _, m := range monitors {
		if p := m.str("parent"); p != "" && p == g.str("id") {
			n++
		}
	}
	if n == 0 {
		return "group monitor " + strconv.Quote(g.str("name")) + ": an empty group, nothing to check"
	}
	plural := "s"
	if n == 1 {
		plural = ""
	}
	return fmt.Sprintf("group monitor %q: its %d monitor%s carry the group %q (the screen's heading counts their states); no service checks the group's own UP/DOWN or alerts on it", g.str("name"), n, plural, g.str("name"))
}

// monitor converts one monitor.
func (k *kuma) monitor(m kumaMonitor, byID map[string]kumaMonitor) *service {
	s := &service{Name: m.str("name"), Line: m.line}
	if desc := strings.TrimSpace(m.str("description")); desc != "" {
		s.Info = append(s.Info, desc)
	}
	k.group(s, m, byID)
	k.timing(s, m)
	typ := m.str("type")
	switch typ {
	case "http", "keyword", "json-query":
		k.http(s, m, typ)
	case "port":
		s.URL = "tcp://" + net.JoinHostPort(m.str("hostname"), m.str("port"))
	case "ping":
		host := m.str("hostname")
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		s.URL = "icmp://" + host
	case "dns":
		k.dns(s, m)
	case "grpc-keyword":
		k.grpc(s, m)
	case "push":
		s.Skip = "push monitor: uptty checks services itself and receives no pushes (a `command:` service can check what the pusher checked)"
	case "docker":
		s.Skip = fmt.Sprintf("docker monitor of container %q: no uptty equivalent (a `command:` service running a script that asks docker can stand in)", m.str("docker_container"))
	case "real-browser":
		s.URL = m.str("url")
		s.Skip = "real-browser monitor: uptty makes a plain HTTP request, runs no browser; uncomment to check the URL that way"
	default:
		s.Skip = typ + " monitor: no uptty equivalent"
		if typ == "" {
			s.Skip = "a monitor without a type"
		}
	}
	if m.flag("upsideDown") && s.Skip == "" {
		s.Skip = "upside down mode (UP when the check fails): uptty has no inverted check"
	}
	if _, ok := m.fields["active"]; ok && !m.flag("active") && s.Skip == "" {
		s.Skip = "paused in Uptime Kuma"
	}
	return s
}

// group takes the group from the monitor's group folder (nested ones joined with " / ", as Kuma
// shows them), else from its first tag; the other tags are noted.
func (k *kuma) group(s *service, m kumaMonitor, byID map[string]kumaMonitor) {
	var path []string
	seen := map[string]bool{}
	for p := m.str("parent"); p != "" && !seen[p]; {
		seen[p] = true
		parent, ok := byID[p]
		if !ok {
			break
		}
		path = append([]string{parent.str("name")}, path...)
		p = parent.str("parent")
	}
	s.Group = strings.Join(path, " / ")
	tags, _ := m.fields["tags"].([]any)
	var rest []string
	for _, t := range tags {
		tm, _ := t.(map[string]any)
		tag := kumaMonitor{fields: tm}
		name := tag.str("name")
		if v := tag.str("value"); v != "" {
			name += ":" + v
		}
		if name == "" {
			continue
		}
		if s.Group == "" {
			s.Group = name
			s.Info = append(s.Info, "group from the tag "+strconv.Quote(name))
			continue
		}
		rest = append(rest, name)
	}
	if len(rest) > 0 {
		s.lose("tags %s: uptty has one group per service", strings.Join(rest, ", "))
	}
}

// timing carries over interval, timeout, retry interval and retries. Kuma's maxretries counts
// the retries before DOWN, uptty's failure_threshold the failures, so it is one more.
func (k *kuma) timing(s *service, m kumaMonitor) {
	s.Interval = m.seconds("interval")
	if s.Interval == 0 {
		s.Interval = time.Minute
	}
	s.Timeout = m.seconds("timeout")
	if s.Timeout == 0 {
		// Backups from before Kuma had a timeout: it used 80% of the interval.
		s.Timeout = (s.Interval * 8 / 10).Round(time.Millisecond)
	}
	if s.Timeout > s.Interval {
		s.lose("timeout %s is above the interval %s: uptty's timeout is at most the interval", duration(s.Timeout), duration(s.Interval))
		s.Timeout = s.Interval
	}
	s.RetryInterval = m.seconds("retryInterval")
	if s.RetryInterval == 0 || s.RetryInterval > s.Interval {
		s.RetryInterval = s.Interval
	}
	retries, _ := m.num("maxretries")
	s.FailureThreshold = max(0, int(retries)) + 1
}

// http carries over an http, keyword or json-query monitor.
func (k *kuma) http(s *service, m kumaMonitor, typ string) {
	s.URL = m.str("url")
	s.Method = strings.ToUpper(m.str("method"))
	s.Insecure = m.flag("ignoreTls") && strings.HasPrefix(strings.ToLower(s.URL), "https:")
	if raw := strings.TrimSpace(m.str("headers")); raw != "" {
		hs, ok := orderedHeaders(raw)
		if !ok {
			s.lose("headers: not a JSON object of texts, as Kuma wants them; left out")
		}
		s.Headers = hs
	}
	if body := m.str("body"); strings.TrimSpace(body) != "" {
		s.Body = body
		switch enc := m.str("httpBodyEncoding"); enc {
		case "", "json":
			if !hasHeader(s.Headers, "Content-Type") {
				s.Headers = append(s.Headers, pair{"Content-Type", "application/json"})
			}
		case "xml":
			if !hasHeader(s.Headers, "Content-Type") {
				s.Headers = append(s.Headers, pair{"Content-Type", "text/xml; charset=utf-8"})
			}
		default:
			s.lose("body encoding %s: uptty sends the body as written", enc)
		}
	}
	switch auth := m.str("authMethod"); auth {
	case "", "null":
	case "basic":
		cred := base64.StdEncoding.EncodeToString([]byte(m.raw("basic_auth_user") + ":" + m.raw("basic_auth_pass")))
		s.Headers = append(s.Headers, pair{"Authorization", "Basic " + cred})
		s.Info = append(s.Info, "Authorization from Kuma's basic auth; consider moving it to ${VAR}")
	default:
		s.lose("authentication %s: uptty sends headers, no %s", auth, auth)
	}
	if p := m.str("proxyId"); p != "" {
		s.lose("proxy %s: uptty connects directly", p)
	}
	follow := true
	if r, ok := m.num("maxredirects"); ok {
		switch {
		case r == 0:
			s.NoRedirects, follow = true, false
		case r != 10:
			s.lose("maxredirects %v: uptty follows up to 10 redirects, not %v", r, r)
		}
	}
	k.statuses(s, m, follow)
	switch typ {
	case "keyword":
		kw := m.str("keyword")
		if m.flag("invertKeyword") {
			s.lose("inverted keyword %q: uptty cannot require text to be absent; only the status is checked", kw)
		} else if kw != "" {
			s.BodyContains = kw
		}
	case "json-query":
		k.jsonQuery(s, m)
	}
}

// statuses turns accepted_statuscodes ("200-299", "404") into expect.status.
func (k *kuma) statuses(s *service, m kumaMonitor, follow bool) {
	list, _ := m.fields["accepted_statuscodes"].([]any)
	if len(list) == 0 {
		if raw := m.str("accepted_statuscodes_json"); raw != "" {
			_ = json.Unmarshal([]byte(raw), &list)
		}
	}
	if len(list) == 0 {
		list = []any{"200-299"}
	}
	var set codeSet
	for _, it := range list {
		text := fmt.Sprint(it)
		lo, hi, isRange := strings.Cut(text, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
			s.lose("accepted status %q: not a status code or range", text)
			continue
		}
		for c := a; c <= b; c++ {
			set[c] = true
		}
	}
	codes, asDefault := set.list(follow)
	if len(codes) > 0 && !asDefault {
		s.Status = codes
	}
}

// jsonQuery carries over a json-query monitor whose query is a plain path.
func (k *kuma) jsonQuery(s *service, m kumaMonitor) {
	query := strings.TrimSpace(m.str("jsonPath"))
	want := m.str("expectedValue")
	if op := m.str("jsonPathOperator"); op != "" && op != "==" {
		s.lose("json query %s %s %s: uptty's expect.json checks equality only", query, op, want)
		return
	}
	path, ok := jsonPath(strings.TrimPrefix(strings.TrimPrefix(query, "$"), "."))
	if !ok {
		s.lose("json query %q: uptty's expect.json takes plain dotted paths (data.items.0.id), not JSONata expressions", query)
		return
	}
	s.JSON = append(s.JSON, pair{path, value(want)})
}

// orderedHeaders reads Kuma's headers (a JSON object in a text) keeping their order.
func orderedHeaders(raw string) ([]pair, bool) {
	dec := json.NewDecoder(strings.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []pair
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		key, _ := tok.(string)
		switch v := v.(type) {
		case string:
			out = append(out, pair{key, v})
		case float64, bool:
			out = append(out, pair{key, fmt.Sprint(v)})
		default:
			return out, false
		}
	}
	return out, true
}

// dns carries over a dns monitor: server, port, record type.
func (k *kuma) dns(s *service, m kumaMonitor) {
	qtype := strings.ToUpper(m.str("dns_resolve_type"))
	if qtype == "" {
		qtype = "A"
	}
	server := strings.TrimSpace(m.str("dns_resolve_server"))
	if first, rest, many := strings.Cut(server, ","); many {
		s.lose("DNS servers %s: uptty asks one server (%s)", rest, strings.TrimSpace(first))
		server = strings.TrimSpace(first)
	}
	port := m.str("port")
	if server != "" {
		host := server
		if port != "" && port != "53" {
			host = net.JoinHostPort(server, port)
		} else if strings.Contains(server, ":") {
			host = "[" + server + "]"
		}
		s.URL = "dns://" + host + "/" + m.str("hostname") + "?type=" + qtype
	} else {
		s.URL = "dns:" + m.str("hostname") + "?type=" + qtype
	}
	if !slices.Contains(dnsTypes, qtype) {
		s.Skip = fmt.Sprintf("DNS record type %s: uptty asks %s", qtype, strings.Join(dnsTypes, ", "))
	}
	if rc := strings.ToUpper(m.str("dns_rcode")); rc != "" && rc != "NOERROR" {
		s.Rcode = rc
	}
}

// grpc carries over a grpc-keyword monitor that asks the standard health service; any other
// call is written commented out, since uptty's gRPC check only asks grpc.health.v1.
func (k *kuma) grpc(s *service, m kumaMonitor) {
	scheme := "grpc://"
	if m.flag("grpcEnableTls") {
		scheme = "grpcs://"
	}
	target := strings.TrimPrefix(strings.TrimPrefix(m.str("grpcUrl"), "grpc://"), "grpcs://")
	s.URL = scheme + target
	svc, method := m.str("grpcServiceName"), m.str("grpcMethod")
	if !strings.EqualFold(svc, "grpc.health.v1.Health") || !strings.EqualFold(method, "Check") {
		s.Skip = fmt.Sprintf("gRPC call %s/%s looking for %q: uptty's gRPC check asks grpc.health.v1 Check for SERVING instead; uncomment if the server answers it",
			svc, method, m.str("keyword"))
		return
	}
	var req struct {
		Service string `json:"service"`
	}
	if body := strings.TrimSpace(m.str("grpcBody")); body != "" {
		_ = json.Unmarshal([]byte(body), &req)
	}
	if req.Service != "" {
		s.URL += "/" + req.Service
	}
	if kw := m.str("keyword"); kw != "" && kw != "SERVING" && kw != "1" {
		s.lose("keyword %q: uptty's gRPC check wants SERVING", kw)
	}
	if m.flag("invertKeyword") {
		s.lose("inverted keyword: uptty's gRPC check wants SERVING")
	}
}
