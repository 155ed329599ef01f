package metrics

import (
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"

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

// The per-service families, in the order of families below.
const (
	fSuccess = iota
	fDuration
	fStatus
	fPhase
	fCert
	fDNS
	fICMP
	fState
	fOutageStart
	fOutages
	nFamilies
)

// perService bounds the series one service has: every family once, the phases four times and
// the states six.
const perService = nFamilies + len(httpPhases) - 1 + len(allStates) - 1

var families = [nFamilies]struct {
	name, help string
	typ        dto.MetricType
}{
	fSuccess:     {"probe_success", "Whether the service's last check passed (1) or failed (0).", dto.MetricType_GAUGE},
	fDuration:    {"probe_duration_seconds", "The last check's latency (for HTTP: until the response headers).", dto.MetricType_GAUGE},
	fStatus:      {"probe_http_status_code", "The last check's final HTTP status code; 0 when no response came.", dto.MetricType_GAUGE},
	fPhase:       {"probe_http_duration_seconds", "The last HTTP check's time per phase (of its last request).", dto.MetricType_GAUGE},
	fCert:        {"probe_ssl_earliest_cert_expiry", "When the first certificate the server presented expires, in Unix seconds.", dto.MetricType_GAUGE},
	fDNS:         {"probe_dns_lookup_time_seconds", "The last check's time resolving the target's name.", dto.MetricType_GAUGE},
	fICMP:        {"probe_icmp_duration_seconds", "The last ping check's mean round-trip time.", dto.MetricType_GAUGE},
	fState:       {"uptty_service_state", "The service's state, one-hot: 1 for the state it is in, 0 for the others.", dto.MetricType_GAUGE},
	fOutageStart: {"uptty_outage_start_timestamp_seconds", "When the outage going on began (the first failed check of its streak), in Unix seconds; absent when there is none.", dto.MetricType_GAUGE},
	fOutages:     {"uptty_outages_total", "Outages the service has had, over all its history.", dto.MetricType_COUNTER},
}

// labelSet is the label pairs of one service's series. Each slice is sorted by label name,
// as the exposition wants them.
type labelSet struct {
	base   []*dto.LabelPair // group, kind, location (when set), service
	states [len(allStates)][]*dto.LabelPair
	phases [len(httpPhases)][]*dto.LabelPair
	rtt    []*dto.LabelPair
}

// services builds the per-service families at every scrape straight from the monitor's
// readings. It does not go through prometheus.Collector: a const metric per series costs a
// label-pair allocation, a consistency check and a hash each, and the registry sorts every
// family by label values, which came to 35 ms for 1,000 services. Here label pairs are built
// once and shared, the series of a scrape come from a few slabs, and they go out in the
// config's order, which the exposition formats allow.
//
// Between scrapes it keeps a service's base labels only (its own service pair; the group and
// kind pairs are shared by the services that have them, the state and phase pairs by all): a
// labelSet kept per service was 2.7 KB a service with the readings' buffer, 27 MB at 10,000.
// The slices of states and phases are laid out per scrape in a slab, a copy of a few pointers.
type services struct {
	location *dto.LabelPair // nil for none
	states   [len(allStates)]*dto.LabelPair
	phases   [len(httpPhases)]*dto.LabelPair
	rtt      *dto.LabelPair

	mu      sync.Mutex
	pairs   map[[2]string]*dto.LabelPair // the group and kind pairs, by name and value
	bases   map[*config.Service][]*dto.LabelPair
	scratch map[*config.Service][]*dto.LabelPair
}

func newServices(location string) *services {
	c := &services{pairs: map[[2]string]*dto.LabelPair{},
		bases: map[*config.Service][]*dto.LabelPair{}, scratch: map[*config.Service][]*dto.LabelPair{}}
	if location != "" {
		c.location = pair("location", location)
	}
	for i, st := range allStates {
		c.states[i] = pair("state", st.Lower())
	}
	for i, p := range httpPhases {
		c.phases[i] = pair("phase", p.theirs)
	}
	c.rtt = pair("phase", "rtt")
	return c
}

func pair(name, value string) *dto.LabelPair {
	return &dto.LabelPair{Name: proto.String(name), Value: proto.String(value)}
}

// shared returns the pair name=value, one for all the services that have it.
func (c *services) shared(name, value string) *dto.LabelPair {
	p := c.pairs[[2]string{name, value}]
	if p == nil {
		p = pair(name, value)
		c.pairs[[2]string{name, value}] = p
	}
	return p
}

// baseOf builds s's base label pairs, its name and group masked of their secrets.
func (c *services) baseOf(s *config.Service) []*dto.LabelPair {
	base := make([]*dto.LabelPair, 0, 4)
	base = append(base, c.shared("group", s.Secrets.Mask(s.Group)), c.shared("kind", string(s.Kind)))
	if c.location != nil {
		base = append(base, c.location)
	}
	return append(base, pair("service", s.Secrets.Mask(s.Name)))
}

// labelsOf lays out the label sets of a service whose base labels are base in b, in ls.
func (c *services) labelsOf(b *slab, kind config.Kind, base []*dto.LabelPair, ls *labelSet) {
	ls.base = base
	for i, p := range c.states {
		ls.states[i] = b.with(base, p, false) // "state" sorts after "service"
	}
	switch kind {
	case probe.KindHTTP:
		for i, p := range c.phases {
			ls.phases[i] = b.with(base, p, true) // "phase" sorts before "service"
		}
	case probe.KindICMP:
		ls.rtt = b.with(base, c.rtt, true)
	}
}

// slab hands out the series of one scrape from preallocated arrays.
type slab struct {
	metrics []dto.Metric
	gauges  []dto.Gauge
	counter []dto.Counter
	values  []float64
	labels  []*dto.LabelPair
}

// with returns base with p added, before its last pair or after it.
func (b *slab) with(base []*dto.LabelPair, p *dto.LabelPair, beforeLast bool) []*dto.LabelPair {
	start := len(b.labels)
	if beforeLast {
		b.labels = append(append(append(b.labels, base[:len(base)-1]...), p), base[len(base)-1])
	} else {
		b.labels = append(append(b.labels, base...), p)
	}
	return b.labels[start:len(b.labels):len(b.labels)]
}

// add appends a series to f. It reslices rather than appends, as protobuf messages must not
// be copied.
func (b *slab) add(f *dto.MetricFamily, labels []*dto.LabelPair, v float64) {
	b.values = append(b.values, v)
	value := &b.values[len(b.values)-1]
	b.metrics = b.metrics[:len(b.metrics)+1]
	m := &b.metrics[len(b.metrics)-1]
	m.Label = labels
	if f.GetType() == dto.MetricType_COUNTER {
		b.counter = b.counter[:len(b.counter)+1]
		m.Counter = &b.counter[len(b.counter)-1]
		m.Counter.Value = value
	} else {
		b.gauges = b.gauges[:len(b.gauges)+1]
		m.Gauge = &b.gauges[len(b.gauges)-1]
		m.Gauge.Value = value
	}
	f.Metric = append(f.Metric, m)
}

// families reads src and returns its per-service families, the empty ones left out.
func (c *services) families(src Source) []*dto.MetricFamily {
	c.mu.Lock()
	defer c.mu.Unlock()
	// The readings are not kept for the next scrape: with their status, about 0.8 KB a
	// service for the whole run.
	buf := src.Readings(nil)
	n := len(buf)
	// The slabs are never grown, so that the pointers into them stay valid.
	b := &slab{
		metrics: make([]dto.Metric, 0, n*perService),
		gauges:  make([]dto.Gauge, 0, n*perService),
		counter: make([]dto.Counter, 0, n),
		values:  make([]float64, 0, n*perService),
		labels:  make([]*dto.LabelPair, 0, n*(len(allStates)+len(httpPhases))*5),
	}
	fams := newFamilies(n)
	clear(c.scratch)
	var ls labelSet
	for i := range buf {
		r := &buf[i]
		base := c.bases[r.Service]
		if base == nil {
			base = c.baseOf(r.Service)
		}
		c.scratch[r.Service] = base
		c.labelsOf(b, r.Service.Kind, base, &ls)
		add(b, fams, r, &ls)
	}
	// Only the services of this scrape stay cached, so that a reload's old ones go away.
	c.bases, c.scratch = c.scratch, c.bases
	return nonEmpty(fams)
}

// newFamilies returns empty families, with room for n services' states and outages.
func newFamilies(n int) *[nFamilies]*dto.MetricFamily {
	var fams [nFamilies]*dto.MetricFamily
	for i, f := range families {
		fams[i] = &dto.MetricFamily{Name: proto.String(f.name), Help: proto.String(f.help), Type: f.typ.Enum()}
	}
	fams[fState].Metric = make([]*dto.Metric, 0, n*len(allStates))
	fams[fOutages].Metric = make([]*dto.Metric, 0, n)
	return &fams
}

// nonEmpty returns the families that have series.
func nonEmpty(fams *[nFamilies]*dto.MetricFamily) []*dto.MetricFamily {
	out := make([]*dto.MetricFamily, 0, nFamilies)
	for _, f := range fams {
		if len(f.Metric) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// add adds one service's series.
func add(b *slab, fams *[nFamilies]*dto.MetricFamily, r *monitor.Reading, ls *labelSet) {
	for i, s := range allStates {
		b.add(fams[fState], ls.states[i], bool01(r.Status.State == s))
	}
	b.add(fams[fOutages], ls.base, float64(r.Outages))
	if o, open := r.Status.OpenOutage(); open {
		b.add(fams[fOutageStart], ls.base, seconds(o.Start))
	}
	// A paused service's last check is old news: its probe series go away, as they would for
	// a blackbox target no longer scraped, and alert rules on them resolve.
	if r.HasLast && r.Status.State != track.Paused {
		addProbe(b, fams, r, ls)
	}
}

// addProbe adds the probe_* series of r's last check.
func addProbe(b *slab, fams *[nFamilies]*dto.MetricFamily, r *monitor.Reading, ls *labelSet) {
	last := &r.Last
	b.add(fams[fSuccess], ls.base, bool01(last.OK))
	b.add(fams[fDuration], ls.base, last.Latency.Seconds())
	switch r.Service.Kind {
	case probe.KindHTTP, probe.KindWS:
		b.add(fams[fStatus], ls.base, float64(last.StatusCode))
	}
	switch r.Service.Kind {
	case probe.KindHTTP:
		for i, p := range httpPhases {
			b.add(fams[fPhase], ls.phases[i], phase(last.Phases, p.ours).Seconds())
		}
	case probe.KindICMP:
		rtt := 0.0
		if last.OK {
			rtt = last.Latency.Seconds()
		}
		b.add(fams[fICMP], ls.rtt, rtt)
	}
	if !last.CertExpiry.IsZero() {
		b.add(fams[fCert], ls.base, seconds(last.CertExpiry))
	}
	for _, p := range last.Phases {
		if p.Name == probe.PhaseDNS {
			b.add(fams[fDNS], ls.base, p.Duration.Seconds())
			break
		}
	}
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
