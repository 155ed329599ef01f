package report

import (
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// kst is a fixed zone so that golden files do not depend on the machine's.
var kst = time.FixedZone("KST", 9*3600)

// fixedNow is the clock of every golden screen.
var fixedNow = time.Date(2026, 11, 25, 21, 51, 14, 0, kst)

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

// spark makes n deterministic samples, every failEvery-th failed (0: none).
func spark(n int, base time.Duration, failEvery int) track.Spark {
	var sp track.Spark
	for k := range n {
		sp.Push(track.Sample{
			Latency: base + time.Duration(k*37%23)*time.Millisecond,
			OK:      failEvery == 0 || (k+1)%failEvery != 0,
		})
	}
	return sp
}

// fixture is a small fleet in every state, with a Korean name, a long name, an open outage, an
// ended one and one from yesterday.
func fixture(now time.Time) ([]config.Service, []track.Status) {
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

	up := func(base time.Duration, fail int) track.Status {
		sp := spark(40, base, fail)
		return track.Status{
			State: track.Up, Since: now.Add(-3 * time.Hour),
			LastAt: now.Add(-30 * time.Second), LastLatency: sp.At(sp.Len() - 1).Latency, LastOK: true,
			Spark: sp,
			AsOf:  now.Add(-10 * time.Second), Observed: 2 * time.Hour, Downtime: 15 * time.Second,
		}
	}
	st := make([]track.Status, len(services))

	st[0] = up(80*time.Millisecond, 0)
	st[0].Outage = track.Outage{Start: now.Add(-2*time.Minute - 15*time.Second), End: now.Add(-2 * time.Minute), Cause: "connection refused"}

	start := time.Date(2026, 11, 25, 21, 47, 2, 0, kst)
	st[1] = track.Status{
		State: track.Down, Since: start.Add(35 * time.Second), Reason: "status 503, want 200-399",
		LastAt: now.Add(-4 * time.Second), LastLatency: 140 * time.Millisecond,
		Outage: track.Outage{Start: start, Cause: "status 503, want 200-399"},
		Spark:  spark(30, 120*time.Millisecond, 3),
		AsOf:   now.Add(-4 * time.Second), Observed: time.Hour, Downtime: 4 * time.Minute,
	}

	st[2] = up(1100*time.Millisecond, 0)
	st[2].State, st[2].Reason = track.Degraded, "slow: 1.24s > 800ms"
	st[2].LastLatency = 1240 * time.Millisecond

	st[3] = up(3*time.Millisecond, 5)
	st[3].State, st[3].Reason = track.Pending, "connection refused"
	st[3].LastAt, st[3].LastLatency, st[3].LastOK = now.Add(-2*time.Second), 300*time.Microsecond, false

	st[4] = track.Status{} // never checked

	st[5] = up(2*time.Second, 0)
	st[5].State = track.Paused

	st[6] = up(45*time.Millisecond, 7)

	st[7] = up(12*time.Millisecond, 0)
	st[7].Outage = track.Outage{Start: now.Add(-26 * time.Hour), End: now.Add(-25*time.Hour - 30*time.Minute), Cause: "timeout after 10s"}
	return services, st
}
