package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Gatus's placeholders, as its README lists them.
const (
	phStatus       = "[STATUS]"
	phConnected    = "[CONNECTED]"
	phResponseTime = "[RESPONSE_TIME]"
	phBody         = "[BODY]"
	phCert         = "[CERTIFICATE_EXPIRATION]"
	phDomain       = "[DOMAIN_EXPIRATION]"
	phIP           = "[IP]"
	phRcode        = "[DNS_RCODE]"
)

// condition is one Gatus condition split at its operator, placeholder on the left.
type condition struct {
	Left, Op, Right string
}

// parseCondition splits a condition the way Gatus does: at the first of its operators found,
// in Gatus's order, each written with a space on either side.
func parseCondition(c string) (condition, bool) {
	for _, op := range []string{"==", "!=", "<=", ">=", ">", "<"} {
		left, right, ok := strings.Cut(c, " "+op+" ")
		if !ok {
			continue
		}
		cd := condition{Left: strings.TrimSpace(left), Op: op, Right: strings.TrimSpace(right)}
		if !isPlaceholder(cd.Left) && isPlaceholder(cd.Right) {
			cd.Left, cd.Right = cd.Right, cd.Left
			cd.Op = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<="}[op]
			if cd.Op == "" {
				cd.Op = op
			}
		}
		return cd, true
	}
	return condition{}, false
}

func isPlaceholder(s string) bool {
	u := strings.ToUpper(s)
	return strings.HasPrefix(u, "[") || strings.HasPrefix(u, "LEN(") || strings.HasPrefix(u, "HAS(")
}

// kind is how the conditions read: the uptty kind a Gatus endpoint became, and its scheme.
type kind struct {
	Name   string // http, tcp, tls, dns, icmp, grpc, ws
	Scheme string
}

// conditions applies a Gatus endpoint's conditions to s. Each one with an uptty equivalent
// becomes an expect key (or slow, cert_warn); the others are recorded as lost.
func conditions(s *service, k kind, conds []string) {
	status := allCodes()
	statusSeen := false
	for _, raw := range conds {
		c, ok := parseCondition(raw)
		if !ok {
			s.lose("condition %q: not a condition Gatus reads (no operator)", raw)
			continue
		}
		why := applyCondition(s, k, c, &status, &statusSeen)
		if why != "" {
			s.lose("condition %q: %s", raw, why)
		}
	}
	if !statusSeen {
		return
	}
	codes, asDefault := status.list(!s.NoRedirects)
	switch {
	case len(codes) == 0:
		s.lose("conditions on [STATUS]: no HTTP status passes them all")
	case !asDefault:
		s.Status = codes
	}
}

// applyCondition applies one condition, returning why it is not carried over, or "".
func applyCondition(s *service, k kind, c condition, status *codeSet, statusSeen *bool) string {
	left := strings.ToUpper(c.Left)
	switch {
	case left == phStatus:
		if k.Name != "http" {
			return "[STATUS] is an HTTP status; uptty's " + k.Name + " check has none"
		}
		*statusSeen = true
		return statusCondition(c, status)
	case left == phConnected:
		if c.Op == "==" && strings.EqualFold(c.Right, "true") {
			return "" // every uptty check fails when it cannot connect
		}
		return "uptty has no check that passes when the connection fails"
	case left == phResponseTime:
		return responseTime(s, c)
	case left == phCert:
		return certExpiry(s, k, c)
	case left == phRcode:
		if k.Name != "dns" {
			return "[DNS_RCODE] only applies to DNS queries"
		}
		if c.Op != "==" || isFunc(c.Right) {
			return "uptty's expect.rcode is one response code that must match"
		}
		if rc := strings.ToUpper(c.Right); rc != "NOERROR" {
			s.Rcode = rc
		}
		return ""
	case left == phBody:
		return wholeBody(s, k, c)
	case strings.HasPrefix(left, phBody+".") || strings.HasPrefix(left, phBody+"["):
		return jsonBody(s, k, c)
	case left == phDomain:
		return "uptty does not check when a domain expires"
	case left == phIP:
		return "uptty does not check the address a name resolves to (a dns:// service can: expect.answer_contains)"
	case strings.HasPrefix(left, "LEN("), strings.HasPrefix(left, "HAS("):
		return "uptty has no len() or has(); expect.json compares values only"
	case strings.HasPrefix(left, "[CONTEXT]"):
		return "suite context has no uptty equivalent"
	}
	return "no uptty equivalent"
}

// statusCondition narrows the accepted status codes by one condition.
func statusCondition(c condition, status *codeSet) string {
	var keep func(code int) bool
	switch {
	case isFunc(c.Right) && (c.Op == "==" || c.Op == "!="):
		match, why := matcher(c.Right)
		if why != "" {
			return why
		}
		keep = func(code int) bool { return match(strconv.Itoa(code)) == (c.Op == "==") }
	default:
		n, err := strconv.ParseInt(c.Right, 0, 64)
		if err != nil {
			return "compares the status with something that is not a number"
		}
		keep = func(code int) bool { return compare(int64(code), c.Op, n) }
	}
	for code := 100; code < 600; code++ {
		if status[code] && !keep(code) {
			status[code] = false
		}
	}
	return ""
}

func compare(a int64, op string, b int64) bool {
	switch op {
	case "==":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	}
	return a >= b
}

// isFunc reports whether v is one of Gatus's pat() or any().
func isFunc(v string) bool {
	return (strings.HasPrefix(v, "pat(") || strings.HasPrefix(v, "any(")) && strings.HasSuffix(v, ")")
}

// matcher returns a test for text against pat(...) or any(...).
func matcher(v string) (func(string) bool, string) {
	inner := v[4 : len(v)-1]
	if strings.HasPrefix(v, "any(") {
		return func(s string) bool {
			for _, o := range strings.Split(inner, ",") {
				if strings.TrimSpace(o) == s {
					return true
				}
			}
			return false
		}, ""
	}
	re, ok := patternRegex(inner)
	if !ok {
		return nil, "a malformed pattern"
	}
	rx := regexp.MustCompile(re)
	return rx.MatchString, ""
}

// responseTime turns [RESPONSE_TIME] < N into slow: N. Gatus fails the check; uptty shows it
// DEGRADED, which is what the bound is usually for. That difference is reported.
func responseTime(s *service, c condition) string {
	if c.Op != "<" && c.Op != "<=" {
		return "uptty bounds response time from above only (slow)"
	}
	d, ok := gatusDuration(c.Right)
	if !ok || d <= 0 {
		return "the bound is not a number of milliseconds"
	}
	if s.Slow == 0 || d < s.Slow {
		s.Slow = d
	}
	return fmt.Sprintf("became slow: %s: a slower check shows DEGRADED, not DOWN (for DOWN set timeout: %s)",
		duration(d), duration(d))
}

// certExpiry turns [CERTIFICATE_EXPIRATION] > D into cert_warn: D, DEGRADED rather than DOWN.
func certExpiry(s *service, k kind, c condition) string {
	if c.Op != ">" && c.Op != ">=" {
		return "uptty bounds certificate expiry from below only (cert_warn)"
	}
	if !(k.Name == "http" && k.Scheme == "https") && k.Name != "tls" {
		return "uptty checks certificate expiry on https:// and tls:// only"
	}
	d, ok := gatusDuration(c.Right)
	if !ok || d <= 0 {
		return "the bound is not a duration"
	}
	s.CertWarn = max(s.CertWarn, d)
	return fmt.Sprintf("became cert_warn: %s: a certificate that close to expiry shows DEGRADED, not DOWN",
		duration(d))
}

// gatusDuration reads a number the way Gatus compares them: a Go duration, or milliseconds.
func gatusDuration(v string) (time.Duration, bool) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, true
	}
	if n, err := strconv.ParseInt(v, 0, 64); err == nil {
		return time.Duration(n) * time.Millisecond, true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(f) * time.Millisecond, true
	}
	return 0, false
}

// wholeBody handles [BODY] == ...: the body of an HTTP response, the answer of a DNS query,
// the health status of gRPC.
func wholeBody(s *service, k kind, c condition) string {
	if c.Op != "==" {
		return "uptty checks what a body contains or matches, not what it is not"
	}
	switch k.Name {
	case "http":
		return bodyMatch(s, c.Right)
	case "dns":
		if strings.HasPrefix(c.Right, "pat(") && strings.HasSuffix(c.Right, ")") {
			if lit, ok := containsPattern(c.Right[4 : len(c.Right)-1]); ok {
				s.AnswerContains = gatusEnv(lit)
				return ""
			}
			return "uptty matches DNS answers by the text they contain, not by pattern"
		}
		if isFunc(c.Right) {
			return "uptty matches one answer text (expect.answer_contains)"
		}
		s.AnswerContains = gatusEnv(c.Right)
		return ""
	}
	return "uptty's " + k.Name + " check reads no body"
}

// bodyMatch turns [BODY] == pat(*ok*) into body_contains, other patterns and values into an
// anchored body_regex.
func bodyMatch(s *service, v string) string {
	if lit, ok := containsPattern(strings.TrimSuffix(strings.TrimPrefix(v, "pat("), ")")); ok && strings.HasPrefix(v, "pat(") {
		if lit == "" {
			return "" // pat(*) matches any body
		}
		return setOnce(&s.BodyContains, gatusEnv(lit), "body_contains")
	}
	if hasEnv(v) {
		return "the value comes from the environment, which uptty does not expand into a regular expression"
	}
	v = strings.ReplaceAll(v, "$$", "$") // Gatus's literal $, before it is quoted for the regex
	var re string
	switch {
	case strings.HasPrefix(v, "pat(") && strings.HasSuffix(v, ")"):
		r, ok := patternRegex(v[4 : len(v)-1])
		if !ok {
			return "a malformed pattern"
		}
		re = r
	case strings.HasPrefix(v, "any(") && strings.HasSuffix(v, ")"):
		var alts []string
		for _, o := range strings.Split(v[4:len(v)-1], ",") {
			alts = append(alts, regexp.QuoteMeta(strings.TrimSpace(o)))
		}
		re = `^(?:` + strings.Join(alts, "|") + `)$`
	default:
		re = `^` + regexp.QuoteMeta(v) + `$`
	}
	return setOnce(&s.BodyRegex, re, "body_regex")
}

func setOnce(field *string, v, key string) string {
	if *field != "" && *field != v {
		return "uptty takes one " + key + " per service"
	}
	*field = v
	return ""
}

// jsonBody turns [BODY].data[0].id == 1 into expect.json {data.0.id: 1}.
func jsonBody(s *service, k kind, c condition) string {
	path := c.Left[len(phBody):]
	if k.Name == "grpc" && strings.EqualFold(path, ".status") && c.Op == "==" && c.Right == "SERVING" {
		return "" // uptty's gRPC check wants SERVING
	}
	if k.Name != "http" {
		return "uptty's " + k.Name + " check reads no JSON body"
	}
	if c.Op != "==" {
		return "uptty's expect.json checks equality only"
	}
	if isFunc(c.Right) {
		return "uptty's expect.json compares with one value, not pat() or any()"
	}
	if strings.HasPrefix(strings.ToUpper(c.Right), "[") {
		return "uptty's expect.json compares with a value, not another placeholder"
	}
	p, ok := jsonPath(path)
	if !ok {
		return "uptty's expect.json takes plain dotted paths (data.items.0.id)"
	}
	for _, j := range s.JSON {
		if j.Key == p {
			return "uptty's expect.json takes one value per path"
		}
	}
	s.JSON = append(s.JSON, pair{p, value(gatusEnv(c.Right))})
	return ""
}

// jsonPath turns a Gatus JSONPath (.data[0].id, [0].name) into uptty's dotted path.
func jsonPath(p string) (string, bool) {
	p = strings.TrimPrefix(p, ".")
	p = strings.ReplaceAll(p, "]", "")
	p = strings.ReplaceAll(p, "[", ".")
	p = strings.TrimPrefix(p, ".")
	parts := strings.Split(p, ".")
	for _, part := range parts {
		if part == "" || strings.ContainsAny(part, "*?()@$'\" ") {
			return "", false
		}
	}
	return p, p != ""
}

// containsPattern reports whether a Gatus pattern is *text*, text with no wildcard, which is
// uptty's body_contains.
func containsPattern(p string) (string, bool) {
	if len(p) < 2 || !strings.HasPrefix(p, "*") || !strings.HasSuffix(p, "*") {
		return "", p == "*"
	}
	inner := p[1 : len(p)-1]
	if strings.ContainsAny(inner, `*?[\`) {
		return "", false
	}
	return inner, true
}

// patternRegex turns a Gatus pattern (Go's filepath.Match syntax: * any text, ? one character,
// [a-z] a class, \ an escape) into an anchored regular expression.
func patternRegex(p string) (string, bool) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '\\':
			if i+1 == len(p) {
				return "", false
			}
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case '[':
			end := strings.IndexByte(p[i+1:], ']')
			if end < 0 {
				return "", false
			}
			class := p[i+1 : i+1+end]
			if class == "" || class == "^" {
				return "", false
			}
			b.WriteString("[" + class + "]")
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString(`$`)
	if _, err := regexp.Compile(b.String()); err != nil {
		return "", false
	}
	return b.String(), true
}
