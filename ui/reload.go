package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// How long the header says a reload worked, and how long the footer gives a failed one's reason
// whole. The header says a reload failed until the next reload's outcome: until then the file
// on disk is not what runs, and a restart would refuse it.
const (
	reloadedFor     = 5 * time.Second
	reloadFailedFor = 10 * time.Second
)

// ReloadFunc re-reads the config and applies it to the source, returning the new service list
// and everyone's status once the source has taken it; on an error nothing changed. It is
// called from a tea.Cmd.
type ReloadFunc func(ctx context.Context) ([]config.Service, map[string]track.Status, error)

// ReloadRequest asks the UI to reload the config, as `r` does: main sends it on SIGHUP and
// when the config file changes.
type ReloadRequest struct{}

// Reloaded replaces the services shown: the outcome of a reload, or a new service list from an
// attached server. Services that stay keep their row, and the cursor stays on the selected one
// while it exists.
type Reloaded struct {
	Services []config.Service
	// Status is every service's status by name; missing ones keep what the UI showed, or
	// read UNKNOWN when new.
	Status map[string]track.Status
	// Err is why the reload failed: nothing changes and the header says so for a while.
	Err error
	// Quiet shows no "reloaded" note: a server's list, not the user's reload.
	Quiet bool
}

// ReloadNote tells the UI how a reload it did not run went: a server's, for a screen that
// watches it (an SSH viewer, `uptty attach`). The header says so as it does of the UI's own
// reloads, for as long, and the service list is left as it is (a new one comes as Reloaded).
type ReloadNote struct {
	// At is when the reload ended. The note lasts from then when that is within its time
	// here, else from now: an error still standing when the screen opened, or a clock that
	// is not this one's, is said for the whole time.
	At time.Time
	// Err is why the reload failed; nil for a good one.
	Err error
}

// LinkMsg tells an attached UI about its link to the server: while Down, the header says
// `disconnected` with how long, and every row is marked stale until the link is back. The
// message that says it is back carries the snapshot that proved it, applied before the marks go,
// so that no row is ever shown as live with what was known before.
type LinkMsg struct {
	Down   bool
	Since  time.Time               // when the link went down
	Status map[string]track.Status // back up: every service's status, by name
	// Note is a word for the header while the link is up, such as slow answers; "" for none.
	Note string
}

// reloadState is what the header shows of reloads and of an attached link.
type reloadState struct {
	fn      ReloadFunc
	busy    bool
	at      time.Time // when the last reload ended
	err     error     // the last reload's error; nil after a success
	linkErr bool      // attached: the link is down
	since   time.Time // attached: since when
	note    string    // attached: LinkMsg.Note, sanitized
}

// reloadUpdate handles the reload and link messages; ok is false for any other message.
func (m Model) reloadUpdate(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case ReloadRequest:
		return m, m.reload(), true
	case Reloaded:
		m.rl.busy = false
		if msg.Err != nil {
			m.rl.err, m.rl.at = msg.Err, m.now
			m.note = "" // an earlier action's note would hide the reason for its whole time
			return m, nil, true
		}
		if !msg.Quiet {
			m.rl.err, m.rl.at = nil, m.now
		}
		m = m.setServices(msg.Services, msg.Status)
		m, title := m.retitle()
		cmds := []tea.Cmd{title}
		if m.view == detailView {
			cmds = append(cmds, m.fetchDetail())
			var ask tea.Cmd
			m, ask = m.ask()
			cmds = append(cmds, ask)
		}
		return m, tea.Batch(cmds...), true
	case ReloadNote:
		m.rl.err, m.rl.at = msg.Err, noteStart(msg, m.now)
		if msg.Err != nil {
			m.note = "" // as for a reload of our own
		}
		return m, nil, true
	case LinkMsg:
		for name, st := range msg.Status {
			if i, ok := m.index[name]; ok {
				m.status[i] = st
			}
		}
		m.rl.linkErr, m.rl.since, m.rl.note = msg.Down, msg.Since, text.CleanText(msg.Note, 0)
		m, cmd := m.retitle()
		return m, cmd, true
	}
	return m, nil, false
}

// noteStart is when the header's note of n begins, as the screen's clock reads now: n.At when
// the note would still be shown from then, else now. The screen's clock moves on its ticks,
// so a note of this very second may come from a little after it.
func noteStart(n ReloadNote, now time.Time) time.Time {
	lasts := reloadedFor
	if n.Err != nil {
		lasts = reloadFailedFor
	}
	if n.At.IsZero() || n.At.After(now.Add(2*time.Second)) || now.Sub(n.At) >= lasts {
		return now
	}
	return n.At
}

// reload runs the ReloadFunc, unless one is running already.
func (m *Model) reload() tea.Cmd {
	if m.rl.fn == nil || m.rl.busy {
		return nil
	}
	m.rl.busy = true
	fn, ctx := m.rl.fn, m.ctx
	return func() tea.Msg {
		svcs, st, err := fn(ctx)
		return Reloaded{Services: svcs, Status: st, Err: err}
	}
}

// setServices makes services the rows, keeping each staying service's status and the cursor on
// the selected service when it stays.
func (m Model) setServices(services []config.Service, status map[string]track.Status) Model {
	selName := ""
	if i := m.selected(); i >= 0 {
		selName = m.services[i].Name
	}
	old := make(map[string]track.Status, len(m.services))
	for i, s := range m.services {
		old[s.Name] = m.status[i]
	}
	m.services = services
	// A prompt open on a service holds its index, which the new list reuses for another.
	m.acking, m.mute = ackState{}, muteState{}
	m.names = make([]string, len(services))
	m.status = make([]track.Status, len(services))
	m.index = make(map[string]int, len(services))
	for i, s := range services {
		m.names[i] = s.Name
		m.index[s.Name] = i
		st, ok := status[s.Name]
		if !ok {
			st = old[s.Name]
		}
		m.status[i] = st
	}
	m.indexServices()
	m.buildRows()
	m.nameW = measureNames(m.names)
	m.cursor = 0
	sel, stays := m.index[selName]
	for k, i := range m.order {
		if stays && i == sel {
			m.cursor = k
		}
	}
	if !stays && m.view == detailView {
		m.view = listView // the service shown is gone
	}
	// Answers about the old positions must not land on the new ones.
	m.detail, m.detailOf = track.Detail{}, -1
	m.hist.data, m.hist.err, m.hist.errSvc = archiveMsg{seq: m.hist.seq}, nil, -1
	m.hist.again = m.hist.busy
	m.offset = m.follow()
	return m
}

// reloadNote is what the header says of the last reload or of the link, and whether it is an
// alarm; "" when nothing.
func (m Model) reloadNote() (note string, alarm bool) {
	switch {
	case m.rl.linkErr:
		return "disconnected " + text.FormatDuration(max(m.now.Sub(m.rl.since), 0).Truncate(time.Second)), true
	case m.rl.note != "":
		return m.rl.note, true
	case m.rl.at.IsZero():
		return "", false
	case m.rl.err != nil:
		return "reload failed: " + text.CleanText(m.rl.err.Error(), 0), true
	case m.rl.err == nil && m.now.Sub(m.rl.at) < reloadedFor:
		return "reloaded " + m.rl.at.In(m.loc).Format("15:04:05"), false
	}
	return "", false
}

// clocksAt is the instant the services' clocks (how long an outage or a state has lasted) run
// to: now, but while the attached link is down the moment it went down. Past it nothing is
// known, and a clock that went on ticking would read as live.
func (m Model) clocksAt() time.Time {
	if m.stale() && !m.rl.since.IsZero() {
		return m.rl.since
	}
	return m.now
}

// stale reports that rows must not be shown as live: the attached link is down.
func (m Model) stale() bool { return m.rl.linkErr }

// staleMark is what a tile's name begins with while the attached link is down: the `?` the
// rows carry, so that the wallboard reads as stale without colour too.
func (m Model) staleMark() string {
	if m.stale() {
		return "? "
	}
	return ""
}

// staleRow is service i's row while the attached link is down: a `?` mark and the whole row
// dimmed, so that nothing on it reads as live. The selected row keeps its cursor beside the
// mark (`?>`): without colour, reverse video is dropped and nothing else would show it.
func (m Model) staleRow(i int, selected bool, l layout) string {
	m.now = m.clocksAt()
	plain := []rune(ansi.Strip(m.renderRow(i, selected, l, nil)))
	if len(plain) > 0 {
		plain[0] = '?'
	}
	if selected && len(plain) > 1 {
		plain[1] = '>'
	}
	style := m.st.hint
	if selected {
		style = style.Reverse(true)
	}
	return style.Render(string(plain))
}
