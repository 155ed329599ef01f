package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// posted is one request a webhook receiver got, and what it answered.
type posted struct {
	ID, Event, Service string
	Dependents         []string
	Status             int
	Text               string // the alert's line, rebuilt from the body
}

// receiver is a webhook receiver on loopback that answers 500 to the first fail requests.
type receiver struct {
	srv  *httptest.Server
	fail atomic.Int32
	got  chan posted
}

func newReceiver(t testing.TB, fail int) *receiver {
	r := &receiver{got: make(chan posted, 1024)}
	r.fail.Store(int32(fail))
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		a, err := alert.Decode(body)
		if err != nil {
			t.Errorf("receiver: %v in %s", err, body)
		}
		p := posted{ID: a.ID, Event: string(a.Event), Service: a.Service, Dependents: a.Dependents, Status: 200, Text: a.Text()}
		if r.fail.Add(-1) >= 0 {
			p.Status = 500
		}
		w.WriteHeader(p.Status)
		r.got <- p
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// next waits for the next request, at most d.
func (r *receiver) next(t testing.TB, what string, d time.Duration) posted {
	t.Helper()
	select {
	case p := <-r.got:
		return p
	case <-time.After(d):
		t.Fatalf("receiver: no %s within %v", what, d)
		return posted{}
	}
}

// target is a loopback HTTP service whose health the test switches.
func target(t testing.TB) (*httptest.Server, *atomic.Bool) {
	healthy := &atomic.Bool{}
	healthy.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, healthy
}

// live is the live monitor's wiring without the screen: history, alerts and the monitor.
type live struct {
	hist *history.Live
	sent chan string // "sender id" for every delivery
	// seen is each service's state as the engine last saw it, and changed a signal that it
	// changed: waits are on what the engine has processed, not just on the tracker.
	mu      sync.Mutex
	seen    map[string]track.State
	changed chan struct{}
	alerts  *liveAlerts
	mon     *monitor.Monitor
	cancel  context.CancelFunc
	done    chan struct{}
}

// startLive loads the config at path, adds alerts to it (and what edit sets), and runs the monitor as runMonitor
// does, without a terminal.
func startLive(t testing.TB, path string, alerts []config.Alert, edit func(*config.Config)) *live {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, path, func(string) (string, bool) { return "", false }, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Alerts = alerts
	if edit != nil {
		edit(cfg) // what the loader will read from the file: maintenance, depends_on
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	set, err := buildSenders(cfg, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	l := &live{done: make(chan struct{}), sent: make(chan string, 1024), seen: map[string]track.State{}, changed: make(chan struct{}, 1)}
	if l.hist, err = history.OpenLiveWith(cfg.History.Path, history.Options{Retention: cfg.History.Retention, Config: config.Identity(path)},
		historyServices(cfg.Services), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	l.mon = monitor.NewMonitor(targets, monitor.Options{Restore: l.hist.Restore, MinBatchInterval: -1,
		OnResult: func(name string, c track.Check, evs []track.Event) {
			l.alerts.engine.OnResult(name, c, evs)
			for _, e := range evs {
				if e.Kind == track.StateChanged {
					l.mu.Lock()
					l.seen[name] = e.To
					l.mu.Unlock()
					select {
					case l.changed <- struct{}{}:
					default:
					}
				}
			}
		}})
	for name, st := range l.mon.Snapshot() {
		l.seen[name] = st.State // as restored from history
	}
	l.alerts, err = startAlerts(cfg, l.hist, set, l.mon.Snapshot(), alert.Options{FirstRetry: 20 * time.Millisecond,
		OnSent: func(id, sender string, _ time.Time) { l.sent <- sender + " " + id }}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go func() {
		defer close(l.done)
		l.mon.Run(ctx)
	}()
	return l
}

// stop stops as runMonitor does: the monitor, then the alerts, then history.
func (l *live) stop(t testing.TB) {
	l.cancel()
	<-l.done
	l.alerts.stop()
	if err := l.hist.Close(); err != nil {
		t.Errorf("history Close = %v", err)
	}
}

// waitSent waits for n deliveries to be reported (and so queued for the outbox).
func (l *live) waitSent(t testing.TB, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for i := range n {
		select {
		case <-l.sent:
		case <-deadline:
			t.Fatalf("%d of %d deliveries reported within 10s", i, n)
		}
	}
}

// waitState waits until the engine has seen the service named name enter state want.
func (l *live) waitState(t testing.TB, name string, want track.State, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		l.mu.Lock()
		st := l.seen[name]
		l.mu.Unlock()
		if st == want {
			return
		}
		select {
		case <-l.changed:
		case <-deadline:
			t.Fatalf("%s not %v within %v", name, want, d)
		}
	}
}

func writeAlertsConfig(t testing.TB, dir, services string) string {
	t.Helper()
	path := filepath.Join(dir, "uptty.yaml")
	body := fmt.Sprintf("history: {path: %q}\ndefaults: {interval: 500ms, timeout: 450ms, retry_interval: 100ms, failure_threshold: 2}\nservices:\n%s",
		filepath.Join(dir, "history.db"), services)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAlertsEndToEnd: a loopback service goes down and comes back; a webhook receiver that
// answers 500 first gets the down again under the same id, then the up, which says how long
// it was down; `uptty alerts --json` shows both sent. A restart sends nothing again.
func TestAlertsEndToEnd(t *testing.T) {
	srv, healthy := target(t)
	recv := newReceiver(t, 1)
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, fmt.Sprintf("  - {name: Checkout API, url: %q}\n", srv.URL))
	hooks := []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: recv.srv.URL}}
	l := startLive(t, path, hooks, nil)
	l.waitState(t, "Checkout API", track.Up, 10*time.Second)
	healthy.Store(false)
	first := recv.next(t, "down alert", 10*time.Second)
	retry := recv.next(t, "retried down alert", 10*time.Second)
	if first.Event != "down" || first.Status != 500 || retry.Event != "down" || retry.Status != 200 || retry.ID != first.ID {
		t.Errorf("receiver got %+v then %+v, want the down answered 500, then again with the same id", first, retry)
	}
	healthy.Store(true)
	upAlert := recv.next(t, "up alert", 10*time.Second)
	if upAlert.Event != "up" || !strings.Contains(upAlert.Text, "Checkout API is UP after ") || upAlert.ID == first.ID {
		t.Errorf("up alert = %+v, want a new id and the text \"Checkout API is UP after …\"", upAlert)
	}
	l.waitState(t, "Checkout API", track.Up, 10*time.Second)
	l.waitSent(t, 2)
	l.stop(t)
	select {
	case p := <-recv.got:
		t.Errorf("receiver got one more: %+v", p)
	default:
	}

	var out, errb bytes.Buffer
	if code := run([]string{"alerts", "--json", "--config", path}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty alerts --json = %d, %s", code, errb.String())
	}
	var doc struct {
		Alerts []struct {
			ID, Event, Sender, State string
			Attempts                 int
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("uptty alerts --json = %s: %v", out.String(), err)
	}
	got := fmt.Sprint(doc.Alerts)
	want := fmt.Sprintf("[{%s up team sent 1} {%s down team sent 2}]", upAlert.ID, first.ID)
	if got != want {
		t.Errorf("uptty alerts --json = %s, want %s", got, want)
	}

	// A restart finds nothing pending: the receiver hears nothing more.
	l = startLive(t, path, hooks, nil)
	l.waitState(t, "Checkout API", track.Up, 10*time.Second)
	l.stop(t)
	select {
	case p := <-recv.got:
		t.Errorf("after a restart the receiver got %+v, want nothing", p)
	default:
	}
}

// TestAlertsMaintenanceAndDependencies: in a maintenance window an outage sends nothing and is
// stored marked; a dependent failing while its dependency is down sends nothing of its own and
// shows via, and the dependency's recovery lists it.
func TestAlertsMaintenanceAndDependencies(t *testing.T) {
	core, coreOK := target(t)
	web, webOK := target(t)
	deploy, deployOK := target(t)
	recv := newReceiver(t, 0)
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, fmt.Sprintf(`  - {name: core, url: %q, failure_threshold: 1}
  - {name: web, url: %q, failure_threshold: 3}
  - {name: deploy, url: %q}
`, core.URL, web.URL, deploy.URL))
	now := time.Now()
	maint := []config.Maintenance{{Name: "release", Services: []string{"deploy"}, Start: now.Add(-time.Hour), End: now.Add(time.Hour)}}
	l := startLive(t, path, []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: recv.srv.URL}}, func(cfg *config.Config) {
		cfg.Maintenance = maint
		cfg.Services[1].DependsOn = []string{"core"}
	})
	for _, n := range []string{"core", "web", "deploy"} {
		l.waitState(t, n, track.Up, 10*time.Second)
	}
	deployOK.Store(false)
	l.waitState(t, "deploy", track.Down, 10*time.Second)
	deployOK.Store(true)
	l.waitState(t, "deploy", track.Up, 10*time.Second)
	// core fails first and web after it, as when a router dies and then its dependents are
	// checked; were web checked DOWN first, it would alert on its own, rightly.
	coreOK.Store(false)
	down := recv.next(t, "core's down", 10*time.Second)
	webOK.Store(false)
	l.waitState(t, "web", track.Down, 10*time.Second)
	if via := l.alerts.engine.Via("web"); via != "core" {
		t.Errorf("Via(web) = %q, want core", via)
	}
	// web comes back first: were core back first, web's next failing check would make its
	// outage its own (alerted), which is right but not what this test is about.
	webOK.Store(true)
	l.waitState(t, "web", track.Up, 10*time.Second)
	coreOK.Store(true)
	up := recv.next(t, "core's up", 10*time.Second)
	l.waitSent(t, 2)
	l.stop(t)
	if down.Service != "core" || up.Service != "core" || up.Event != "up" || fmt.Sprint(up.Dependents) != "[web]" {
		t.Errorf("receiver got %+v and %+v, want core's down and up, the up listing web", down, up)
	}
	select {
	case p := <-recv.got:
		t.Errorf("receiver got one more: %+v (deploy in maintenance and web via core send nothing)", p)
	default:
	}
	var out, errb bytes.Buffer
	if code := run([]string{"incidents", "--json", "--config", path}, &out, &errb, noEnv); code != exitOK {
		t.Fatalf("uptty incidents --json = %d, %s", code, errb.String())
	}
	var doc struct {
		Incidents []struct {
			Service     string
			Maintenance bool
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(doc.Incidents); !strings.Contains(got, "{deploy true}") || !strings.Contains(got, "{core false}") {
		t.Errorf("incidents = %s, want deploy's in maintenance and core's not", got)
	}
	if n := strings.Count(out.String(), `"maintenance"`); n != 1 {
		t.Errorf("incidents --json has \"maintenance\" %d times, want once (only when true):\n%s", n, out.String())
	}
}

func noEnv(string) (string, bool) { return "", false }

// TestAlertsCommand: no history file yet lists nothing and exits 0; a file that is not a
// history, or a bad config, exits 2.
func TestAlertsCommand(t *testing.T) {
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, "  - {name: api, url: \"http://127.0.0.1:1\"}\n")
	tests := []struct {
		name     string
		args     []string
		prepare  func()
		code     int
		out, err string
	}{
		{"no history yet", []string{"alerts", "-c", path}, nil, exitOK, "no alerts\n", ""},
		{"no history yet, JSON", []string{"alerts", "--json", "-c", path}, nil, exitOK, "{\n  \"alerts\": []\n}\n", ""},
		{"not a history", []string{"alerts", "-c", path}, func() {
			os.WriteFile(filepath.Join(dir, "history.db"), bytes.Repeat([]byte("x"), 8192), 0o600)
		}, exitUsage, "", "is not an uptty history"},
		{"bad config", []string{"alerts", "-c", filepath.Join(dir, "missing.yaml")}, nil, exitUsage, "", "missing.yaml"},
	}
	for _, tt := range tests {
		if tt.prepare != nil {
			tt.prepare()
		}
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb, noEnv)
		if code != tt.code || out.String() != tt.out || !strings.Contains(errb.String(), tt.err) {
			t.Errorf("%s: run(%q) = %d, %q, %q; want %d, %q, stderr with %q", tt.name, tt.args, code, out.String(), errb.String(), tt.code, tt.out, tt.err)
		}
	}
}

// TestAlertsOfTheConfig: `uptty alerts -c FILE` lists the alerts of FILE's services: the default
// history file is shared by every config that names none, and another config's pages are not
// this one's; --all lists every alert in the file.
func TestAlertsOfTheConfig(t *testing.T) {
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, "  - {name: api, url: \"http://127.0.0.1:1\"}\n")
	s, err := history.Open(filepath.Join(dir, "history.db"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, service := range []string{"api", "prod-db"} {
		s.RecordWith(service, "", track.Check{Start: now, OK: false}, nil, history.Extra{Alerts: []history.Outgoing{{
			ID: "id-" + service, Sender: "team", Service: service, Event: "down", Payload: []byte(`{}`), Created: now}}})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"alerts", "--json", "-c", path}, "[id-api]"},
		{[]string{"alerts", "--json", "--all", "-c", path}, "[id-prod-db id-api]"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb, noEnv); code != exitOK {
			t.Fatalf("run(%q) = %d, stderr %q", tc.args, code, errb.String())
		}
		var doc struct{ Alerts []struct{ ID string } }
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range doc.Alerts {
			ids = append(ids, a.ID)
		}
		if got := fmt.Sprint(ids); got != tc.want && !(len(ids) == 2 && tc.want == "[id-prod-db id-api]" && got == "[id-api id-prod-db]") {
			t.Errorf("run(%q) listed %s, want %s", tc.args, got, tc.want)
		}
	}
}

// TestAlertsAcrossRestart: uptty stops during an outage whose down alert was delivered; the
// next uptty sends its recovery, and not the down again.
func TestAlertsAcrossRestart(t *testing.T) {
	srv, healthy := target(t)
	recv := newReceiver(t, 0)
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, fmt.Sprintf("  - {name: api, url: %q}\n", srv.URL))
	hooks := []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: recv.srv.URL}}
	l := startLive(t, path, hooks, nil)
	l.waitState(t, "api", track.Up, 10*time.Second)
	healthy.Store(false)
	down := recv.next(t, "down alert", 10*time.Second)
	l.waitSent(t, 1)
	l.stop(t)

	l = startLive(t, path, hooks, nil)
	if st := l.mon.Snapshot()["api"].State; st != track.Down {
		t.Fatalf("restored state = %v, want DOWN", st)
	}
	healthy.Store(true)
	up := recv.next(t, "up alert", 10*time.Second)
	l.waitSent(t, 1)
	l.stop(t)
	if down.Event != "down" || up.Event != "up" || !strings.Contains(up.Text, "api is UP after ") {
		t.Errorf("receiver got %+v then %+v, want the down, then after the restart the up", down, up)
	}
	select {
	case p := <-recv.got:
		t.Errorf("receiver got one more: %+v", p)
	default:
	}
}

// TestAlertsMasksStoredSecrets: `uptty alerts` masks the config's secrets in a stored failure
// reason, also in a row written before reasons were masked when stored.
func TestAlertsMasksStoredSecrets(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	path := writeConfig(t, fmt.Sprintf(`history: {path: %s}
alerts:
  - {name: cmd, type: command, command: [notify, "${HOOK_KEY}"]}
services:
  - {name: api, url: "tcp://127.0.0.1:9"}
`, db))
	store, err := history.Open(db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	store.RecordWith("api", "", track.Check{}, nil, history.Extra{Alerts: []history.Outgoing{
		{ID: "a1", Sender: "cmd", Service: "api", Event: "down", Payload: []byte("{}"), Created: now}}})
	store.AlertFailed("a1", "cmd", "command: exit status 3: failed with hookSECRET", now.Add(time.Minute))
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	env := envFrom(map[string]string{"HOOK_KEY": "hookSECRET"})
	for _, args := range [][]string{{"alerts", "-c", path}, {"alerts", "--json", "-c", path}} {
		var out, errb strings.Builder
		if code := run(args, &out, &errb, env); code != exitOK {
			t.Fatalf("%v = %d %s", args, code, errb.String())
		}
		if strings.Contains(out.String(), "hookSECRET") || !strings.Contains(out.String(), "failed with •••") {
			t.Errorf("%v shows:\n%s\nwant the secret masked", args, out.String())
		}
	}
}

// TestAlertsBesideAnotherUptty: a second uptty on a history file another one writes (a screen
// beside uptty serve, a second serve) checks and shows, but leaves the alerts to the one that
// writes the outbox while it runs: a receiver gets one page per event, not one from each; and
// none is lost when the first quits.
func TestAlertsBesideAnotherUptty(t *testing.T) {
	srv, healthy := target(t)
	recv := newReceiver(t, 0)
	dir := t.TempDir()
	path := writeAlertsConfig(t, dir, fmt.Sprintf("  - {name: Checkout API, url: %q}\n", srv.URL))
	hooks := []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: recv.srv.URL}}
	first := startLive(t, path, hooks, nil)
	second := startLive(t, path, hooks, nil)
	if !second.hist.InUse || first.hist.InUse {
		t.Fatalf("InUse = %v for the first, %v for the second; want only the second", first.hist.InUse, second.hist.InUse)
	}
	if got := fmt.Sprint(second.alerts.unused); got != "[team]" {
		t.Errorf("senders left unused beside the first = %s, want [team]", got)
	}
	first.waitState(t, "Checkout API", track.Up, 10*time.Second)
	second.waitState(t, "Checkout API", track.Up, 10*time.Second)
	healthy.Store(false)
	if p := recv.next(t, "down alert", 10*time.Second); p.Event != "down" {
		t.Errorf("receiver got %+v, want the down alert", p)
	}
	first.waitSent(t, 1)
	second.waitState(t, "Checkout API", track.Down, 10*time.Second)
	// Once the first has gone, the second alerts: the recovery of the outage the first paged.
	first.stop(t)
	select {
	case p := <-recv.got:
		t.Errorf("receiver got a second page: %+v", p)
	default:
	}
	healthy.Store(true)
	if p := recv.next(t, "up alert from the second", 10*time.Second); p.Event != "up" {
		t.Errorf("receiver got %+v, want the up alert", p)
	}
	second.stop(t)
}

// TestAlertsSince: `uptty alerts --since 1d` lists the alerts queued within a day, and an older
// one still failing (an alert that has not gone is news however old); without --since, all.
func TestAlertsSince(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	path := writeConfig(t, fmt.Sprintf(`history: {path: %s}
alerts:
  - {name: team, type: webhook, url: "http://127.0.0.1:9/hook"}
services:
  - {name: api, url: "tcp://127.0.0.1:9"}
`, db))
	store, err := history.Open(db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	old := now.Add(-72 * time.Hour)
	store.RecordWith("api", "", track.Check{}, nil, history.Extra{Alerts: []history.Outgoing{
		{ID: "old-sent", Sender: "team", Service: "api", Event: "down", Payload: []byte("{}"), Created: old},
		{ID: "old-failing", Sender: "team", Service: "api", Event: "up", Payload: []byte("{}"), Created: old.Add(time.Minute)},
		{ID: "new-sent", Sender: "team", Service: "api", Event: "down", Payload: []byte("{}"), Created: now.Add(-time.Hour)}}})
	store.AlertSent("old-sent", "team", old.Add(time.Second))
	store.AlertFailed("old-failing", "team", "webhook: status 500", now.Add(time.Minute))
	store.AlertSent("new-sent", "team", now.Add(-time.Hour))
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"alerts", "--json", "--since", "1d", "-c", path}, []string{"new-sent", "old-failing"}},
		{[]string{"alerts", "--json", "-c", path}, []string{"new-sent", "old-failing", "old-sent"}},
	} {
		var out, errb strings.Builder
		if code := run(tt.args, &out, &errb, noEnv); code != exitOK {
			t.Fatalf("%v = %d %s", tt.args, code, errb.String())
		}
		var doc struct {
			Alerts []struct {
				ID string `json:"id"`
			} `json:"alerts"`
		}
		if err := json.Unmarshal([]byte(out.String()), &doc); err != nil {
			t.Fatalf("%v: %v\n%s", tt.args, err, out.String())
		}
		var ids []string
		for _, a := range doc.Alerts {
			ids = append(ids, a.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
			t.Errorf("%v lists %v, want %v", tt.args, ids, tt.want)
		}
	}
	var out, errb strings.Builder
	if code := run([]string{"alerts", "--since", "soon", "-c", path}, &out, &errb, noEnv); code != exitUsage || !strings.Contains(errb.String(), `--since "soon"`) {
		t.Errorf("alerts --since soon = %d %q, want a usage error naming the flag", code, errb.String())
	}
}

// TestTerminalSenderWithoutTerminal: a `terminal` sender where there is no terminal (serve,
// --quiet) is no sender at all: its alerts went nowhere, so none may be listed as sent.
func TestTerminalSenderWithoutTerminal(t *testing.T) {
	cfg := &config.Config{Alerts: []config.Alert{{Name: "desk", Type: config.SenderTerminal},
		{Name: "team", Type: config.SenderWebhook, URL: "http://127.0.0.1:9/hook"}}}
	set, err := buildSenders(cfg, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range set.senders {
		names = append(names, s.Name())
	}
	if fmt.Sprint(names) != "[team]" || set.durable["desk"] {
		t.Errorf("senders without a terminal = %v, durable %v; want [team] alone", names, set.durable)
	}
	var tty strings.Builder
	set, err = buildSenders(cfg, &tty, false)
	if err != nil {
		t.Fatal(err)
	}
	names = names[:0]
	for _, s := range set.senders {
		names = append(names, s.Name())
	}
	if fmt.Sprint(names) != "[desk team]" {
		t.Errorf("senders with a terminal = %v, want [desk team]", names)
	}
}

// TestAlertsBesideAnotherConfig: a second uptty whose config is another file (the default
// history file is shared by every config that names none) alerts for itself beside the one
// writing the history: that one watches other services with other senders, and holding back for
// it would lose these pages.
func TestAlertsBesideAnotherConfig(t *testing.T) {
	srv, healthy := target(t)
	other, _ := target(t)
	recvFirst, recvSecond := newReceiver(t, 0), newReceiver(t, 0)
	dir := t.TempDir()
	firstPath := writeAlertsConfig(t, dir, fmt.Sprintf("  - {name: Search, url: %q}\n", other.URL))
	secondPath := filepath.Join(dir, "staging.yaml")
	body := fmt.Sprintf("history: {path: %q}\ndefaults: {interval: 500ms, timeout: 450ms, retry_interval: 100ms, failure_threshold: 2}\nservices:\n  - {name: Checkout API, url: %q}\n",
		filepath.Join(dir, "history.db"), srv.URL)
	if err := os.WriteFile(secondPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	first := startLive(t, firstPath, []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: recvFirst.srv.URL}}, nil)
	second := startLive(t, secondPath, []config.Alert{{Name: "staging", Type: config.SenderWebhook, URL: recvSecond.srv.URL}}, nil)
	if !second.hist.InUse {
		t.Fatalf("the second uptty's history is not in use by the first")
	}
	if len(second.alerts.unused) != 0 {
		t.Errorf("senders left unused beside another config's uptty = %v, want none", second.alerts.unused)
	}
	second.waitState(t, "Checkout API", track.Up, 10*time.Second)
	healthy.Store(false)
	if p := recvSecond.next(t, "down alert from the second", 10*time.Second); p.Event != "down" || p.Service != "Checkout API" {
		t.Errorf("the second's receiver got %+v, want Checkout API's down alert", p)
	}
	second.stop(t)
	first.stop(t)
}
