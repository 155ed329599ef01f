package config

import (
	"strconv"
	"strings"
	"time"
)

// everyForm is how `every` is written, for messages.
const everyForm = `days and a time, e.g. "sat 02:00", "mon,wed 22:30", "mon-fri 18:00", "daily 03:00", "weekdays 07:00" or "weekends 09:00"`

// dayNames are the weekday names `every` takes, by time.Weekday, short and long.
var dayNames = [7][2]string{
	{"sun", "sunday"}, {"mon", "monday"}, {"tue", "tuesday"}, {"wed", "wednesday"},
	{"thu", "thursday"}, {"fri", "friday"}, {"sat", "saturday"},
}

// parseEvery reads the recurring form of a maintenance window: the days, then HH:MM. Days are
// daily, weekdays (mon-fri), weekends (sat, sun), or a comma list of days and day ranges
// ("mon,wed", "fri-mon" wraps around the week); names are three letters or whole, in any case.
// It returns a message for the user on error.
func parseEvery(s string) (recurrence, string) {
	var r recurrence
	words := strings.Fields(strings.ToLower(s))
	if len(words) < 2 {
		if len(words) == 1 && strings.Contains(words[0], ":") {
			return r, "missing the days before the time: want " + everyForm
		}
		return r, "want " + everyForm
	}
	clock := words[len(words)-1]
	if !strings.Contains(clock, ":") {
		return r, "missing the time at the end: want " + everyForm
	}
	h, m, ok := parseClock(clock)
	if !ok {
		return r, "the time " + quote(clock) + " is not HH:MM from 00:00 to 23:59"
	}
	r.hour, r.minute = h, m
	days := strings.Join(words[:len(words)-1], ",")
	switch days {
	case "daily":
		for d := range r.days {
			r.days[d] = true
		}
		return r, ""
	case "weekdays":
		for d := time.Monday; d <= time.Friday; d++ {
			r.days[d] = true
		}
		return r, ""
	case "weekends":
		r.days[time.Saturday], r.days[time.Sunday] = true, true
		return r, ""
	}
	for _, part := range strings.Split(days, ",") {
		if part == "" {
			continue // "mon, wed" splits into words around its comma
		}
		from, to, isRange := strings.Cut(part, "-")
		first, problem := weekday(from)
		if problem != "" {
			return r, problem
		}
		last := first
		if isRange {
			if last, problem = weekday(to); problem != "" {
				return r, problem
			}
		}
		for d := first; ; d = (d + 1) % 7 {
			r.days[d] = true
			if d == last {
				break
			}
		}
	}
	if r.days == ([7]bool{}) {
		return r, "want " + everyForm
	}
	return r, ""
}

// weekday reads one day name.
func weekday(s string) (time.Weekday, string) {
	if s == "" {
		return 0, "a day is missing: want " + everyForm
	}
	for d, names := range dayNames {
		if s == names[0] || s == names[1] {
			return time.Weekday(d), ""
		}
	}
	msg := "unknown day " + quote(s)
	short := make([]string, len(dayNames))
	for d, names := range dayNames {
		short[d] = names[0]
	}
	if best := closest(s, short); best != "" {
		return 0, msg + "; did you mean " + best + "?"
	}
	return 0, msg + "; want mon, tue, wed, thu, fri, sat, sun, daily, weekdays or weekends"
}

// parseClock reads H:MM or HH:MM on a 24-hour clock.
func parseClock(s string) (hour, minute int, ok bool) {
	hs, ms, found := strings.Cut(s, ":")
	if !found || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !digits(hs) || !digits(ms) {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(hs)
	minute, _ = strconv.Atoi(ms)
	return hour, minute, hour < 24 && minute < 60
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
