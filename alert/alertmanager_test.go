package alert

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// amBinary is Debian's prometheus-alertmanager, which .ci/run installs.
const amBinary = "/usr/bin/prometheus-alertmanager"

// needAlertmanager skips when the binary is missing, except under CI, where it must be there.
func needAlertmanager(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(amBinary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing under CI: .ci/run installs prometheus-alertmanager", amBinary)
		}
		t.Skipf("%s is missing: apt-get install prometheus-alertmanager to run this test", amBinary)
	}
}

// freeAddr is a loopback address nothing listens on (for the moment).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startAlertmanager runs a real Alertmanager on addr (loopback only, clustering off, storage
// in a temp dir) until the test ends, and returns once it listens.
func startAlertmanager(t *testing.T, addr string) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte("route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(amBinary,
		"--config.file="+cfg,
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // no gossip port at all
		"--log.level=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		<-logs
	})
	listening := make(chan struct{})
	var head strings.Builder
	go func() {
		defer close(logs)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if head.Len() < 4096 {
				head.WriteString(sc.Text() + "\n")
			}
			if strings.Contains(sc.Text(), `msg="Listening on"`) {
				close(listening)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case <-listening:
	case <-logs:
		t.Fatalf("alertmanager exited before listening:\n%s", head.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("alertmanager did not listen on %s within 30s", addr)
	}
}

// runAlertmanager starts a real Alertmanager for the test (or skips it) and returns its URL.
func runAlertmanager(t *testing.T) string {
	t.Helper()
	needAlertmanager(t)
	addr := freeAddr(t)
	startAlertmanager(t, addr)
	return "http://" + addr
}

// amAlert is what GET /api/v2/alerts says of one alert.
type amAlert struct {
	Labels      map[string]string
	Annotations map[string]string
	StartsAt    time.Time
	EndsAt      time.Time
	Status      struct{ State string }
}

// amAlerts lists Alertmanager's current (unresolved) alerts by service.
func amAlerts(t *testing.T, base string) map[string]amAlert {
	t.Helper()
	m := map[string]amAlert{}
	for _, a := range amList(t, base) {
		m[a.Labels["service"]] = a
	}
	return m
}

// amList is what GET /api/v2/alerts lists: Alertmanager's current (unresolved) alerts.
func amList(t *testing.T, base string) []amAlert {
	t.Helper()
	resp, err := http.Get(base + "/api/v2/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []amAlert
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list
}

// nowAlerts are a down and an up alert for service around now, as Alertmanager only keeps
// alerts that are recent.
func nowAlerts(service string) (Alert, Alert) {
	now := time.Now().Truncate(time.Second)
	start := now.Add(-time.Minute)
	down := Alert{ID: NewID(service, EventDown, start), Event: EventDown, Service: service, Group: "payments",
		State: "DOWN", Reason: "status 503, want 200-399", Start: start, Duration: time.Minute, At: now}
	up := down
	up.ID, up.Event, up.State, up.End, up.At = NewID(service, EventUp, start), EventUp, "UP", &now, now
	return down, up
}

func TestAlertmanagerReal(t *testing.T) {
	base := runAlertmanager(t)
	l := newLog()
	d, err := NewDispatcher([]Sender{&Alertmanager{ID: "am", URL: base}}, l.options(Options{FirstRetry: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	down, up := nowAlerts("Checkout API")
	down.Link = "https://status.example/checkout"
	d.Enqueue(down)
	wantSent(t, l, 1)
	got, ok := amAlerts(t, base)["Checkout API"]
	if !ok {
		t.Fatalf("alertmanager has no alert for Checkout API after the down alert")
	}
	wantLabels := map[string]string{"alertname": AlertnameDown, "service": "Checkout API", "group": "payments", "severity": "critical"}
	if fmt.Sprint(got.Labels) != fmt.Sprint(wantLabels) {
		t.Errorf("labels = %v, want %v", got.Labels, wantLabels)
	}
	if got.Annotations["summary"] != down.Text() || got.Annotations["reason"] != down.Reason {
		t.Errorf("annotations = %v, want summary %q and reason %q", got.Annotations, down.Text(), down.Reason)
	}
	if !got.StartsAt.Equal(down.Start) || !got.EndsAt.After(time.Now()) {
		t.Errorf("startsAt %v, endsAt %v: want %v and a time to come", got.StartsAt, got.EndsAt, down.Start)
	}
	d.Enqueue(up)
	wantSent(t, l, 1)
	if got, ok := amAlerts(t, base)["Checkout API"]; ok {
		t.Errorf("alertmanager still lists %v after the up alert, want it resolved", got)
	}
}

// TestAlertmanagerLate starts Alertmanager after alerts were queued for it: each arrives once
// it is up, in order, and exactly once.
func TestAlertmanagerLate(t *testing.T) {
	needAlertmanager(t)
	addr := freeAddr(t)
	base := "http://" + addr
	l := newLog()
	failed := make(chan struct{}, 1000)
	opt := l.options(Options{FirstRetry: 20 * time.Millisecond, MaxRetry: 200 * time.Millisecond})
	onFailed := opt.OnFailed
	opt.OnFailed = func(a Alert, sender string, err error, attempt int, next time.Time) {
		onFailed(a, sender, err, attempt, next)
		failed <- struct{}{}
	}
	d, err := NewDispatcher([]Sender{&Alertmanager{ID: "am", URL: base}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	downA, upA := nowAlerts("A")
	downB, _ := nowAlerts("B")
	downC, _ := nowAlerts("C")
	for _, a := range []Alert{downA, downB, upA, downC} {
		d.Enqueue(a)
	}
	for range 3 { // refused a few times first
		select {
		case <-failed:
		case <-time.After(10 * time.Second):
			t.Fatal("no failed attempt while alertmanager was down")
		}
	}
	startAlertmanager(t, addr)
	wantSent(t, l, 4)
	l.mu.Lock()
	sent := fmt.Sprint(l.sent)
	l.mu.Unlock()
	want := fmt.Sprint([]string{"am " + downA.ID, "am " + downB.ID, "am " + upA.ID, "am " + downC.ID})
	if sent != want {
		t.Errorf("OnSent = %v, want %v", sent, want)
	}
	got := amAlerts(t, base)
	if _, ok := got["A"]; ok || len(got) != 2 || got["B"].Labels == nil || got["C"].Labels == nil {
		t.Errorf("alertmanager lists %v, want B and C firing and A resolved", got)
	}
}

// TestAlertmanagerLocations: two uptty serves in two places (each with its config's
// location:) that watch one service post an alert each. Without the location label they were
// one alert: the first place to see the service recover resolved it for both, while the other
// still saw it down, and its next re-post fired it again (a recovery page, then a new outage).
func TestAlertmanagerLocations(t *testing.T) {
	base := runAlertmanager(t)
	l := newLog()
	d, err := NewDispatcher([]Sender{&Alertmanager{ID: "eu", URL: base, Location: "eu-west"},
		&Alertmanager{ID: "us", URL: base, Location: "us-east"}}, l.options(Options{FirstRetry: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	down, up := nowAlerts("Checkout API")
	d.Enqueue(down) // to both senders
	wantSent(t, l, 2)
	if n := len(amLocations(t, base)); n != 2 {
		t.Fatalf("alertmanager has %d alerts for Checkout API from two locations, want 2", n)
	}
	if err := (&Alertmanager{ID: "eu", URL: base, Location: "eu-west"}).Send(t.Context(), up); err != nil {
		t.Fatal(err)
	}
	if got := amLocations(t, base); len(got) != 1 || got[0] != "us-east" {
		t.Errorf("after eu-west's recovery alertmanager fires for %q, want us-east's alert still firing", got)
	}
}

// amLocations lists the location labels of Alertmanager's current alerts.
func amLocations(t *testing.T, base string) []string {
	t.Helper()
	var out []string
	for _, a := range amList(t, base) {
		out = append(out, a.Labels["location"])
	}
	return out
}
