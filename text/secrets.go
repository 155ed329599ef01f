package text

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Mask is what stands in for a secret wherever it would have appeared.
const Mask = "•••"

// MinSecret is the fewest characters a value needs to be masked: shorter ones ("1", "on") would
// blot out ordinary words and numbers all over the screen. Config refuses ${VAR} values that
// are shorter, since they could not be hidden.
const MinSecret = 4

// Secrets are values that must never reach a screen, a report, a log, an alert or the history
// file: what ${VAR} expanded to, URL passwords, header values. Mask replaces each wherever it
// appears, before any text is cut, so that no prefix of a secret survives truncation. The zero
// value and nil hold no secrets.
type Secrets struct {
	values []string // longest first, so a whole value is masked before its parts
}

// Add remembers values as secrets, with the forms they take in URLs (percent-encoded as a
// path or a query value) and as CleanText shows them. Values shorter than MinSecret, and
// values made only of the Mask's dots (which masking could never hide), are ignored.
func (s *Secrets) Add(values ...string) {
	for _, v := range values {
		s.add(v)
		s.add(url.QueryEscape(v))
		s.add(url.PathEscape(v))
		s.add(CleanText(v, 0))
	}
	slices.SortStableFunc(s.values, func(a, b string) int { return len(b) - len(a) })
}

func (s *Secrets) add(v string) {
	if utf8.RuneCountInString(v) < MinSecret || strings.Trim(v, "•") == "" || slices.Contains(s.values, v) {
		return
	}
	s.values = append(s.values, v)
}

// AddHeader remembers an HTTP header value and its last word, which is the credential of
// "Bearer <token>", "Basic <base64>" and the like, and may be echoed alone.
func (s *Secrets) AddHeader(value string) {
	s.Add(value)
	if words := strings.Fields(value); len(words) > 1 {
		s.Add(words[len(words)-1])
	}
}

// AddUserinfo remembers a URL's password (as url.Userinfo decodes it) and the Basic
// authorization that the user and password become on the wire, which a server may echo.
func (s *Secrets) AddUserinfo(user, password string) {
	s.Add(password)
	if password != "" {
		s.Add(base64.StdEncoding.EncodeToString([]byte(user + ":" + password)))
	}
}

// Merge adds every secret of o to s.
func (s *Secrets) Merge(o *Secrets) {
	if o == nil {
		return
	}
	for _, v := range o.values {
		s.add(v)
	}
	slices.SortStableFunc(s.values, func(a, b string) int { return len(b) - len(a) })
}

// Mask returns t with every secret replaced by Mask. Overlapping secrets become one Mask, and
// text that CleanText would make into a secret (by dropping a control byte or an invisible mark
// inside it, or joining spaces) is returned cleaned and masked, so that CleanText(Mask(t), w)
// never shows a secret at any width w.
func (s *Secrets) Mask(t string) string {
	if s == nil || len(s.values) == 0 {
		return t
	}
	t = s.maskAll(t)
	if c := CleanText(t, 0); c != t && s.found(c) {
		t = s.maskAll(c)
	}
	return s.maskCut(t)
}

// cutPrefixMin is the shortest start of a secret that maskCut hides before an Ellipsis: shorter
// ones say next to nothing about the secret and are too often ordinary text.
const cutPrefixMin = 3

// maskCut hides the start of a secret left just before an Ellipsis: text cut short before it
// reached the masker (a checker quoting a server's echo) keeps no whole secret to find, but may
// keep its first characters.
func (s *Secrets) maskCut(t string) string {
	if !strings.Contains(t, Ellipsis) {
		return t
	}
	var b strings.Builder
	for {
		i := strings.Index(t, Ellipsis)
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		head := t[:i]
		best := 0
		for _, v := range s.values {
			for n := len(v) - 1; n > best; n-- {
				if utf8.RuneStart(v[n]) && utf8.RuneCountInString(v[:n]) >= cutPrefixMin && strings.HasSuffix(head, v[:n]) {
					best = n
					break
				}
			}
		}
		if best > 0 {
			head = head[:len(head)-best] + Mask
		}
		b.WriteString(head + Ellipsis)
		t = t[i+len(Ellipsis):]
	}
}

// maskAll masks until no secret is left: a secret could hold the Mask's dots and appear only
// once its neighbours are masked. Every pass that changes t removes at least one character
// other than a dot, so it ends.
func (s *Secrets) maskAll(t string) string {
	for {
		m := s.maskOnce(t)
		if m == t {
			return t
		}
		t = m
	}
}

// maskOnce replaces each run of text covered by one or more secrets with one Mask.
func (s *Secrets) maskOnce(t string) string {
	var spans [][2]int
	for _, v := range s.values {
		for i := 0; ; {
			j := strings.Index(t[i:], v)
			if j < 0 {
				break
			}
			spans = append(spans, [2]int{i + j, i + j + len(v)})
			// Overlapping matches of one secret ("aaaa" in "aaaaa") are all found.
			_, size := utf8.DecodeRuneInString(t[i+j:])
			i += j + max(size, 1)
		}
	}
	if len(spans) == 0 {
		return t
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	b.Grow(len(t))
	at := 0
	for k := 0; k < len(spans); {
		start, end := spans[k][0], spans[k][1]
		for k++; k < len(spans) && spans[k][0] <= end; k++ {
			end = max(end, spans[k][1])
		}
		b.WriteString(t[at:start])
		b.WriteString(Mask)
		at = end
	}
	b.WriteString(t[at:])
	return b.String()
}

func (s *Secrets) found(t string) bool {
	for _, v := range s.values {
		if strings.Contains(t, v) {
			return true
		}
	}
	return false
}

// Len reports how many secrets s holds, counting each form of a value.
func (s *Secrets) Len() int {
	if s == nil {
		return 0
	}
	return len(s.values)
}
