package ui

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/history"
)

// The history store is the real Archive.
var _ Archive = (*history.Store)(nil)

// fakeArchive answers with fixed history around its clock: a chart with a gap, an outage and
// a failure, four uptime windows, and outages from minutes to weeks ago. It is safe for the
// Cmds of a running program.
type fakeArchive struct {
	now   time.Time
	many  int // extra outages, a minute apart, to see the list stay bounded
	calls atomic.Int64

	mu            sync.Mutex
	fail, saveErr error
	cause         string // of every outage; "" for the usual ones
}

func newFakeArchive(now time.Time) *fakeArchive { return &fakeArchive{now: now} }

func (f *fakeArchive) set(fail, saveErr error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.saveErr = fail, saveErr
}

func (f *fakeArchive) failure() error {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail
}

func (f *fakeArchive) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saveErr
}

func (f *fakeArchive) Windows(service string, now time.Time) ([]history.Window, error) {
	if err := f.failure(); err != nil {
		return nil, err
	}
	w := func(span, covered, down time.Duration, incidents int, mttr time.Duration, p50 time.Duration) history.Window {
		x := history.Window{From: now.Add(-span), To: now, Covered: covered, Down: down,
			Coverage: float64(covered) / float64(span), Incidents: incidents, MTTR: mttr,
			Checks: int64(covered / (30 * time.Second)), P50: p50, P95: p50 + 19*ms, P99: p50 + 40*ms}
		x.Up = 1 - float64(down)/float64(covered)
		x.Failures = int64(down / (30 * time.Second))
		if incidents > 0 {
			x.MTBF = (covered - down) / time.Duration(incidents)
		}
		return x
	}
	return []history.Window{
		w(time.Hour, time.Hour, 15*time.Second, 1, 15*time.Second, 92*ms),
		w(24*time.Hour, 20*time.Hour, 15*time.Second+10*time.Minute, 2, 5*time.Minute+7*time.Second, 88*ms),
		w(7*day, 6*day+12*time.Hour, 55*time.Minute, 4, 13*time.Minute+45*time.Second, 87*ms),
		w(30*day, 12*day, 3*time.Hour, 9, 20*time.Minute, 85*ms),
	}, nil
}

func (f *fakeArchive) Chart(service string, window time.Duration, now time.Time, n int) ([]history.Bucket, error) {
	if err := f.failure(); err != nil {
		return nil, err
	}
	bw := window / time.Duration(n)
	out := make([]history.Bucket, n)
	for i := range out {
		b := &out[i]
		b.From = now.Add(-window + time.Duration(i)*bw)
		b.To = b.From.Add(bw)
		if i >= n/5 && i < n/4 {
			continue // uptty was not running
		}
		b.Covered, b.Checks = bw, 4
		b.P50 = 60*ms + time.Duration(i*37%23)*ms
		if i > n*2/3 {
			b.P50 += 45 * ms
		}
		b.Min, b.Max = b.P50-20*ms, b.P50+60*ms
		switch {
		case i >= n*3/5 && i < n*3/5+3:
			b.Down, b.Failures, b.P50, b.Min, b.Max = bw, 4, 0, 0, 0
		case i == n*4/5:
			b.Failures = 1
		}
	}
	return out, nil
}

func (f *fakeArchive) RecentIncidents(since time.Time, service string, limit int) ([]history.Incident, int, error) {
	all, err := f.incidents(since, service)
	return all[:min(len(all), limit)], len(all), err
}

func (f *fakeArchive) incidents(since time.Time, service string) ([]history.Incident, error) {
	if err := f.failure(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	cause := f.cause
	f.mu.Unlock()
	at := func(d time.Duration) time.Time { return f.now.Add(-d) }
	in := func(start, length time.Duration, why string) history.Incident {
		if cause != "" {
			why = cause
		}
		x := history.Incident{Service: service, Start: at(start), Cause: why, Duration: length}
		if length > 0 {
			x.End = new(x.Start.Add(length))
		} else {
			x.Duration = start
		}
		return x
	}
	var all []history.Incident
	for k := range f.many {
		all = append(all, in(time.Duration(k+3)*time.Minute, 30*time.Second, fmt.Sprint("flap ", k)))
	}
	all = append(all,
		// The session has this one ended; history has not caught up.
		in(2*time.Minute+15*time.Second, 0, "connection refused"),
		in(5*time.Hour, 10*time.Minute, "timeout after 10s"),
		in(2*day+3*time.Hour, 17*time.Minute+30*time.Second, "status 503, want 200-399"),
		in(4*day, 12*time.Minute, "tls: certificate has expired"),
		in(12*day, 2*time.Hour+4*time.Minute, "connection reset by peer"),
	)
	var out []history.Incident
	for _, x := range all {
		if x.End == nil || !x.End.Before(since) {
			out = append(out, x)
		}
	}
	return out, nil
}

// archiveModel is the fixture with an Archive, at the given size.
func archiveModel(w, h int, p termenv.Profile, wide bool, a Archive) Model {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	m := New(services, snaps, src, Options{
		Demo: true, Hint: "no config found: uptty -c FILE, or put one at ~/.config/uptty/config.yaml",
		Renderer: renderer(p), Now: func() time.Time { return fixedNow }, Location: kst, AmbiguousWide: wide,
		Archive: a,
	})
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return next.(Model)
}

// settle runs cmd and feeds what it returns back to the model, as the program would, for as
// long as the answers are the Archive's; it never runs the clock.
func settle(t testing.TB, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for cmd != nil {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
			return m
		case tea.BatchMsg:
			for _, c := range msg {
				m = settle(t, m, c)
			}
			return m
		case archiveMsg, saveErrMsg, detailMsg:
		default:
			t.Fatalf("settle: got a %T, want an Archive message", msg)
		}
		next, c := m.Update(msg)
		m, cmd = next.(Model), c
	}
	return m
}

// archiveOf runs cmd, an Archive query alone or batched with a question to the Source, and
// returns the Archive's answer; the Source's answer is applied to m.
func archiveOf(t testing.TB, m *Model, cmd tea.Cmd) archiveMsg {
	t.Helper()
	switch msg := cmd().(type) {
	case archiveMsg:
		return msg
	case tea.BatchMsg:
		var found *archiveMsg
		for _, c := range msg {
			switch sub := c().(type) {
			case archiveMsg:
				found = &sub
			case detailMsg:
				next, _ := m.Update(sub)
				*m = next.(Model)
			}
		}
		if found != nil {
			return *found
		}
	}
	t.Fatal("the command asked the Archive nothing")
	return archiveMsg{}
}

// pressSettled presses keys, letting the Archive answer after each.
func pressSettled(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = settle(t, next.(Model), cmd)
	}
	return m
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// TestArchiveAnswers: a query is issued when the detail view opens and when the window
// changes, one at a time; an answer about another service or window, or older than the one
// shown, is dropped.
func TestArchiveAnswers(t *testing.T) {
	fa := newFakeArchive(fixedNow)
	m := archiveModel(80, 24, termenv.Ascii, false, fa)
	next, open := m.Update(keyMsg("enter"))
	m = next.(Model)
	if open == nil {
		t.Fatal("Update(enter) returned no query")
	}
	if v := m.View(); !strings.Contains(v, "loading…") || strings.Contains(v, "incidents") {
		t.Errorf("View() before the answer does not say loading:\n%s", v)
	}
	next, cmd := m.Update(keyMsg("2"))
	m = next.(Model)
	if cmd != nil {
		t.Error("Update(2) with a query in flight returned another query, want it held back")
	}
	first := archiveOf(t, &m, open)
	next, again := m.Update(first)
	m = next.(Model)
	if m.hist.data.seq != 0 {
		t.Error("the answer about 1h was applied after 24h was selected")
	}
	if again == nil {
		t.Fatal("Update(stale answer) did not ask again for 24h")
	}
	m = settle(t, m, again)
	if m.hist.data.window != 1 || m.hist.busy {
		t.Errorf("after the 24h answer: window %d, busy %v; want 1, false", m.hist.data.window, m.hist.busy)
	}
	if v := m.View(); !strings.Contains(v, "Latency p50, last 24h") || !strings.Contains(v, "incidents") || strings.Contains(v, "loading") {
		t.Errorf("View() after the answer does not show it:\n%s", v)
	}

	for _, stale := range []archiveMsg{
		{seq: first.seq, svc: first.svc, window: 1},                                      // older than the one shown
		{seq: m.hist.seq + 1, svc: first.svc + 1, window: 1},                             // another service
		{seq: m.hist.seq + 1, svc: first.svc, window: 0},                                 // another window
		{seq: m.hist.seq + 1, svc: first.svc, window: 1, err: errString("late failure")}, // applied: an error
	} {
		shown := m.hist.data.seq
		next, _ := m.Update(stale)
		n := next.(Model)
		if stale.err != nil {
			if !strings.Contains(n.View(), "history unavailable: late failure") {
				t.Errorf("View() after a failed query does not say so:\n%s", n.View())
			}
			continue
		}
		if n.hist.data.seq != shown {
			t.Errorf("Update(%+v) applied a stale answer", stale)
		}
	}
}
