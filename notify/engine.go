// Package notify decides who is told what: it turns a monitor's events into alerts for each
// sender, after the config's rules (the events each sender wants, reminders, maintenance
// windows, dependencies), and hands them, with the events that caused them, to one sink that
// commits them to the outbox and queues them for delivery.
//
// It sits between the monitor and the senders: it knows the config and the tracked state
// (track), builds alert.Alerts, and leaves storing and sending to its caller, so package alert
// stays free of the config and history free of alerts.
package notify

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// DefaultMinGap is the least time between two down alerts of one service to one sender: a
// service that flaps inside it sends one down (and its up) rather than a storm; a second
// outage that is still going on when the gap has passed is sent then.
const DefaultMinGap = time.Minute

// Rule is one sender as the engine sees it: its name and what it wants.
type Rule struct {
	// Name is the sender's name (the config's alerts[].name).
	Name string
	// On are the events the sender wants; nil is down and up.
	On []alert.Event
	// Repeat re-sends a reminder this often while a service stays down; 0 never does.
	Repeat time.Duration
	// Every makes the sender get every service's alerts, whatever services[].alerts says: the
	// live monitor's own terminal.
	Every bool
	// Resend marks a sender whose destination forgets a firing alert (Alertmanager): after a
	// restart, Seed returns the open outages' down alerts for it again.
	Resend bool
}

// Sends reports whether the rule's sender gets svc's alerts: every service's for Every, else
// those of a service whose alerts: list names it or that has no list.
func (r Rule) Sends(svc config.Service) bool {
	return r.Every || svc.Alerts == nil || slices.Contains(svc.Alerts, r.Name)
}

// RuleOf is the engine's rule for a config alert.
func RuleOf(a config.Alert) Rule {
	r := Rule{Name: a.Name, Repeat: a.Repeat, Resend: a.Type == config.SenderAlertmanager}
	for _, e := range a.On {
		r.On = append(r.On, alert.Event(e))
	}
	return r
}

// Delivery is one alert for one sender.
type Delivery struct {
	Alert  alert.Alert
	Sender string
}

// Started is what the engine made of an outage a result starts: whether it began quiet (in a
// maintenance window or silenced: stored marked maintenance) and the dependency it is put down
// to ("" for none).
type Started struct {
	Maintenance bool
	Via         string
	// Reattributed is set when the result started no outage but changed what the open one is
	// put down to, to Via: "" when the dependency recovered and the service still fails (its
	// own outage now), another dependency when that one is still failing, a dependency when a
	// quiet outage's window ended while one was down. The
	// stored outage must follow, or a restart and `uptty incidents` say "(via NAME)" still.
	Reattributed bool
}

// Sink receives a check's result and events with what the engine made of them: how an outage
// they start began, and the alerts to send. A reminder comes with
// a zero check and no events. It is called in order, from one goroutine at a time, and must not
// block: it runs on the monitor's scheduler.
type Sink func(name string, c track.Check, events []track.Event, started Started, out []Delivery)

// Options configure an Engine.
type Options struct {
	Services    []config.Service
	Rules       []Rule
	Maintenance []config.Maintenance
	// Quiet, when set, is the maintenance windows and silences to heed (shared with the
	// screen); nil makes one of Services and Maintenance.
	Quiet *Quiet
	// Vias are the dependencies open outages were put down to before a restart, by service
	// (history keeps them): Seed restores DOWN (via NAME).
	Vias map[string]string
	// Acks are the acks of open outages before a restart, by service (history keeps them):
	// Seed restores those whose outage is still the one going on.
	Acks map[string]track.Ack
	// Reminders, when set, says how many reminders of the down alert id sender was given
	// before a restart (the outbox keeps them): Seed numbers the next ones on from there, so
	// that no two reminders share an id.
	Reminders func(id, sender string) int
	// MinGap is the flap damping gap (see DefaultMinGap); negative for none.
	MinGap time.Duration
	// Now is the clock for maintenance windows and reminders; nil is time.Now.
	Now  func() time.Time
	Sink Sink
}

// Engine turns events into alerts. Its methods are safe for concurrent use: OnResult is called
// by the monitor's scheduler, Run by a goroutine of its own, Via by the UI.
type Engine struct {
	now   func() time.Time
	sink  Sink
	quiet *Quiet
	vias  map[string]string
	acks  map[string]track.Ack
	// reminders is Options.Reminders.
	reminders func(id, sender string) int
	rules     []Rule

	mu       sync.Mutex
	services map[string]*service
	policies map[string]*alert.Policy // by sender
	wake     chan struct{}
}

// service is what the engine knows of one service.
type service struct {
	name, group string
	senders     []string
	ties        *ties       // nil while it has no dependency, no dependent and no hit
	open        *openOutage // nil while no outage is going on

	state track.State
	upAt  time.Time // when it last stopped failing
	// degradedAt is when it last became DEGRADED.
	degradedAt time.Time
}

// openOutage is what the engine knows of a service's outage while it lasts: out of line, as
// most services have none, and inline it was 88 of every service's 208 bytes of heap.
type openOutage struct {
	outage track.Outage
	via    string // the dependency that was failing when it began: no alert of its own
	maint  bool   // it began in a maintenance window
	// ack is its acknowledgement, nil when none: no reminders while it holds.
	ack *track.Ack
}

// down reports whether an outage is going on.
func (s *service) down() bool { return s.open != nil }

// via is the dependency the outage going on was put down to, "" for none.
func (s *service) via() string {
	if s.open == nil {
		return ""
	}
	return s.open.via
}

// maint reports whether the outage going on began in a maintenance window.
func (s *service) maint() bool { return s.open != nil && s.open.maint }

// ties are a service's dependencies and dependents, out of line: most services have none, and
// three slices in every service were 72 of its 280 bytes of heap.
type ties struct {
	needs      []string // depends_on
	dependents []string // the services that depend on this one, in config order
	// hit are the dependents whose outages were put down to this one during its outage, for
	// its up alert, whether or not they are still down by then.
	hit []string
}

// tie returns s's ties, made if it has none yet.
func (s *service) tie() *ties {
	if s.ties == nil {
		s.ties = &ties{}
	}
	return s.ties
}

func (s *service) needs() []string {
	if s.ties == nil {
		return nil
	}
	return s.ties.needs
}

func (s *service) dependents() []string {
	if s.ties == nil {
		return nil
	}
	return s.ties.dependents
}

func (s *service) hit() []string {
	if s.ties == nil {
		return nil
	}
	return s.ties.hit
}

// setNeeds makes needs s's dependencies, and forgets its dependents (the caller lists them
// again); the dependents its outage hit stay.
func (s *service) setNeeds(needs []string) {
	if s.ties != nil {
		s.ties.needs, s.ties.dependents = nil, nil
	}
	if len(needs) > 0 {
		s.tie().needs = needs
	}
}

func (s *service) clearHit() {
	if s.ties != nil {
		s.ties.hit = nil
	}
}

func (s *service) failing() bool { return s.state == track.Down || s.state == track.Pending }

// New returns an engine; nothing runs until Run, which sends reminders and held alerts.
func New(opt Options) *Engine {
	e := &Engine{
		now: opt.Now, sink: opt.Sink, quiet: opt.Quiet, vias: opt.Vias, acks: opt.Acks, rules: opt.Rules,
		reminders: opt.Reminders,
		services:  make(map[string]*service, len(opt.Services)),
		policies:  make(map[string]*alert.Policy, len(opt.Rules)),
		wake:      make(chan struct{}, 1),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.sink == nil {
		e.sink = func(string, track.Check, []track.Event, Started, []Delivery) {}
	}
	if e.quiet == nil {
		e.quiet = NewQuiet(opt.Services, opt.Maintenance)
	}
	gap := opt.MinGap
	if gap == 0 {
		gap = DefaultMinGap
	}
	for _, r := range opt.Rules {
		e.policies[r.Name] = &alert.Policy{On: r.On, Repeat: r.Repeat, MinGap: max(gap, 0)}
	}
	for _, c := range opt.Services {
		s := &service{name: c.Name, group: c.Group}
		s.setNeeds(c.DependsOn)
		for _, r := range opt.Rules {
			if r.Sends(c) {
				s.senders = append(s.senders, r.Name)
			}
		}
		e.services[c.Name] = s
	}
	for _, c := range opt.Services {
		for _, need := range c.DependsOn {
			if d := e.services[need]; d != nil {
				d.tie().dependents = append(d.tie().dependents, c.Name)
			}
		}
	}
	return e
}

// Seed tells the engine what the services showed when the monitor started, restored from
// history: the recovery of an outage going on is alerted to each sender that was given its
// down alert before the restart (known reports that, from the outbox; nil takes every sender),
// and not to those that never were (maintenance, a dependency). It returns the down alerts to
// send again to Resend senders.
func (e *Engine) Seed(statuses map[string]track.Status, known func(id, sender string) bool) []Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seed(statuses, e.vias, e.acks, known)
}

// Resume is Seed for services a reload brought back (removed by an earlier reload, their
// outage left open in history), with the vias and acks history holds for them now: without
// it the engine took such a service for one that never failed, so `a` found no outage to
// acknowledge, its ack and DOWN (via NAME) were gone and its reminders stopped.
func (e *Engine) Resume(statuses map[string]track.Status, vias map[string]string, acks map[string]track.Ack,
	known func(id, sender string) bool) []Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seed(statuses, vias, acks, known)
}

// seed is Seed with the vias and acks to restore; e.mu must be held.
func (e *Engine) seed(statuses map[string]track.Status, vias map[string]string, acks map[string]track.Ack,
	known func(id, sender string) bool) []Delivery {
	now := e.now()
	var again []Delivery
	for name, st := range statuses {
		s := e.services[name]
		if s == nil {
			continue
		}
		s.state = st.State
		o, open := st.OpenOutage()
		if !open {
			continue
		}
		s.open = &openOutage{outage: o}
		if via := vias[name]; e.services[via] != nil && slices.Contains(s.needs(), via) {
			s.open.via = via
		}
		if a, ok := acks[name]; ok && a.Of(o) {
			s.open.ack = &a
		}
		a := e.downAlert(s, o, now)
		for _, sender := range s.senders {
			if known != nil && !known(a.ID, sender) {
				continue
			}
			e.policies[sender].Admit(now, a)
			if e.reminders != nil {
				e.policies[sender].Reminded(name, e.reminders(a.ID, sender))
			}
			if e.rule(sender).Resend {
				again = append(again, Delivery{Alert: a, Sender: sender})
			}
		}
	}
	return again
}

func (e *Engine) rule(name string) Rule {
	for _, r := range e.rules {
		if r.Name == name {
			return r
		}
	}
	return Rule{}
}

// Quiet is the maintenance windows and silences the engine heeds.
func (e *Engine) Quiet() *Quiet { return e.quiet }

// Mark is the service's MAINT or SILENCED mark now.
func (e *Engine) Mark(name string) Mark { return e.quiet.Mark(name, e.now()) }

// Via returns the dependency the service named name is down because of, "" when it is not
// down or down on its own: the screen shows DOWN (via NAME).
func (e *Engine) Via(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.services[name]; s != nil && s.down() && e.viaHolds(s) {
		return s.via()
	}
	return ""
}

// Sends reports whether the alerts of the service named service go to sender: false for a
// service the config does not have, or whose alerts: list leaves the sender out.
func (e *Engine) Sends(service, sender string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.services[service]
	return s != nil && slices.Contains(s.senders, sender)
}

// viaHolds reports whether the dependency s's outage was put down to is still one of its
// dependencies: a reload that removed it, or only the depends_on, makes the outage s's own.
func (e *Engine) viaHolds(s *service) bool {
	via := s.via()
	return via != "" && e.services[via] != nil && slices.Contains(s.needs(), via)
}

// OnResult is the monitor's Options.OnResult: it makes the alerts a result's events call for
// and hands everything to the sink.
func (e *Engine) OnResult(name string, c track.Check, events []track.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.services[name]
	if s == nil || len(events) == 0 && (s.via() == "" && !s.maint() || c.OK) {
		e.sink(name, c, events, Started{}, nil)
		return
	}
	now := e.now()
	var out []Delivery
	var started Started
	for _, ev := range events {
		switch ev.Kind {
		case track.StateChanged:
			if s.failing() && ev.To != track.Down && ev.To != track.Pending {
				s.upAt = ev.At
			}
			if ev.From == track.Degraded && ev.To == track.Up && !s.down() {
				out = e.clearDegraded(out, s, ev.At)
			}
			s.state = ev.To
			if ev.To == track.Degraded {
				s.degradedAt = ev.At
			}
			if ev.To == track.Degraded && !e.inMaintenance(s, now) {
				a := alert.Alert{ID: alert.NewID(name, alert.EventDegraded, ev.At), Event: alert.EventDegraded,
					Service: name, Group: s.group, State: ev.To.String(), Reason: ev.Reason, Start: ev.At, At: ev.At}
				out = e.admit(out, s, now, a)
			}
		case track.OutageStarted:
			s.open = &openOutage{outage: ev.Outage}
			s.clearHit()
			if s.open.maint = e.inMaintenance(s, now); s.open.maint {
				started.Maintenance = true
				continue
			}
			if via := e.failingNeed(s); via != "" {
				started.Via = via
				e.putDownTo(s, via)
				continue
			}
			a := e.downAlert(s, ev.Outage, ev.At)
			a.Dependents = e.affected(s)
			out = e.admit(out, s, now, a)
		case track.OutageEnded:
			o := ev.Outage
			end := o.End
			a := alert.Alert{ID: alert.NewID(name, alert.EventUp, o.Start), Event: alert.EventUp,
				Service: name, Group: s.group, State: track.Up.String(), Reason: o.Cause,
				Start: o.Start, End: &end, Duration: end.Sub(o.Start), At: ev.At,
				Dependents: s.hit(), Maintenance: s.maint()}
			s.open = nil
			s.clearHit()
			// The policy drops an up whose down was never sent (maintenance, a dependency).
			out = e.admit(out, s, now, a)
		}
	}
	// Down because of a dependency that has recovered since (or that a reload took away), and
	// failing a check that began after that: put down to another dependency still failing, or
	// else the outage is its own now, and alerted as such.
	if s.via() != "" && !c.OK && !c.Start.IsZero() {
		if d := e.services[s.via()]; !e.viaHolds(s) || !d.failing() && c.Start.After(d.upAt) {
			s.open.via = ""
			started = Started{Maintenance: started.Maintenance, Reattributed: true}
			if via := e.failingNeed(s); via != "" {
				started.Via = via
				e.putDownTo(s, via)
			} else {
				out = e.admit(out, s, now, e.downAlert(s, s.open.outage, c.Start))
			}
		}
	}
	// Down since a maintenance window or a silence that has ended, and failing a check after
	// its end: the outage is alerted now (from its start), so that a deploy that broke a
	// service does not leave it silent for good. It stays stored as maintenance: it began so.
	if s.maint() && !c.OK && !c.Start.IsZero() && !e.inMaintenance(s, now) {
		s.open.maint = false
		if via := e.failingNeed(s); via == "" {
			out = e.admit(out, s, now, e.downAlert(s, s.open.outage, c.Start))
		} else {
			started = Started{Maintenance: started.Maintenance, Via: via, Reattributed: true}
			e.putDownTo(s, via)
		}
	}
	e.sink(name, c, events, started, out)
	if len(out) > 0 {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
}

// clearDegraded resolves a degraded alert at a Resend sender (Alertmanager) when the service is
// UP again: that sender re-posts a firing alert until an up alert comes, and without an outage
// no up would. Other senders are not told: an up after a degradation would read as a recovery
// from an outage that never was.
func (e *Engine) clearDegraded(out []Delivery, s *service, at time.Time) []Delivery {
	for _, sender := range s.senders {
		r := e.rule(sender)
		if !r.Resend || !slices.Contains(r.On, alert.EventDegraded) {
			continue
		}
		end := at
		out = append(out, Delivery{Sender: sender, Alert: alert.Alert{
			ID: alert.NewID(s.name, alert.EventUp, s.degradedAt), Event: alert.EventUp, Service: s.name,
			Group: s.group, State: track.Up.String(), Start: s.degradedAt, End: &end,
			Duration: at.Sub(s.degradedAt), At: at}})
	}
	return out
}

// downAlert is the down alert of an outage, as of at.
func (e *Engine) downAlert(s *service, o track.Outage, at time.Time) alert.Alert {
	return alert.Alert{ID: alert.NewID(s.name, alert.EventDown, o.Start), Event: alert.EventDown,
		Service: s.name, Group: s.group, State: track.Down.String(), Reason: o.Cause,
		Start: o.Start, Duration: at.Sub(o.Start), At: at}
}

// admit passes a through the policy of each of s's senders.
func (e *Engine) admit(out []Delivery, s *service, now time.Time, a alert.Alert) []Delivery {
	for _, sender := range s.senders {
		for _, x := range e.policies[sender].Admit(now, a) {
			out = append(out, Delivery{Alert: x, Sender: sender})
		}
	}
	return out
}

// inMaintenance reports whether s is quiet at t: a maintenance window covering it is open, or
// it is silenced.
func (e *Engine) inMaintenance(s *service, t time.Time) bool {
	return e.quiet.Mark(s.name, t).Quiet()
}

// putDownTo puts s's open outage down to its dependency via, which lists s among the
// dependents its outage hit (for its up alert).
func (e *Engine) putDownTo(s *service, via string) {
	s.open.via = via
	if d := e.services[via]; !slices.Contains(d.hit(), s.name) {
		d.tie().hit = append(d.tie().hit, s.name)
	}
}

// failingNeed is the first of s's dependencies that is failing (DOWN first, then PENDING, which
// is on its way and usually the same cause), "" when none is.
func (e *Engine) failingNeed(s *service) string {
	pending := ""
	for _, need := range s.needs() {
		d := e.services[need]
		switch {
		case d == nil:
		case d.state == track.Down:
			return need
		case d.state == track.Pending && pending == "":
			pending = need
		}
	}
	return pending
}

// affected lists the services that depend on s and are failing now.
func (e *Engine) affected(s *service) []string {
	var list []string
	for _, name := range s.dependents() {
		if e.services[name].failing() {
			list = append(list, name)
		}
	}
	return list
}

// Run sends reminders and held alerts when they are due, until ctx is done.
func (e *Engine) Run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		e.mu.Lock()
		next := time.Time{}
		for _, p := range e.policies {
			if n := p.Next(); !n.IsZero() && (next.IsZero() || n.Before(next)) {
				next = n
			}
		}
		e.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-e.wake: // something was admitted: Next may be sooner
			continue
		case <-timer.C:
		}
		e.due()
	}
}

// due sends what the policies have due now, service by service.
func (e *Engine) due() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	by := map[string][]Delivery{}
	var order []string
	for _, r := range e.rules {
		for _, a := range e.policies[r.Name].Due(now) {
			s := e.services[a.Service]
			if s == nil || !s.down() || s.via() != "" || e.inMaintenance(s, now) {
				continue
			}
			// Acknowledged: someone is on it, reminders would only be noise. A held down
			// alert (flap damping) still goes: its receivers have not heard of the outage.
			if s.open.ack != nil && a.ID != alert.NewID(a.Service, alert.EventDown, a.Start) {
				continue
			}
			if _, ok := by[a.Service]; !ok {
				order = append(order, a.Service)
			}
			by[a.Service] = append(by[a.Service], Delivery{Alert: a, Sender: r.Name})
		}
	}
	for _, name := range order {
		e.sink(name, track.Check{}, nil, Started{}, by[name])
	}
}
