package promsrc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/text"
)

// series is one series of an instant answer: its labels (without __name__) and value.
type series struct {
	labels map[string]string
	value  float64
}

// rangeSeries is one series of a range answer: its labels and its values, oldest first.
type rangeSeries struct {
	labels map[string]string
	points []sample
}

type sample struct {
	t time.Time
	v float64
}

// apiDoc is Prometheus's answer envelope (/api/v1/query and /api/v1/query_range).
type apiDoc struct {
	Status    string   `json:"status"`
	ErrorType string   `json:"errorType"`
	Error     string   `json:"error"`
	Warnings  []string `json:"warnings"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string    `json:"metric"`
			Value  *[2]json.RawMessage  `json:"value"`
			Values [][2]json.RawMessage `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

// errTooMany says an answer had more series than Options.MaxSeries.
var errTooMany = errors.New("too many series")

// instant runs q at t and returns its series.
func (c *Client) instant(ctx context.Context, q string, t time.Time) ([]series, error) {
	doc, err := c.get(ctx, "/api/v1/query", url.Values{"query": {q}, "time": {promTime(t)}})
	if err != nil {
		return nil, err
	}
	return decodeVector(doc, c.opts.MaxSeries)
}

// between runs q from start to end every step and returns its series.
func (c *Client) between(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]rangeSeries, error) {
	doc, err := c.get(ctx, "/api/v1/query_range", url.Values{"query": {q}, "start": {promTime(start)},
		"end": {promTime(end)}, "step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}})
	if err != nil {
		return nil, err
	}
	return decodeMatrix(doc, c.opts.MaxSeries)
}

// get asks the API and decodes its envelope. Prometheus is told the query's time budget, so
// that it stops evaluating when the client has given up; the series cap is also sent as
// `limit`, which Prometheus versions that know it apply server-side (others ignore it, and
// the cap is enforced here).
func (c *Client) get(ctx context.Context, path string, q url.Values) (*apiDoc, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	q.Set("timeout", strconv.FormatInt(c.opts.Timeout.Milliseconds(), 10)+"ms")
	q.Set("limit", strconv.Itoa(c.opts.MaxSeries+1))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+path, strings.NewReader(q.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	c.queries.Add(1)
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("no answer within %s", c.opts.Timeout)
		}
		return nil, cleanErr(err, c.base.Redacted())
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, c.opts.MaxBytes+1)
	counted := &countReader{r: body}
	var doc apiDoc
	decErr := json.NewDecoder(counted).Decode(&doc)
	c.bytes.Add(counted.n)
	status := text.CleanText(resp.Status, 80) // what answers may write anything there
	switch {
	case counted.n > c.opts.MaxBytes:
		return nil, fmt.Errorf("an answer over %d MiB: narrow --selector", c.opts.MaxBytes>>20)
	case decErr != nil && resp.StatusCode/100 == 2:
		return nil, fmt.Errorf("%s: not a Prometheus API answer (%s)", path, status)
	case doc.Status == "error":
		return nil, fmt.Errorf("Prometheus: %s: %s", text.CleanText(doc.ErrorType, 40), text.CleanText(doc.Error, 200))
	case decErr != nil || resp.StatusCode/100 != 2:
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return nil, fmt.Errorf("%s: %s: pass a token with --token-file or UPTTY_TOKEN, or credentials in the URL", path, status)
		}
		if resp.StatusCode == http.StatusNotFound {
			// Most often the address of what Prometheus scrapes (an uptty serve, an exporter)
			// given in place of Prometheus's own.
			return nil, fmt.Errorf("%s: %s: not a Prometheus server; give Prometheus's address (port 9090 unless changed), "+
				"or attach to an uptty serve as http://HOST:PORT, without prometheus+", path, status)
		}
		return nil, fmt.Errorf("%s: %s", path, status)
	}
	return &doc, nil
}

// cleanErr drops the URL (it may hold credentials) from a transport error.
func cleanErr(err error, base string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", base, ue.Err)
	}
	return err
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodeVector reads an instant vector answer.
func decodeVector(doc *apiDoc, maxSeries int) ([]series, error) {
	if doc.Data.ResultType != "vector" {
		return nil, fmt.Errorf("Prometheus answered a %q, want a vector", doc.Data.ResultType)
	}
	if len(doc.Data.Result) > maxSeries {
		return nil, fmt.Errorf("%w: over %d", errTooMany, maxSeries)
	}
	out := make([]series, 0, len(doc.Data.Result))
	for _, r := range doc.Data.Result {
		if r.Value == nil {
			continue
		}
		v, ok := promValue(r.Value[1])
		if !ok {
			continue
		}
		delete(r.Metric, "__name__")
		out = append(out, series{labels: r.Metric, value: v})
	}
	return out, nil
}

// decodeMatrix reads a range answer.
func decodeMatrix(doc *apiDoc, maxSeries int) ([]rangeSeries, error) {
	if doc.Data.ResultType != "matrix" {
		return nil, fmt.Errorf("Prometheus answered a %q, want a matrix", doc.Data.ResultType)
	}
	if len(doc.Data.Result) > maxSeries {
		return nil, fmt.Errorf("%w: over %d", errTooMany, maxSeries)
	}
	out := make([]rangeSeries, 0, len(doc.Data.Result))
	for _, r := range doc.Data.Result {
		rs := rangeSeries{labels: r.Metric, points: make([]sample, 0, len(r.Values))}
		delete(rs.labels, "__name__")
		for _, p := range r.Values {
			t, ok1 := promValue(p[0])
			v, ok2 := promValue(p[1])
			if ok1 && ok2 {
				rs.points = append(rs.points, sample{t: fromSeconds(t), v: v})
			}
		}
		out = append(out, rs)
	}
	return out, nil
}

// promValue reads a sample's time (a JSON number) or value (a JSON string such as "1",
// "NaN" or "+Inf"); NaN is no value.
func promValue(raw json.RawMessage) (float64, bool) {
	s := string(raw)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v {
		return 0, false
	}
	return v, true
}

func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

func fromSeconds(s float64) time.Time {
	return time.UnixMilli(int64(s * 1000))
}

// identity is a series' labels as one string, to match the same series across queries.
func identity(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(labels[k])
		b.WriteByte(0)
	}
	return b.String()
}
