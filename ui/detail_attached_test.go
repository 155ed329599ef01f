package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/track"
)

// attachedSource is an attached screen's Source: the server sends statuses, not the checks
// behind them, so it keeps no detail.
type attachedSource struct{ fixtureSource }

func (attachedSource) Detail(string) (track.Detail, bool) { return track.Detail{}, false }

// TestDetailAttached: the detail view of a Source that keeps no checks (uptty attach) leaves
// out the count of checks, the recent checks and this session's outages rather than showing
// them empty ("0 failed", "none yet", "none" beside an outage going on), and keeps the uptime.
func TestDetailAttached(t *testing.T) {
	services, st := fixture(fixedNow)
	snaps, src := split(services, st)
	m := New(services, snaps, attachedSource{src}, Options{Renderer: renderer(termenv.Ascii),
		Now: func() time.Time { return fixedNow }, Location: kst, Archive: newFakeArchive(fixedNow)})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 80})
	m = pressSettled(t, next.(Model), "enter")
	page := strings.Join(m.detailLines(), "\n")
	for _, absent := range []string{"Checks ", "Recent checks", "none yet", "Outages this session"} {
		if strings.Contains(page, absent) {
			t.Errorf("the attached detail view shows %q:\n%s", absent, page)
		}
	}
	if !regexp.MustCompile(`(?m)^\s+Uptime\s+\d`).MatchString(page) {
		t.Errorf("the attached detail view has no uptime line:\n%s", page)
	}
}

// TestFooterOffersResume: on a paused row the footer's p says what it will do, resume; on
// any other, pause.
func TestFooterOffersResume(t *testing.T) {
	m := fixtureModel(100, 30, termenv.Ascii, false)
	i := m.selected()
	if i < 0 {
		t.Fatal("no row selected")
	}
	// draw, not View: the status is changed in place here, not by a message that redraws.
	footer := func() string { lines := strings.Split(m.draw(), "\n"); return lines[len(lines)-1] }
	m.status[i].State, m.status[i].Reason = track.Up, "" // a problem's footer is its reason instead
	if f := footer(); !strings.Contains(f, "p pause") {
		t.Fatalf("footer on a %v row = %q, want p pause", m.status[i].State, f)
	}
	m.status[i].State = track.Paused
	if f := footer(); !strings.Contains(f, "p resume") {
		t.Errorf("footer on a paused row = %q, want p resume", f)
	}
}
