package text

import "time"

// FormatUntil writes when t comes, as seen at now in loc, as short as is still clear: "14:00"
// today, "Wed 09:00" within the week, "2026-12-24 14:00" after that.
func FormatUntil(now, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	now, t = now.In(loc), t.In(loc)
	y1, m1, d1 := now.Date()
	y2, m2, d2 := t.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return t.Format("15:04")
	case t.After(now) && t.Sub(now) < 6*24*time.Hour:
		return t.Format("Mon 15:04")
	}
	return t.Format("2006-01-02 15:04")
}
