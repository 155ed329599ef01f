package ui

import (
	"errors"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"github.com/uptty/uptty/track"
)

// TestSetPaused: with Options.SetPaused, p pauses and resumes through it, and a refusal says
// why in the footer, as m's do, until the next key; the Source's own Pause is not called.
func TestSetPaused(t *testing.T) {
	defer goleak.VerifyNone(t, ignoreTeatest)
	type call struct {
		name  string
		pause bool
	}
	calls := make(chan call, 4)
	var fail error
	src := newFakeSource()
	base := appModel(src)
	initial := map[string]track.Status{}
	for i, s := range base.services {
		initial[s.Name] = base.status[i]
	}
	m := New(base.services, initial, src, Options{Renderer: renderer(termenv.Ascii), Location: kst,
		SetPaused: func(name string, pause bool) error {
			calls <- call{name, pause}
			return fail
		}})
	tm := newTestModel(t, m, 100, 24)
	waitFor(t, tm, "3 UP")
	receive := func(want call) {
		t.Helper()
		select {
		case got := <-calls:
			if got != want {
				t.Errorf("SetPaused(%q, %v), want (%q, %v)", got.name, got.pause, want.name, want.pause)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no SetPaused(%q, %v) within 5s", want.name, want.pause)
		}
	}
	tm.Type("p")
	receive(call{"Checkout API", true})
	src.updates <- map[string]track.Status{"Checkout API": {State: track.Paused}}
	waitFor(t, tm, "PAUSED")
	fail = errors.New("403 Forbidden: read-only: this proxy lets viewers look, not act")
	tm.Type("p")
	receive(call{"Checkout API", false})
	waitFor(t, tm, "resume failed: 403 Forbidden: read-only")
	tm.Type("j")
	tm.Type("p")
	receive(call{"결제 게이트웨이", true})
	waitFor(t, tm, "pause failed: 403 Forbidden")
	select {
	case name := <-src.paused:
		t.Errorf("the Source's Pause(%q) was called too", name)
	default:
	}
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
}
