package promsrc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptty/uptty/history"
)

// The detail view's history over Prometheus. Uptime and checks count every location's
// samples (a location down one hour of 24, of two, is 97.9%), as the row's uptime does; an
// outage is a time when no location passed, as DOWN is.

// maxChartBuckets bounds a chart's columns: each is a step of a range query.
const maxChartBuckets = 240

// outageSteps is how many steps the outages of a window are read at: the resolution is the
// window over this (5 s for an hour, 1 h for 30 days: shorter outages in long windows may be
// missed).
const outageSteps = 720

// archiveTTL is how long an answer about a window is reused: the detail view asks every 10 s,
// and long windows barely move.
const archiveTTL = 30 * time.Second

// Archive answers the detail view's history panes (chart, uptime windows, outages) with range
// and instant queries about the selected service; it is the UI's Archive.
type Archive struct {
	c *Client

	mu      sync.Mutex
	windows map[string]cached[[]history.Window]
	outages map[string]cached[[]history.Incident]
}

type cached[T any] struct {
	at  time.Time
	val T
}

// Archive returns Prometheus's history as the UI's Archive.
func (c *Client) Archive() *Archive {
	return &Archive{c: c, windows: map[string]cached[[]history.Window]{}, outages: map[string]cached[[]history.Incident]{}}
}

// Err is nil: Prometheus keeps the history, not uptty.
func (a *Archive) Err() error { return nil }

// matcher is the label matcher of the service shown as name.
func (a *Archive) matcher(name string) (string, error) {
	a.c.mu.Lock()
	k, ok := a.c.keys[name]
	a.c.mu.Unlock()
	switch {
	case !ok:
		return "", fmt.Errorf("%s: no such service in Prometheus now", name)
	case k[1] == "":
		return "", errors.New("no history: its series have no service, instance or target label")
	}
	return k[1] + "=" + strconv.Quote(k[0]), nil
}

// tagged is expr labelled q=tag, so that several answers fit one query.
func tagged(expr, tag string) string {
	return `label_replace(` + expr + `, "q", "` + tag + `", "", "")`
}

// Chart cuts the window that ends at now into n buckets (at most 240), from one range query.
func (a *Archive) Chart(service string, window time.Duration, now time.Time, n int) ([]history.Bucket, error) {
	m, err := a.matcher(service)
	if err != nil {
		return nil, err
	}
	n = min(max(n, 1), maxChartBuckets)
	step := max((window / time.Duration(n)).Truncate(time.Second), time.Second)
	s := "[" + promDuration(step) + "]"
	succ, dur := a.c.sel("probe_success", m), a.c.sel("probe_duration_seconds", m)
	q := strings.Join([]string{
		tagged("sum(count_over_time("+succ+s+"))", "checks"),
		tagged("avg(avg_over_time("+succ+s+"))", "up"),
		tagged("min(min_over_time("+dur+s+"))", "min"),
		tagged("avg(quantile_over_time(0.5, "+dur+s+"))", "p50"),
		tagged("max(max_over_time("+dur+s+"))", "max"),
	}, " or ")
	ctx, cancel := context.WithTimeout(context.Background(), a.c.opts.Timeout)
	defer cancel()
	res, err := a.c.between(ctx, q, now.Add(-time.Duration(n-1)*step), now, step)
	if err != nil {
		return nil, err
	}
	out := make([]history.Bucket, n)
	first := now.Add(-time.Duration(n-1) * step)
	for i := range out {
		to := first.Add(time.Duration(i) * step)
		out[i] = history.Bucket{From: to.Add(-step), To: to}
	}
	ups := make([]float64, n)
	for _, r := range res {
		for _, p := range r.points {
			i := int(math.Round(float64(p.t.Sub(first)) / float64(step)))
			if i < 0 || i >= n {
				continue
			}
			b := &out[i]
			switch r.labels["q"] {
			case "checks":
				b.Checks = int64(math.Round(p.v))
			case "up":
				ups[i] = p.v
			case "min":
				b.Min = seconds(p.v)
			case "p50":
				b.P50 = seconds(p.v)
			case "max":
				b.Max = seconds(p.v)
			}
		}
	}
	for i := range out {
		b := &out[i]
		if b.Checks == 0 {
			continue
		}
		b.Failures = int64(math.Round(float64(b.Checks) * (1 - ups[i])))
		b.Covered = step
		b.Down = time.Duration((1 - ups[i]) * float64(step))
	}
	return out, nil
}

func seconds(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }

// Windows is the service's record over each standard window, from one instant query and the
// outages of each window.
func (a *Archive) Windows(service string, now time.Time) ([]history.Window, error) {
	m, err := a.matcher(service)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if w, ok := a.windows[service]; ok && now.Sub(w.at) < archiveTTL && !now.Before(w.at) {
		a.mu.Unlock()
		return w.val, nil
	}
	a.mu.Unlock()
	spans := history.StandardWindows()
	succ, dur := a.c.sel("probe_success", m), a.c.sel("probe_duration_seconds", m)
	var parts []string
	for i, w := range spans {
		r := "[" + promDuration(w) + "]"
		fine := "[" + promDuration(w) + ":" + promDuration(w/100) + "]"
		for _, x := range []struct{ tag, expr string }{
			{"checks", "sum(count_over_time(" + succ + r + "))"},
			{"up", "avg(avg_over_time(" + succ + r + "))"},
			{"p50", "max(quantile_over_time(0.5, " + dur + r + "))"},
			{"p95", "max(quantile_over_time(0.95, " + dur + r + "))"},
			{"p99", "max(quantile_over_time(0.99, " + dur + r + "))"},
			{"first", "min(min_over_time(timestamp(" + succ + ")" + fine + "))"},
		} {
			parts = append(parts, tagged(x.expr, x.tag+strconv.Itoa(i)))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.c.opts.Timeout)
	defer cancel()
	res, err := a.c.instant(ctx, strings.Join(parts, " or "), now)
	if err != nil {
		return nil, err
	}
	vals := map[string]float64{}
	for _, r := range res {
		vals[r.labels["q"]] = r.value
	}
	out := make([]history.Window, len(spans))
	for i, w := range spans {
		get := func(tag string) float64 { return vals[tag+strconv.Itoa(i)] }
		x := history.Window{From: now.Add(-w), To: now, Checks: int64(math.Round(get("checks")))}
		if x.Checks > 0 {
			x.Up = get("up")
			x.Failures = int64(math.Round(float64(x.Checks) * (1 - x.Up)))
			// No step of the subquery saw a sample: they are all younger than its last step.
			x.Coverage = 0.01
			if first, ok := vals["first"+strconv.Itoa(i)]; ok {
				x.Coverage = min(max(float64(now.Sub(fromSeconds(first)))/float64(w), 0), 1)
			}
			x.Covered = time.Duration(x.Coverage * float64(w))
			x.Down = time.Duration((1 - x.Up) * float64(x.Covered))
			x.P50, x.P95, x.P99 = seconds(get("p50")), seconds(get("p95")), seconds(get("p99"))
			outs, err := a.outagesIn(m, service, w, now)
			if err != nil {
				return nil, err
			}
			var ended int
			var sum time.Duration
			for _, o := range outs {
				x.Incidents++
				if o.End != nil {
					ended++
					sum += o.Duration
				}
			}
			if ended > 0 {
				x.MTTR = sum / time.Duration(ended)
			}
			if x.Incidents > 0 && x.Covered > x.Down {
				x.MTBF = (x.Covered - x.Down) / time.Duration(x.Incidents)
			}
		}
		out[i] = x
	}
	a.mu.Lock()
	a.windows[service] = cached[[]history.Window]{now, out}
	a.mu.Unlock()
	return out, nil
}

// RecentIncidents is the newest outages of service going on since since, newest first (at
// most limit), and how many there are.
func (a *Archive) RecentIncidents(since time.Time, service string, limit int) ([]history.Incident, int, error) {
	m, err := a.matcher(service)
	if err != nil {
		return nil, 0, err
	}
	now := a.c.opts.Now()
	outs, err := a.outagesIn(m, service, now.Sub(since).Round(time.Second), now)
	if err != nil {
		return nil, 0, err
	}
	return outs[:min(limit, len(outs))], len(outs), nil
}

// outagesIn reads the times no location passed in the window that ends at now, newest first,
// from a range query of outageSteps steps.
func (a *Archive) outagesIn(m, service string, window time.Duration, now time.Time) ([]history.Incident, error) {
	key := service + "\x00" + window.String()
	a.mu.Lock()
	if o, ok := a.outages[key]; ok && now.Sub(o.at) < archiveTTL && !now.Before(o.at) {
		a.mu.Unlock()
		return o.val, nil
	}
	a.mu.Unlock()
	step := max((window / outageSteps).Truncate(time.Second), time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), a.c.opts.Timeout)
	defer cancel()
	res, err := a.c.between(ctx, "max("+a.c.sel("probe_success", m)+")", now.Add(-window), now, step)
	if err != nil {
		return nil, err
	}
	var outs []history.Incident
	if len(res) == 1 {
		outs = outagesOf(res[0].points, service, now)
	}
	a.mu.Lock()
	a.outages[key] = cached[[]history.Incident]{now, outs}
	a.mu.Unlock()
	return outs, nil
}

// outagesOf finds the runs of failures in points, newest first: each starts at its first
// failing step and ends at the next passing one.
func outagesOf(points []sample, service string, now time.Time) []history.Incident {
	var outs []history.Incident
	var open *history.Incident
	for _, p := range points {
		switch {
		case p.v == 0 && open == nil:
			outs = append(outs, history.Incident{Service: service, Start: p.t})
			open = &outs[len(outs)-1]
		case p.v != 0 && open != nil:
			end := p.t
			open.End, open.Duration = &end, end.Sub(open.Start)
			open = nil
		}
	}
	if open != nil {
		open.Duration = now.Sub(open.Start)
	}
	for i, j := 0, len(outs)-1; i < j; i, j = i+1, j-1 {
		outs[i], outs[j] = outs[j], outs[i]
	}
	return outs
}
