package text

import (
	"slices"
	"strings"
)

// Mask is what stands in for a secret wherever it would have appeared.
const Mask = "•••"

// Secrets are values that must never reach a screen, a report, a log, an alert or the history
// file: what ${VAR} expanded to, URL passwords, header values. Mask replaces each wherever it
// appears, before any text is cut, so that no prefix of a secret survives truncation. The zero
// value and nil hold no secrets.
type Secrets struct {
	values []string // longest first, so a whole value is masked before its parts
}

// Add remembers values as secrets; empty ones are ignored.
func (s *Secrets) Add(values ...string) {
	for _, v := range values {
		if v != "" && !slices.Contains(s.values, v) {
			s.values = append(s.values, v)
		}
	}
	slices.SortStableFunc(s.values, func(a, b string) int { return len(b) - len(a) })
}

// Mask returns t with every secret replaced by Mask.
func (s *Secrets) Mask(t string) string {
	if s == nil {
		return t
	}
	for _, v := range s.values {
		if strings.Contains(t, v) {
			t = strings.ReplaceAll(t, v, Mask)
		}
	}
	return t
}

// Len reports how many secrets s holds.
func (s *Secrets) Len() int {
	if s == nil {
		return 0
	}
	return len(s.values)
}
