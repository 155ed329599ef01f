package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

func reloadModel(t *testing.T, fn ReloadFunc) Model {
	t.Helper()
	services := []config.Service{svc("api", "", "http://a", kindHTTP), svc("old", "", "http://o", kindHTTP)}
	initial := map[string]track.Status{"api": {State: track.Down, Reason: "refused"}, "old": {State: track.Up}}
	m := New(services, initial, nil, Options{Renderer: renderer(termenv.Ascii), Now: func() time.Time { return fixedNow },
		Location: kst, Reload: fn})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 12})
	return next.(Model)
}

// press sends key r and runs the Cmd it returns, as Bubble Tea would.
func reloadPress(t *testing.T, m Model) Model {
	t.Helper()
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'r'}})
	if cmd == nil {
		t.Fatal("r returned no Cmd")
	}
	next, _ = next.Update(cmd())
	return next.(Model)
}

// TestReloadKey: r reloads; the service that stays keeps its status and the cursor, a new one
// reads UNKNOWN, a removed one goes; the header says when; a failed reload changes nothing and
// says why.
func TestReloadKey(t *testing.T) {
	var fail error
	fresh := []config.Service{svc("new", "", "http://n", kindHTTP), svc("api", "", "http://a", kindHTTP)}
	m := reloadModel(t, func(context.Context) ([]config.Service, map[string]track.Status, error) {
		if fail != nil {
			return nil, nil, fail
		}
		return fresh, nil, nil
	})
	m = reloadPress(t, m)
	screen := ansi.Strip(m.View())
	if !strings.Contains(screen, "reloaded "+fixedNow.In(kst).Format("15:04:05")) {
		t.Errorf("header after r lacks the reloaded note:\n%s", screen)
	}
	if strings.Contains(screen, "old") {
		t.Errorf("the removed service is still shown:\n%s", screen)
	}
	if got := m.status[m.index["api"]].State; got != track.Down {
		t.Errorf("api after the reload = %v, want DOWN as before", got)
	}
	if got := m.status[m.index["new"]].State; got != track.Unknown {
		t.Errorf("new after the reload = %v, want UNKNOWN", got)
	}
	fail = errors.New("uptty.yaml:3:5: services[0].interval: bad duration")
	m = reloadPress(t, m)
	screen = ansi.Strip(m.View())
	if !strings.Contains(screen, "reload failed: uptty.yaml:3:5") {
		t.Errorf("header after a failed reload lacks the error:\n%s", screen)
	}
	if len(m.services) != 2 || m.services[0].Name != "new" {
		t.Errorf("a failed reload changed the services: %v", m.names)
	}
	// At 80 columns a long reason does not push the counts out of the header: the header keeps
	// them and gives the reason what is left; the footer has it whole.
	fail = errors.New("uptty.yaml:3:5: services[0].interval: bad duration \"5 minutes\": write a Go duration such as 5m, 30s or 1h30m")
	m = reloadPress(t, m)
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	if header := lines[0]; !strings.Contains(header, "1 DOWN") || !strings.Contains(header, "1 UNKNOWN") || !strings.Contains(header, "reload failed") {
		t.Errorf("header after a long failed reload = %q; want every count and \"reload failed\"", header)
	}
	if footer := strings.Join(lines[len(lines)-2:], " "); !strings.Contains(footer, "reload failed: "+fail.Error()) {
		t.Errorf("footer after a failed reload = %q; want the reason, wrapped", footer)
	}
	// Until the next reload the header says it failed (the file is not what runs); the footer
	// gives its keys back after a while.
	later, _ := m.Update(tickMsg(fixedNow.Add(time.Hour)))
	lines = strings.Split(ansi.Strip(later.(Model).View()), "\n")
	if header := lines[0]; !strings.Contains(header, "reload failed") {
		t.Errorf("header an hour after a failed reload = %q, want it still said", header)
	}
	if footer := lines[len(lines)-1]; strings.Contains(footer, "reload failed") {
		t.Errorf("footer an hour after a failed reload = %q, want its keys back", footer)
	}
	fail = nil
	m = reloadPress(t, later.(Model))
	if header := strings.Split(ansi.Strip(m.View()), "\n")[0]; strings.Contains(header, "reload failed") || !strings.Contains(header, "reloaded") {
		t.Errorf("header after a good reload = %q, want reloaded and the failure gone", header)
	}
}

// TestLinkDownStale: while an attached link is down, the header says for how long and every
// row is marked stale; back up, the rows are plain again.
func TestLinkDownStale(t *testing.T) {
	m := reloadModel(t, nil)
	next, _ := m.Update(LinkMsg{Down: true, Since: fixedNow.Add(-12 * time.Second)})
	m = next.(Model)
	screen := ansi.Strip(m.View())
	if !strings.Contains(screen, "disconnected 12s") {
		t.Errorf("header lacks disconnected 12s:\n%s", screen)
	}
	if n := strings.Count(screen, "\n?"); n != 2 {
		t.Errorf("%d rows marked stale, want 2:\n%s", n, screen)
	}
	next, _ = m.Update(LinkMsg{Status: map[string]track.Status{"api": {State: track.Up}}})
	m = next.(Model)
	if screen := ansi.Strip(m.View()); strings.Contains(screen, "disconnected") || strings.Contains(screen, "\n?") {
		t.Errorf("still stale after the link came back:\n%s", screen)
	}
	if got := m.status[m.index["api"]].State; got != track.Up {
		t.Errorf("api after the link came back = %v, want UP from the snapshot it brought", got)
	}
}

// TestLinkNote: a note on a live link (a slow Prometheus) is in the header, sanitized, and
// rows stay live; the next LinkMsg without one takes it away.
func TestLinkNote(t *testing.T) {
	m := reloadModel(t, nil)
	next, _ := m.Update(LinkMsg{Note: "Prometheus slow: 3.4s a poll\x1b[2J"})
	m = next.(Model)
	raw := m.View()
	screen := ansi.Strip(raw)
	if !strings.Contains(screen, "Prometheus slow: 3.4s a poll") || strings.Contains(raw, "\x1b[2J") || strings.Contains(screen, "\n?") {
		t.Errorf("header lacks the sanitized note, or rows are stale:\n%s", screen)
	}
	next, _ = m.Update(LinkMsg{})
	if screen := ansi.Strip(next.(Model).View()); strings.Contains(screen, "slow") {
		t.Errorf("the note stayed:\n%s", screen)
	}
}

// TestReloadNote: a server's reload is said in the header as the screen's own is, for as
// long, without touching the rows; an error older than its time here (standing when the screen
// opened) or from a clock far ahead is said from now on, for the whole time.
func TestReloadNote(t *testing.T) {
	m := reloadModel(t, nil)
	header := func(m tea.Model) string { return strings.Split(ansi.Strip(m.View()), "\n")[0] }
	at := fixedNow.Add(-2 * time.Second)
	next, _ := m.Update(ReloadNote{At: at})
	if h := header(next); !strings.Contains(h, "reloaded "+at.In(kst).Format("15:04:05")) {
		t.Errorf("header after a server's good reload = %q, want reloaded at its time", h)
	}
	if got := next.(Model).names; len(got) != 2 {
		t.Errorf("a reload note changed the rows: %v", got)
	}
	later, _ := next.Update(tickMsg(at.Add(reloadedFor)))
	if h := header(later); strings.Contains(h, "reloaded") {
		t.Errorf("header %v after the server's reload = %q: the note outlasts the local one", reloadedFor, h)
	}

	bad := errors.New("uptty.yaml:3:5: services[0]: \x1b[31mbad")
	for _, at := range []time.Time{fixedNow.Add(-time.Hour), fixedNow.Add(time.Hour), {}} {
		next, _ = m.Update(ReloadNote{At: at, Err: bad})
		if h := header(next); !strings.Contains(h, "reload failed: uptty.yaml:3:5") || strings.Contains(h, "\x1b") {
			t.Errorf("header after a failed reload at %v = %q, want the reason, clean", at, h)
		}
		almost, _ := next.Update(tickMsg(fixedNow.Add(reloadFailedFor - time.Second)))
		if h := header(almost); !strings.Contains(h, "reload failed") {
			t.Errorf("a failed reload at %v is gone from the header before %v: %q", at, reloadFailedFor, h)
		}
		standing, _ := next.Update(tickMsg(fixedNow.Add(time.Hour)))
		if h := header(standing); !strings.Contains(h, "reload failed") {
			t.Errorf("a failed reload at %v is gone from the header before the next reload: %q", at, h)
		}
	}
}

// TestReloadFailedOverNote: a failed reload's reason reaches the footer whole, wrapped at 80
// columns, even when the footer still held the note of an earlier action ("unsilenced api",
// kept until the next key): the note hid the reason for its whole time, the footer cut a
// reason wider than the screen, and the header had room for its start only.
func TestReloadFailedOverNote(t *testing.T) {
	reason := "uptty.yaml:47:5: services[13].timout: unknown key; did you mean timeout?"
	for _, msg := range []tea.Msg{Reloaded{Err: errors.New(reason)}, ReloadNote{At: fixedNow, Err: errors.New(reason)}} {
		m := reloadModel(t, nil)
		m.note = "unsilenced api"
		next, _ := m.Update(msg)
		lines := strings.Split(ansi.Strip(next.(Model).View()), "\n")
		if len(lines) != 12 {
			t.Errorf("%T: %d lines, want the screen's 12", msg, len(lines))
		}
		if footer := strings.Join(lines[len(lines)-2:], " "); !strings.Contains(footer, "reload failed: "+reason) {
			t.Errorf("%T: footer = %q, want the reason whole", msg, footer)
		}
	}
}
