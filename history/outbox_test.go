package history

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/track"
)

// outgoing is the outbox row of an alert for sender.
func outgoing(id, sender string) Outgoing {
	return Outgoing{ID: id, Sender: sender, Service: "api", Event: "down", Payload: []byte(`{"id":"` + id + `"}`), Created: t0}
}

// TestOutboxWithEvents: alerts land with the events that caused them, outcomes update them, and
// an outage started in maintenance is marked so.
func TestOutboxWithEvents(t *testing.T) {
	s, _ := openTest(t, Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	o := track.Outage{Start: t0, Cause: "refused"}
	evs := []track.Event{
		{Kind: track.StateChanged, At: t0, From: track.Up, To: track.Down, Reason: "refused"},
		{Kind: track.OutageStarted, At: t0, Outage: o},
	}
	s.RecordWith("api", "", result(0, time.Millisecond, false, "refused"), evs,
		Extra{Maintenance: true, Alerts: []Outgoing{outgoing("a1", "team"), outgoing("a1", "ops")}})
	flush(t, s)
	if n := scalar[int](t, s, "SELECT count(*) FROM outbox WHERE state = 'pending'"); n != 2 {
		t.Errorf("pending rows = %d, want 2", n)
	}
	list, err := s.Incidents(time.Time{}, "")
	if err != nil || len(list) != 1 || !list[0].Maintenance {
		t.Fatalf("Incidents = %+v, %v; want one in maintenance", list, err)
	}
	if b, _ := list[0].MarshalJSON(); !strings.Contains(string(b), `"maintenance":true`) {
		t.Errorf("incident JSON = %s, want \"maintenance\":true", b)
	}

	s.AlertFailed("a1", "team", "webhook: status 500", t0.Add(time.Second))
	s.AlertSent("a1", "team", t0.Add(2*time.Second))
	s.AlertGaveUp("a1", "ops", "webhook: connection refused")
	s.AlertFailed("a1", "team", "late", t0.Add(3*time.Second)) // after sent: ignored
	flush(t, s)
	all, err := s.Alerts(0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Outgoing{}
	for _, a := range all {
		got[a.Sender] = a
	}
	if a := got["team"]; a.State != AlertSent || a.Attempts != 2 || a.LastError != "webhook: status 500" || !a.SentAt.Equal(t0.Add(2*time.Second)) {
		t.Errorf("team row = %+v, want sent after 2 attempts", a)
	}
	if a := got["ops"]; a.State != AlertGaveUp || a.Attempts != 1 || a.LastError != "webhook: connection refused" {
		t.Errorf("ops row = %+v, want gave_up after 1 attempt", a)
	}
	if p, err := s.PendingAlerts(); err != nil || len(p) != 0 {
		t.Errorf("PendingAlerts = %v, %v; want none", p, err)
	}
}

// TestOutboxPruned: a rollup drops settled alerts older than twice the retention, and keeps
// pending ones however old.
func TestOutboxPruned(t *testing.T) {
	s, _ := openTest(t, Options{Retention: time.Hour})
	old, recent := outgoing("old", "team"), outgoing("recent", "team")
	recent.Created = t0.Add(3 * time.Hour)
	stuck := outgoing("stuck", "team")
	s.RecordWith("api", "", result(0, time.Millisecond, false, "refused"), nil, Extra{Alerts: []Outgoing{old, recent, stuck}})
	s.AlertSent("old", "team", t0)
	s.AlertSent("recent", "team", t0.Add(3*time.Hour))
	flush(t, s)
	if err := s.Rollup(t0.Add(4 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, err := s.Alerts(0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	if got := strings.Join(ids, " "); got != "recent stuck" && got != "stuck recent" {
		t.Errorf("after a rollup 4h on with 1h retention, outbox = %q, want recent and stuck", got)
	}
}

// flaky is a sender for the kill -9 test: "ok" delivers, "bad" always fails; every delivery is
// counted by id.
type flaky struct {
	name string
	mu   sync.Mutex
	got  map[string]int
}

func (f *flaky) Name() string { return f.name }

func (f *flaky) Send(_ context.Context, a alert.Alert) error {
	if f.name == "bad" && f.got == nil {
		return errors.New("bad: status 500")
	}
	if f.got != nil {
		f.mu.Lock()
		f.got[a.ID]++
		f.mu.Unlock()
	}
	return nil
}

// runOutboxChild records alerts for ever, each for the senders "ok" and "bad", printing
// "committed N" once the first N are committed and every "ok" delivery among them is marked.
func runOutboxChild(path string) int {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	sent := make(chan struct{}, 64)
	d, err := alert.NewDispatcher([]alert.Sender{&flaky{name: "ok"}, &flaky{name: "bad"}}, alert.Options{
		FirstRetry: time.Hour,
		OnSent: func(id, sender string, at time.Time) {
			s.AlertSent(id, sender, at)
			sent <- struct{}{}
		},
		OnFailed: func(a alert.Alert, sender string, err error, _ int, next time.Time) {
			s.AlertFailed(a.ID, sender, err.Error(), next)
		},
	})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	deadline := time.Now().Add(time.Minute) // never outlive a parent that forgot us
	for n := 0; time.Now().Before(deadline); n++ {
		a := alert.Alert{ID: "id" + strconv.Itoa(n), Event: alert.EventDown, Service: "api", Start: t0}
		payload, _ := a.MarshalJSON()
		rows := []Outgoing{{ID: a.ID, Sender: "ok", Service: "api", Event: "down", Payload: payload},
			{ID: a.ID, Sender: "bad", Service: "api", Event: "down", Payload: payload}}
		s.RecordWith("api", "", result(time.Duration(n)*time.Second, time.Millisecond, false, "refused"), nil, Extra{Alerts: rows})
		d.Enqueue(a)
		<-sent // marked sent before the flush: committed N means the mark is committed too
		if err := s.Flush(context.Background()); err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("committed", n+1)
	}
	return 0
}

// TestOutboxKill9 kills a process that has alerts pending (one sender failing, one delivering)
// and resumes them from the file as a restarted uptty does: every committed alert reaches the
// failing sender's receiver exactly once, and nothing marked sent is sent again.
func TestOutboxKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	cmd := faultChild(t, "outbox", path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	committed := 0
	timeout := time.After(30 * time.Second)
	for committed < 30 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("child exited early: %v", cmd.Wait())
			}
			n, found := strings.CutPrefix(line, "committed ")
			if !found {
				t.Fatalf("child: %s", line)
			}
			committed, _ = strconv.Atoi(n)
		case <-timeout:
			cmd.Process.Kill()
			t.Fatal("child committed nothing within 30s")
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for range lines {
	}
	cmd.Wait()

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pending, err := s.PendingAlerts()
	if err != nil {
		t.Fatal(err)
	}
	// Every pending row is waited for until it is marked sent, both senders' (the kill can land
	// between an alert's commit and its "ok" delivery's mark): Stop drops what is queued, and a
	// delivery it cancels before its mark stays pending, as it should for the next start.
	marked := make(chan string, len(pending))
	ok := &flaky{name: "ok", got: map[string]int{}}
	bad := &flaky{name: "bad", got: map[string]int{}}
	d, err := alert.NewDispatcher([]alert.Sender{ok, bad}, alert.Options{
		OnSent: func(id, sender string, at time.Time) {
			s.AlertSent(id, sender, at)
			marked <- id
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, p := range pending {
		var a alert.Alert
		if a, err = alert.Decode(p.Payload); err != nil || a.ID != p.ID {
			t.Fatalf("Decode(%s) = %+v, %v", p.Payload, a, err)
		}
		if p.Sender == "bad" {
			want++
		}
		d.Enqueue(a, p.Sender)
	}
	if want < committed {
		t.Errorf("pending for bad after kill -9 = %d, want at least the %d committed", want, committed)
	}
	deadline := time.After(30 * time.Second)
	for range pending {
		select {
		case <-marked:
		case <-deadline:
			t.Fatal("resumed alerts not delivered within 30s")
		}
	}
	if err := d.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for id, n := range bad.got {
		if n != 1 {
			t.Errorf("bad got %s %d times, want once", id, n)
		}
	}
	for i := range committed {
		id := "id" + strconv.Itoa(i)
		if bad.got[id] != 1 {
			t.Errorf("bad got %s %d times after restart, want once", id, bad.got[id])
		}
		if ok.got[id] != 0 {
			t.Errorf("ok got %s again after restart, though it was marked sent", id)
		}
	}
	flush(t, s)
	if p, err := s.PendingAlerts(); err != nil || len(p) != 0 {
		t.Errorf("PendingAlerts after resuming = %d rows, %v; want none", len(p), err)
	}
}

// BenchmarkOutbox is how many alerts a second the outbox sustains: each op is one alert
// committed with the result and events that caused it, then its sent outcome, both through the
// writer's queue into a file, flushed every 1,000 so that the queue never drops.
func BenchmarkOutbox(b *testing.B) {
	s, _ := openTest(b, Options{})
	payload := []byte(`{"id":"x","event":"down","service":"api","group":"","state":"DOWN","reason":"status 503","start":"2026-12-01T21:47:02Z","end":null,"duration_s":0,"at":"2026-12-01T21:47:02Z"}`)
	n := 0
	start := time.Now()
	for b.Loop() {
		id := "a" + strconv.Itoa(n)
		at := time.Duration(n) * time.Second
		o := track.Outage{Start: t0.Add(at), Cause: "status 503"}
		s.RecordWith("api", "", result(at, time.Millisecond, false, "status 503"),
			[]track.Event{{Kind: track.OutageStarted, At: t0.Add(at), Outage: o}},
			Extra{Alerts: []Outgoing{{ID: id, Sender: "team", Service: "api", Event: "down", Payload: payload}}})
		s.AlertSent(id, "team", t0.Add(at))
		n++
		if n%1000 == 0 {
			flush(b, s)
		}
	}
	flush(b, s)
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "alerts/s")
	if st := s.Stats(); st.Dropped > 0 || st.Failed > 0 {
		b.Fatalf("stats = %+v, want nothing dropped or lost", st)
	}
}

// TestOutboxReminders: how many reminders of a down alert a sender was given, from the
// outbox, for a restart to number the next ones on from: the highest -rN, whatever else the
// outbox holds (another sender's, another outage's, the down alert itself).
func TestOutboxReminders(t *testing.T) {
	s, _ := openTest(t, Options{})
	down := alert.NewID("api", alert.EventDown, t0)
	other := alert.NewID("api", alert.EventDown, t0.Add(time.Hour))
	rows := []Outgoing{outgoing(down, "team"), outgoing(alert.RepeatID(down, 1), "team"),
		outgoing(alert.RepeatID(down, 2), "team"), outgoing(alert.RepeatID(down, 10), "team"),
		outgoing(alert.RepeatID(down, 11), "ops"), outgoing(alert.RepeatID(other, 40), "team")}
	s.RecordWith("api", "", result(0, time.Millisecond, false, "refused"), nil, Extra{Alerts: rows})
	flush(t, s)
	for _, tt := range []struct {
		id, sender string
		want       int
	}{{down, "team", 10}, {down, "ops", 11}, {down, "pager", 0}, {other, "team", 40}, {alert.NewID("web", alert.EventDown, t0), "team", 0}} {
		if got, err := s.Reminders(tt.id, tt.sender); err != nil || got != tt.want {
			t.Errorf("Reminders(%s, %s) = %d, %v; want %d", tt.id, tt.sender, got, err, tt.want)
		}
	}
}

// TestOutboxSkipped: a reminder skipped for a newer one is settled (never sent again after a
// restart) with why, and counts no attempt: none was made.
func TestOutboxSkipped(t *testing.T) {
	s, _ := openTest(t, Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	s.RecordWith("api", "", result(0, time.Millisecond, false, "refused"), nil,
		Extra{Alerts: []Outgoing{outgoing("a1-r1", "team")}})
	s.AlertSkipped("a1-r1", "team", "skipped: a newer reminder was queued")
	flush(t, s)
	all, err := s.Alerts(0)
	if err != nil || len(all) != 1 {
		t.Fatalf("Alerts = %+v, %v; want one", all, err)
	}
	if a := all[0]; a.State != AlertGaveUp || a.Attempts != 0 || a.LastError != "skipped: a newer reminder was queued" {
		t.Errorf("row = %+v, want gave_up after no attempt, with why", a)
	}
	if p, err := s.PendingAlerts(); err != nil || len(p) != 0 {
		t.Errorf("PendingAlerts = %v, %v; want none", p, err)
	}
}

// TestRenameSender: a sender renamed takes its rows along, in order with the outcomes queued
// around it, and a row the new name has already is left as it is.
func TestRenameSender(t *testing.T) {
	s, _ := openTest(t, Options{})
	s.RecordWith("api", "", result(0, time.Millisecond, false, "refused"), nil,
		Extra{Alerts: []Outgoing{outgoing("a1", "team"), outgoing("a2", "team"), outgoing("a2", "pager"), outgoing("a1", "ops")}})
	s.AlertFailed("a1", "team", "webhook: status 500", t0.Add(time.Second))
	s.RenameSender("team", "pager")
	s.AlertSent("a1", "pager", t0.Add(2*time.Second))
	flush(t, s)
	all, err := s.Alerts(0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range all {
		got = append(got, a.ID+" "+a.Sender+" "+a.State+" "+strconv.Itoa(a.Attempts))
	}
	slices.Sort(got)
	if want := "[a1 ops pending 0 a1 pager sent 2 a2 pager pending 0 a2 team pending 0]"; fmt.Sprint(got) != want {
		t.Errorf("rows = %v, want %s", got, want)
	}
}

// TestKeepSenders: the senders a start records are what the next start reads, under the names
// reloads renamed them to (RenameSender) meanwhile; the renames it is given move the rows of
// the old names, pending ones included, in the same transaction.
func TestKeepSenders(t *testing.T) {
	s, _ := openTest(t, Options{})
	if got, err := s.Senders(); err != nil || len(got) != 0 {
		t.Fatalf("Senders of a new history = %v, %v; want none", got, err)
	}
	ctx := context.Background()
	if err := s.KeepSenders(ctx, nil, map[string]string{"team": "k1", "ops": "k2"}); err != nil {
		t.Fatal(err)
	}
	s.RenameSender("ops", "infra")
	flush(t, s)
	if got, err := s.Senders(); fmt.Sprint(got) != "map[infra:k2 team:k1]" || err != nil {
		t.Errorf("Senders after ops was renamed infra = %v, %v; want map[infra:k2 team:k1]", got, err)
	}
	s.RecordWith("api", "", result(0, time.Millisecond, false, "refused"), nil,
		Extra{Alerts: []Outgoing{outgoing("a1", "team"), outgoing("a1", "infra")}})
	if err := s.KeepSenders(ctx, map[string]string{"team": "pager"}, map[string]string{"pager": "k1", "infra": "k2"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Senders(); fmt.Sprint(got) != "map[infra:k2 pager:k1]" || err != nil {
		t.Errorf("Senders = %v, %v; want map[infra:k2 pager:k1]", got, err)
	}
	pending, err := s.PendingAlerts()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range pending {
		got = append(got, a.ID+" "+a.Sender)
	}
	slices.Sort(got)
	if want := "[a1 infra a1 pager]"; fmt.Sprint(got) != want {
		t.Errorf("PendingAlerts after team was renamed pager = %v, want %s", got, want)
	}
}
