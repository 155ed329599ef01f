// Package metrics speaks Prometheus: the state of every monitored service as
// blackbox_exporter-compatible series (probe_success, probe_duration_seconds...) plus uptty's
// own (uptty_service_state, outages, check lateness, history drops), and one check's series for
// a blackbox-style /probe. It sits between the monitor and the servers that expose it (serve,
// the live TUI's --metrics): it reads the monitor's state at scrape time, so that checks cost
// nothing extra however often they run, and a scrape sees the state as of that moment.
//
// No label carries a URL: a URL may hold a password or a token in its query, and the service
// name already identifies the series. Names, groups and the location are masked with the
// service's secrets like every other output.
//
// The page is written here in the text format, without Prometheus's client library: with the
// protobuf runtime and procfs it needs, that was 1.6 MB of code and tables that every uptty
// kept resident, and its package inits allocated 160 KB, for a page of fixed families. The Go
// and process families are the ones its collectors gave, under the same names.
package metrics

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/monitor"
)

// Source is what the metrics read at every scrape: a monitor.Monitor.
type Source interface {
	Readings(buf []monitor.Reading) []monitor.Reading
}

// Options tune Metrics. The zero value is ready to use.
type Options struct {
	// Location, when set, labels every per-service series location="…" (config's location:).
	// It must already be masked of secrets.
	Location string
	// Dropped, when set, returns how many history writes were dropped because the queue was
	// full (history.Store's Stats().Dropped), for uptty_history_queue_dropped_total.
	Dropped func() uint64
	// Alerts, when set, returns each alert sender's counts so far, for
	// uptty_alert_deliveries_total. The sender names must already be masked of secrets.
	Alerts func() []AlertCount
}

// AlertCount is what one alert sender has done so far: alerts delivered, attempts that failed
// (to be retried), and alerts given up after its give_up_after.
type AlertCount struct {
	Sender               string
	Sent, Failed, GaveUp uint64
}

// maxScrapes bounds the scrapes served at once; more are answered 503 at once rather than
// each building a page of every service.
const maxScrapes = 4

// Metrics is the /metrics page of one uptty: its services' series, the lateness histogram,
// and the Go runtime's and the process's figures. Make it with New, give the monitor its
// Lateness, then its Source with Watch.
type Metrics struct {
	fams  []family // every family, by name
	late  *histogram
	svcs  *services
	src   atomic.Pointer[Source]
	slots chan struct{}
	// lastSize is the last page's size: the next one's buffer is allocated whole.
	lastSize atomic.Int64
}

// New returns the metrics of one uptty; until Watch, they have no per-service series.
func New(opts Options) *Metrics {
	m := &Metrics{
		// From scheduling noise to checks running a whole interval behind.
		late:  newHistogram(.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60),
		svcs:  newServices(opts.Location),
		slots: make(chan struct{}, maxScrapes),
	}
	m.fams = append(m.fams, goFamilies...)
	m.fams = append(m.fams, processFamilies...)
	m.fams = append(m.fams, serviceFamilies...)
	m.fams = append(m.fams, family{name: "uptty_check_lateness_seconds", typ: "histogram",
		help:  "How long after it was due each check began, its wait for a concurrency slot included.",
		write: func(p *page, _ *scrape) { m.late.write(p, "uptty_check_lateness_seconds") }})
	if opts.Dropped != nil {
		m.fams = append(m.fams, family{name: "uptty_history_queue_dropped_total", typ: "counter",
			help: "History writes dropped because the writer's queue was full (results not saved).",
			write: func(p *page, _ *scrape) {
				p.sample("uptty_history_queue_dropped_total", float64(opts.Dropped()))
			}})
	}
	if opts.Alerts != nil {
		// Counted by the hooks of the dispatcher, which serve also logs: a receiver that fails
		// is seen on a dashboard, not only in a log nobody reads.
		m.fams = append(m.fams, family{name: "uptty_alert_deliveries_total", typ: "counter",
			help: "Alerts delivered (result sent), delivery attempts failed and to be retried (failed), and alerts given up after give_up_after (gave_up), by sender.",
			write: func(p *page, _ *scrape) {
				for _, c := range opts.Alerts() {
					sender := pair("sender", c.Sender)
					p.count("uptty_alert_deliveries_total", c.Sent, sender, `result="sent"`)
					p.count("uptty_alert_deliveries_total", c.Failed, sender, `result="failed"`)
					p.count("uptty_alert_deliveries_total", c.GaveUp, sender, `result="gave_up"`)
				}
			}})
	}
	slices.SortFunc(m.fams, func(a, b family) int { return strings.Compare(a.name, b.name) })
	return m
}

// Lateness records how late a check began; it is what monitor.Options.Lateness takes, and is
// safe from any goroutine.
func (m *Metrics) Lateness(late time.Duration) { m.late.observe(late.Seconds()) }

// Watch makes src the source of the per-service series from the next scrape on.
func (m *Metrics) Watch(src Source) { m.src.Store(&src) }

// Page returns the page a scrape gets now.
func (m *Metrics) Page() []byte {
	s := &scrape{}
	s.readRuntime()
	s.readProcess()
	if src := m.src.Load(); src != nil {
		m.svcs.read(*src, s)
	}
	page := writeFamilies(m.fams, s, make([]byte, 0, m.lastSize.Load()*9/8))
	m.lastSize.Store(int64(len(page)))
	return page
}

// Handler answers a scrape in the text format, gzipped when the scraper takes it. Past
// maxScrapes at once, it answers 503.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case m.slots <- struct{}{}:
			defer func() { <-m.slots }()
		default:
			http.Error(w, fmt.Sprintf("Limit of concurrent requests reached (%d), try again later.", maxScrapes),
				http.StatusServiceUnavailable)
			return
		}
		respond(w, r, m.Page())
	})
}

// histogram is a Prometheus histogram that any goroutine observes into without a lock.
type histogram struct {
	bounds  []float64       // the buckets' upper bounds, inclusive
	les     []string        // their le labels, +Inf's last
	counts  []atomic.Uint64 // per bucket, not cumulative; the last one is +Inf's
	sumBits atomic.Uint64   // the sum of the observations, a float64's bits
}

// newHistogram returns a histogram with buckets up to each bound, and one to +Inf.
func newHistogram(bounds ...float64) *histogram {
	h := &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
	for _, b := range bounds {
		h.les = append(h.les, pair("le", string(appendFloat(nil, b))))
	}
	h.les = append(h.les, pair("le", "+Inf"))
	return h
}

func (h *histogram) observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v) // the first bound >= v: bounds are inclusive
	h.counts[i].Add(1)
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// write writes the histogram's samples: its count is its buckets' sum, so that the +Inf
// bucket and the count agree however observations race with the scrape.
func (h *histogram) write(p *page, name string) {
	var total uint64
	bucket := name + "_bucket"
	for i := range h.counts {
		total += h.counts[i].Load()
		p.count(bucket, total, h.les[i])
	}
	p.sample(name+"_sum", math.Float64frombits(h.sumBits.Load()))
	p.count(name+"_count", total)
}
