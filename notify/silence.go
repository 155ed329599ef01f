package notify

import (
	"sync"
	"time"

	"github.com/uptty/uptty/config"
)

// Silence keeps a service, or every service of a group, from alerting until Until: it is still
// checked and drawn, and an outage that begins meanwhile is stored marked maintenance, as in a
// maintenance window.
type Silence struct {
	Group  bool // Name is a group's
	Name   string
	Until  time.Time
	Reason string
}

// Mark is what a service's row says beside its state word: that it is in a maintenance window,
// or silenced, and until when.
type Mark struct {
	Maintenance   bool
	SilencedUntil time.Time // zero when not silenced
	Reason        string    // the silence's reason
}

// Quiet reports whether it is MAINT or SILENCED.
func (m Mark) Quiet() bool { return m.Maintenance || !m.SilencedUntil.IsZero() }

// Quiet is the maintenance windows of the config and the silences in force, by service. Its
// methods are safe for concurrent use: the engine asks it on every state change, the screen
// and the API while drawing, and a poller replaces the silences.
type Quiet struct {
	mu       sync.Mutex
	maint    []config.Maintenance
	groups   map[string]string // a service's group, if it has one
	silences []Silence
}

// NewQuiet returns the quiet times of services: the windows of maint, and no silence yet.
func NewQuiet(services []config.Service, maint []config.Maintenance) *Quiet {
	return &Quiet{maint: maint, groups: groupsOf(services)}
}

// groupsOf maps the services that are in a group to it: the others read "" from it as they
// are, and a map of every service was 80 bytes of heap a service when few have a group.
func groupsOf(services []config.Service) map[string]string {
	groups := map[string]string{}
	for _, s := range services {
		if s.Group != "" {
			groups[s.Name] = s.Group
		}
	}
	return groups
}

// SetConfig replaces the maintenance windows and the services' groups: a reload.
func (q *Quiet) SetConfig(services []config.Service, maint []config.Maintenance) {
	groups := groupsOf(services)
	q.mu.Lock()
	q.maint, q.groups = maint, groups
	q.mu.Unlock()
}

// SetSilences replaces the silences in force.
func (q *Quiet) SetSilences(list []Silence) {
	q.mu.Lock()
	q.silences = list
	q.mu.Unlock()
}

// Mark is the mark of the service named name at now. Of several silences that cover it, the
// one that lasts longest is shown.
func (q *Quiet) Mark(name string, now time.Time) Mark {
	q.mu.Lock()
	defer q.mu.Unlock()
	group := q.groups[name]
	var m Mark
	for _, w := range q.maint {
		if w.Covers(name, group) && w.Active(now) {
			m.Maintenance = true
			break
		}
	}
	for _, s := range q.silences {
		covers := s.Name == name && !s.Group || s.Group && group != "" && s.Name == group
		if covers && s.Until.After(now) && s.Until.After(m.SilencedUntil) {
			m.SilencedUntil, m.Reason = s.Until, s.Reason
		}
	}
	return m
}
