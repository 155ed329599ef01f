package promsrc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/internal/rawhttp"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// Answers in the shape Prometheus 2.42 writes them (labels, a NaN, an error envelope).
const (
	vectorAnswer = `{"status":"success","data":{"resultType":"vector","result":[` +
		`{"metric":{"__name__":"probe_success","group":"shop","instance":"127.0.0.1:40123","job":"blackbox","location":"eu","service":"Checkout"},"value":[1796174114.078,"1"]},` +
		`{"metric":{"__name__":"probe_success","group":"shop","instance":"127.0.0.1:40124","job":"blackbox","location":"us","service":"Checkout"},"value":[1796174114.078,"0"]},` +
		`{"metric":{"__name__":"probe_success","instance":"127.0.0.1:40125","job":"blackbox","service":"Odd"},"value":[1796174114.078,"NaN"]}]}}`
	matrixAnswer = `{"status":"success","data":{"resultType":"matrix","result":[` +
		`{"metric":{"__name__":"probe_duration_seconds","job":"blackbox","service":"Checkout"},"values":[[1796174100,"0.012"],[1796174105,"0.014"]]}]}}`
	errorAnswer = `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:15: parse error: unexpected \"(\""}`
)

func serveBody(t *testing.T, code int, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return "prometheus+" + srv.URL
}

func TestInstantDecoding(t *testing.T) {
	c, err := New(serveBody(t, 200, vectorAnswer), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.instant(context.Background(), "probe_success", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("instant = %d series, want 2 (NaN is no value): %v", len(got), got)
	}
	if got[0].value != 1 || got[1].value != 0 || got[0].labels["location"] != "eu" {
		t.Errorf("instant = %v, want Checkout eu 1, us 0", got)
	}
	if _, ok := got[0].labels["__name__"]; ok {
		t.Errorf("labels keep __name__: %v", got[0].labels)
	}
	if c.Queries() != 1 || c.Bytes() != int64(len(vectorAnswer)) {
		t.Errorf("Queries, Bytes = %d, %d; want 1, %d", c.Queries(), c.Bytes(), len(vectorAnswer))
	}
}

func TestRangeDecoding(t *testing.T) {
	c, _ := New(serveBody(t, 200, matrixAnswer), Options{})
	got, err := c.between(context.Background(), "probe_duration_seconds", time.Now().Add(-time.Minute), time.Now(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].points) != 2 || got[0].points[1].v != 0.014 || got[0].points[1].t.Unix() != 1796174105 {
		t.Errorf("between = %+v, want one series of 2 points ending 0.014 at 1796174105", got)
	}
}

// TestAnswerFaults: what Prometheus (or what answers in its place) may send instead of an
// answer says so, and nothing bigger than the bounds is read.
func TestAnswerFaults(t *testing.T) {
	many := `{"status":"success","data":{"resultType":"vector","result":[` +
		strings.Repeat(`{"metric":{"service":"x"},"value":[1,"1"]},`, 5) + `{"metric":{},"value":[1,"1"]}]}}`
	tests := []struct {
		name, body string
		code       int
		opts       Options
		want       string
	}{
		{"error envelope", errorAnswer, 400, Options{}, `Prometheus: bad_data: invalid parameter "query"`},
		{"html", "<html>proxy error</html>", 502, Options{}, "/api/v1/query: 502 Bad Gateway"},
		{"not found", "404 page not found", 404, Options{}, "/api/v1/query: 404 Not Found: not a Prometheus server"},
		{"html with 200", "<html>login</html>", 200, Options{}, "not a Prometheus API answer"},
		{"unauthorized", "", 401, Options{}, "pass a token with --token-file"},
		{"matrix for a vector", matrixAnswer, 200, Options{}, `answered a "matrix", want a vector`},
		{"too many series", many, 200, Options{MaxSeries: 5}, "too many series: over 5"},
		{"too big", vectorAnswer, 200, Options{MaxBytes: 100}, "an answer over 0 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := New(serveBody(t, tt.code, tt.body), tt.opts)
			_, err := c.instant(context.Background(), "probe_success", time.Now())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("instant() error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestSlowAnswer: a Prometheus slower than the timeout is an error that says so.
func TestSlowAnswer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New("prometheus+"+srv.URL, Options{Timeout: 50 * time.Millisecond})
	if _, err := c.instant(context.Background(), "probe_success", time.Now()); err == nil || err.Error() != "no answer within 50ms" {
		t.Errorf("instant() error = %v, want no answer within 50ms", err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct{ url, sel, want, wantErr string }{
		{url: "prometheus+http://127.0.0.1:9090", want: "prometheus+http://127.0.0.1:9090"},
		{url: "prometheus+https://prom.example/prom/", want: "prometheus+https://prom.example/prom"},
		{url: "prometheus+http://u:hunter22@prom:9090", want: "prometheus+http://u:xxxxx@prom:9090"},
		{url: "prometheus+ftp://prom", wantErr: "want Prometheus's address"},
		{url: "prometheus+http://", wantErr: "want Prometheus's address"},
		{url: "prometheus+http://prom", sel: `probe_success{job="x"}`, wantErr: "no metric name"},
		{url: "prometheus+http://prom", sel: `blackbox`, wantErr: "want label matchers"},
	}
	for _, tt := range tests {
		c, err := New(tt.url, Options{Selector: tt.sel})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New(%q, %q) error = %v, want %q", tt.url, tt.sel, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.URL() != tt.want {
			t.Errorf("New(%q).URL() = %v, %v; want %q", tt.url, c, err, tt.want)
		}
	}
}

func TestSelector(t *testing.T) {
	tests := []struct{ sel, want string }{
		{"", "probe_success"},
		{`{job="blackbox"}`, `probe_success{job="blackbox"}`},
		{`job="blackbox", location!="lab"`, `probe_success{job="blackbox", location!="lab"}`},
	}
	for _, tt := range tests {
		c, err := New("prometheus+http://prom:9090", Options{Selector: tt.sel})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.sel("probe_success"); got != tt.want {
			t.Errorf("sel(probe_success) with %q = %q, want %q", tt.sel, got, tt.want)
		}
	}
}

// TestMerge: the locations of a service make one row, as an on-call engineer reads it.
func TestMerge(t *testing.T) {
	pt := func(loc string, ok bool, code int) *point {
		return &point{loc: loc, probed: true, ok: ok, code: code, latency: 20 * time.Millisecond, hasLat: true}
	}
	// ut is a location of uptty serve: its state, and its last check as probe_success says.
	ut := func(loc string, state track.State, code int) *point {
		p := pt(loc, state == track.Up || state == track.Degraded, code)
		p.uptty, p.state = true, state
		if state == track.Paused || state == track.Unknown {
			p.probed = false // no probe_* series then
		}
		return p
	}
	tests := []struct {
		name   string
		points []*point
		state  track.State
		reason string
	}{
		{"one location up", []*point{pt("", true, 200)}, track.Up, ""},
		{"one location down", []*point{pt("", false, 503)}, track.Down, "probe failed: HTTP 503"},
		{"no status code", []*point{pt("", false, 0)}, track.Down, "probe failed"},
		{"all of 3 down", []*point{pt("a", false, 0), pt("b", false, 0), pt("c", false, 0)}, track.Down, "down in all 3 locations"},
		{"1 of 3 down", []*point{pt("eu-west", false, 503), pt("us-east", true, 200), pt("ap", true, 200)}, track.Degraded,
			"down in eu-west (2/3 locations up): HTTP 503"},
		{"mixed codes", []*point{pt("a", false, 503), pt("b", false, 0), pt("c", true, 200)}, track.Degraded, "down in a, b (1/3 locations up)"},
		{"4 of 5 down", []*point{pt("a", false, 0), pt("b", false, 0), pt("c", false, 0), pt("d", false, 0), pt("e", true, 0)},
			track.Degraded, "down in a, b, c +1 (1/5 locations up)"},
		// uptty's own states, from uptty_service_state.
		{"uptty pending", []*point{ut("", track.Pending, 503)}, track.Pending, "probe failed: HTTP 503"},
		{"uptty pending in one of 2", []*point{ut("eu", track.Pending, 503), ut("us", track.Up, 200)}, track.Pending,
			"failing in eu, not down yet: HTTP 503"},
		{"uptty down and pending", []*point{ut("eu", track.Down, 503), ut("us", track.Pending, 503)}, track.Degraded,
			"down in eu (1/2 locations up): HTTP 503"},
		{"uptty paused", []*point{ut("", track.Paused, 0)}, track.Paused, ""},
		{"uptty paused in one of 2", []*point{ut("eu", track.Paused, 0), ut("us", track.Down, 500)}, track.Down, "probe failed: HTTP 500"},
		{"uptty not checked yet", []*point{ut("", track.Unknown, 0)}, track.Unknown, ""},
		{"uptty slow", []*point{ut("", track.Degraded, 200)}, track.Degraded, "a soft bound is breached (slow, or a certificate near expiry)"},
		{"uptty slow in one of 2", []*point{ut("eu", track.Degraded, 200), ut("us", track.Up, 200)}, track.Degraded, "degraded in eu"},
		{"uptty and blackbox", []*point{ut("eu", track.Pending, 503), pt("us", false, 503)}, track.Degraded,
			"down in us (1/2 locations up): HTTP 503"},
	}
	for _, tt := range tests {
		s := &service{points: map[string]*point{}}
		for _, p := range tt.points {
			s.points[p.loc] = p
		}
		c := &Client{}
		c.update(s, time.Now())
		if s.st.State != tt.state || s.st.Reason != tt.reason {
			t.Errorf("%s: update = %v %q, want %v %q", tt.name, s.st.State, s.st.Reason, tt.state, tt.reason)
		}
	}
}

// TestUpttyOutageStart: uptty's outage starts are the row's, to the millisecond: DOWN since the
// last location went down, DEGRADED since the first; without them the start is looked up.
func TestUpttyOutageStart(t *testing.T) {
	now := time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)
	down := func(loc string, start time.Time) *point {
		return &point{loc: loc, probed: true, code: 503, uptty: true, state: track.Down, outage: start}
	}
	up := &point{loc: "us", probed: true, ok: true, uptty: true, state: track.Up}
	a, b := now.Add(-5*time.Minute+250*time.Millisecond), now.Add(-2*time.Minute)
	tests := []struct {
		name       string
		points     []*point
		state      track.State
		since      time.Time
		outage     time.Time
		wantLookup bool
	}{
		{"one location", []*point{down("", a)}, track.Down, a, a, false},
		{"two down", []*point{down("eu", a), down("us", b)}, track.Down, b, b, false},
		{"one of two", []*point{down("eu", a), up}, track.Degraded, a, time.Time{}, false},
		{"no start", []*point{down("", time.Time{})}, track.Down, now, now, true},
	}
	for _, tt := range tests {
		s := &service{points: map[string]*point{}, st: track.Status{State: track.Up}}
		for _, p := range tt.points {
			s.points[p.loc] = p
		}
		lookup := (&Client{}).update(s, now)
		if s.st.State != tt.state || !s.st.Since.Equal(tt.since) || !s.st.Outage.Start.Equal(tt.outage) || lookup != tt.wantLookup {
			t.Errorf("%s: update = %v since %v, outage %v, lookup %v; want %v since %v, outage %v, lookup %v", tt.name,
				s.st.State, s.st.Since, s.st.Outage.Start, lookup, tt.state, tt.since, tt.outage, tt.wantLookup)
		}
	}
}

// TestHostileAnswerText: what answers in Prometheus's place writes the status line and the
// error envelope; `uptty attach prometheus+…` prints them on the terminal it was started from
// and in its header, so neither may carry an escape sequence.
func TestHostileAnswerText(t *testing.T) {
	const hostile = "x\u001b]0;PWNED\u0007\u001b[2J\u001b[31m\u009b2J\u202ey"
	envelope, _ := json.Marshal(map[string]string{"status": "error", "errorType": "bad" + hostile, "error": "why" + hostile})
	for name, url := range map[string]string{
		"status line":    "prometheus+http://" + rawhttp.Serve(t, "HTTP/1.1 502 "+hostile+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
		"error envelope": serveBody(t, 400, string(envelope)),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.instant(context.Background(), "probe_success", time.Now())
			if err == nil {
				t.Fatal("instant() = nil error, want the refusal")
			}
			if v := text.Violation(err.Error(), 0); v != "" {
				t.Errorf("instant() error = %q: %s", err, v)
			}
		})
	}
}
