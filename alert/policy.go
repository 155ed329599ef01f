package alert

import (
	"slices"
	"time"
)

// Policy decides which alerts one sender gets for each service: the events it wants, reminders
// while a service stays down, and a minimum gap between down alerts so that a flapping service
// cannot storm the receiver. Time is an input: the owner calls Admit for each alert it builds
// and Due when Next comes, from one goroutine (the monitor's).
//
// Flap damping: a down alert that comes less than MinGap after the last down alert sent for
// the service is held back. If the service comes up before the gap has passed, the held down
// and its up are both dropped (the blip is in the history, not in the receiver's channel);
// if it is still down when the gap has passed, Due releases the held alert, with its own id
// and start, its At and Duration as of its release. An up whose down was sent is never dropped, so a receiver is never left
// believing a service is down that is up.
type Policy struct {
	// On are the events the sender wants; nil is down and up.
	On []Event
	// Repeat re-sends a reminder every Repeat while a service stays down; 0 never does.
	Repeat time.Duration
	// MinGap is the least time between two down alerts for one service; 0 is no damping.
	MinGap time.Duration

	services map[string]*serviceAlerts
}

// serviceAlerts is what a Policy remembers of one service.
type serviceAlerts struct {
	down       *Alert    // the down alert sent, while the service is down
	held       *Alert    // a down alert held back by MinGap
	lastDown   time.Time // when the last down alert was sent
	nextRepeat time.Time
	repeats    int
}

func (p *Policy) wants(e Event) bool {
	if p.On == nil {
		return e == EventDown || e == EventUp
	}
	return slices.Contains(p.On, e)
}

func (p *Policy) service(name string) *serviceAlerts {
	if p.services == nil {
		p.services = map[string]*serviceAlerts{}
	}
	s := p.services[name]
	if s == nil {
		s = &serviceAlerts{}
		p.services[name] = s
	}
	return s
}

// Admit takes an alert built at now and returns what to send for it now: the alert, or
// nothing when the sender does not want it or it is held back.
func (p *Policy) Admit(now time.Time, a Alert) []Alert {
	s := p.service(a.Service)
	switch a.Event {
	case EventDown:
		if !p.wants(EventDown) {
			return nil
		}
		if p.MinGap > 0 && !s.lastDown.IsZero() && now.Sub(s.lastDown) < p.MinGap {
			s.held = &a
			return nil
		}
		return []Alert{s.sendDown(now, a, p.Repeat)}
	case EventUp:
		if s.held != nil {
			s.held = nil
			return nil
		}
		sent := s.down != nil
		s.down = nil
		if !p.wants(EventUp) || !sent && p.wants(EventDown) {
			return nil
		}
		return []Alert{a}
	default:
		if !p.wants(a.Event) {
			return nil
		}
		return []Alert{a}
	}
}

// sendDown records a down alert as sent at now.
func (s *serviceAlerts) sendDown(now time.Time, a Alert, repeat time.Duration) Alert {
	s.down, s.held, s.lastDown, s.repeats = &a, nil, now, 0
	s.nextRepeat = now.Add(repeat)
	return a
}

// Reminded says that n reminders of the service's down alert were sent before, by an earlier
// run: the next is the n+1th, so that no two reminders share an id.
func (p *Policy) Reminded(service string, n int) {
	if s := p.services[service]; s != nil && s.down != nil && n > s.repeats {
		s.repeats = n
	}
}

// Due returns what is to be sent at now: held down alerts whose gap has passed, and reminders
// for services still down (each a new alert, RepeatID(id, n), with At and Duration as of now).
// Services come in name order.
func (p *Policy) Due(now time.Time) []Alert {
	var out []Alert
	names := make([]string, 0, len(p.services))
	for name := range p.services {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := p.services[name]
		if s.held != nil && now.Sub(s.lastDown) >= p.MinGap {
			r := *s.held
			r.At, r.Duration = now, now.Sub(r.Start)
			out = append(out, s.sendDown(now, r, p.Repeat))
			continue
		}
		if s.down != nil && p.Repeat > 0 && !now.Before(s.nextRepeat) {
			s.repeats++
			r := *s.down
			r.ID, r.At, r.Duration = RepeatID(s.down.ID, s.repeats), now, now.Sub(r.Start)
			s.nextRepeat = now.Add(p.Repeat)
			out = append(out, r)
		}
	}
	return out
}

// Next is when Due next has something to send; zero when nothing is pending.
func (p *Policy) Next() time.Time {
	var next time.Time
	earlier := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, s := range p.services {
		if s.held != nil {
			earlier(s.lastDown.Add(p.MinGap))
		} else if s.down != nil && p.Repeat > 0 {
			earlier(s.nextRepeat)
		}
	}
	return next
}
