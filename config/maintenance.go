package config

import (
	"strings"
	"time"

	// The zones `timezone` names must not depend on the machine: a config valid on one
	// must load on a Windows box or a container without /usr/share/zoneinfo.
	_ "time/tzdata"

	"gopkg.in/yaml.v3"
)

// maxWindow bounds a recurring window's length: longer is a pause, not maintenance, and the
// bound keeps Active's search for the occurrence short.
const maxWindow = 7 * day

func maintenanceKeys() []string {
	return []string{"name", "services", "groups", "start", "end", "every", "for", "timezone"}
}

// windowRefs are the names a maintenance window points at, checked once every service is read.
type windowRefs struct {
	services, groups []ref
}

// maintenance reads the top-level maintenance list.
func (l *loader) maintenance(fl field) ([]Maintenance, []windowRefs) {
	items := l.items(fl, "a list of maintenance windows (each item starts with -)")
	out := make([]Maintenance, 0, len(items))
	refs := make([]windowRefs, 0, len(items))
	names := make([]named, 0, len(items))
	for i, item := range items {
		p := index(fl.path, i)
		m, nameNode, r := l.window(item, p)
		out = append(out, m)
		refs = append(refs, r)
		names = append(names, named{m.Name, nameNode, p})
	}
	l.unique(names)
	return out, refs
}

// window reads one maintenance window, returning its name's node when the name is usable and
// the names it points at.
func (l *loader) window(n *yaml.Node, path string) (Maintenance, *yaml.Node, windowRefs) {
	m := Maintenance{Line: n.Line}
	var refs windowRefs
	f, ok := l.fields(n, path, "a mapping with a name, and start and end or every and for", maintenanceKeys(), nil)
	if !ok {
		return m, nil, refs
	}
	var nameNode *yaml.Node
	if fl, ok := f["name"]; ok {
		if name, ok := l.label(fl, false); ok {
			m.Name, nameNode = name, fl.val
		}
	} else {
		l.errorf(n, path, "missing name")
	}
	for _, key := range []string{"services", "groups"} {
		fl, ok := f[key]
		if !ok {
			continue
		}
		if isNull(fl.val) || fl.val.Kind == yaml.SequenceNode && len(fl.val.Content) == 0 {
			// A window with neither covers every service; an empty list must not mean that.
			l.errorf(fl.val, fl.path, "empty list: name at least one, or leave services and groups out to cover every service")
			continue
		}
		r := l.names(fl, "a list of "+strings.TrimSuffix(key, "s")+" names")
		if key == "services" {
			refs.services, m.Services = r, refNames(r)
		} else {
			refs.groups, m.Groups = r, refNames(r)
		}
	}

	_, hasStart := f["start"]
	_, hasEnd := f["end"]
	every, hasEvery := f["every"]
	length, hasFor := f["for"]
	oneOff, recurring := hasStart || hasEnd, hasEvery || hasFor
	switch {
	case oneOff && recurring:
		at := every
		if !hasEvery {
			at = length
		}
		l.errorf(at.key, at.path, "a window is one-off (start and end) or recurring (every and for), not both")
	case !oneOff && !recurring:
		l.errorf(n, path, "missing start and end (a one-off window), or every and for (a recurring one)")
	}
	if tz, ok := f["timezone"]; ok && oneOff && !recurring {
		l.errorf(tz.key, tz.path, "only for recurring windows (every and for); start and end carry their own offset")
		delete(f, "timezone")
	}
	if oneOff {
		l.oneOff(f, n, path, &m, !recurring)
	}
	if recurring {
		l.recurring(f, n, path, &m, !oneOff)
	}
	return m, nameNode, refs
}

// oneOff reads start and end; keep says whether the window is usable.
func (l *loader) oneOff(f map[string]field, n *yaml.Node, path string, m *Maintenance, keep bool) {
	start, okStart := l.timestamp(f, "start", n, path)
	end, okEnd := l.timestamp(f, "end", n, path)
	if okStart && okEnd && !end.After(start) {
		fl := f["end"]
		l.errorf(fl.val, fl.path, "end must be after start (%s)", start.Format(time.RFC3339))
		return
	}
	if keep && okStart && okEnd {
		m.Start, m.End = start, end
	}
}

// timestamp reads an RFC 3339 time, reporting a missing one at the window.
func (l *loader) timestamp(f map[string]field, key string, n *yaml.Node, path string) (time.Time, bool) {
	fl, ok := f[key]
	if !ok {
		l.errorf(n, path, "missing %s: a one-off window needs start and end", key)
		return time.Time{}, false
	}
	const want = "a time with its offset, such as 2026-12-01T22:00:00+09:00 (RFC 3339)"
	s, ok := l.text(fl.val, fl.path, want)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		l.errorf(fl.val, fl.path, "want %s, got %s", want, quote(s))
		return time.Time{}, false
	}
	return t, true
}

// recurring reads every, for and timezone; keep says whether the window is usable.
func (l *loader) recurring(f map[string]field, n *yaml.Node, path string, m *Maintenance, keep bool) {
	var rec recurrence
	okEvery, okFor := false, false
	if fl, ok := f["every"]; ok {
		if s, ok := l.text(fl.val, fl.path, everyForm); ok {
			var problem string
			if rec, problem = parseEvery(s); problem != "" {
				l.errorf(fl.val, fl.path, "%s", problem)
			} else {
				m.Every, okEvery = s, true
			}
		}
	} else {
		l.errorf(n, path, "missing every: when each occurrence starts, e.g. \"sat 02:00\"")
	}
	if fl, ok := f["for"]; ok {
		if d, ok := l.duration(fl.val, fl.path, true); ok {
			if d > maxWindow {
				l.errorf(fl.val, fl.path, "must be at most %s, got %s", formatDuration(maxWindow), formatDuration(d))
			} else {
				m.For, okFor = d, true
			}
		}
	} else {
		l.errorf(n, path, "missing for: how long each occurrence lasts, e.g. 2h")
	}
	loc, okZone := time.Local, true
	if fl, ok := f["timezone"]; ok {
		loc, okZone = l.zone(fl)
	}
	if !keep || !okEvery || !okFor || !okZone {
		m.Every, m.For = "", 0
		return
	}
	m.Location = loc
	d := m.For
	m.occurs = func(t time.Time) bool { return rec.covers(t, d, loc) }
}

// zone reads an IANA time zone name.
func (l *loader) zone(fl field) (*time.Location, bool) {
	const want = "an IANA time zone such as Europe/Berlin or America/New_York"
	s, ok := l.text(fl.val, fl.path, want)
	if !ok {
		return nil, false
	}
	if s == "" {
		l.errorf(fl.val, fl.path, "is empty: want %s, or no timezone for the local zone", want)
		return nil, false
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		l.errorf(fl.val, fl.path, "unknown time zone %s: want %s", quote(s), want)
		return nil, false
	}
	return loc, true
}
