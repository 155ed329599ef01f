package attach

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/text"
)

// maxBuckets is the most chart buckets the server gives in one answer.
const maxBuckets = 240

// Archive answers the detail view's history panes (chart, uptime windows, outages) from the
// server's /api/v1/services/{name}/history. Its methods are called from the UI's Cmds, one
// query at a time: the chart and the outages of one refresh share one request.
type Archive struct {
	c *Client

	mu     sync.Mutex
	key    string // service, window and buckets of last
	last   historyDoc
	lastAt time.Time
	// window and n are what the chart last asked for: the panes asked before and after it in
	// a refresh ask the same, so that one request answers all three.
	window time.Duration
	n      int
}

// Archive returns the server's history as the UI's Archive.
func (c *Client) Archive() *Archive { return &Archive{c: c} }

// historyDoc is the server's history answer, read with serve's own types where they decode
// (its outages are written by history.Incident, which only encodes).
type historyDoc struct {
	WindowS int64             `json:"window_s"`
	Buckets []serve.BucketDoc `json:"buckets"`
	Windows []serve.WindowDoc `json:"windows"`
	Outages []struct {
		Service     string  `json:"service"`
		Group       string  `json:"group"`
		Start       string  `json:"start"`
		End         *string `json:"end"`
		DurationS   int64   `json:"duration_s"`
		Cause       string  `json:"cause"`
		Maintenance bool    `json:"maintenance"`
	} `json:"outages"`
	OutagesTotal int `json:"outages_total"`
}

// fetch returns the server's history of service over window in n buckets; the same question
// within a second is answered from the last answer.
func (a *Archive) fetch(service string, window time.Duration, n int) (historyDoc, error) {
	window = max(window, time.Minute)
	n = min(max(n, 1), maxBuckets)
	q := url.Values{"window": {strconv.FormatInt(int64(window/time.Second), 10) + "s"}, "buckets": {strconv.Itoa(n)}}
	key := service + "\x00" + q.Encode()
	a.mu.Lock()
	if key == a.key && time.Since(a.lastAt) < time.Second {
		doc := a.last
		a.mu.Unlock()
		return doc, nil
	}
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := a.c.do(ctx, http.MethodGet, servicePath(service, "history?"+q.Encode()))
	if err != nil {
		return historyDoc{}, err
	}
	defer resp.Body.Close()
	var doc historyDoc
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&doc); err != nil {
		return historyDoc{}, err
	}
	for i := range doc.Outages { // as the status documents' texts (see serviceDoc.clean)
		o := &doc.Outages[i]
		o.Service, o.Group, o.Cause = text.CleanText(o.Service, 0), text.CleanText(o.Group, 0), text.CleanText(o.Cause, 0)
	}
	a.mu.Lock()
	a.key, a.last, a.lastAt = key, doc, time.Now()
	a.mu.Unlock()
	return doc, nil
}

func ms(x float64) time.Duration  { return time.Duration(x * float64(time.Millisecond)) }
func sec(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// Windows is the service's record over each standard window, ending about now.
func (a *Archive) Windows(service string, now time.Time) ([]history.Window, error) {
	window, n := a.asked()
	doc, err := a.fetch(service, window, n)
	if err != nil {
		return nil, err
	}
	out := make([]history.Window, 0, len(doc.Windows))
	for _, w := range doc.Windows {
		span := time.Duration(w.WindowS) * time.Second
		covered := time.Duration(w.Coverage * float64(span))
		out = append(out, history.Window{From: now.Add(-span), To: now, Covered: covered,
			Down: time.Duration((1 - w.Uptime) * float64(covered)), Up: w.Uptime, Coverage: w.Coverage,
			Incidents: w.Incidents, MTTR: sec(w.MTTRS), MTBF: sec(w.MTBFS), Checks: w.Checks, Failures: w.Failures,
			P50: ms(w.P50MS), P95: ms(w.P95MS), P99: ms(w.P99MS)})
	}
	return out, nil
}

// Chart is the service's latency chart over window in n buckets (at most 240: a wider chart
// is drawn with the buckets the server gives).
func (a *Archive) Chart(service string, window time.Duration, now time.Time, n int) ([]history.Bucket, error) {
	a.mu.Lock()
	a.window, a.n = max(window, time.Minute), min(max(n, 1), maxBuckets)
	a.mu.Unlock()
	doc, err := a.fetch(service, window, n)
	if err != nil {
		return nil, err
	}
	out := make([]history.Bucket, 0, len(doc.Buckets))
	for _, b := range doc.Buckets {
		out = append(out, history.Bucket{From: parseTime(b.From), To: parseTime(b.To), Checks: b.Checks,
			Failures: b.Failures, Min: ms(b.MinMS), P50: ms(b.P50MS), Max: ms(b.MaxMS),
			Covered: sec(b.CoveredS), Down: sec(b.DownS)})
	}
	return out, nil
}

// RecentIncidents is the newest outages of service going on since since (at most 20, as the
// server gives them), and how many there are.
func (a *Archive) RecentIncidents(since time.Time, service string, limit int) ([]history.Incident, int, error) {
	window, n := a.asked()
	if d := time.Since(since); absDiff(d, window) > 5*time.Second {
		window = d.Round(time.Second)
	}
	doc, err := a.fetch(service, window, n)
	if err != nil {
		return nil, 0, err
	}
	var out []history.Incident
	for _, o := range doc.Outages {
		if len(out) == limit {
			break
		}
		inc := history.Incident{Service: o.Service, Group: o.Group, Start: parseTime(o.Start),
			Duration: time.Duration(o.DurationS) * time.Second, Cause: o.Cause, Maintenance: o.Maintenance}
		if o.End != nil {
			end := parseTime(*o.End)
			inc.End = &end
		}
		out = append(out, inc)
	}
	return out, doc.OutagesTotal, nil
}

// Err is nil: whether the server saves its history is its /healthz's business.
func (a *Archive) Err() error { return nil }

// asked is the window and buckets the chart last asked for (24h in 60 before it asked).
func (a *Archive) asked() (time.Duration, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == 0 {
		return 24 * time.Hour, 60
	}
	return a.window, a.n
}

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}
