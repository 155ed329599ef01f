package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/track"
)

// The monitor is the real Source.
var _ Source = (*monitor.Monitor)(nil)

// fakeSource is a Source fed by the test through channels.
type fakeSource struct {
	updates chan map[string]track.Status
	paused  chan string
	resumed chan string
	mu      sync.Mutex
	details map[string]track.Detail
}

func newFakeSource() *fakeSource {
	return &fakeSource{
		updates: make(chan map[string]track.Status),
		paused:  make(chan string, 4),
		resumed: make(chan string, 4),
		details: map[string]track.Detail{},
	}
}

func (f *fakeSource) Next(ctx context.Context) (map[string]track.Status, error) {
	select {
	case u := <-f.updates:
		return u, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *fakeSource) Detail(name string) (track.Detail, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.details[name]
	return d, ok
}

func (f *fakeSource) setDetail(name string, d track.Detail) {
	f.mu.Lock()
	f.details[name] = d
	f.mu.Unlock()
}

func (f *fakeSource) Pause(name string)  { f.paused <- name }
func (f *fakeSource) Resume(name string) { f.resumed <- name }

// send hands the UI a batch, failing the test if the UI is not reading.
func (f *fakeSource) send(t *testing.T, u map[string]track.Status) {
	t.Helper()
	select {
	case f.updates <- u:
	case <-time.After(5 * time.Second):
		t.Fatal("the UI did not call Source.Next")
	}
}

func receive(t *testing.T, ch <-chan string, what string) string {
	t.Helper()
	select {
	case name := <-ch:
		return name
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s within 5s", what)
		return ""
	}
}

// waitLimit bounds each wait for the screen: what a user reads arrives in milliseconds, but
// a 2-core machine running other builds under -race has been seen to take over 5 s.
const waitLimit = 20 * time.Second

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	waitForAll(t, tm, text)
}

// waitForAll waits until one frame shows every text. It reads the frames the program draws
// (newTestModel records each View), not the bytes written to the terminal: Bubble Tea's
// renderer writes only the lines that changed since the frame it wrote last, and which frames
// it writes depends on how keys and ticks fall between its 60 frames a second, so a text
// already on the screen may never be written again (the flake TestFindApp showed under load).
func waitForAll(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	v, ok := frames.Load(tm)
	if !ok {
		t.Fatal("waitFor on a TestModel not made by newTestModel")
	}
	rec := v.(*frameRecorder)
	deadline := time.After(waitLimit)
	for {
		frame := rec.last()
		if containsAll(frame, texts) {
			return
		}
		select {
		case <-rec.drawn:
		case <-deadline:
			t.Fatalf("no frame showed %q in %s; the last one:\n%s", texts, waitLimit, frame)
		}
	}
}

func containsAll(s string, texts []string) bool {
	for _, x := range texts {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// frames maps each TestModel made by newTestModel to the recorder of its frames.
var frames sync.Map

// frameRecorder keeps the newest frame the program drew and signals each new one.
type frameRecorder struct {
	mu    sync.Mutex
	frame string
	drawn chan struct{} // one pending signal at most
}

func (r *frameRecorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frame
}

// recorded is a Model whose every View is recorded.
type recorded struct {
	Model
	rec *frameRecorder
}

func (m recorded) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.Model.Update(msg)
	m.Model = next.(Model)
	return m, cmd
}

func (m recorded) View() string {
	v := m.Model.View()
	m.rec.mu.Lock()
	m.rec.frame = v
	m.rec.mu.Unlock()
	select {
	case m.rec.drawn <- struct{}{}:
	default:
	}
	return v
}

// finalModel is the Model the program ended with.
func finalModel(t *testing.T, tm *teatest.TestModel, opts ...teatest.FinalOpt) Model {
	t.Helper()
	return tm.FinalModel(t, opts...).(recorded).Model
}

// ignoreTeatest skips teatest's own SIGINT watcher, which outlives every test by design.
var ignoreTeatest = goleak.IgnoreAnyFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2")

func appModel(src Source) Model {
	services := []config.Service{
		svc("Checkout API", "payments", "https://api.example.com/healthz", kindHTTP),
		svc("결제 게이트웨이", "payments", "https://pay.example.kr/health", kindHTTP),
		svc("Search", "search", "http://search.internal/health", kindHTTP),
	}
	up := track.Status{State: track.Up, Since: fixedNow, LastAt: fixedNow, LastLatency: 87 * time.Millisecond, LastOK: true,
		AsOf: fixedNow, Observed: time.Hour}
	initial := map[string]track.Status{}
	for _, s := range services {
		initial[s.Name] = up
	}
	return New(services, initial, src, Options{Renderer: renderer(termenv.Ascii), Location: kst})
}

// TestTitleFollowsCounts: a batch that changes the counts retitles the window (the tmux
// end-to-end tests see the title reach the terminal; under teatest it is off, see titleless).
func TestTitleFollowsCounts(t *testing.T) {
	m := appModel(newFakeSource())
	if got, want := m.title, "uptty: 3 UP"; got != want {
		t.Fatalf("title = %q, want %q", got, want)
	}
	start := time.Now().Add(-time.Minute)
	next, cmd := m.Update(statusMsg{"결제 게이트웨이": {State: track.Down, Since: start, Outage: track.Outage{Start: start}}})
	if got, want := next.(Model).title, "uptty: 1 DOWN, 2 UP"; got != want || cmd == nil {
		t.Errorf("after a DOWN: title = %q (cmd %v), want %q and a command", got, cmd != nil, want)
	}
}

// TestApp drives the UI as a user would: a service goes down, the user moves to it, opens and
// closes its details and the help, pauses it, and quits.
func TestApp(t *testing.T) {
	defer goleak.VerifyNone(t, ignoreTeatest)
	src := newFakeSource()
	tm := newTestModel(t, appModel(src), 80, 24)
	waitFor(t, tm, "3 UP")

	start := time.Now().Add(-time.Minute)
	const pay = "결제 게이트웨이"
	src.setDetail(pay, track.Detail{Recent: []track.Check{{Start: start, Latency: 1234 * time.Millisecond, Reason: "status 503, want 200-399"}}})
	src.send(t, map[string]track.Status{pay: {
		State: track.Down, Since: start, Reason: "status 503, want 200-399",
		Outage: track.Outage{Start: start, Cause: "status 503, want 200-399"},
		LastAt: start, LastLatency: 1234 * time.Millisecond,
	}})
	waitFor(t, tm, "1 DOWN  2 UP")

	tm.Type("j")
	waitFor(t, tm, "> DOWN     결제 게이트웨이")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "1.23s") // the detail, asked for on opening the view
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	waitFor(t, tm, "STATE    NAME")
	tm.Type("?")
	waitFor(t, tm, "pause / resume the selected service")
	tm.Type("?")
	waitFor(t, tm, "STATE    NAME")

	tm.Type("p")
	if name := receive(t, src.paused, "Pause call"); name != pay {
		t.Fatalf("Pause(%q), want Pause(%q)", name, pay)
	}
	src.send(t, map[string]track.Status{pay: {State: track.Paused, Since: time.Now()}})
	waitFor(t, tm, "1 PAUSED")
	tm.Type("p")
	if name := receive(t, src.resumed, "Resume call"); name != pay {
		t.Fatalf("Resume(%q), want Resume(%q)", name, pay)
	}

	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
	final := finalModel(t, tm)
	if got := final.status[1].State; got != track.Paused {
		t.Errorf("final status[1].State = %v, want PAUSED", got)
	}
	if final.cursor != 1 {
		t.Errorf("final cursor = %d, want 1", final.cursor)
	}
}

// TestAppQuitAnywhere: ctrl+c quits from the detail and help views too, and quitting cancels the
// pending Source.Next.
func TestAppQuitAnywhere(t *testing.T) {
	defer goleak.VerifyNone(t, ignoreTeatest)
	for _, keys := range [][]tea.KeyMsg{
		{{Type: tea.KeyEnter}},
		{{Type: tea.KeyRunes, Runes: []rune("?")}},
		{{Type: tea.KeyEnter}, {Type: tea.KeyRunes, Runes: []rune("?")}},
	} {
		src := newFakeSource()
		tm := newTestModel(t, appModel(src), 60, 12)
		waitFor(t, tm, "3 UP")
		for _, k := range keys {
			tm.Send(k)
		}
		tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
		tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
	}
}

// newTestModel runs m under teatest at a w x h terminal, without the window title (see
// Model.titleless).
func newTestModel(t *testing.T, m Model, w, h int) *teatest.TestModel {
	t.Helper()
	m.titleless = true
	rec := &frameRecorder{drawn: make(chan struct{}, 1)}
	tm := teatest.NewTestModel(t, recorded{Model: m, rec: rec}, teatest.WithInitialTermSize(w, h))
	frames.Store(tm, rec)
	t.Cleanup(func() { frames.Delete(tm) })
	return tm
}
