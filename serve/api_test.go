package serve

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// keys returns the keys of a JSON object, sorted.
func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, raw)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestStatus(t *testing.T) {
	up, down := newTarget(t), newTarget(t)
	down.down.Store(true)
	f := start(t, twoServices(up.URL, down.URL), nil)
	f.until(t, "up", "Checkout API")
	f.until(t, "down", "Broken")

	code, body := f.do(t, "GET", "/api/v1/status", "")
	if code != http.StatusOK {
		t.Fatalf("GET /api/v1/status = %d %s, want 200", code, body)
	}
	if strings.Contains(body, secret) {
		t.Errorf("status shows the secret:\n%s", body)
	}
	var doc struct {
		CheckedAt string            `json:"checked_at"`
		Services  []json.RawMessage `json:"services"`
		Summary   json.RawMessage   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("status is not JSON: %v\n%s", err, body)
	}
	if got := keys(t, json.RawMessage(body)); !reflect.DeepEqual(got, []string{"checked_at", "services", "summary"}) {
		t.Errorf("status keys = %v, want checked_at, services, summary", got)
	}
	if _, err := time.Parse(time.RFC3339, doc.CheckedAt); err != nil || !strings.HasSuffix(doc.CheckedAt, "Z") {
		t.Errorf("checked_at = %q, want RFC 3339 in UTC", doc.CheckedAt)
	}
	wantKeys := []string{"error", "group", "latency_ms", "name", "outage", "recent_ms", "since", "state", "uptime", "url"}
	type service struct {
		Name, Group, URL, State, Error string
		LatencyMS                      float64 `json:"latency_ms"`
		Since                          *string
		Uptime                         *float64
		Recent                         []*float64 `json:"recent_ms"`
		Outage                         *struct {
			Start     string
			End       *string
			DurationS *int64 `json:"duration_s"`
		}
	}
	var got []service
	for _, raw := range doc.Services {
		if k := keys(t, raw); !reflect.DeepEqual(k, wantKeys) {
			t.Errorf("service keys = %v, want %v", k, wantKeys)
		}
		var s service
		json.Unmarshal(raw, &s)
		got = append(got, s)
	}
	if len(got) != 2 {
		t.Fatalf("status has %d services, want 2:\n%s", len(got), body)
	}
	ok, bad := got[0], got[1]
	if ok.Name != "Checkout API" || ok.Group != "payments" || ok.State != "up" || ok.Error != "" || ok.Since == nil ||
		ok.Outage != nil || ok.Uptime == nil || *ok.Uptime != 1 || !strings.Contains(ok.URL, "/health?key=") {
		t.Errorf("up service = %+v, want Checkout API/payments up since a time, no outage, uptime 1, its display URL", ok)
	}
	if bad.Name != "Broken" || bad.State != "down" || bad.Error != "status 503, want 200-399" || bad.Outage == nil ||
		bad.Outage.End != nil || bad.Outage.DurationS == nil || bad.Uptime == nil || *bad.Uptime != 0 {
		t.Errorf("down service = %+v, want down with its reason, an open outage (end null) and uptime 0", bad)
	}
	if len(ok.Recent) == 0 || ok.Recent[len(ok.Recent)-1] == nil || len(bad.Recent) == 0 || bad.Recent[len(bad.Recent)-1] != nil {
		t.Errorf("recent_ms = %v and %v, want the sparklines: up's newest a latency, down's newest null", ok.Recent, bad.Recent)
	}
	// A watched outage has no unwatched_s: the key is there only when part of it was not.
	var badOutage struct {
		Outage json.RawMessage `json:"outage"`
	}
	json.Unmarshal(doc.Services[1], &badOutage)
	if k, want := keys(t, badOutage.Outage), []string{"ack", "duration_s", "end", "start"}; !reflect.DeepEqual(k, want) {
		t.Errorf("watched outage keys = %v, want %v", k, want)
	}
	if bad.Outage != nil {
		if _, err := time.Parse(time.RFC3339, bad.Outage.Start); err != nil {
			t.Errorf("outage start = %q, want RFC 3339", bad.Outage.Start)
		}
	}
	var sum map[string]int
	json.Unmarshal(doc.Summary, &sum)
	want := map[string]int{"up": 1, "degraded": 0, "down": 1, "pending": 0, "paused": 0, "unknown": 0}
	if !reflect.DeepEqual(sum, want) {
		t.Errorf("summary = %v, want %v", sum, want)
	}

	// Recovery closes the outage: end set, duration whole seconds.
	down.down.Store(false)
	f.until(t, "up", "Broken")
	_, body = f.do(t, "GET", "/api/v1/status", "")
	json.Unmarshal([]byte(body), &doc)
	var back service
	json.Unmarshal(doc.Services[1], &back)
	if back.State != "up" || back.Outage == nil || back.Outage.End == nil || back.Outage.DurationS == nil {
		t.Errorf("recovered service = %s, want up with its last outage ended", doc.Services[1])
	}
}

func TestEvents(t *testing.T) {
	up := newTarget(t)
	f := start(t, twoServices(up.URL, up.URL), func(o *Options) { o.Heartbeat = 50 * time.Millisecond })
	s := f.openStream(t, "")
	first := s.next("the first event", func(event) bool { return true })
	if first.Name != "snapshot" {
		t.Fatalf("first event = %+v, want a snapshot", first)
	}
	var doc struct {
		Services []json.RawMessage `json:"services"`
		Summary  map[string]int    `json:"summary"`
	}
	if err := json.Unmarshal([]byte(first.Data), &doc); err != nil || len(doc.Services) != 2 || doc.Summary == nil {
		t.Fatalf("snapshot = %s (%v), want the status document with 2 services", first.Data, err)
	}
	s.next("Broken up", serviceIs("Broken", "up"))
	up.down.Store(true)
	ev := s.next("Broken down", serviceIs("Broken", "down"))
	if k := keys(t, json.RawMessage(ev.Data)); !slices.Contains(k, "outage") || !slices.Contains(k, "uptime") {
		t.Errorf("service event keys = %v, want a status document service", k)
	} else if slices.Contains(k, "recent_ms") {
		t.Errorf("service event keys = %v, want no recent_ms: an event is one check, the snapshot has the sparkline", k)
	}
	s.next("a heartbeat", func(ev event) bool { return ev.Name == "comment" && ev.Data == ": heartbeat" })
	if strings.Contains(f.logs.String(), secret) {
		t.Errorf("logs show the secret:\n%s", f.logs)
	}
}

func TestLogs(t *testing.T) {
	tg := newTarget(t)
	f := start(t, twoServices(tg.URL, tg.URL), nil)
	f.until(t, "up", "Checkout API", "Broken")
	tg.down.Store(true)
	f.until(t, "down", "Checkout API")
	tg.down.Store(false)
	f.until(t, "up", "Checkout API")
	// The log line is written before the batch is sent, so it is there by now.
	logs := f.logs.String()
	for _, want := range []string{
		`msg="state changed" service="Checkout API" from=UNKNOWN to=UP group=payments url=`,
		`level=WARN msg="state changed" service="Checkout API" from=UP to=DOWN`,
		`reason="status 503, want 200-399"`,
		`msg="state changed" service="Checkout API" from=DOWN to=UP`,
		` outage_s=`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, secret) {
		t.Errorf("logs show the secret:\n%s", logs)
	}
}

func TestAuth(t *testing.T) {
	up := newTarget(t)
	const token = "tok-0123456789abcdef"
	f := start(t, twoServices(up.URL, up.URL), func(o *Options) { o.Token = token })
	for _, path := range []string{"/healthz", "/api/v1/status", "/api/v1/events", "/api/v1/incidents"} {
		for _, tok := range []string{"", "wrong", token + "x", strings.ToUpper(token)} {
			if code, _ := f.do(t, "GET", path, tok); code != http.StatusUnauthorized {
				t.Errorf("GET %s with token %q = %d, want 401", path, tok, code)
			}
		}
	}
	if code, _ := f.do(t, "POST", "/api/v1/services/Broken/pause", ""); code != http.StatusUnauthorized {
		t.Errorf("POST pause without a token = %d, want 401", code)
	}
	if code, body := f.do(t, "GET", "/api/v1/status", token); code != http.StatusOK {
		t.Errorf("GET /api/v1/status with the token = %d %s, want 200", code, body)
	}
	s := f.openStream(t, token)
	s.next("a snapshot", func(ev event) bool { return ev.Name == "snapshot" })
}

func TestPauseResume(t *testing.T) {
	up := newTarget(t)
	f := start(t, twoServices(up.URL, up.URL), nil)
	s := f.until(t, "up", "Broken")
	if code, body := f.do(t, "POST", "/api/v1/services/Broken/pause", ""); code != http.StatusAccepted {
		t.Fatalf("POST pause = %d %s, want 202", code, body)
	}
	s.next("Broken paused", serviceIs("Broken", "paused"))
	_, body := f.do(t, "GET", "/api/v1/status", "")
	if !strings.Contains(body, `"name":"Broken","group":"","url":"`+up.URL+`","state":"paused"`) {
		t.Errorf("status after pause = %s, want Broken paused", body)
	}
	if code, body := f.do(t, "POST", "/api/v1/services/Broken/resume", ""); code != http.StatusAccepted {
		t.Fatalf("POST resume = %d %s, want 202", code, body)
	}
	s.next("Broken up again", serviceIs("Broken", "up"))

	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/api/v1/services/Nope/pause", http.StatusNotFound},
		{"GET", "/api/v1/services/Broken/pause", http.StatusMethodNotAllowed},
		{"POST", "/api/v1/status", http.StatusMethodNotAllowed},
		{"GET", "/api/v1/nothing", http.StatusNotFound},
	} {
		if code, body := f.do(t, tt.method, tt.path, ""); code != tt.want {
			t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, code, body, tt.want)
		}
	}
	if logs := f.logs.String(); !strings.Contains(logs, `msg="pause requested" service=Broken`) {
		t.Errorf("logs lack the pause request:\n%s", logs)
	}
}

func TestHealthz(t *testing.T) {
	up := newTarget(t)
	f := start(t, twoServices(up.URL, up.URL), nil)
	if code, body := f.do(t, "GET", "/healthz", ""); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", code, body)
	}
	// A server whose monitor is not running, and one that cannot save history, say why.
	idle := httptest.NewServer(New(Options{Services: f.cfg.Services, Monitor: f.srv.opts.Monitor}).Handler())
	defer idle.Close()
	resp, err := httpClient(t).Get(idle.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /healthz of a stopped monitor = %d, want 503", resp.StatusCode)
	}
	g := start(t, twoServices(up.URL, up.URL), func(o *Options) { o.NotSaving = "history: in use by another uptty (pid 7); this one is not saving" })
	if code, body := g.do(t, "GET", "/healthz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "in use by another uptty") {
		t.Errorf("GET /healthz not saving = %d %q, want 503 with the reason", code, body)
	}
}

func TestIncidentsAndHistory(t *testing.T) {
	tg := newTarget(t)
	f := start(t, twoServices(tg.URL, tg.URL), nil)
	f.until(t, "up", "Broken")
	tg.down.Store(true)
	f.until(t, "down", "Broken", "Checkout API")
	// The stream shows a state as soon as the monitor has it; history is handed the outage
	// just after (OnResult), so a Flush may come before it: flush until both are stored.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		if err := cmp.Or(ctx.Err(), f.hist.Store.Flush(ctx)); err != nil {
			t.Fatalf("history not flushed with both services' outages: %v", err)
		}
		if _, body := f.do(t, "GET", "/api/v1/incidents?since=0", ""); strings.Count(body, `"service"`) == 2 {
			break
		}
	}

	// A name the config does not have, and that has no incidents, is said to be unknown
	// beside the empty list, as `uptty incidents --service` says it on stderr.
	for query, want := range map[string]string{
		"service=broken":  `"note": "the config has no service named \"broken\"; did you mean \"Broken\"?"`,
		"service=Nothing": `"note": "the config has no service named \"Nothing\""`,
		"service=Broken":  "",
	} {
		_, body := f.do(t, "GET", "/api/v1/incidents?since=0&"+query, "")
		if want == "" && strings.Contains(body, `"note"`) || want != "" && !strings.Contains(body, want) {
			t.Errorf("GET /api/v1/incidents?%s = %s, want note %q", query, body, want)
		}
	}

	code, body := f.do(t, "GET", "/api/v1/incidents?service=Broken", "")
	var doc struct {
		Incidents []map[string]any `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(body), &doc); code != http.StatusOK || err != nil {
		t.Fatalf("GET /api/v1/incidents = %d %s (%v), want 200 and JSON", code, body, err)
	}
	if len(doc.Incidents) != 1 || doc.Incidents[0]["service"] != "Broken" || doc.Incidents[0]["end"] != nil ||
		doc.Incidents[0]["cause"] != "status 503, want 200-399" {
		t.Errorf("incidents of Broken = %s, want its one open outage", body)
	}
	if _, body := f.do(t, "GET", "/api/v1/incidents?since=0", ""); strings.Count(body, `"service"`) != 2 {
		t.Errorf("all incidents = %s, want both services' outages", body)
	}
	// A service the config does not have (removed, or another config's in a shared file) is
	// listed when asked for by name or with all=1, unmonitored, and not otherwise.
	start := time.Now().Add(-time.Hour)
	f.hist.Store.RecordEvent("Elsewhere", "", track.Event{Kind: track.OutageStarted, At: start,
		Outage: track.Outage{Start: start, Cause: "connection refused"}})
	if err := f.hist.Store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]int{"since=0": 2, "since=0&all=1": 3, "since=0&service=Elsewhere": 1} {
		_, body := f.do(t, "GET", "/api/v1/incidents?"+query, "")
		if n := strings.Count(body, `"service"`); n != want || want != 2 && !strings.Contains(body, `"unmonitored": true`) {
			t.Errorf("incidents?%s = %s, want %d outages, Elsewhere's unmonitored", query, body, want)
		}
	}
	if code, _ := f.do(t, "GET", "/api/v1/incidents?since=week", ""); code != http.StatusBadRequest {
		t.Errorf("incidents?since=week = %d, want 400", code)
	}

	code, body = f.do(t, "GET", "/api/v1/services/Broken/history?window=1h&buckets=12", "")
	var h struct {
		Service string           `json:"service"`
		WindowS int64            `json:"window_s"`
		Buckets []map[string]any `json:"buckets"`
		Windows []map[string]any `json:"windows"`
		Outages []map[string]any `json:"outages"`
	}
	if err := json.Unmarshal([]byte(body), &h); code != http.StatusOK || err != nil {
		t.Fatalf("GET history = %d %s (%v), want 200 and JSON", code, body, err)
	}
	if h.Service != "Broken" || h.WindowS != 3600 || len(h.Buckets) != 12 || len(h.Windows) != 4 || len(h.Outages) != 1 {
		t.Errorf("history = %s, want 12 buckets over 1h, 4 uptime windows and the one outage", body)
	}
	for _, tt := range []struct{ path string }{
		{"/api/v1/services/Nope/history"}, {"/api/v1/services/Broken/history?window=x"}, {"/api/v1/services/Broken/history?buckets=0"},
	} {
		if code, _ := f.do(t, "GET", tt.path, ""); code != http.StatusNotFound && code != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 404 or 400", tt.path, code)
		}
	}
}

// A dependent DOWN because of its dependency reads so in the status and its events, as on the
// screen and in `uptty check --json`: "(via Broken) status 503, want 200-399". Without it an
// attached screen, an SSH viewer's or a script sees a second independent outage.
func TestStatusNamesVia(t *testing.T) {
	down := newTarget(t)
	down.down.Store(true)
	yaml := fmt.Sprintf(`
defaults: {interval: 1s, timeout: 1s, retry_interval: 50ms, failure_threshold: 1}
services:
  - {name: Broken, url: "%s/a"}
  - {name: Dependent, url: "%s/b", depends_on: [Broken]}
`, down.URL, down.URL)
	f := start(t, yaml, func(o *Options) {
		o.Via = func(name string) string {
			if name == "Dependent" {
				return "Broken"
			}
			return ""
		}
	})
	s := f.until(t, "down", "Broken", "Dependent")
	ev := s.next("a service event of Dependent", func(ev event) bool {
		return ev.Name == "service" && strings.Contains(ev.Data, `"name":"Dependent"`)
	})
	const want = "(via Broken) status 503, want 200-399"
	var d struct{ Error string }
	if json.Unmarshal([]byte(ev.Data), &d); d.Error != want {
		t.Errorf("service event's error = %q, want %q", d.Error, want)
	}
	if logs := f.logs.String(); !strings.Contains(logs, `service=Dependent from=UNKNOWN to=DOWN url=`+down.URL+`/b reason="status 503, want 200-399" via=Broken`) {
		t.Errorf("the log's DOWN line does not name the dependency (via=Broken):\n%s", logs)
	}
	_, body := f.do(t, "GET", "/api/v1/status", "")
	var doc struct {
		Services []struct{ Name, Error string }
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Services {
		wantErr := "status 503, want 200-399"
		if s.Name == "Dependent" {
			wantErr = want
		}
		if s.Error != wantErr {
			t.Errorf("status: %s's error = %q, want %q", s.Name, s.Error, wantErr)
		}
	}
}
