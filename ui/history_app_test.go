package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
)

// runCmd runs cmd and the Cmds of any batch it returns, and returns their messages. The
// model's context must be cancelled first, so that a tick gives up at once.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, runCmd(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// tickAt moves the clock to at and applies what the tick's Cmds answer; it returns the model
// and the Archive messages among them.
func tickAt(t *testing.T, m Model, at time.Time) (Model, []tea.Msg) {
	t.Helper()
	next, cmd := m.Update(tickMsg(at))
	m = next.(Model)
	var got []tea.Msg
	for _, msg := range runCmd(cmd) {
		switch msg.(type) {
		case archiveMsg, saveErrMsg:
			got = append(got, msg)
			next, _ := m.Update(msg)
			m = next.(Model)
		}
	}
	return m, got
}

// TestArchiveRefresh: the open detail view asks again every refreshEvery, never while a query
// is in flight, and not at all once closed.
func TestArchiveRefresh(t *testing.T) {
	fa := newFakeArchive(fixedNow)
	m := pressSettled(t, archiveModel(80, 24, termenv.Ascii, false, fa), "enter")
	m.cancel()
	tests := []struct {
		after time.Duration
		keys  []string
		want  int
	}{
		{time.Second, nil, 0}, {9 * time.Second, nil, 0}, {10 * time.Second, nil, 1}, {15 * time.Second, nil, 0},
		{20 * time.Second, []string{"esc"}, 0}, // closed
		{-time.Hour, []string{"enter"}, 1},     // the clock went back: ask rather than wait an hour
	}
	for _, tt := range tests {
		m = pressSettled(t, m, tt.keys...)
		seq := m.hist.seq
		var got []tea.Msg
		m, got = tickAt(t, m, fixedNow.Add(tt.after))
		if len(got) != tt.want || m.hist.seq != seq+uint64(tt.want) {
			t.Errorf("tick at +%v after %v: %d Archive messages, seq %d to %d; want %d", tt.after, tt.keys, len(got), seq, m.hist.seq, tt.want)
		}
	}
	m, _ = m.ask()
	if _, got := tickAt(t, m, fixedNow.Add(time.Hour)); len(got) != 0 {
		t.Errorf("a tick with a query in flight asked again")
	}
}

// TestArchiveSaveErr: the header marks a history that is not being saved, from the tick after
// the Archive says so until the tick after it recovers; the tick brings the change itself, and
// a quiet second is the tick alone (no message of its own, no goroutine for the check).
func TestArchiveSaveErr(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fa := newFakeArchive(fixedNow)
		m := archiveModel(80, 24, termenv.Ascii, false, fa)
		defer m.cancel()
		steps := []struct {
			err      error
			wantSave bool // the tick brings a change of Err
			wantMark bool
		}{
			{nil, false, false},
			{errString("disk full"), true, true},
			{errString("disk full"), false, true},
			{errString("queue full"), true, true},
			{nil, true, false},
		}
		for k, s := range steps {
			fa.set(nil, s.err)
			cmd := m.tick()
			msg := cmd()
			_, saved := msg.(tickSaveMsg)
			if _, ok := msg.(tickMsg); !ok && !saved {
				t.Fatalf("step %d: the tick's Cmd returned a %T, want a tick", k, msg)
			}
			next, _ := m.Update(msg)
			m = next.(Model)
			header := strings.SplitN(m.View(), "\n", 2)[0]
			if saved != s.wantSave || strings.Contains(header, "history not saved") != s.wantMark {
				t.Errorf("step %d (Err %v): save news %v, header %q; want %v, mark %v", k, s.err, saved, header, s.wantSave, s.wantMark)
			}
		}
	})
}

// TestArchiveResize: a resize that changes the chart's width asks for a chart that wide; one
// that does not asks nothing. A huge screen asks for at most history.MaxBuckets.
func TestArchiveResize(t *testing.T) {
	m := pressSettled(t, archiveModel(80, 24, termenv.Ascii, false, newFakeArchive(fixedNow)), "enter")
	tests := []struct {
		w, h, want int // want: buckets asked for, 0 for no query
	}{{80, 40, 0}, {120, 40, 120 - yAxisW}, {5000, 40, history.MaxBuckets}, {5000, 24, 0}}
	for _, tt := range tests {
		next, cmd := m.Update(tea.WindowSizeMsg{Width: tt.w, Height: tt.h})
		m = next.(Model)
		got := 0
		if cmd != nil {
			msg := cmd().(archiveMsg)
			got = msg.n
			if len(msg.chart) != msg.n {
				t.Errorf("%dx%d: %d buckets, want %d", tt.w, tt.h, len(msg.chart), msg.n)
			}
			m = settle(t, m, func() tea.Msg { return msg })
		}
		if got != tt.want {
			t.Errorf("resize to %dx%d asked for %d buckets, want %d", tt.w, tt.h, got, tt.want)
		}
	}
}

// TestArchiveBounded: however many outages the window had, the UI keeps maxOutages of them,
// and says how many there were.
func TestArchiveBounded(t *testing.T) {
	fa := newFakeArchive(fixedNow)
	fa.many = 5000
	m := pressSettled(t, archiveModel(80, 200, termenv.Ascii, false, fa), "j", "j", "enter", "4")
	if n := len(m.hist.data.outages); n != maxOutages {
		t.Errorf("the model holds %d outages, want %d", n, maxOutages)
	}
	v := m.View()
	if !strings.Contains(v, "newest 20 of 5005") {
		t.Errorf("View() does not say how many outages there were:\n%s", v)
	}
	if n := strings.Count(v, "→"); n != maxOutages {
		t.Errorf("View() lists %d outages, want %d", n, maxOutages)
	}
}

// TestArchiveStore: the detail view reads a real history store.
func TestArchiveStore(t *testing.T) {
	store, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer store.Close()
	const name = "Checkout API"
	store.Register(name, "payments", 30*time.Second)
	at := func(k int) time.Time { return fixedNow.Add(-time.Hour + time.Duration(k)*30*time.Second) }
	for k := range 120 {
		r := track.Check{Start: at(k), Latency: 80 * time.Millisecond, OK: k < 100 || k > 110}
		if !r.OK {
			r.Reason = "status 503, want 200-399"
		}
		store.RecordResult(name, r)
	}
	o := track.Outage{Start: at(100), Cause: "status 503, want 200-399"}
	store.RecordEvent(name, "payments", track.Event{Kind: track.OutageStarted, At: at(101), Outage: o})
	o.End = at(111)
	store.RecordEvent(name, "payments", track.Event{Kind: track.OutageEnded, At: at(111), Outage: o})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := store.Flush(ctx); err != nil {
		t.Fatalf("Flush = %v", err)
	}
	m := pressSettled(t, archiveModel(120, 60, termenv.Ascii, false, store), "j", "j", "enter")
	v := m.View()
	for _, want := range []string{"  1h      90.83%      100%          1   5m30s  54m30s   80ms", "21:41:14 → 21:46:44  5m30s  status 503",
		"━━━━━━━━━━", "21:48:59 → 21:49:14  15s  connection refused"} {
		if !strings.Contains(v, want) {
			t.Errorf("View() does not show %q:\n%s", want, v)
		}
	}
}

// TestWindowsNeverPassed: a service that has failed every check since it was first checked,
// its one outage still open, has no time between failures and no repair yet: the uptime
// windows say so with a dash, not 0s.
func TestWindowsNeverPassed(t *testing.T) {
	store, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer store.Close()
	const name = "Checkout API"
	store.Register(name, "payments", 30*time.Second)
	at := func(k int) time.Time { return fixedNow.Add(-10*time.Minute + time.Duration(k)*30*time.Second) }
	for k := range 20 {
		store.RecordResult(name, track.Check{Start: at(k), Latency: time.Second, Reason: "connection refused"})
	}
	store.RecordEvent(name, "payments", track.Event{Kind: track.OutageStarted, At: at(1),
		Outage: track.Outage{Start: at(0), Cause: "connection refused"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := store.Flush(ctx); err != nil {
		t.Fatalf("Flush = %v", err)
	}
	w, err := store.Uptime(name, time.Hour, fixedNow)
	if err != nil || w.Incidents != 1 || w.Covered == 0 || w.Down != w.Covered || w.MTBF != 0 || w.MTTR != 0 {
		t.Fatalf("Uptime(1h) = %+v, %v; want one incident, all of the covered time down, MTBF and MTTR 0", w, err)
	}
	m := pressSettled(t, archiveModel(120, 60, termenv.Ascii, false, store), "j", "j", "enter")
	var row []string
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.HasPrefix(l, "  1h ") {
			row = strings.Fields(l)
		}
	}
	// window, uptime, observed, incidents, MTTR, MTBF, p50, p95, p99
	none := m.st.g.none
	if len(row) != 9 || row[3] != "1" || row[4] != none || row[5] != none {
		t.Errorf("1h uptime row = %q, want 1 incident, MTTR %s and MTBF %s", row, none, none)
	}
}

// TestAppHistory drives the history panes in a running program: open the details, switch the
// window, and see the header mark when history stops being saved.
func TestAppHistory(t *testing.T) {
	defer goleak.VerifyNone(t, ignoreTeatest)
	fa := newFakeArchive(time.Now())
	services := []config.Service{svc("Checkout API", "payments", "https://api.example.com/healthz", kindHTTP)}
	up := track.Status{State: track.Up, Since: time.Now(), AsOf: time.Now(), Observed: time.Hour}
	m := New(services, map[string]track.Status{"Checkout API": up}, newFakeSource(), Options{Renderer: renderer(termenv.Ascii), Location: kst, Archive: fa})
	tm := newTestModel(t, m, 100, 40)
	waitFor(t, tm, "1 UP")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "incidents")
	tm.Type("3")
	waitFor(t, tm, "Latency p50, last 7d")
	tm.Type("w")
	waitFor(t, tm, "Latency p50, last 30d")
	fa.set(nil, errString("disk full"))
	waitFor(t, tm, "history not saved")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
	if got := finalModel(t, tm).hist.window; got != 3 {
		t.Errorf("final window = %d, want 3 (30d)", got)
	}
}

// TestArchiveRefreshOnStateChange: when the service the detail view shows changes state, the
// view asks the Archive again once the history has committed it, not up to refreshEvery later:
// opened as an outage began (as a paged user does), its uptime table read 100% and no
// incident beside the ongoing outage for up to ten seconds.
func TestArchiveRefreshOnStateChange(t *testing.T) {
	fa := newFakeArchive(fixedNow)
	m := pressSettled(t, archiveModel(80, 24, termenv.Ascii, false, fa), "enter")
	m.cancel()
	name := m.names[m.selected()]
	st := m.status[m.selected()]
	if st.State == track.Down {
		t.Fatalf("the selected %s is DOWN already", name)
	}
	down := track.Status{State: track.Down, Since: fixedNow, Reason: "connection refused",
		Outage: track.Outage{Start: fixedNow.Add(-5 * time.Second), Cause: "connection refused"}}
	next, _ := m.Update(statusMsg{name: down})
	m = next.(Model)
	m, got := tickAt(t, m, fixedNow.Add(archiveSettle))
	if len(got) != 1 {
		t.Errorf("%d Archive messages %v after %s went DOWN, want 1", len(got), archiveSettle, name)
	}
	// Opened on a change of this very second, it asks again as soon.
	fresh := archiveModel(80, 24, termenv.Ascii, false, fa)
	next, _ = fresh.Update(statusMsg{name: down})
	fresh = pressSettled(t, next.(Model), "enter")
	fresh.cancel()
	if _, got := tickAt(t, fresh, fixedNow.Add(archiveSettle)); len(got) != 1 {
		t.Errorf("%d Archive messages %v after opening on a change, want 1", len(got), archiveSettle)
	}
	// The same state again (a check that changed only the latency) asks nothing sooner.
	next, _ = m.Update(statusMsg{name: down})
	m = next.(Model)
	if _, got := tickAt(t, m, fixedNow.Add(2*archiveSettle)); len(got) != 0 {
		t.Errorf("%d Archive messages after a status with the same state, want 0", len(got))
	}
}
