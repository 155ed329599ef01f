package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
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
	// Renamed, when set, says the name was taken and what it was.
	Renamed string
}

// pair is one key and value in file order.
type pair struct{ Key, Value string }

// lose records something not carried over.
func (s *service) lose(format string, args ...any) {
	s.Lost = append(s.Lost, fmt.Sprintf(format, args...))
}

// render writes the config.
func (d *document) render(services []*service) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Converted from the %s %s by `uptty import %s`.\n", d.Source, comment(d.File), d.Command)
	b.WriteString("# Check it with `uptty validate`. \"not carried over\" marks what needs your attention.\n")
	if d.Empty != "" {
		b.WriteString("# " + d.Empty + "\n")
	}
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
