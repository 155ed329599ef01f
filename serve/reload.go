package serve

import (
	"strings"
	"time"

	"github.com/uptty/uptty/config"
)

// SetServices makes services the list the API shows, after a reload of the config (the caller
// has given the monitor the same list with Monitor.Reconfigure). Every event stream gets a fresh
// snapshot: it is how a client learns that services came or went.
func (s *Server) SetServices(services []config.Service) {
	byName := make(map[string]int, len(services))
	for i, svc := range services {
		byName[svc.Name] = i
	}
	s.svcMu.Lock()
	s.svcs, s.byName = services, byName
	s.svcGen++
	s.svcMu.Unlock()
	s.hub.mu.Lock()
	for c := range s.hub.clients {
		c.mu.Lock()
		c.queue, c.size, c.needSnap = nil, 0, true
		c.mu.Unlock()
	}
	for w := range s.hub.watches {
		w.reloaded()
	}
	s.hub.mu.Unlock()
	s.wantSnapshot()
}

// catalogue is the current service list and its index by name, the one a reload made them
// together; neither may be changed.
func (s *Server) catalogue() ([]config.Service, map[string]int) {
	s.svcMu.RLock()
	defer s.svcMu.RUnlock()
	return s.svcs, s.byName
}

// layout is the current service list's positions by name and its generation, by which a
// byService lays out its values.
func (s *Server) layout() (map[string]int, uint64) {
	s.svcMu.RLock()
	defer s.svcMu.RUnlock()
	return s.byName, s.svcGen
}

// services is the current service list, in the config's order; it must not be changed.
func (s *Server) services() []config.Service {
	s.svcMu.RLock()
	defer s.svcMu.RUnlock()
	return s.svcs
}

// known reports whether a service is named name.
func (s *Server) known(name string) bool {
	s.svcMu.RLock()
	defer s.svcMu.RUnlock()
	_, ok := s.byName[name]
	return ok
}

// reloadOutcome is how a reload of the config went: when it ended and, if it failed, why (one
// line). The zero value is no reload yet.
type reloadOutcome struct {
	at  time.Time
	err string
}

// reloadDoc is a reload's outcome in the status document and in a `reload` event.
type reloadDoc struct {
	At    string `json:"at"`
	Error string `json:"error,omitempty"`
}

func (r reloadOutcome) doc() *reloadDoc {
	if r.at.IsZero() {
		return nil
	}
	return &reloadDoc{At: apiTime(r.at), Error: r.err}
}

// Reloaded tells everyone watching how a reload of the config ended at at: err is why it failed
// and nothing changed, nil for a good one (after SetServices). Every event stream gets a
// `reload` event and every watch a note (Watch.Reload), so that a screen fed by the server
// says `reloaded` or `reload failed: …` as the live monitor's does; the status document keeps
// the last one, so that a screen opened while an error stands says it too.
func (s *Server) Reloaded(at time.Time, err error) {
	r := reloadOutcome{at: at}
	if err != nil {
		r.err = strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	}
	ev := encodeEvent("reload", r.doc())
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.reload = r
	for c := range s.hub.clients {
		c.note(ev)
	}
	for w := range s.hub.watches {
		w.noteReload(r)
	}
}

// lastReload is how the last reload went; zero before the first.
func (s *Server) lastReload() reloadOutcome {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.hub.reload
}
