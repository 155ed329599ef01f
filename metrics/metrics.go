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
package metrics

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

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
}

// Metrics is the Prometheus registry of one uptty: its services' series, the lateness
// histogram, and the Go and process collectors. Make it with New, give the monitor its
// Lateness, then its Source with Watch.
type Metrics struct {
	reg  *prometheus.Registry
	late prometheus.Histogram
	svcs *services
	src  atomic.Pointer[Source]
}

// New returns the metrics of one uptty; until Watch, they have no per-service series.
func New(opts Options) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		late: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "uptty_check_lateness_seconds",
			Help: "How long after it was due each check began, its wait for a concurrency slot included.",
			// From scheduling noise to checks running a whole interval behind.
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		svcs: newServices(opts.Location),
	}
	m.reg.MustRegister(m.late,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if opts.Dropped != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "uptty_history_queue_dropped_total",
			Help: "History writes dropped because the writer's queue was full (results not saved).",
		}, func() float64 { return float64(opts.Dropped()) }))
	}
	return m
}

// Lateness records how late a check began; it is what monitor.Options.Lateness takes, and is
// safe from any goroutine.
func (m *Metrics) Lateness(late time.Duration) { m.late.Observe(late.Seconds()) }

// Watch makes src the source of the per-service series from the next scrape on.
func (m *Metrics) Watch(src Source) { m.src.Store(&src) }

// Gather returns every family: the registry's (lateness, history, Go, process) and the
// services', sorted by name. It is a prometheus.Gatherer.
func (m *Metrics) Gather() ([]*dto.MetricFamily, error) {
	fams, err := m.reg.Gather()
	if src := m.src.Load(); src != nil {
		fams = append(fams, m.svcs.families(*src)...)
		slices.SortFunc(fams, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	}
	return fams, err
}

// Handler answers a scrape in whichever format the scraper asks for (the text format, or
// protobuf), with the compression it accepts. A scrape that fails to gather says so with a 500 rather than
// serving a partial page, which Prometheus would take for services vanishing.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.HTTPErrorOnError,
		MaxRequestsInFlight: 4,
	})
}
