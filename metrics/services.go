package metrics

import (
	"sync"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// Blackbox phase names of probe_http_duration_seconds for the phases uptty times. uptty's
// latency ends with the response headers, so there is no "transfer" phase; "redirects" (the
// time before the last request of a chain) has no blackbox name and is left out.
var httpPhases = [...]struct{ ours, theirs string }{
	{probe.PhaseDNS, "resolve"},
	{probe.PhaseConnect, "connect"},
	{probe.PhaseTLS, "tls"},
	{probe.PhaseFirstByte, "processing"},
}

// allStates are the label values of uptty_service_state, in this order.
var allStates = [...]track.State{track.Unknown, track.Up, track.Degraded, track.Pending, track.Down, track.Paused}

// The label pairs every service shares: its states', its HTTP phases' and the ping's phase.
var (
	statePairs [len(allStates)]string
	phasePairs [len(httpPhases)]string
	rttPair    = pair("phase", "rtt")
)

func init() {
	for i, st := range allStates {
		statePairs[i] = pair("state", st.Lower())
	}
	for i, p := range httpPhases {
		phasePairs[i] = pair("phase", p.theirs)
	}
}

// serviceLabels are the labels of a service's series, each written as in the page: head its
// group and kind (and the location), svc its service label. They are in label-name order
// when a phase goes between the two and a state after them, as Prometheus's client library
// wrote them. On /probe both are empty: blackbox_exporter's series have no labels of their own.
type serviceLabels struct{ head, svc string }

// services keeps the labels of every service between scrapes: its service label, and its group
// and kind (and the location), which are shared by the services that have the same.
type services struct {
	location string // its pair, "" for none

	mu      sync.Mutex
	heads   map[[2]string]string // by group and kind
	labels  map[*config.Service]serviceLabels
	scratch map[*config.Service]serviceLabels
}

func newServices(location string) *services {
	c := &services{heads: map[[2]string]string{},
		labels: map[*config.Service]serviceLabels{}, scratch: map[*config.Service]serviceLabels{}}
	if location != "" {
		c.location = pair("location", location)
	}
	return c
}

// labelsOf makes s's labels, its name and group masked of their secrets.
func (c *services) labelsOf(s *config.Service) serviceLabels {
	group := s.Secrets.Mask(s.Group)
	head, ok := c.heads[[2]string{group, string(s.Kind)}]
	if !ok {
		head = pair("group", group) + "," + pair("kind", string(s.Kind))
		if c.location != "" {
			head += "," + c.location
		}
		c.heads[[2]string{group, string(s.Kind)}] = head
	}
	return serviceLabels{head: head, svc: pair("service", s.Secrets.Mask(s.Name))}
}

// read puts src's readings and their labels in s.
func (c *services) read(src Source, s *scrape) {
	// The readings are not kept for the next scrape: with their status, about 0.8 KB a
	// service for the whole run.
	s.readings = src.Readings(nil)
	s.labels = make([]serviceLabels, len(s.readings))
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.scratch)
	for i := range s.readings {
		svc := s.readings[i].Service
		l, ok := c.labels[svc]
		if !ok {
			l = c.labelsOf(svc)
		}
		c.scratch[svc] = l
		s.labels[i] = l
	}
	// Only the services of this scrape stay, so that a reload's old ones go away.
	c.labels, c.scratch = c.scratch, c.labels
}

// perService is a family with series for each service, as series writes them for one.
func perService(name, typ, help string, series func(p *page, r *monitor.Reading, l serviceLabels)) family {
	return family{name: name, typ: typ, help: help, write: func(p *page, s *scrape) {
		for i := range s.readings {
			series(p, &s.readings[i], s.labels[i])
		}
	}}
}

// perCheck is a family of probe_* series: those of each service's last check. A paused
// service's last check is old news: its probe series go away, as they would for a blackbox
// target no longer scraped, and alert rules on them resolve.
func perCheck(name, help string, series func(p *page, r *monitor.Reading, l serviceLabels)) family {
	return perService(name, "gauge", help, func(p *page, r *monitor.Reading, l serviceLabels) {
		if r.HasLast && r.Status.State != track.Paused {
			series(p, r, l)
		}
	})
}

// serviceFamilies are the per-service families; the probe_* ones are also /probe's.
var serviceFamilies = []family{
	perCheck("probe_success", "Whether the service's last check passed (1) or failed (0).",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			p.sample("probe_success", bool01(r.Last.OK), l.head, l.svc)
		}),
	perCheck("probe_duration_seconds", "The last check's latency (for HTTP: until the response headers).",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			p.sample("probe_duration_seconds", r.Last.Latency.Seconds(), l.head, l.svc)
		}),
	perCheck("probe_http_status_code", "The last check's final HTTP status code; 0 when no response came.",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			switch r.Service.Kind {
			case probe.KindHTTP, probe.KindWS:
				p.sample("probe_http_status_code", float64(r.Last.StatusCode), l.head, l.svc)
			}
		}),
	perCheck("probe_http_duration_seconds", "The last HTTP check's time per phase (of its last request).",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			if r.Service.Kind == probe.KindHTTP {
				for i, ph := range httpPhases {
					p.sample("probe_http_duration_seconds", phase(r.Last.Phases, ph.ours).Seconds(), l.head, phasePairs[i], l.svc)
				}
			}
		}),
	perCheck("probe_ssl_earliest_cert_expiry", "When the first certificate the server presented expires, in Unix seconds.",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			if !r.Last.CertExpiry.IsZero() {
				p.sample("probe_ssl_earliest_cert_expiry", seconds(r.Last.CertExpiry), l.head, l.svc)
			}
		}),
	perCheck("probe_dns_lookup_time_seconds", "The last check's time resolving the target's name.",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			for _, ph := range r.Last.Phases {
				if ph.Name == probe.PhaseDNS {
					p.sample("probe_dns_lookup_time_seconds", ph.Duration.Seconds(), l.head, l.svc)
					break
				}
			}
		}),
	perCheck("probe_icmp_duration_seconds", "The last ping check's mean round-trip time.",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			if r.Service.Kind == probe.KindICMP {
				rtt := 0.0
				if r.Last.OK {
					rtt = r.Last.Latency.Seconds()
				}
				p.sample("probe_icmp_duration_seconds", rtt, l.head, rttPair, l.svc)
			}
		}),
	perService("uptty_service_state", "gauge", "The service's state, one-hot: 1 for the state it is in, 0 for the others.",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			for i, st := range allStates {
				p.sample("uptty_service_state", bool01(r.Status.State == st), l.head, l.svc, statePairs[i])
			}
		}),
	perService("uptty_outage_start_timestamp_seconds", "gauge",
		"When the outage going on began (the first failed check of its streak), in Unix seconds; absent when there is none.",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			if o, open := r.Status.OpenOutage(); open {
				p.sample("uptty_outage_start_timestamp_seconds", seconds(o.Start), l.head, l.svc)
			}
		}),
	perService("uptty_outages_total", "counter", "Outages the service has had, over all its history.",
		func(p *page, r *monitor.Reading, l serviceLabels) {
			p.sample("uptty_outages_total", float64(r.Outages), l.head, l.svc)
		}),
}

// phase is the duration of the phase named name, 0 when the check did not go through it.
func phase(ps []track.Phase, name string) time.Duration {
	for _, p := range ps {
		if p.Name == name {
			return p.Duration
		}
	}
	return 0
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
