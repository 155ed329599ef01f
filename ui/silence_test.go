package ui

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// silences is a fake store of silences, as main's poller keeps them, for Options.Mark,
// Silence and Unsilence.
type silences struct {
	mu     sync.Mutex
	maint  map[string]bool
	list   []history.Silence
	groups map[string]string
	fail   error
	wrote  chan history.Silence
}

func newSilences() *silences {
	return &silences{maint: map[string]bool{}, groups: map[string]string{}, wrote: make(chan history.Silence, 4)}
}

func (s *silences) mark(name string) notify.Mark {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := notify.Mark{Maintenance: s.maint[name]}
	for _, x := range s.list {
		if x.Name == name && x.Kind == history.SilenceService || x.Kind == history.SilenceGroup && x.Name == s.groups[name] {
			m.SilencedUntil, m.Reason = x.Until, x.Reason
		}
	}
	return m
}

func (s *silences) silence(x history.Silence) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.list = append(s.list, x)
	s.wrote <- x
	return nil
}

func (s *silences) unsilence(names ...string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.list)
	s.list = slices.DeleteFunc(s.list, func(x history.Silence) bool { return slices.Contains(names, x.Name) })
	return n - len(s.list), nil
}

func (s *silences) options(o Options) Options {
	o.Mark, o.Silence, o.Unsilence = s.mark, s.silence, s.unsilence
	return o
}

// TestMarksGolden: at 80x24, a row in a maintenance window says MAINT and a silenced one
// SILENCED until its end, beside the state word and the whole name, on a DOWN row too, where
// the outage's clock follows the mark, shortened to its word for it (the clock used to give
// way to the mark whole).
func TestMarksGolden(t *testing.T) {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	s := newSilences()
	s.maint["Search"] = true
	for _, x := range services {
		s.groups[x.Name] = x.Group
	}
	s.list = []history.Silence{{Kind: history.SilenceService, Name: "결제 게이트웨이", Until: fixedNow.Add(2 * time.Hour)}}
	m := New(services, snaps, src, s.options(Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst}))
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	got := next.(Model).View()
	golden.RequireEqual(t, []byte(got))
	var sawMaint, sawSilenced bool
	for _, line := range strings.Split(got, "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("line is %d cells wide: %q", w, line)
		}
		sawMaint = sawMaint || strings.Contains(line, "Search") && strings.Contains(line, "MAINT")
		// The outage goes on under the mark: its clock stays in sight at 80 columns.
		sawSilenced = sawSilenced || strings.Contains(line, "결제 게이트웨이") && strings.Contains(line, "SILENCED  4m12s since")
	}
	if !sawMaint || !sawSilenced {
		t.Errorf("want Search's row MAINT and 결제 게이트웨이's SILENCED:\n%s", got)
	}
	help := strings.Join(next.(Model).helpLines(), "\n")
	for _, want := range []string{"silence (mute)", "MAINT", "SILENCED"} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not say %q:\n%s", want, help)
		}
	}
}

// TestMuteFlow: m opens the prompt on the selected row, a number silences it for that long
// (the write in a Cmd), g switches to its group, esc cancels, and m on a silenced row ends it.
func TestMuteFlow(t *testing.T) {
	defer goleak.VerifyNone(t, ignoreTeatest)
	s := newSilences()
	src := newFakeSource()
	base := appModel(src)
	for _, x := range base.services {
		s.groups[x.Name] = x.Group
	}
	m := New(base.services, nil, src, s.options(Options{Renderer: renderer(termenv.Ascii), Location: kst}))
	tm := newTestModel(t, m, 80, 24)
	waitFor(t, tm, "3 UNKNOWN")

	tm.Type("m")
	waitFor(t, tm, "Silence Checkout API:  1 30m  2 1h  3 2h  4 4h  5 tomorrow 09:00  g group")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	waitFor(t, tm, "j/k move")
	tm.Type("m")
	waitFor(t, tm, "Silence Checkout API:")
	before := time.Now()
	tm.Type("3")
	x := receiveSilence(t, s.wrote)
	if x.Kind != history.SilenceService || x.Name != "Checkout API" || x.Until.Sub(before) < 2*time.Hour-time.Minute || x.Until.Sub(before) > 2*time.Hour+time.Minute {
		t.Errorf("silence = %+v, want Checkout API for 2h", x)
	}
	waitForAll(t, tm, "silenced Checkout API until ", "—  SILENCED until ")

	tm.Type("j")
	tm.Type("m")
	waitFor(t, tm, "Silence 결제 게이트웨이:")
	tm.Type("g")
	waitFor(t, tm, "Silence group payments:")
	tm.Type("5")
	x = receiveSilence(t, s.wrote)
	if y, mo, d := time.Now().In(kst).Date(); x.Kind != history.SilenceGroup || x.Name != "payments" ||
		!x.Until.Equal(time.Date(y, mo, d+1, 9, 0, 0, 0, kst)) {
		t.Errorf("silence = %+v, want group payments until tomorrow 09:00", x)
	}
	waitFor(t, tm, "silenced group payments until ")

	tm.Type("k")
	tm.Type("m") // silenced: ends it, with its group's
	waitFor(t, tm, "unsilenced Checkout API")
	s.mu.Lock()
	left := len(s.list)
	s.fail = errors.New("disk full")
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("%d silences left after unsilencing Checkout API and payments, want 0", left)
	}
	tm.Type("m")
	tm.Type("1")
	waitFor(t, tm, "silence failed: disk full")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
}

func receiveSilence(t *testing.T, ch <-chan history.Silence) history.Silence {
	t.Helper()
	select {
	case x := <-ch:
		return x
	case <-time.After(5 * time.Second):
		t.Fatal("no silence written within 5s")
		return history.Silence{}
	}
}

// alertArchive is a fakeArchive that keeps alerts too.
type alertArchive struct {
	*fakeArchive
	alerts []history.Outgoing
}

func (a alertArchive) ServiceAlerts(service string, limit int) ([]history.Outgoing, error) {
	var out []history.Outgoing
	for _, x := range a.alerts {
		if x.Service == service && len(out) < limit {
			out = append(out, x)
		}
	}
	return out, nil
}

// TestDetailAlerts: the detail view lists the service's recent alerts from the Archive, with
// the state and the last error of one that failed, and its silence.
func TestDetailAlerts(t *testing.T) {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	arch := alertArchive{fakeArchive: newFakeArchive(fixedNow), alerts: []history.Outgoing{
		{Service: "결제 게이트웨이", Event: "down", Sender: "team", State: history.AlertFailed, Attempts: 3,
			LastError: "status 500\x1b[2J", Created: fixedNow.Add(-4 * time.Minute)},
		{Service: "결제 게이트웨이", Event: "down", Sender: "pager", State: history.AlertSent, Attempts: 1,
			Created: fixedNow.Add(-4 * time.Minute)},
		{Service: "Search", Event: "up", Sender: "team", State: history.AlertSent, Created: fixedNow},
	}}
	s := newSilences()
	s.list = []history.Silence{{Kind: history.SilenceService, Name: "결제 게이트웨이", Until: fixedNow.Add(time.Hour), Reason: "deploy"}}
	m := New(services, snaps, src, s.options(Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow },
		Location: kst, Archive: arch}))
	next, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 80})
	m = pressSettled(t, next.(Model), "j", "j", "j", "enter")
	v := m.View()
	for _, want := range []string{
		"Alerts  SILENCED until 22:51: deploy",
		"down     team         failed  3 tries  status 500",
		"down     pager        sent",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("detail view does not show %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b[2J") || strings.Contains(v, "Search") && strings.Contains(v, "up       team") {
		t.Errorf("detail view shows an escape or another service's alert:\n%s", v)
	}
}

// TestMutePromptFits: from 60 columns up the silence prompt keeps g group in sight (and esc
// cancel where it fits beside the whole name), cutting a long name and then leaving out the
// last presets, rather than ending in "5 tomorrow 09:00 …".
func TestMutePromptFits(t *testing.T) {
	for w := 60; w <= 120; w++ {
		m := fixtureModel(w, 24, termenv.Ascii, false)
		i := slices.IndexFunc(m.services, func(s config.Service) bool { return s.Group != "" })
		m.names[i] = "A service whose name is far too long for the footer"
		m.mute.open, m.mute.svc = true, i
		line, ok := m.silenceFooter(w)
		if !ok || ansi.StringWidth(line) > w {
			t.Fatalf("width %d: silenceFooter = %q, %v; want a prompt that fits", w, line, ok)
		}
		for _, want := range []string{"Silence A serv", "1 30m", "g group"} {
			if !strings.Contains(line, want) {
				t.Errorf("width %d: prompt %q lacks %q", w, line, want)
			}
		}
		if full := "Silence " + m.names[i] + ":  1 30m  2 1h  3 2h  4 4h  5 tomorrow 09:00  g group  esc cancel"; w >= len(full) && line != full {
			t.Errorf("width %d: prompt = %q, want %q", w, line, full)
		}
	}
}

// TestKeysOnCollapsedGroup: on a collapsed group's heading, m offers to silence the group (the
// help says "the selected service or its group"), and p and a, which act on one service, say so
// instead of doing nothing.
func TestKeysOnCollapsedGroup(t *testing.T) {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	s := newSilences()
	acks := newAcks()
	o := acks.options(s.options(Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst}))
	m := New(services, snaps, src, o)
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = press(next.(Model), "g")
	for k := 0; k < len(services) && m.selected() != 0; k++ {
		m = press(m, "j") // to Checkout API, in payments
	}
	m = press(m, "tab")
	if mk := m.cursorMark(); mk.group != "payments" {
		t.Fatalf("after tab on Checkout API the cursor is on %+v, want the payments heading:\n%s", mk, m.View())
	}
	for _, tt := range []struct{ key, want string }{
		{"p", "p pauses one service: tab opens the group"},
		{"a", "a acknowledges one service's outage: tab opens the group"},
		{"m", "Silence group payments:"},
	} {
		if v := press(m, tt.key).View(); !strings.Contains(v, tt.want) {
			t.Errorf("%s on the payments heading: want %q:\n%s", tt.key, tt.want, v)
		}
	}
	_, cmd := press(m, "m").Update(keyMsg("2"))
	if cmd == nil {
		t.Fatal("m 2 on the heading silenced nothing")
	}
	cmd()
	if x := receiveSilence(t, s.wrote); x.Kind != history.SilenceGroup || x.Name != "payments" {
		t.Errorf("m 2 on the heading silenced %+v, want group payments", x)
	}
}

// TestMarkPausedOutageClock: a paused row whose outage goes on, silenced, at 80 columns keeps
// its outage's clock after the mark: its cell begins with the word DOWN (the state column says
// PAUSED), which the mark took for the whole clock, and the row read "SILENCED until 23:51
// DOW…".
func TestMarkPausedOutageClock(t *testing.T) {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	nightly := snaps["Nightly report"]
	nightly.State, nightly.Outage = track.Paused, track.Outage{Start: fixedNow.Add(-252 * time.Second), Cause: "exit status 1"}
	snaps["Nightly report"] = nightly
	s := newSilences()
	s.list = []history.Silence{{Kind: history.SilenceService, Name: "Nightly report", Until: fixedNow.Add(2 * time.Hour)}}
	m := New(services, snaps, src, s.options(Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow }, Location: kst}))
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	var row string
	for _, line := range strings.Split(next.(Model).View(), "\n") {
		if strings.Contains(line, "Nightly report") {
			row = line
		}
	}
	if !strings.Contains(row, "SILENCED") || !strings.Contains(row, "DOWN 4m12s") {
		t.Errorf("the paused, silenced row in an outage = %q, want its mark and DOWN 4m12s", row)
	}
}
