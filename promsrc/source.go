// Package promsrc draws the live screen from Prometheus: `uptty attach prometheus+http://…`
// reads the blackbox-style series (probe_success, probe_duration_seconds) that uptty serve or
// blackbox_exporter expose, polling Prometheus's HTTP API with bounded queries, and serves the
// rows as the UI's Source, as package attach does for a server's event stream.
//
// A row is a service: the series' `service` label, else `instance`, else `target`. The series
// of one service from several places (the `location` label, else the instance or job) are
// one row: UP when every location passes, DOWN when every one fails, and DEGRADED with
// "down in eu-west (2/3 locations up)" in between. Where the series come from uptty serve
// (uptty_service_state is there for a service and location), uptty's own state counts
// instead of the last check alone: PENDING (failing, not yet at its failure threshold),
// PAUSED, uptty's DEGRADED (a soft bound), and the outage's exact start from
// uptty_outage_start_timestamp_seconds. blackbox_exporter's series have no thresholds: there
// a failed check is a location down, and an outage's start is looked up in the history.
// The 24-hour uptime comes from the README's recording rule when Prometheus has it.
//
// The PromQL it runs is listed in the README ("The live screen over Prometheus").
package promsrc

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// Defaults of Options.
const (
	DefaultEvery     = 5 * time.Second
	DefaultTimeout   = 10 * time.Second
	DefaultSlow      = 2 * time.Second
	DefaultMaxSeries = 20000
	DefaultMaxBytes  = 64 << 20
	// uptimeEvery is how often the 24-hour uptime is asked again: it reads every sample of a
	// day per series, by far the costliest query, and moves slowly.
	uptimeEvery = time.Minute
	// uptimeWindow is the uptime column's window.
	uptimeWindow = 24 * time.Hour
	// maxRegex bounds how many services one outage-start query names.
	maxRegex = 50
	// recordedUptime is the README's recording rule of each series' 24-hour uptime: one
	// sample a series to read instead of a day of them.
	recordedUptime = "service_location:probe_success:avg1d"
)

// Options configure a Client.
type Options struct {
	// Selector narrows every query: label matchers such as {job="blackbox"}; "" for all.
	Selector string
	// Token is sent as "Authorization: Bearer TOKEN" when set.
	Token string
	// Every is the time between polls (default 5s); it is also the sparkline's step.
	Every time.Duration
	// Timeout bounds each query, on both sides (default 10s).
	Timeout time.Duration
	// Slow is how long a poll may take before the header says Prometheus is slow (default 2s).
	Slow time.Duration
	// MaxSeries and MaxBytes bound one answer (defaults 20,000 series and 64 MiB).
	MaxSeries int
	MaxBytes  int64
	// OnServices is called, from Run's goroutine, when the service list changes: every service
	// in order, with the status of those new to the list.
	OnServices func(services []config.Service, fresh map[string]track.Status)
	// OnLink is called, from Run's goroutine, when Prometheus stops answering (down true,
	// since when), when it answers again (down false, with every status), and when the note
	// for the header changes while it answers ("" for none): slow answers, no series.
	OnLink func(down bool, since time.Time, note string, status map[string]track.Status)
	// HTTP is the client used (default: a new one; each query has its own timeout).
	HTTP *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Client polls one Prometheus. Make it with New, fetch the first rows with Initial, then run
// Run in a goroutine; Next, Detail, Pause and Resume make it a ui.Source.
type Client struct {
	base  *url.URL
	inner string // the selector's matchers, without braces
	opts  Options

	queries atomic.Int64 // queries sent, for the figures
	bytes   atomic.Int64 // answer bytes read

	// Run's own state: only its goroutine (or Initial, before it) touches it.
	svcs       map[string]*service // by the series' raw key
	order      []string            // display names, in order
	uptimeAt   time.Time
	down       bool
	downSince  time.Time
	note       string
	unscraped  []string // the targets of the selector Prometheus fails to scrape (up == 0)
	lastPollOK time.Time
	uptimeFrom atomic.Value // string: the series the last uptime came from, for tests

	mu      sync.Mutex
	changes *track.Changes // what Next hands the screen
	known   map[string]track.Status
	keys    map[string][2]string // a shown name's raw key and key label, for the Archive
	byName  map[string]*service  // for Detail
}

// service is one row: a service's series from every location.
type service struct {
	key, keyLabel string // the raw label value and which label it is
	name, group   string // as shown
	points        map[string]*point
	st            track.Status
	// recent are this screen's polls of the service, newest last, and how many there were
	// and failed, for the detail view; c.mu guards them.
	recent          []track.Check
	checks, failing int
	uptime          float64
	hasUptime       bool
	seen            bool // in the newest poll
}

// point is the service seen from one location: a series of probe_success, of
// uptty_service_state, or both.
type point struct {
	loc     string
	probed  bool // there is a probe_success: ok says whether it passed
	ok      bool
	latency time.Duration
	hasLat  bool
	code    int
	// uptty is set when uptty_service_state says the location's state; outage is then
	// uptty_outage_start_timestamp_seconds, zero when there is none.
	uptty  bool
	state  track.State
	outage time.Time
}

// class is the point's state: uptty's own, else UP or DOWN from its last check.
func (p *point) class() track.State {
	switch {
	case p.uptty:
		return p.state
	case p.ok:
		return track.Up
	}
	return track.Down
}

// New returns a client for the Prometheus at rawURL: prometheus+http://host:port (or
// prometheus+https://…, or a plain http(s) URL), with an optional path prefix.
func New(rawURL string, opts Options) (*Client, error) {
	s := strings.TrimPrefix(rawURL, "prometheus+")
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: want Prometheus's address, such as prometheus+http://127.0.0.1:9090", redact(rawURL))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	inner, err := matchers(opts.Selector)
	if err != nil {
		return nil, err
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Every = cmp.Or(opts.Every, DefaultEvery)
	opts.Timeout = cmp.Or(opts.Timeout, DefaultTimeout)
	opts.Slow = cmp.Or(opts.Slow, DefaultSlow)
	opts.MaxSeries = cmp.Or(opts.MaxSeries, DefaultMaxSeries)
	opts.MaxBytes = cmp.Or(opts.MaxBytes, DefaultMaxBytes)
	return &Client{base: u, inner: inner, opts: opts, svcs: map[string]*service{},
		changes: track.NewChanges(), known: map[string]track.Status{}}, nil
}

// redact hides a password in a URL that failed to parse as one.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return "…" + s[i:]
	}
	return s
}

// matchers checks a selector and returns its matchers without braces: {job="x"} and job="x"
// are the same; a metric name is refused, as every query names its own.
func matchers(sel string) (string, error) {
	sel = strings.TrimSpace(sel)
	if sel == "" {
		return "", nil
	}
	inner := sel
	if strings.HasPrefix(sel, "{") && strings.HasSuffix(sel, "}") {
		inner = strings.TrimSpace(sel[1 : len(sel)-1])
	}
	if strings.ContainsAny(inner, "{}\n") || !strings.ContainsAny(inner, "=~") {
		return "", fmt.Errorf("--selector %q: want label matchers such as '{job=\"blackbox\"}' (no metric name)", sel)
	}
	return inner, nil
}

// URL is Prometheus's address, without credentials, as the header shows it.
func (c *Client) URL() string { return "prometheus+" + c.base.Redacted() }

// Selector is the selector every query carries, "{}" for none.
func (c *Client) Selector() string { return "{" + c.inner + "}" }

// Queries and Bytes count the queries sent and the answer bytes read so far.
func (c *Client) Queries() int64 { return c.queries.Load() }

// Bytes counts the answer bytes read so far.
func (c *Client) Bytes() int64 { return c.bytes.Load() }

// sel is metric with the selector and the extra matchers.
func (c *Client) sel(metric string, extra ...string) string {
	m := extra
	if c.inner != "" {
		m = append([]string{c.inner}, extra...)
	}
	if len(m) == 0 {
		return metric
	}
	return metric + "{" + strings.Join(m, ",") + "}"
}

// Initial polls once, with the sparklines filled from a range query, and returns the rows to
// start the UI from. An error says why Prometheus cannot be used: unreachable, a bad selector,
// or no series matching it (an empty board would look healthy).
func (c *Client) Initial(ctx context.Context) ([]config.Service, map[string]track.Status, error) {
	if err := c.poll(ctx); err != nil {
		if !strings.Contains(err.Error(), c.base.Redacted()) {
			err = fmt.Errorf("%s: %w", c.base.Redacted(), err)
		}
		return nil, nil, err
	}
	if len(c.svcs) == 0 {
		return nil, nil, fmt.Errorf("%s has no %s series: nothing to show (check --selector and that Prometheus scrapes uptty serve or blackbox_exporter)",
			c.base.Redacted(), c.sel("probe_success"))
	}
	c.fillSparks(ctx) // a failure leaves the sparklines to fill as polls come
	svcs, st := c.rows()
	c.order = make([]string, len(svcs))
	for i, s := range svcs {
		c.order[i] = s.Name
	}
	c.mu.Lock()
	c.known = st
	c.changes.Clear()
	c.mu.Unlock()
	return svcs, st, nil
}

// rows is the service list in order and every status.
func (c *Client) rows() ([]config.Service, map[string]track.Status) {
	list := make([]*service, 0, len(c.svcs))
	for _, s := range c.svcs {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b *service) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.name, b.name))
	})
	svcs := make([]config.Service, len(list))
	st := make(map[string]track.Status, len(list))
	keys := make(map[string][2]string, len(list))
	byName := make(map[string]*service, len(list))
	for i, s := range list {
		svcs[i] = config.Service{Name: s.name, Group: s.group}
		st[s.name] = s.st
		keys[s.name] = [2]string{s.key, s.keyLabel}
		byName[s.name] = s
	}
	c.mu.Lock()
	c.keys, c.byName = keys, byName
	c.mu.Unlock()
	return svcs, st
}

// Run polls every Options.Every until ctx is done. It returns ctx's error.
func (c *Client) Run(ctx context.Context) error {
	t := time.NewTicker(c.opts.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		c.step(ctx)
	}
}

// step is one poll and what it tells the UI.
func (c *Client) step(ctx context.Context) {
	began := time.Now()
	prevOrder := c.order
	err := c.poll(ctx)
	took := time.Since(began)
	if ctx.Err() != nil {
		return
	}
	now := c.opts.Now()
	if err != nil {
		if !c.down {
			c.down, c.downSince, c.note = true, now, ""
			if c.opts.OnLink != nil {
				c.opts.OnLink(true, now, "", nil)
			}
		}
		return
	}
	svcs, st := c.rows()
	names := make([]string, len(svcs))
	for i, s := range svcs {
		names[i] = s.Name
	}
	c.order = names
	c.mu.Lock()
	fresh := map[string]track.Status{}
	for name, s := range st {
		if _, ok := c.known[name]; !ok {
			fresh[name] = s
		}
	}
	c.known = st
	c.changes.Put(st)
	c.mu.Unlock()
	if !slices.Equal(names, prevOrder) && c.opts.OnServices != nil && len(svcs) > 0 {
		c.opts.OnServices(svcs, fresh)
	}
	var notes []string
	switch {
	case c.emptyNow():
		notes = append(notes, "no "+c.sel("probe_success")+" series now")
	case took > c.opts.Slow:
		notes = append(notes, "Prometheus slow: "+took.Round(100*time.Millisecond).String()+" a poll")
	}
	if len(c.unscraped) > 0 {
		// A prober Prometheus cannot scrape drops out of its services' locations (its series
		// go stale): say so, or "1/1 locations up" would hide a blind spot.
		notes = append(notes, "not scraped: "+listed(c.unscraped))
	}
	note := strings.Join(notes, "; ")
	if c.down || note != c.note {
		back := c.down
		c.down, c.note = false, note
		if c.opts.OnLink != nil {
			var all map[string]track.Status
			if back {
				all = st
			}
			c.opts.OnLink(false, time.Time{}, note, all)
		}
	}
}

// emptyNow reports that the newest poll found no series at all: the rows kept are what was
// last known, and the header must say so.
func (c *Client) emptyNow() bool {
	for _, s := range c.svcs {
		if s.seen {
			return false
		}
	}
	return true
}

// poll asks Prometheus for every series' state, latency and status code (and uptime once a
// minute), and brings the services up to date. On error nothing changes.
func (c *Client) poll(ctx context.Context) error {
	now := c.opts.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg                      sync.WaitGroup
		succ, dur, code, uptime []series
		states, starts          []series
		errS, errD, errC, errU  error
		errSt, errO             error
		wantUptime              = now.Sub(c.uptimeAt) >= uptimeEvery
	)
	wg.Go(func() { succ, errS = c.instant(ctx, c.sel("probe_success"), now) })
	wg.Go(func() { dur, errD = c.instant(ctx, c.sel("probe_duration_seconds"), now) })
	wg.Go(func() { code, errC = c.instant(ctx, c.sel("probe_http_status_code"), now) })
	// UP is left out: a location absent from the answer reads from its last check, which
	// for uptty UP has passed; in a healthy fleet the answer is then next to nothing.
	wg.Go(func() { states, errSt = c.instant(ctx, c.sel("uptty_service_state", `state!="up"`)+" == 1", now) })
	wg.Go(func() { starts, errO = c.instant(ctx, c.sel("uptty_outage_start_timestamp_seconds"), now) })
	var down []series
	var errUp error
	wg.Go(func() { down, errUp = c.instant(ctx, c.sel("up")+" == 0", now) })
	if wantUptime {
		wg.Go(func() { uptime, errU = c.uptime(ctx, now) })
	}
	wg.Wait()
	for _, err := range []error{errS, errD, errC, errU, errUp, errSt, errO} {
		if err != nil {
			return err
		}
	}
	c.unscraped = c.unscraped[:0]
	for _, x := range down {
		c.unscraped = append(c.unscraped, text.CleanText(cmp.Or(x.labels["location"], x.labels["instance"], x.labels["job"]), 60))
	}
	slices.Sort(c.unscraped)
	if wantUptime {
		c.uptimeAt = now
	}
	c.apply(ctx, now, answers{succ, dur, code, uptime, states, starts}, wantUptime)
	return nil
}

// uptime is every series' 24-hour uptime: the recording rule's series when Prometheus has
// them (one cheap query to find out), else avg_over_time over a day of raw samples.
func (c *Client) uptime(ctx context.Context, now time.Time) ([]series, error) {
	rec, err := c.instant(ctx, c.sel(recordedUptime), now)
	if err != nil {
		return nil, err
	}
	if len(rec) > 0 {
		c.uptimeFrom.Store(recordedUptime)
		return rec, nil
	}
	q := "avg_over_time(" + c.sel("probe_success") + "[" + promDuration(uptimeWindow) + "])"
	c.uptimeFrom.Store(q)
	return c.instant(ctx, q, now)
}

// answers are one poll's answers.
type answers struct {
	succ, dur, code, uptime []series
	// states are uptty_service_state's series that are 1, starts uptty's open outages'.
	states, starts []series
}

// stateOf reads uptty_service_state's state label.
func stateOf(word string) track.State {
	for _, s := range track.States() {
		if s.Lower() == word {
			return s
		}
	}
	return track.Unknown
}

// keyOf is the series' service key and the label it comes from.
func keyOf(l map[string]string) (key, label string) {
	for _, name := range []string{"service", "instance", "target"} {
		if v := l[name]; v != "" {
			return v, name
		}
	}
	return identity(l), ""
}

// locOf names the place a series was probed from: its location, else what else tells two
// series of one service apart.
func locOf(l map[string]string, keyLabel string) string {
	if v := l["location"]; v != "" {
		return v
	}
	if keyLabel != "instance" && l["instance"] != "" {
		return l["instance"]
	}
	return l["job"]
}

// apply brings the services up to date with one poll's answers.
func (c *Client) apply(ctx context.Context, now time.Time, a answers, withUptime bool) {
	type ref struct {
		s *service
		p *point
	}
	byID := make(map[string]ref, len(a.succ))
	for _, s := range c.svcs {
		s.seen = false
		clear(s.points)
	}
	names := map[string]string{} // shown name → key, so that two keys never share a row name
	for _, s := range c.svcs {
		names[s.name] = s.key
	}
	// uptty's state and outage start per series, by the labels probe_success has.
	type upttyState struct {
		labels map[string]string
		state  track.State
	}
	states := make(map[string]upttyState, len(a.states))
	for _, x := range a.states {
		st := stateOf(x.labels["state"])
		delete(x.labels, "state")
		states[identity(x.labels)] = upttyState{x.labels, st}
	}
	starts := make(map[string]time.Time, len(a.starts))
	for _, x := range a.starts {
		starts[identity(x.labels)] = fromSeconds(x.value)
	}
	// add counts one location of the series labelled l; probed says probe_success has it.
	add := func(l map[string]string, probed, ok bool) *point {
		key, label := keyOf(l)
		s := c.svcs[key]
		if s == nil {
			s = &service{key: key, keyLabel: label, points: map[string]*point{}}
			s.name = uniqueName(text.CleanText(key, 200), key, names)
			names[s.name] = key
			c.svcs[key] = s
		}
		s.group = text.CleanText(cmp.Or(l["group"], l["job"]), 200)
		s.seen = true
		id := identity(l)
		loc := text.CleanText(locOf(l, label), 60)
		p := &point{loc: loc, probed: probed, ok: ok}
		if u, has := states[id]; has {
			p.uptty, p.state, p.outage = true, u.state, starts[id]
		}
		if old, dup := s.points[loc]; dup {
			// Two series for one place (say, two Prometheus jobs): the worse one counts.
			p.ok = p.ok && old.ok
			p.probed = p.probed || old.probed
			if worse(old.class(), p.class()) {
				p.uptty, p.state, p.outage = true, old.class(), old.outage
			}
		}
		s.points[loc] = p
		byID[id] = ref{s, p}
		return p
	}
	for _, x := range a.succ {
		add(x.labels, true, x.value == 1)
	}
	// A service uptty has paused, or not checked yet, has a state but no probe_success.
	for id, u := range states {
		if _, done := byID[id]; !done {
			add(u.labels, false, false)
		}
	}
	for _, x := range a.dur {
		if r, ok := byID[identity(x.labels)]; ok {
			r.p.latency, r.p.hasLat = time.Duration(x.value*float64(time.Second)), true
		}
	}
	for _, x := range a.code {
		if r, ok := byID[identity(x.labels)]; ok {
			r.p.code = int(x.value)
		}
	}
	if withUptime {
		sums := map[*service][2]float64{}
		for _, x := range a.uptime {
			if r, ok := byID[identity(x.labels)]; ok {
				v := sums[r.s]
				sums[r.s] = [2]float64{v[0] + x.value, v[1] + 1}
			}
		}
		for _, s := range c.svcs {
			v, ok := sums[s]
			s.uptime, s.hasUptime = 0, ok
			if ok {
				s.uptime = v[0] / v[1]
			}
		}
	}
	var newlyBad []*service
	anySeen := !c.emptyNow()
	for key, s := range c.svcs {
		switch {
		case !s.seen && anySeen:
			delete(c.svcs, key) // its series are gone: so is its row
			continue
		case !s.seen:
			// Nothing matches any more (the header says so): the rows stay, but none may
			// read as healthy.
			s.st = track.Status{State: track.Unknown, Spark: s.st.Spark, Outage: s.st.Outage}
			continue
		}
		if c.update(s, now) {
			newlyBad = append(newlyBad, s)
		}
	}
	c.findStarts(ctx, now, newlyBad)
}

// uniqueName is name, or name with the key's start when another key already shows as name.
func uniqueName(name, key string, taken map[string]string) string {
	for n := 2; ; n++ {
		if k, ok := taken[name]; !ok || k == key {
			return name
		}
		name = strings.TrimSuffix(name, fmt.Sprintf(" (%d)", n-1)) + fmt.Sprintf(" (%d)", n)
	}
}

// severity orders the states a location can be in, for the worse of two series of one place.
var severity = map[track.State]int{track.Unknown: 0, track.Paused: 1, track.Up: 2, track.Degraded: 3, track.Pending: 4, track.Down: 5}

// worse reports that a is a worse state than b.
func worse(a, b track.State) bool { return severity[a] > severity[b] }

// update sets s's status from its points; it reports that s has just become DOWN or DEGRADED
// with a location down and that when it started must be looked up in the history (uptty's
// series say it themselves).
func (c *Client) update(s *service, now time.Time) bool {
	locs := make([]*point, 0, len(s.points))
	for _, p := range s.points {
		locs = append(locs, p)
	}
	slices.SortFunc(locs, func(a, b *point) int { return cmp.Compare(a.loc, b.loc) })
	// A paused location, or one uptty has not checked yet, checks nothing: it counts
	// neither up nor down.
	var down, pending, soft []*point
	var failed []string // locations whose last check failed
	var lat time.Duration
	nLat, n, paused, probed := 0, 0, 0, 0
	codes := map[int]bool{}
	for _, p := range locs {
		if p.probed {
			probed++
			if !p.ok {
				failed = append(failed, p.loc)
				codes[p.code] = true
			}
			if p.hasLat && p.ok {
				lat += p.latency
				nLat++
			}
		}
		switch p.class() {
		case track.Paused:
			paused++
			continue
		case track.Unknown:
			continue
		case track.Down:
			down = append(down, p)
		case track.Pending:
			pending = append(pending, p)
		case track.Degraded:
			soft = append(soft, p)
		}
		n++
	}
	where := func(ps []*point) string {
		l := make([]string, len(ps))
		for i, p := range ps {
			l[i] = p.loc
		}
		return listed(l)
	}
	prev := s.st
	st := prev
	switch {
	case n == 0 && paused == len(locs):
		st.State, st.Reason = track.Paused, ""
	case n == 0:
		st.State, st.Reason = track.Unknown, ""
	case len(down) == n:
		st.State = track.Down
		st.Reason = "probe failed"
		if n > 1 {
			st.Reason = fmt.Sprintf("down in all %d locations", n)
		}
	case len(down) > 0:
		st.State = track.Degraded
		st.Reason = fmt.Sprintf("down in %s (%d/%d locations up)", where(down), n-len(down), n)
	case len(pending) > 0:
		st.State = track.Pending
		st.Reason = "probe failed"
		if n > 1 {
			st.Reason = "failing in " + where(pending) + ", not down yet"
		}
	case len(soft) > 0:
		st.State = track.Degraded
		st.Reason = "a soft bound is breached (slow, or a certificate near expiry)"
		if n > 1 {
			st.Reason = "degraded in " + where(soft)
		}
	default:
		st.State, st.Reason = track.Up, ""
	}
	if len(codes) == 1 && (st.State == track.Down || st.State == track.Pending || len(down) > 0) {
		for code := range codes {
			if code >= 100 {
				st.Reason += ": HTTP " + strconv.Itoa(code)
			}
		}
	}
	if probed > 0 {
		sample := track.Sample{OK: len(failed) == 0}
		if nLat > 0 {
			st.LastAt, st.LastLatency, st.LastOK = now, lat/time.Duration(nLat), true
			sample.Latency = st.LastLatency
		} else {
			st.LastAt, st.LastOK = now, false
		}
		st.Spark.Push(sample)
		poll := track.Check{Start: now, Latency: sample.Latency, OK: sample.OK}
		if !poll.OK {
			poll.Reason = st.Reason
		}
		c.mu.Lock()
		if len(s.recent) == recentPolls {
			s.recent = append(s.recent[:0], s.recent[1:]...)
		}
		s.recent = append(s.recent, poll)
		s.checks++
		if !poll.OK {
			s.failing++
		}
		c.mu.Unlock()
	}
	if s.hasUptime {
		st.AsOf, st.Observed = now, uptimeWindow
		st.Downtime = time.Duration(math.Round((1 - s.uptime) * float64(uptimeWindow)))
	}
	changed := prev.State != st.State
	if changed && prev.State != track.Unknown {
		// Prometheus says since when only for problems (findStarts): an UP first seen now has
		// no since at all rather than a wrong one.
		st.Since = now
	}
	if st.State == track.Down && prev.State != track.Down {
		st.Outage = track.Outage{Start: now} // until uptty's start or findStarts says better
	}
	if prev.State == track.Down && st.State != track.Down {
		st.Outage.End = now
	}
	st.Outage.Cause = ""
	// uptty says when each location's outage began: the service is DOWN since the last of
	// them (when it was down everywhere), DEGRADED since the first.
	exact := len(down) > 0
	var first, last time.Time
	for _, p := range down {
		if p.outage.IsZero() {
			exact = false
			break
		}
		if first.IsZero() || p.outage.Before(first) {
			first = p.outage
		}
		if p.outage.After(last) {
			last = p.outage
		}
	}
	switch {
	case exact && st.State == track.Down:
		st.Since, st.Outage = last, track.Outage{Start: last}
	case exact:
		st.Since = first
	}
	s.st = st
	return changed && !exact && len(down) > 0
}

// listed names up to three locations, and how many more.
func listed(locs []string) string {
	if len(locs) <= 3 {
		return strings.Join(locs, ", ")
	}
	return strings.Join(locs[:3], ", ") + fmt.Sprintf(" +%d", len(locs)-3)
}

// startWindows are the looks back for when a problem began: a step of a second over the last
// five minutes (finer than any scrape interval, so that a short spell of passing is not
// stepped over), coarser ones beyond. Each is one or two subqueries per batch of services,
// of at most 1,440 steps.
var startWindows = []struct{ window, step time.Duration }{
	{5 * time.Minute, time.Second},
	{time.Hour, 5 * time.Second},
	{24 * time.Hour, time.Minute},
	{7 * 24 * time.Hour, 10 * time.Minute},
}

// findStarts looks up, in the series' history, when each newly DOWN or DEGRADED service's
// problem began: the step after the last time every location passed (DEGRADED) or any did
// (DOWN), or the first sample when the series is younger than the window. A failed lookup
// leaves the start at the poll that saw it; more than 7 days back reads as 7 days.
func (c *Client) findStarts(ctx context.Context, now time.Time, bad []*service) {
	if len(bad) == 0 {
		return
	}
	type batch struct {
		label string
		agg   string // min: every location up; max: any location up
	}
	groups := map[batch][]*service{}
	for _, s := range bad {
		if s.keyLabel == "" {
			continue
		}
		agg := "max"
		if s.st.State == track.Degraded {
			agg = "min"
		}
		b := batch{s.keyLabel, agg}
		groups[b] = append(groups[b], s)
	}
	for b, list := range groups {
		for len(list) > 0 {
			n := min(len(list), maxRegex)
			c.findBatch(ctx, now, b.label, b.agg, list[:n])
			list = list[n:]
		}
	}
}

// findBatch looks up the starts of one batch of services keyed by label.
func (c *Client) findBatch(ctx context.Context, now time.Time, label, agg string, list []*service) {
	left := map[string]*service{}
	keys := make([]string, len(list))
	for i, s := range list {
		left[s.key] = s
		keys[i] = regexp.QuoteMeta(s.key)
	}
	match := label + "=~" + strconv.Quote(strings.Join(keys, "|"))
	set := func(s *service, start time.Time) {
		if start.After(now) {
			start = now
		}
		s.st.Since = start
		if s.st.State == track.Down {
			s.st.Outage = track.Outage{Start: start}
		}
		delete(left, s.key)
	}
	for _, w := range startWindows {
		win := "[" + promDuration(w.window) + ":" + promDuration(w.step) + "]"
		lastUp := fmt.Sprintf("max by (%s) (max_over_time((timestamp(%s by (%s) (%s) == 1))%s))",
			label, agg, label, c.sel("probe_success", match), win)
		res, err := c.instant(ctx, lastUp, now)
		if err != nil {
			return // the start stays at the poll that saw the problem
		}
		for _, x := range res {
			if s := left[x.labels[label]]; s != nil {
				set(s, fromSeconds(x.value).Add(w.step))
			}
		}
		if len(left) == 0 {
			return
		}
		first := fmt.Sprintf("min by (%s) (min_over_time(timestamp(%s)%s))", label, c.sel("probe_success", match), win)
		res, err = c.instant(ctx, first, now)
		if err != nil {
			return
		}
		for _, x := range res {
			// A series younger than the window, never up: its problem began with it.
			if s := left[x.labels[label]]; s != nil && fromSeconds(x.value).After(now.Add(-w.window+2*w.step)) {
				set(s, fromSeconds(x.value))
			}
		}
		if len(left) == 0 {
			return
		}
	}
	for _, s := range left {
		set(s, now.Add(-startWindows[len(startWindows)-1].window))
	}
}

// fillSparks fills every sparkline from a range query over the last 60 steps, so that the
// first screen has history.
func (c *Client) fillSparks(ctx context.Context) {
	now := c.opts.Now()
	step := c.opts.Every
	start := now.Add(-time.Duration(track.SparkCap-1) * step)
	var succ, dur []rangeSeries
	var errS, errD error
	var wg sync.WaitGroup
	wg.Go(func() { succ, errS = c.between(ctx, c.sel("probe_success"), start, now, step) })
	wg.Go(func() { dur, errD = c.between(ctx, c.sel("probe_duration_seconds"), start, now, step) })
	wg.Wait()
	if errS != nil || errD != nil {
		return
	}
	lat := make(map[string][]sample, len(dur))
	for _, d := range dur {
		lat[identity(d.labels)] = d.points
	}
	type acc struct {
		fail    bool
		sum     time.Duration
		n, seen int
	}
	steps := map[*service]map[int64]*acc{}
	for _, x := range succ {
		key, _ := keyOf(x.labels)
		s := c.svcs[key]
		if s == nil {
			continue
		}
		m := steps[s]
		if m == nil {
			m = map[int64]*acc{}
			steps[s] = m
		}
		ls := lat[identity(x.labels)]
		j := 0
		for _, p := range x.points {
			a := m[p.t.UnixMilli()]
			if a == nil {
				a = &acc{}
				m[p.t.UnixMilli()] = a
			}
			a.seen++
			if p.v != 1 {
				a.fail = true
			}
			for j < len(ls) && ls[j].t.Before(p.t) {
				j++
			}
			if j < len(ls) && ls[j].t.Equal(p.t) && p.v == 1 {
				a.sum += time.Duration(ls[j].v * float64(time.Second))
				a.n++
			}
		}
	}
	for s, m := range steps {
		ts := make([]int64, 0, len(m))
		for t := range m {
			ts = append(ts, t)
		}
		slices.Sort(ts)
		var sp track.Spark
		for _, t := range ts[:max(len(ts)-1, 0)] { // the newest step is the poll's own sample
			a := m[t]
			x := track.Sample{OK: !a.fail}
			if a.n > 0 {
				x.Latency = a.sum / time.Duration(a.n)
			}
			sp.Push(x)
		}
		if s.st.Spark.Len() > 0 {
			sp.Push(s.st.Spark.At(s.st.Spark.Len() - 1))
		}
		s.st.Spark = sp
	}
}

// promDuration writes d as PromQL writes a duration: 5s, 1m, 24h.
func promDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// Next returns the statuses changed since the last call, blocking until there are some.
func (c *Client) Next(ctx context.Context) (map[string]track.Status, error) {
	return c.changes.Next(ctx)
}

// recentPolls is how many of this screen's polls the detail view lists.
const recentPolls = 20

// Detail is this screen's recent polls of the service (Prometheus keeps no check's facts or
// phases), their count and their latency percentiles.
func (c *Client) Detail(name string) (track.Detail, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.byName[name]
	if s == nil {
		return track.Detail{}, false
	}
	d := track.Detail{Recent: slices.Clone(s.recent), Checks: s.checks, Failures: s.failing}
	var lat []time.Duration
	for _, r := range s.recent {
		if r.OK {
			lat = append(lat, r.Latency)
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		rank := func(q float64) time.Duration { return lat[int(math.Ceil(q*float64(len(lat))))-1] }
		d.P50, d.P95 = rank(0.5), rank(0.95)
	}
	return d, true
}

// Pause does nothing: Prometheus's scrapes are not uptty's to pause (the UI runs read-only).
func (c *Client) Pause(string) {}

// Resume does nothing, as Pause.
func (c *Client) Resume(string) {}
