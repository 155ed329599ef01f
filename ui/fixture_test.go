package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// kst is a fixed zone so that golden files do not depend on the machine's.
var kst = time.FixedZone("KST", 9*3600)

// fixedNow is the clock of every golden screen.
var fixedNow = time.Date(2026, 11, 25, 21, 51, 14, 0, kst)

func renderer(p termenv.Profile) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(p)
	return r
}

func svc(name, group, url string, kind config.Kind) config.Service {
	s := config.Service{
		Name: name, Group: group, URL: url, Kind: kind,
		Interval: 30 * time.Second, Timeout: 10 * time.Second, RetryInterval: 5 * time.Second,
		FailureThreshold: 2, SuccessThreshold: 1,
	}
	if kind == kindHTTP {
		s.Brief.Check = []string{"GET"} // as the http kind words its default method
	}
	return s
}

// The kinds the fixtures use, by name: the kinds themselves are probe's.
const (
	kindHTTP    config.Kind = "http"
	kindTCP     config.Kind = "tcp"
	kindDNS     config.Kind = "dns"
	kindCommand config.Kind = "command"
)

// sample is a fixture check: when it began, its latency, whether it passed.
type sample struct {
	at      time.Time
	latency time.Duration
	ok      bool
}

// samples makes n deterministic samples ending at now, every failEvery-th failed (0: none).
func samples(now time.Time, n int, base time.Duration, failEvery int) []sample {
	out := make([]sample, n)
	for k := range out {
		out[k] = sample{
			at:      now.Add(-time.Duration(n-k) * 30 * time.Second),
			latency: base + time.Duration(k*37%23)*time.Millisecond,
			ok:      failEvery == 0 || (k+1)%failEvery != 0,
		}
	}
	return out
}

func spark(ss []sample) track.Spark {
	var sp track.Spark
	for _, s := range ss {
		sp.Push(track.Sample{Latency: s.latency, OK: s.ok})
	}
	return sp
}

func recent(ss []sample, reason string) []track.Check {
	out := make([]track.Check, 0, len(ss))
	for _, s := range ss {
		r := track.Check{Start: s.at, Latency: s.latency, OK: s.ok}
		if !s.ok {
			r.Reason = reason
		}
		out = append(out, r)
	}
	return out
}

// fixtureService is one service of the fixture: its snapshot and its detail.
type fixtureService struct {
	track.Status
	detail track.Detail
}

// setLast makes c the newest check, in the snapshot and in the detail.
func (f *fixtureService) setLast(c track.Check) {
	f.LastAt, f.LastLatency, f.LastOK = c.Start, c.Latency, c.OK
	if n := len(f.detail.Recent); n > 0 && f.detail.Recent[n-1].Start.Equal(c.Start) {
		f.detail.Recent[n-1] = c
		return
	}
	f.detail.Recent = append(f.detail.Recent, c)
}

// setOutages sets the outage list, oldest first, and the snapshot's newest outage.
func (f *fixtureService) setOutages(list ...track.Outage) {
	f.detail.Outages = list
	f.detail.OutageCount = len(list)
	if n := len(list); n > 0 {
		f.Outage = list[n-1]
	}
}

// fixture is a small fleet in every state, with a Korean name, a long name, an open outage, an
// ended one and one from yesterday.
func fixture(now time.Time) ([]config.Service, []fixtureService) {
	services := []config.Service{
		svc("Checkout API", "payments", "https://deploy:hunter2@api.example.com/healthz", kindHTTP),
		svc("결제 게이트웨이", "payments", "https://pay.example.kr/health", kindHTTP),
		svc("Search", "search", "http://search.internal:9200/_cluster/health", kindHTTP),
		svc("Login", "", "tcp://auth.internal:443", kindTCP),
		svc("Billing DB", "data", "tcp://db.internal:5432", kindTCP),
		svc("Nightly report", "data", "", kindCommand),
		svc("A very long service name that cannot fit in any column", "search", "https://long.example.com/", kindHTTP),
		svc("DNS", "", "dns://127.0.0.1/example.com?type=A", kindDNS),
	}
	services[5].Command = []string{"/usr/local/bin/report-check", "--token", "SECRET"}
	services[2].Slow = 800 * time.Millisecond

	up := func(base time.Duration, fail int) fixtureService {
		ss := samples(now, 40, base, fail)
		last := ss[len(ss)-1]
		f := fixtureService{
			Status: track.Status{
				State: track.Up, Since: now.Add(-3 * time.Hour), Spark: spark(ss),
				AsOf: now.Add(-10 * time.Second), Observed: 2 * time.Hour, Downtime: 15 * time.Second,
			},
			detail: track.Detail{
				Recent: recent(ss[len(ss)-5:], "timeout after 10s"),
				P50:    base + 10*time.Millisecond, P95: base + 20*time.Millisecond,
				Checks: 120, Failures: 3,
			},
		}
		f.setLast(track.Check{Start: last.at, Latency: last.latency, OK: true, Facts: []track.Fact{{Label: "status", Value: "200 OK"}}})
		return f
	}
	st := make([]fixtureService, len(services))

	st[0] = up(80*time.Millisecond, 0)
	last := st[0].detail.Recent[len(st[0].detail.Recent)-1]
	last.Phases = []track.Phase{
		{Name: "DNS", Duration: 2 * time.Millisecond}, {Name: "connect", Duration: 9 * time.Millisecond},
		{Name: "TLS", Duration: 31 * time.Millisecond}, {Name: "first byte", Duration: 45 * time.Millisecond},
	}
	st[0].setLast(last)
	st[0].setOutages(track.Outage{Start: now.Add(-2*time.Minute - 15*time.Second), End: now.Add(-2 * time.Minute), Cause: "connection refused"})

	start := time.Date(2026, 11, 25, 21, 47, 2, 0, kst)
	ss := samples(now, 30, 120*time.Millisecond, 3)
	st[1] = fixtureService{
		Status: track.Status{
			State: track.Down, Since: start.Add(35 * time.Second), Reason: "status 503, want 200-399",
			Spark: spark(ss),
			AsOf:  now.Add(-4 * time.Second), Observed: time.Hour, Downtime: 4 * time.Minute,
		},
		detail: track.Detail{Recent: recent(ss[25:], "status 503, want 200-399"), Checks: 30, Failures: 10},
	}
	st[1].setLast(track.Check{Start: now.Add(-4 * time.Second), Latency: 140 * time.Millisecond, Reason: "status 503, want 200-399"})
	st[1].setOutages(track.Outage{Start: start, Cause: "status 503, want 200-399"})

	st[2] = up(1100*time.Millisecond, 0)
	st[2].State, st[2].Reason = track.Degraded, "slow: 1.24s > 800ms"
	last = st[2].detail.Recent[len(st[2].detail.Recent)-1]
	last.Latency, last.Warning = 1240*time.Millisecond, "slow: 1.24s > 800ms"
	st[2].setLast(last)

	st[3] = up(3*time.Millisecond, 5)
	st[3].State, st[3].Reason = track.Pending, "connection refused"
	st[3].setLast(track.Check{Start: now.Add(-2 * time.Second), Latency: 300 * time.Microsecond, Reason: "connection refused"})

	st[4] = fixtureService{} // never checked

	st[5] = up(2*time.Second, 0)
	st[5].State = track.Paused

	st[6] = up(45*time.Millisecond, 7)

	st[7] = up(12*time.Millisecond, 0)
	st[7].setOutages(track.Outage{Start: now.Add(-26 * time.Hour), End: now.Add(-25*time.Hour - 30*time.Minute), Cause: "timeout after 10s"})
	return services, st
}

// fixtureSource answers Detail with the fixture's details and never sends a change.
type fixtureSource struct {
	details map[string]track.Detail
}

func (f fixtureSource) Next(ctx context.Context) (map[string]track.Status, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (f fixtureSource) Detail(name string) (track.Detail, bool) {
	d, ok := f.details[name]
	return d, ok
}

func (fixtureSource) Pause(string)  {}
func (fixtureSource) Resume(string) {}

// split is the fixture as New and a Source take it: snapshots and details by name.
func split(services []config.Service, st []fixtureService) (map[string]track.Status, fixtureSource) {
	snaps := make(map[string]track.Status, len(st))
	src := fixtureSource{details: make(map[string]track.Detail, len(st))}
	for i, f := range st {
		snaps[services[i].Name] = f.Status
		src.details[services[i].Name] = f.detail
	}
	return snaps, src
}

// fixtureModel is the fixture in a model of the given size.
func fixtureModel(w, h int, p termenv.Profile, wide bool) Model {
	return themedModel(w, h, p, wide, "")
}

func themedModel(w, h int, p termenv.Profile, wide bool, theme string) Model {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	m := New(services, snaps, src, Options{Theme: theme,
		Demo: true, Hint: "no config found: uptty -c FILE, or put one at ~/.config/uptty/config.yaml",
		Renderer: renderer(p), Now: func() time.Time { return fixedNow }, Location: kst, AmbiguousWide: wide,
	})
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return next.(Model)
}

// withDetail answers the detail view's question at once, as the Cmd would.
func withDetail(m Model) Model {
	if m.view != detailView {
		return m
	}
	if cmd := m.fetchDetail(); cmd != nil {
		next, _ := m.Update(cmd())
		m = next.(Model)
	}
	return m
}
