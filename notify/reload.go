package notify

import (
	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
)

// Reconfigure applies a reloaded config's services, rules and maintenance windows. A service
// whose name stays keeps what the engine knows of it (its outage, the alerts sent for it); a
// new one starts as unknown; a removed one is forgotten. A rule whose sender stays keeps its
// sent alerts and reminders, with its new wants; rules are only for the senders the engine was
// made with when the caller cannot add senders (it passes only those).
func (e *Engine) Reconfigure(services []config.Service, rules []Rule, maintenance []config.Maintenance) {
	e.mu.Lock()
	defer e.mu.Unlock()
	gap := DefaultMinGap
	for _, p := range e.policies {
		gap = p.MinGap
		break
	}
	policies := make(map[string]*alert.Policy, len(rules))
	for _, r := range rules {
		p := e.policies[r.Name]
		if p == nil {
			p = &alert.Policy{MinGap: gap}
		}
		p.On, p.Repeat = r.On, r.Repeat
		policies[r.Name] = p
	}
	known := make(map[string]*service, len(services))
	for _, c := range services {
		s := e.services[c.Name]
		if s == nil {
			s = &service{name: c.Name}
		}
		s.group, s.senders = c.Group, nil
		s.setNeeds(c.DependsOn)
		for _, r := range rules {
			if r.Sends(c) {
				s.senders = append(s.senders, r.Name)
			}
		}
		known[c.Name] = s
	}
	for _, c := range services {
		for _, need := range c.DependsOn {
			if d := known[need]; d != nil {
				d.tie().dependents = append(d.tie().dependents, c.Name)
			}
		}
	}
	e.services, e.policies, e.rules = known, policies, rules
	e.quiet.SetConfig(services, maintenance)
	select {
	case e.wake <- struct{}{}: // reminders may be due sooner, or no more
	default:
	}
}
