package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// ParseDuration parses a Go duration ("1h30m", "500ms") that may also use d for days of 24
// hours ("3d", "1d12h", "1.5d"). A bare "0" is zero; any other number needs a unit.
func ParseDuration(s string) (time.Duration, error) {
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("invalid duration %s: %s", quote(s), why)
	}
	rest := s
	neg := false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "0" {
		return 0, nil
	}
	if rest == "" {
		return bad("empty (write e.g. 30s)")
	}
	var total time.Duration
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
		if i < 0 {
			if total == 0 {
				return bad("no unit (write e.g. " + rest + "s)")
			}
			return bad("no unit after " + rest)
		}
		num := rest[:i]
		rest = rest[i:]
		if _, err := strconv.ParseFloat(num, 64); err != nil || num == "" {
			return bad("want numbers with units, such as 30s or 1h30m")
		}
		j := strings.IndexFunc(rest, func(r rune) bool { return (r >= '0' && r <= '9') || r == '.' })
		if j < 0 {
			j = len(rest)
		}
		unit := rest[:j]
		rest = rest[j:]
		d, err := unitDuration(num, unit)
		if err != nil {
			return bad(err.Error())
		}
		if total > math.MaxInt64-d {
			return bad("too long")
		}
		total += d
	}
	if neg {
		total = -total
	}
	return total, nil
}

// unitDuration converts one number-and-unit part, leaving Go's units to time.ParseDuration.
func unitDuration(num, unit string) (time.Duration, error) {
	switch unit {
	case "d":
		h, err := time.ParseDuration(num + "h")
		if err != nil || h > math.MaxInt64/24 {
			return 0, fmt.Errorf("too long")
		}
		return h * 24, nil
	case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
		d, err := time.ParseDuration(num + unit)
		if err != nil {
			return 0, fmt.Errorf("too long")
		}
		return d, nil
	}
	return 0, fmt.Errorf("unknown unit %s (use ms, s, m, h or d)", quote(unit))
}

// formatDuration writes d compactly for messages: 14d, 1d12h, 1h30m, 30s, 500ms.
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	days := ""
	if d >= day {
		days = strconv.FormatInt(int64(d/day), 10) + "d"
		d %= day
		if d == 0 {
			return sign + days
		}
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return sign + days + s
}
