package metrics

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// maxProbes bounds the /probe checks in flight: a scrape storm waits rather than opening
// thousands of connections.
const maxProbes = 64

// Prober answers blackbox_exporter's GET /probe?target=…&module=…: one check of target with the
// config module named, through probe.Run like every check, and that check's series
// (probe_success, probe_duration_seconds…) without labels, as blackbox_exporter gives them; the
// scrape config's relabelling names the target. A missing or unknown module, a target that is
// not allowed or that the module cannot check is a 400 with the reason.
type Prober struct {
	// cfg is swapped whole by SetConfig on a reload, while scrapes read it.
	cfg   atomic.Pointer[config.Config]
	slots chan struct{}
}

// NewProber returns the /probe handler for cfg's modules and the targets cfg allows.
func NewProber(cfg *config.Config) *Prober {
	p := &Prober{
		slots: make(chan struct{}, maxProbes),
	}
	p.cfg.Store(cfg)
	return p
}

// SetConfig makes cfg's modules, probe_targets and service URLs the ones /probe uses, after a
// reload of the config; a probe in flight finishes with the old ones.
func (p *Prober) SetConfig(cfg *config.Config) {
	p.cfg.Store(cfg)
}

// probeFamilies are /probe's: the probe_* ones.
var probeFamilies = func() []family {
	var fams []family
	for _, f := range serviceFamilies {
		if strings.HasPrefix(f.name, "probe_") {
			fams = append(fams, f)
		}
	}
	return fams
}()

func (p *Prober) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name, target := q.Get("module"), q.Get("target")
	bad := func(format string, args ...any) {
		http.Error(w, fmt.Sprintf(format, args...), http.StatusBadRequest)
	}
	cfg := p.cfg.Load()
	modules := cfg.Modules
	m := modules[name]
	switch {
	case len(modules) == 0:
		bad("no modules: add a modules map to the config to use /probe")
		return
	case name == "":
		bad("module is missing (modules: %s)", strings.Join(slices.Sorted(maps.Keys(modules)), ", "))
		return
	case m == nil:
		bad("unknown module %q (modules: %s)", name, strings.Join(slices.Sorted(maps.Keys(modules)), ", "))
		return
	case target == "":
		bad("target is missing")
		return
	case !cfg.ProbeAllowed(target):
		bad("target not allowed: it is neither a configured service's url nor matched by probe_targets")
		return
	}
	svc, err := m.Service(target)
	if err != nil {
		bad("module %s cannot check this target: %v", name, err)
		return
	}
	checker, err := probe.New(svc)
	if err != nil {
		bad("module %s cannot check this target: %v", name, err)
		return
	}
	ctx := r.Context()
	// Answer before Prometheus gives up on the scrape, as blackbox_exporter does.
	if s, err := strconv.ParseFloat(r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"), 64); err == nil && s > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(max(s-0.5, s/2)*float64(time.Second)))
		defer cancel()
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		http.Error(w, "too many probes in flight", http.StatusServiceUnavailable)
		return
	}
	res := probe.Run(ctx, checker, svc)
	<-p.slots

	reading := monitor.Reading{Service: &svc, HasLast: true, Last: track.Check{
		Start: res.Start, Latency: res.Latency, OK: res.OK, StatusCode: res.StatusCode, CertExpiry: res.CertExpiry}}
	for _, ph := range res.Phases {
		reading.Last.Phases = append(reading.Last.Phases, track.Phase(ph))
	}
	// One service without labels of its own, as blackbox_exporter answers.
	respond(w, r, writeFamilies(probeFamilies, &scrape{readings: []monitor.Reading{reading}, labels: make([]serviceLabels, 1)}, nil))
}
