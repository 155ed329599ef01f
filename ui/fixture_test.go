package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
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

// samples makes n deterministic samples ending at now, every failEvery-th failed (0: none).
func samples(now time.Time, n int, base time.Duration, failEvery int) []monitor.Sample {
	out := make([]monitor.Sample, n)
	for k := range out {
		out[k] = monitor.Sample{
			At:      now.Add(-time.Duration(n-k) * 30 * time.Second),
			Latency: base + time.Duration(k*37%23)*time.Millisecond,
			OK:      failEvery == 0 || (k+1)%failEvery != 0,
		}
	}
	return out
}

func recent(ss []monitor.Sample, reason string) []probe.Result {
	out := make([]probe.Result, 0, len(ss))
	for _, s := range ss {
		r := probe.Result{Start: s.At, Latency: s.Latency, OK: s.OK}
		if !s.OK {
			r.Reason = reason
		}
		out = append(out, r)
	}
	return out
}

// fixture is a small fleet in every state, with a Korean name, a long name, an open outage, an
// ended one and one from yesterday.
func fixture(now time.Time) ([]config.Service, []monitor.Status) {
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

	up := func(base time.Duration, fail int) monitor.Status {
		ss := samples(now, 40, base, fail)
		last := ss[len(ss)-1]
		return monitor.Status{
			State: monitor.Up, Since: now.Add(-3 * time.Hour),
			Last:    probe.Result{Start: last.At, Latency: last.Latency, OK: true, Facts: []probe.Fact{{Label: "status", Value: "200 OK"}}},
			Samples: ss, Recent: recent(ss[len(ss)-5:], "timeout after 10s"),
			P50: base + 10*time.Millisecond, P95: base + 20*time.Millisecond,
			Checks: 120, Failures: 3,
			AsOf: now.Add(-10 * time.Second), Observed: 2 * time.Hour, Downtime: 15 * time.Second,
		}
	}
	st := make([]monitor.Status, len(services))

	st[0] = up(80*time.Millisecond, 0)
	st[0].Last.Phases = []probe.Phase{
		{Name: "DNS", Duration: 2 * time.Millisecond}, {Name: "connect", Duration: 9 * time.Millisecond},
		{Name: "TLS", Duration: 31 * time.Millisecond}, {Name: "first byte", Duration: 45 * time.Millisecond},
	}
	ended := monitor.Outage{Start: now.Add(-2*time.Minute - 15*time.Second), End: now.Add(-2 * time.Minute), Cause: "connection refused"}
	st[0].LastOutage = &ended
	st[0].Outages = []monitor.Outage{ended}

	start := time.Date(2026, 11, 25, 21, 47, 2, 0, kst)
	open := monitor.Outage{Start: start, Cause: "status 503, want 200-399"}
	st[1] = monitor.Status{
		State: monitor.Down, Since: start.Add(35 * time.Second), Reason: "status 503, want 200-399",
		Last:   probe.Result{Start: now.Add(-4 * time.Second), Latency: 140 * time.Millisecond, Reason: "status 503, want 200-399"},
		Outage: &open, Outages: []monitor.Outage{open},
		Samples: samples(now, 30, 120*time.Millisecond, 3),
		Checks:  30, Failures: 10,
		AsOf: now.Add(-4 * time.Second), Observed: time.Hour, Downtime: 4 * time.Minute,
	}
	st[1].Recent = recent(st[1].Samples[25:], "status 503, want 200-399")

	st[2] = up(1100*time.Millisecond, 0)
	st[2].State, st[2].Reason = monitor.Degraded, "slow: 1.24s > 800ms"
	st[2].Last.Latency, st[2].Last.Warning = 1240*time.Millisecond, "slow: 1.24s > 800ms"

	st[3] = up(3*time.Millisecond, 5)
	st[3].State, st[3].Reason = monitor.Pending, "connection refused"
	st[3].Last = probe.Result{Start: now.Add(-2 * time.Second), Latency: 300 * time.Microsecond, Reason: "connection refused"}

	st[4] = monitor.Status{} // never checked

	st[5] = up(2*time.Second, 0)
	st[5].State = monitor.Paused

	st[6] = up(45*time.Millisecond, 7)

	st[7] = up(12*time.Millisecond, 0)
	yesterday := monitor.Outage{Start: now.Add(-26 * time.Hour), End: now.Add(-25*time.Hour - 30*time.Minute), Cause: "timeout after 10s"}
	st[7].LastOutage = &yesterday
	st[7].Outages = []monitor.Outage{yesterday}
	return services, st
}

// fixtureModel is the fixture in a model of the given size.
func fixtureModel(w, h int, p termenv.Profile, wide bool) Model {
	return themedModel(w, h, p, wide, "")
}

func themedModel(w, h int, p termenv.Profile, wide bool, theme string) Model {
	services, st := fixture(fixedNow)
	m := New(services, st, nil, Options{Theme: theme,
		Demo: true, Hint: "no config found: uptty -c FILE, or put one at ~/.config/uptty/config.yaml",
		Renderer: renderer(p), Now: func() time.Time { return fixedNow }, Location: kst, AmbiguousWide: wide,
	})
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return next.(Model)
}
