package serve

import "github.com/uptty/uptty/config"

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
