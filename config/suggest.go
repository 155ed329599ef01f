package config

import (
	"strings"
)

// unknownKey says a key is unknown and suggests the one meant: first what hint knows (a key
// that belongs at another level), then the closest known key, else the list of known keys.
func unknownKey(key string, known []string, hint func(string) string) string {
	if key == "<<" {
		return "merge keys (<<) are not supported; write the keys out"
	}
	if hint != nil {
		if h := hint(key); h != "" {
			return "unknown key here; " + h
		}
	}
	if best := closest(key, known); best != "" {
		return "unknown key; did you mean " + best + "?"
	}
	return "unknown key; known keys: " + strings.Join(known, ", ")
}

// closest returns the candidate nearest to s (ignoring case) if it is near enough to be a typo.
func closest(s string, candidates []string) string {
	s = strings.ToLower(s)
	limit := 1
	switch n := len([]rune(s)); {
	case n > 8:
		limit = 3
	case n > 3:
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := distance(s, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the optimal string alignment distance: edits, counting a swap of two neighbours
// as one, since "intreval" is one slip, not two.
func distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	if len(x) > 64 || len(y) > 64 {
		if a == b {
			return 0
		}
		return max(len(x), len(y))
	}
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
