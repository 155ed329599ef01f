package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// service is one uptty service on its way out, with what could not be carried over.
type service struct {
	Name, Group string
	URL         string
	Line        int // where the source entry starts, for notes

	Method      string
	Headers     []pair
	Body        string
	Insecure    bool
	NoRedirects bool
	Count       int

	Status         []int
	BodyContains   string
	BodyRegex      string
	JSON           []pair // values are YAML scalars as they will be written
	CertWarn       time.Duration
	Rcode          string
	AnswerContains string

	Interval, Timeout, RetryInterval, Slow time.Duration // 0: the defaults'
	FailureThreshold                       int           // 0: the defaults'

	// Info are comment lines that carry something over (a description, where a name came from).
	Info []string
	// Lost are what was not carried over: each a comment line and a Note.
	Lost []string
	// Skip, when set, says why the whole entry is written commented out.
	Skip string
}

// pair is one key and value in file order.
type pair struct{ Key, Value string }

// lose records something not carried over.
func (s *service) lose(format string, args ...any) {
	s.Lost = append(s.Lost, fmt.Sprintf(format, args...))
}

// defaults are the timing keys the converted file sets for every service: the source's own
// defaults, so that a service that did not set one keeps the source's behaviour.
type defaults struct {
	Interval, Timeout, RetryInterval time.Duration
	FailureThreshold                 int
	Comment                          string
	// Shared is added to Comment when keys the source has no default for are filled in with
	// what every service shares.
	Shared string
}

// document is a converted config before it is written.
type document struct {
	Source   string // "Gatus config" or "Uptime Kuma backup"
	Command  string // "gatus" or "kuma"
	File     string
	Defaults defaults
	Services []*service
	Lost     []Note // for the file as a whole
}

// finish checks every service against uptty's loader, turning one it rejects into a commented
// out entry, gives duplicate names a unique one, writes the file and gathers the notes.
func (d *document) finish() Result {
	d.uniqueNames()
	d.compact()
	for _, s := range d.Services {
		if s.Skip == "" {
			if msg := d.validate(s); msg != "" {
				s.Skip = "uptty rejects it: " + msg
			}
		}
	}
	var res Result
	for _, n := range d.Lost {
		n.Text = "not carried over: " + n.Text
		res.Notes = append(res.Notes, n)
	}
	for _, s := range d.Services {
		for _, l := range s.Lost {
			res.Notes = append(res.Notes, Note{File: d.File, Line: s.Line, Service: s.Name, Text: "not carried over: " + l})
		}
		if s.Skip != "" {
			res.Skipped++
			res.Notes = append(res.Notes, Note{File: d.File, Line: s.Line, Service: s.Name,
				Text: "written commented out: " + s.Skip})
		} else {
			res.Services++
		}
	}
	res.YAML = d.render(d.Services)
	return res
}

// uniqueNames renames services whose name is taken: uptty names are unique, where Gatus only
// needs group and name together to be.
func (d *document) uniqueNames() {
	taken := map[string]bool{}
	for _, s := range d.Services {
		if s.Name == "" {
			s.Name = "unnamed"
			s.Info = append(s.Info, "the source entry had no name")
		}
		name := s.Name
		if taken[name] && s.Group != "" {
			name = s.Name + " (" + s.Group + ")"
		}
		for i := 2; taken[name]; i++ {
			name = s.Name + " " + strconv.Itoa(i)
		}
		if name != s.Name {
			s.Info = append(s.Info, "renamed from "+strconv.Quote(s.Name)+": uptty names must be unique")
			s.Name = name
		}
		taken[name] = true
	}
}

// compact moves the timing most services share into defaults, so that each service lists only
// where it differs. A key becomes a default only when every service sets it: one that does not
// must keep uptty's own default.
func (d *document) compact() {
	var live []*service
	for _, s := range d.Services {
		if s.Skip == "" {
			live = append(live, s)
		}
	}
	df := &d.Defaults
	durations := []struct {
		def *time.Duration
		get func(*service) *time.Duration
	}{
		{&df.Interval, func(s *service) *time.Duration { return &s.Interval }},
		{&df.Timeout, func(s *service) *time.Duration { return &s.Timeout }},
		{&df.RetryInterval, func(s *service) *time.Duration { return &s.RetryInterval }},
	}
	filled := false
	for _, f := range durations {
		if *f.def == 0 {
			*f.def = mode(live, func(s *service) time.Duration { return *f.get(s) })
			filled = filled || *f.def != 0
		}
	}
	if df.FailureThreshold == 0 {
		df.FailureThreshold = mode(live, func(s *service) int { return s.FailureThreshold })
		filled = filled || df.FailureThreshold != 0
	}
	if filled && df.Shared != "" {
		df.Comment += " " + df.Shared
	}
	// The defaults must hold together on their own: uptty checks them as a block.
	if df.Interval == 0 || df.Timeout > df.Interval {
		df.Timeout = 0
	}
	if df.Interval == 0 || df.RetryInterval > df.Interval {
		df.RetryInterval = 0
	}
	for _, s := range d.Services {
		for _, f := range durations {
			if v := f.get(s); *v == *f.def {
				*v = 0
			}
		}
		if s.FailureThreshold == df.FailureThreshold {
			s.FailureThreshold = 0
		}
	}
}

// mode is the most common value of get over services, the first seen on a tie; zero when a
// service has none.
func mode[T comparable](services []*service, get func(*service) T) T {
	var zero T
	count := map[T]int{}
	var best T
	for _, s := range services {
		v := get(s)
		if v == zero {
			return zero
		}
		count[v]++
		if count[v] > count[best] {
			best = v
		}
	}
	return best
}

// envProbe stands for every ${VAR} while a service is checked: the user sets the real values.
func envProbe(string) (string, bool) { return "1234", true }

// validate loads s alone, with the file's defaults, and returns the loader's complaints.
func (d *document) validate(s *service) string {
	one := *s
	one.Info, one.Lost = nil, nil
	data := d.render([]*service{&one})
	_, err := config.Parse(data, "converted.yaml", envProbe, probe.Kinds())
	if err == nil {
		return ""
	}
	var msgs []string
	for _, e := range config.Errors(err) {
		m := e.Msg
		if p := strings.TrimPrefix(e.Path, "services[0]."); p != e.Path {
			m = p + ": " + m
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		msgs = append(msgs, err.Error())
	}
	return strings.Join(msgs, "; ")
}

// render writes the config.
func (d *document) render(services []*service) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Converted from the %s %s by `uptty import %s`.\n", d.Source, comment(d.File), d.Command)
	b.WriteString("# Check it with `uptty validate`. \"not carried over\" marks what needs your attention.\n")
	for _, n := range d.Lost {
		b.WriteString("# not carried over: " + comment(n.Text) + "\n")
	}
	b.WriteString("\n")
	df := d.Defaults
	if df.Comment != "" {
		b.WriteString("# " + comment(df.Comment) + "\n")
	}
	b.WriteString("defaults:\n")
	writeDuration(&b, "  ", "interval", df.Interval)
	writeDuration(&b, "  ", "timeout", df.Timeout)
	writeDuration(&b, "  ", "retry_interval", df.RetryInterval)
	if df.FailureThreshold > 0 {
		fmt.Fprintf(&b, "  failure_threshold: %d\n", df.FailureThreshold)
	}
	b.WriteString("\nservices:")
	if len(services) == 0 {
		b.WriteString(" []")
	}
	b.WriteString("\n")
	for i, s := range services {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, l := range s.Info {
			b.WriteString("  # " + comment(l) + "\n")
		}
		for _, l := range s.Lost {
			b.WriteString("  # not carried over: " + comment(l) + "\n")
		}
		if s.Skip != "" {
			b.WriteString("  # not converted: " + comment(s.Skip) + "\n")
			for _, l := range strings.SplitAfter(strings.TrimSuffix(s.entry(), "\n"), "\n") {
				b.WriteString("  # " + l)
			}
			b.WriteString("\n")
			continue
		}
		for _, l := range strings.SplitAfter(s.entry(), "\n") {
			if l != "" {
				b.WriteString("  " + l)
			}
		}
	}
	return []byte(b.String())
}

// entry writes one service as a list item, unindented.
func (s *service) entry() string {
	var b strings.Builder
	b.WriteString("- name: " + scalar(s.Name) + "\n")
	in := "  "
	if s.Group != "" {
		b.WriteString(in + "group: " + scalar(s.Group) + "\n")
	}
	if s.URL != "" {
		b.WriteString(in + "url: " + scalar(s.URL) + "\n")
	}
	if s.Method != "" && s.Method != "GET" {
		b.WriteString(in + "method: " + scalar(s.Method) + "\n")
	}
	if len(s.Headers) > 0 {
		b.WriteString(in + "headers:\n")
		for _, h := range s.Headers {
			b.WriteString(in + "  " + scalar(h.Key) + ": " + scalar(h.Value) + "\n")
		}
	}
	if s.Body != "" {
		writeText(&b, in, "body", s.Body)
	}
	if s.NoRedirects {
		b.WriteString(in + "follow_redirects: false\n")
	}
	if s.Insecure {
		b.WriteString(in + "insecure: true\n")
	}
	if s.Count > 0 {
		fmt.Fprintf(&b, "%scount: %d\n", in, s.Count)
	}
	if ex := s.expect(in + "  "); ex != "" {
		b.WriteString(in + "expect:\n" + ex)
	}
	writeDuration(&b, in, "interval", s.Interval)
	writeDuration(&b, in, "timeout", s.Timeout)
	writeDuration(&b, in, "retry_interval", s.RetryInterval)
	if s.FailureThreshold > 0 {
		fmt.Fprintf(&b, "%sfailure_threshold: %d\n", in, s.FailureThreshold)
	}
	writeDuration(&b, in, "slow", s.Slow)
	return b.String()
}

func (s *service) expect(in string) string {
	var b strings.Builder
	if len(s.Status) > 0 {
		codes := make([]string, len(s.Status))
		for i, c := range s.Status {
			codes[i] = strconv.Itoa(c)
		}
		b.WriteString(in + "status: [" + strings.Join(codes, ", ") + "]\n")
	}
	if s.BodyContains != "" {
		writeText(&b, in, "body_contains", s.BodyContains)
	}
	if s.BodyRegex != "" {
		writeText(&b, in, "body_regex", s.BodyRegex)
	}
	if len(s.JSON) > 0 {
		b.WriteString(in + "json:\n")
		for _, p := range s.JSON {
			b.WriteString(in + "  " + scalar(p.Key) + ": " + p.Value + "\n")
		}
	}
	if s.Rcode != "" {
		b.WriteString(in + "rcode: " + scalar(s.Rcode) + "\n")
	}
	if s.AnswerContains != "" {
		writeText(&b, in, "answer_contains", s.AnswerContains)
	}
	if s.CertWarn > 0 {
		writeDuration(&b, in, "cert_warn", s.CertWarn)
	}
	return b.String()
}

func writeDuration(b *strings.Builder, in, key string, d time.Duration) {
	if d > 0 {
		b.WriteString(in + key + ": " + duration(d) + "\n")
	}
}

// writeText writes a text value, as a literal block when it has several lines.
func writeText(b *strings.Builder, in, key, v string) {
	if !strings.Contains(strings.TrimSuffix(v, "\n"), "\n") || strings.ContainsAny(v, "\r\t") ||
		strings.HasPrefix(v, " ") || strings.HasSuffix(v, " ") || !printable(v) {
		b.WriteString(in + key + ": " + scalar(v) + "\n")
		return
	}
	chomp := "-"
	if strings.HasSuffix(v, "\n") {
		chomp = ""
		if strings.HasSuffix(v, "\n\n") {
			chomp = "+"
		}
	}
	b.WriteString(in + key + ": |" + chomp + "\n")
	for _, l := range strings.Split(strings.TrimSuffix(v, "\n"), "\n") {
		if l == "" {
			b.WriteString("\n")
		} else {
			b.WriteString(in + "  " + l + "\n")
		}
	}
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' || r == 0x7f || r == 0xfeff {
			return false
		}
	}
	return true
}

// scalar writes s as a YAML string that reads back as the same string: plain or single-quoted
// as YAML writes it when that fits on one line, else double-quoted.
func scalar(s string) string {
	if s != "" && !strings.ContainsAny(s, "\n\r\t") && printable(s) {
		out, err := yaml.Marshal(s)
		one := strings.TrimSuffix(string(out), "\n")
		var back string
		if err == nil && !strings.Contains(one, "\n") && !strings.HasPrefix(one, "|") &&
			!strings.HasPrefix(one, ">") && yaml.Unmarshal(out, &back) == nil && back == s {
			return one
		}
	}
	return doubleQuoted(s)
}

// doubleQuoted escapes s for a YAML double-quoted scalar, whose escapes include all of Go's.
func doubleQuoted(s string) string {
	return strconv.Quote(s)
}

// value writes a compared value as a YAML scalar keeping the type YAML gives it (1 a number,
// true a boolean, UP text), for expect.json.
func value(s string) string {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err == nil {
		switch v.(type) {
		case int, int64, uint64, float64, bool, nil:
			if s != "" && !strings.ContainsAny(s, "\n#:") && strings.TrimSpace(s) == s {
				return s
			}
		}
	}
	return scalar(s)
}

// comment makes s fit on one comment line.
func comment(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// duration writes d as uptty reads it: whole days as d, else Go's form without empty units.
func duration(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// registered are the HTTP status codes with a name, which a range of codes is written as:
// uptty lists codes, where Kuma and Gatus take ranges.
func registered() []int {
	return []int{100, 101, 102, 103,
		200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
		300, 301, 302, 303, 304, 305, 307, 308,
		400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
		418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
		500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511}
}

// codeSet is a set of HTTP status codes, 100 to 599.
type codeSet [600]bool

func allCodes() codeSet {
	var c codeSet
	for i := 100; i < 600; i++ {
		c[i] = true
	}
	return c
}

// list returns the codes in the set for expect.status, and whether uptty's default (200-399,
// after following redirects) does the same, so that the key can be left out. A few codes are
// listed as they are; a range brings its named codes but 1xx, which Go's client never ends a
// request with.
func (c codeSet) list(followRedirects bool) (codes []int, asDefault bool) {
	var all []int
	for i := 100; i < 600; i++ {
		if c[i] {
			all = append(all, i)
		}
	}
	if len(all) <= 20 {
		codes = all
	} else {
		for _, code := range registered() {
			if c[code] && code >= 200 {
				codes = append(codes, code)
			}
		}
	}
	// The whole 2xx class, with redirects followed, leaves only a final 3xx without a Location
	// between it and uptty's default: too rare to spell out ten codes on every service. 1xx
	// does not count: no request ends with one.
	twoxx, same := true, true
	for i := 200; i < 600; i++ {
		twoxx = twoxx && c[i] == (i <= 299)
		same = same && c[i] == (i <= 399)
	}
	return codes, same || twoxx && followRedirects
}
