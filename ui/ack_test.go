package ui

import (
	"errors"
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

	"github.com/uptty/uptty/track"
)

// acks is a fake keeper of acks, as the engine keeps them, for Options.Acked, Ack and Unack.
type acks struct {
	mu    sync.Mutex
	by    map[string]track.Ack
	fail  error
	wrote chan track.Ack
}

func newAcks() *acks { return &acks{by: map[string]track.Ack{}, wrote: make(chan track.Ack, 4)} }

func (k *acks) acked(name string) (track.Ack, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	a, ok := k.by[name]
	return a, ok
}

func (k *acks) ack(name string, a track.Ack) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	k.by[name] = a
	k.wrote <- a
	return nil
}

func (k *acks) unack(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.by, name)
	return nil
}

func (k *acks) options(o Options) Options {
	o.Acked, o.Ack, o.Unack = k.acked, k.ack, k.unack
	return o
}

// ackFixture is the fixture with Login DOWN too, and 결제 게이트웨이's outage acked by alice.
func ackFixture(t *testing.T, o Options) (Model, *acks) {
	t.Helper()
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	login := snaps["Login"]
	login.State, login.Outage = track.Down, track.Outage{Start: fixedNow.Add(-90 * time.Second), Cause: "connection refused"}
	snaps["Login"] = login
	k := newAcks()
	k.by["결제 게이트웨이"] = track.Ack{Start: snaps["결제 게이트웨이"].Outage.Start, By: "alice",
		At: time.Date(2026, 11, 25, 21, 49, 30, 0, kst), Note: "restarting the pool"}
	// An ack of an outage that has ended is not shown: Search's last one is long over.
	k.by["Search"] = track.Ack{Start: fixedNow.Add(-26 * time.Hour), By: "bob", At: fixedNow.Add(-26 * time.Hour)}
	o.Renderer, o.Now, o.Location, o.User = renderer(termenv.Ascii), func() time.Time { return fixedNow }, kst, "carol"
	m := New(services, snaps, src, k.options(o))
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return next.(Model), k
}

// TestAckGolden: at 80x24 the acked DOWN row says ACK, who and when, in its outage column; the
// header counts 2 DOWN (1 ack), as does the title; the detail view has the note, the wallboard
// the mark, and the help the key and the mark.
func TestAckGolden(t *testing.T) {
	m, _ := ackFixture(t, Options{})
	got := m.View()
	golden.RequireEqual(t, []byte(got))
	var sawAck bool
	for _, line := range strings.Split(got, "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("line is %d cells wide: %q", w, line)
		}
		sawAck = sawAck || strings.Contains(line, "결제 게이트웨이") && strings.Contains(line, "ACK alice 21:49")
		if strings.Contains(line, "ACK") && !strings.Contains(line, "결제 게이트웨이") {
			t.Errorf("a row that is not acked says ACK: %q", line)
		}
	}
	if !sawAck || !strings.Contains(got, "2 DOWN (1 ack)") {
		t.Errorf("want 결제 게이트웨이's row ACK alice 21:49 and the header 2 DOWN (1 ack):\n%s", got)
	}
	if want := "uptty: 2 DOWN (1 ack), "; !strings.HasPrefix(m.title, want) {
		t.Errorf("title = %q, want it to begin %q", m.title, want)
	}
	detail := pressSettled(t, m, "j", "j", "j", "enter").View()
	if !strings.Contains(detail, "Ack         alice at 21:49:30: restarting the pool") {
		t.Errorf("detail view does not show the ack and its note:\n%s", detail)
	}
	wall := pressSettled(t, m, "W")
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		next, _ := wall.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		if v := next.(Model).View(); !strings.Contains(v, "ACK alice 21:49") {
			t.Errorf("wallboard at %dx%d does not show the ack:\n%s", size[0], size[1], v)
		}
	}
	help := strings.Join(pressSettled(t, m, "?").helpLines(), "\n")
	for _, want := range []string{"acknowledge the selected outage", "ACK"} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not say %q:\n%s", want, help)
		}
	}
}

// TestAckOffReadOnly: a read-only screen (an SSH viewer) shows acks but cannot make them: a
// does nothing and the help does not list it.
func TestAckOffReadOnly(t *testing.T) {
	m, k := ackFixture(t, Options{ReadOnly: true})
	m = pressSettled(t, m, "a") // Login, DOWN, not acked
	if m.acking.open {
		t.Error("a opened the ack prompt on a read-only screen")
	}
	if v := m.View(); !strings.Contains(v, "ACK alice") || strings.Contains(v, "Ack Login") {
		t.Errorf("read-only screen: want the ack shown and no prompt:\n%s", v)
	}
	if strings.Contains(strings.Join(pressSettled(t, m, "?").helpLines(), "\n"), "acknowledge the selected") {
		t.Error("help lists a on a read-only screen")
	}
	select {
	case a := <-k.wrote:
		t.Errorf("read-only screen acked %+v", a)
	default:
	}
}

// TestAckFlow: a on a DOWN row opens the prompt, the note is typed (a pasted one whole), enter
// acks that outage as the screen's user (the write in a Cmd), the row and the header say so;
// a again asks to remove it; esc cancels; a row without an outage has nothing to ack; a
// failed write says why.
func TestAckFlow(t *testing.T) {
	defer goleak.VerifyNone(t, ignoreTeatest)
	k := newAcks()
	src := newFakeSource()
	base := appModel(src)
	m := New(base.services, nil, src, k.options(Options{Renderer: renderer(termenv.Ascii), Location: kst, User: "alice"}))
	tm := newTestModel(t, m, 100, 24)
	waitFor(t, tm, "3 UNKNOWN")

	tm.Type("a")
	waitFor(t, tm, "nothing to acknowledge: Checkout API has no outage going on")
	start := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	const pay = "결제 게이트웨이"
	src.send(t, map[string]track.Status{pay: {State: track.Down, Since: start, Reason: "status 503",
		Outage: track.Outage{Start: start, Cause: "status 503"}}})
	waitFor(t, tm, "1 DOWN")
	tm.Type("j")
	tm.Type("a")
	waitFor(t, tm, "Ack 결제 게이트웨이 as alice, note:")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	waitFor(t, tm, "status 503  ? help")
	tm.Type("a")
	waitFor(t, tm, "Ack 결제 게이트웨이 as alice, note:")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("db failover"), Paste: true})
	tm.Send(tea.KeyMsg{Type: tea.KeySpace})
	tm.Type("jq")
	waitFor(t, tm, "db failover jq")
	tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	a := receiveAck(t, k.wrote)
	if a.By != "alice" || a.Note != "db failover" || !a.Start.Equal(start) || a.At.IsZero() {
		t.Errorf("ack = %+v, want alice's, note \"db failover\", of the outage at %v", a, start)
	}
	waitForAll(t, tm, "acknowledged 결제 게이트웨이 as alice", "1 DOWN (1 ack)", "ACK alice ")

	tm.Type("a")
	waitFor(t, tm, "Remove the ack of 결제 게이트웨이 by alice?")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	waitFor(t, tm, "status 503  ? help")
	if _, ok := k.acked(pay); !ok {
		t.Error("esc removed the ack")
	}
	tm.Type("a")
	waitFor(t, tm, "Remove the ack of")
	tm.Type("y")
	waitFor(t, tm, "ack removed: 결제 게이트웨이")
	if _, ok := k.acked(pay); ok {
		t.Error("the ack is still there after y")
	}

	k.mu.Lock()
	k.fail = errors.New("history: disk full")
	k.mu.Unlock()
	tm.Type("a")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "ack failed: history: disk full")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
}

func receiveAck(t *testing.T, ch <-chan track.Ack) track.Ack {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no ack written within 5s")
		return track.Ack{}
	}
}

// TestVimPages: ctrl+f and ctrl+b page like pgdown and pgup, ctrl+d and ctrl+u move half as
// far (vim's keys), on the list of 1,000 services at 200x60.
func TestVimPages(t *testing.T) {
	m := bigModel(&testing.B{})
	page := m.listHeight() - 1
	for _, tt := range []struct {
		keys []tea.KeyType
		want int
	}{
		{[]tea.KeyType{tea.KeyCtrlF}, page},
		{[]tea.KeyType{tea.KeyCtrlF, tea.KeyCtrlB}, 0},
		{[]tea.KeyType{tea.KeyCtrlD}, page / 2},
		{[]tea.KeyType{tea.KeyCtrlD, tea.KeyCtrlD, tea.KeyCtrlU}, page / 2},
		{[]tea.KeyType{tea.KeyPgDown}, page},
	} {
		got := m
		for _, k := range tt.keys {
			next, _ := got.Update(tea.KeyMsg{Type: k})
			got = next.(Model)
		}
		if got.cursor != tt.want {
			t.Errorf("cursor after %v = %d, want %d", tt.keys, got.cursor, tt.want)
		}
	}
}
