package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// hostileModel is the fixture with escape sequences in every text that reaches the screen:
// raw where the UI must clean them (the URL, the command, the hint, errors), cleaned as config
// and the probe runner hand them over where it trusts them (names, reasons, facts, causes).
// hostile_test.go in the root package drives the whole path from raw text.
func hostileModel(p termenv.Profile) Model {
	const esc = "\x1b[2J\x1b]0;owned\x07\x1b[31m"
	c := func(s string) string { return text.CleanText(s, 0) }
	services, st := fixture(fixedNow)
	services[0].Name = c("Check" + esc + "out")
	services[0].Group = c("pay" + esc + "ments")
	services[0].URL = "https://api.example.com/" + esc
	s := &st[0]
	s.State, s.Reason = track.Down, c("status"+esc+" 503")
	s.setOutages(append(s.detail.Outages, track.Outage{Start: fixedNow.Add(-time.Minute), Cause: c("cause" + esc)})...)
	last := s.detail.Recent[len(s.detail.Recent)-1]
	last.Facts = append(last.Facts, track.Fact{Label: c("lab" + esc), Value: c("val" + esc)})
	last.Phases = append(last.Phases, track.Phase{Name: c("ph" + esc), Duration: time.Millisecond})
	last.Warning = c("warn" + esc)
	s.setLast(last)
	s.detail.Recent = append(s.detail.Recent[:len(s.detail.Recent)-1], track.Check{Start: fixedNow, Reason: c("recent" + esc)}, last)
	snaps, src := split(services, st)
	m := New(services, snaps, src, Options{
		Hint: "hint" + esc, Renderer: renderer(p), Now: func() time.Time { return fixedNow }, Location: kst,
	})
	next, _ := m.Update(sourceErrMsg{err: errString("source" + esc)})
	next, _ = next.(Model).Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	return next.(Model)
}

type errString string

func (e errString) Error() string { return string(e) }

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestViewNoEscapes: escape bytes in names, reasons, facts, causes, the hint or an error never
// reach the screen; with the Ascii profile the screen holds no ESC at all, and with colour only
// lipgloss's own SGR sequences.
func TestViewNoEscapes(t *testing.T) {
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.ANSI256} {
		base := hostileModel(p)
		for _, keys := range [][]string{nil, {"enter"}, {"?"}} {
			got := press(base, keys...).View()
			if p == termenv.ANSI256 {
				got = sgr.ReplaceAllString(got, "")
			}
			if i := strings.IndexByte(got, 0x1b); i >= 0 {
				t.Errorf("profile %v, keys %v: ESC at %d in View():\n%q", p, keys, i, got[max(i-20, 0):min(i+20, len(got))])
			}
			if strings.ContainsAny(got, "\x07\r") {
				t.Errorf("profile %v, keys %v: control character in View()", p, keys)
			}
		}
	}
}

// TestNoSecrets: header values, URL userinfo and command arguments never reach the screen.
func TestNoSecrets(t *testing.T) {
	m := fixtureModel(200, 60, termenv.Ascii, false)
	for k := range m.order {
		mk := m
		mk.cursor = k
		for _, v := range []string{mk.View(), press(mk, "enter").View()} {
			for _, secret := range []string{"SECRET", "hunter2", "deploy"} {
				if strings.Contains(v, secret) {
					t.Errorf("service %d: View() shows %q", k, secret)
				}
			}
		}
	}
}

// TestCommandText: the program is the one piece of a command shown, cleaned and masked.
func TestCommandText(t *testing.T) {
	var secrets text.Secrets
	secrets.Add("/opt/s3cret-tool")
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"pg_isready", "-h", "db"}, "pg_isready (+2 args)"},
		{[]string{"chk\x1b[2J\x1b]0;owned\x07x"}, "chkx"},
		{[]string{"/opt/s3cret-tool", "x"}, "••• (+1 args)"},
	}
	for _, tt := range tests {
		if got := commandText(tt.argv, &secrets); got != tt.want {
			t.Errorf("commandText(%q) = %q, want %q", tt.argv, got, tt.want)
		}
	}
}
