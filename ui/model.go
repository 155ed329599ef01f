// Package ui is uptty's terminal interface: a Bubble Tea model showing every service's state,
// latency, sparkline, uptime and outages, with a detail view per service and a help view, plus
// the plain report printed by `uptty check`.
//
// The UI starts no goroutines and does no I/O in Update: snapshots arrive through a Source read
// by a re-issued tea.Cmd, time arrives as one tick per wall-clock second, and pausing a service
// and every question to the history Archive are tea.Cmds too.
package ui

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/wallclock"
)

// Source feeds the UI. The monitor.Monitor implements it. Services are known by name.
type Source interface {
	// Next blocks until some services changed and returns their new snapshots, keyed by service
	// name. It returns an error once ctx is done or the source has stopped.
	Next(ctx context.Context) (map[string]track.Status, error)
	// Detail returns what the detail view shows of a service beyond its snapshot. It is called
	// from a tea.Cmd and must return quickly, without waiting for a check.
	Detail(name string) (track.Detail, bool)
	// Pause stops checking a service; its snapshot then reads PAUSED.
	Pause(name string)
	// Resume starts checking a service again.
	Resume(name string)
}

// Options tune the UI. The zero value is a dark, non-demo UI on the default renderer.
type Options struct {
	// Demo shows a DEMO mark in the header.
	Demo bool
	// Hint is a one-line hint under the header ("" for none), such as how to point uptty at a
	// config.
	Hint string
	// Theme is "dark" (the default) or "light". The terminal is never asked for its background:
	// terminals that do not answer make that query block for seconds.
	Theme string
	// AmbiguousWide avoids every East Asian ambiguous-width glyph, for terminals that draw them
	// two cells wide (see AmbiguousWideFromEnv).
	AmbiguousWide bool
	// ASCII draws with ASCII characters only (see ASCIIFromEnv): the sparkline from " .:-=+*#",
	// x for a failed check, | and - for the chart's axes. Names are drawn as they are.
	ASCII bool
	// Renderer renders styles; nil means lipgloss's default, with its colour profile corrected
	// by ColorProfile. Tests pin a colour profile with it.
	Renderer *lipgloss.Renderer
	// Now seeds the clock; nil means time.Now. Live time arrives as tick messages.
	Now func() time.Time
	// Skew is how far the clock the statuses' times are on runs ahead of this machine's (an
	// attached screen's server's, see attach.Client.Now), added to every tick; nil means none.
	Skew func() time.Duration
	// Location is the zone times are shown in; nil means time.Local.
	Location *time.Location
	// Ctx bounds the pending Source.Next call; the UI also cancels that call itself on quit.
	Ctx context.Context
	// Archive is the stored history shown in the detail view (latency chart, uptime windows,
	// outages) and whose health the header shows; nil for none, and no history panes.
	Archive Archive
	// Via names the dependency a service is DOWN because of ("" when none), for its row to
	// say so; nil when there are no dependencies. It is called while drawing, so it must be
	// quick and safe from the UI's goroutine.
	Via func(name string) string
	// Reload re-reads the config for `r` and ReloadRequest; nil when there is nothing to reload
	// (the demo, an attached UI).
	Reload ReloadFunc
	// Mark is a service's MAINT or SILENCED mark, for its row; nil for none. Like Via, it is
	// called while drawing.
	Mark func(name string) notify.Mark
	// Silence stores a silence and Unsilence ends the silences of the names given (services or
	// groups); they are called from tea.Cmds, never from Update. nil turns the m key off.
	Silence   func(history.Silence) error
	Unsilence func(names ...string) (int, error)
	// Prefs is the screen's state as SavePrefs last saved it (filter, problems only, sort,
	// collapsed groups), as history.Store.Prefs returns it; nil starts from the defaults.
	Prefs map[string]string
	// SavePrefs keeps the screen's state when it changes, for Prefs after a restart; nil keeps
	// nothing. It is called from a tea.Cmd, and should not block (history.Store.SetPrefs
	// queues the write).
	SavePrefs func(map[string]string)
	// Wall starts on the wallboard: "services" (a tile per service) or "groups" (a tile per
	// group); "" starts on the list. W toggles it, showing services when Wall is "".
	Wall string
	// WallPage is how long the wallboard shows a page of healthy services when they do not
	// all fit (default 10s).
	WallPage time.Duration
	// ReadOnly turns off the keys that change what the monitor does (p, m, a), for a viewer
	// who may look but not act, such as an SSH viewer whose key is not an operator's.
	ReadOnly bool
	// Acked is the ack of a service's outage going on; nil when there are no acks. Like Mark,
	// it is called while drawing.
	Acked func(name string) (track.Ack, bool)
	// Ack acknowledges a service's outage (a.Start is the outage the screen showed) and Unack
	// removes its ack; they are called from tea.Cmds, never from Update. nil turns the a key
	// off, as does ReadOnly.
	Ack   func(name string, a track.Ack) error
	Unack func(name string) error
	// User is who acknowledges from this screen: the login name ($USER, or an SSH viewer's).
	User string
	// SetPaused pauses (pause true) or resumes a service for p, and says why it could not,
	// which the footer then shows; nil uses the Source's Pause and Resume, which cannot fail.
	// It is called from a tea.Cmd, never from Update.
	SetPaused func(name string, pause bool) error
}

// FrameRate is how many frames a second a screen of this UI writes at most (the local screen,
// attach, each SSH viewer). Screen writes a frame as soon as one changes after a quiet spell (a
// key press shows at once) and coalesces faster changes into the next frame 1/FrameRate later,
// which also saves terminal bytes; it does not wake while nothing changes (sh
// bench/idle-cpu.sh: 1.4-2.2 wake-ups a second, the clock's tick and its frame on one thread
// (package wallclock), 0.020-0.023 CPU-s a minute; 0.22-0.23 with Bubble Tea's renderer at 20).
// Bubble Tea's renderer (Windows; tea.WithFPS) wakes at this rate for the whole run, changed or
// not: at its default 60 the wake-ups alone were ~90% of an idle monitor's CPU, and 50 SSH
// viewers at 60 woke 3,000 times a second.
const FrameRate = 20

// view is which screen is showing.
type view uint8

const (
	listView view = iota
	detailView
	helpView
)

// Model is the root Bubble Tea model. Like every Bubble Tea model it is passed by value, but its
// status slice is shared between copies: only the latest copy returned by Update is live.
type Model struct {
	services []config.Service
	names    []string // sanitized service names
	status   []track.Status
	index    map[string]int // a service's name to its position in services and status
	rows     []row          // display order: group headings and services
	order    []int          // service indices in display order
	lineOf   []int          // lineOf[k] is the row of the k-th service in display order
	nameW    nameWidths     // for the layout: the widest name, and the widest that can be whole

	src    Source
	ctx    context.Context
	cancel context.CancelFunc
	keys   *keyMap // set up by New, the same for every copy of the Model after it
	st     *styles
	demo   bool
	via    func(name string) string
	hint   string
	loc    *time.Location

	now           time.Time
	skew          func() time.Duration // Options.Skew
	tally         tally                // the counts the header and the title show
	width, height int
	sized         bool // a WindowSizeMsg has arrived
	view, back    view // back is where `?` returns to
	cursor        int  // position in order
	offset        int  // first table row shown
	pageOff       int  // first line shown in the detail or help view
	title         string
	err           error        // why the Source stopped, shown in the header
	hist          archiveState // what the detail view shows of the Archive
	// detail is what Source.Detail last said of service detailOf (-1: nothing yet); noDetail
	// that it keeps none of it (an attached screen's server does not send its checks).
	detail   track.Detail
	detailOf int
	noDetail bool
	rl       reloadState // reloads and, attached, the link (reload.go)

	// mark, silence and unsilence are Options.Mark, Silence and Unsilence; mute is the
	// silence prompt, note the footer's word on the last silence (until the next key).
	mark      func(name string) notify.Mark
	silence   func(history.Silence) error
	unsilence func(names ...string) (int, error)
	mute      muteState
	note      string

	// acked, ack and unack are Options.Acked, Ack and Unack; acking is the ack prompt, user
	// who acks.
	acked  func(name string) (track.Ack, bool)
	ack    func(name string, a track.Ack) error
	unack  func(name string) error
	acking ackState
	user   string
	// setPaused is Options.SetPaused.
	setPaused func(name string, pause bool) error

	// What the list shows (find.go): the filter, problems only, sort and collapsed groups.
	find      finder
	typing    bool             // the filter line has the keyboard
	fields    []fields         // each service's searchable texts
	groups    []string         // group names in order of first appearance
	members   map[string][]int // each group's services in file order ("" for none)
	heads     []string         // heads[k]: the group of item k when it is a collapsed heading
	shown     []bool           // shown[i]: service i passes the filter and problems only
	nShown    int              // how many do
	savePrefs func(map[string]string)

	// The wallboard (wall.go): shown when wall is not wallOff; W switches to wallKind.
	wall, wallKind wallMode
	wallPage       time.Duration
	wallTurn       wallTurn // the page a key turned to; zero while the pages turn with the clock

	// tallied is, for each service, whether the tally counted its outage as acknowledged:
	// what a change of its status takes back out. Shared between copies, like status.
	tallied []bool
	// drawn is the screen and the table's rows as last drawn (table.go).
	drawn *rowCache
	// titleless leaves the terminal's title alone. Only the teatest tests set it: Bubble Tea
	// v1.3.10's renderer writes a title without the lock its frames take, and teatest's
	// output runs through an ANSI compressor, so the two race (go test -race reported it in
	// about one run of TestApp in 15). Our Screen and a real terminal serialize the writes.
	titleless bool
}

// statusMsg carries the snapshots of the services that changed, from Source.Next.
type statusMsg map[string]track.Status

// detailMsg carries Source.Detail's answer about service svc.
type detailMsg struct {
	svc    int
	detail track.Detail
	none   bool // the Source keeps no detail of it
}

// sourceErrMsg reports that Source.Next failed; the UI stops asking and shows why.
type sourceErrMsg struct{ err error }

// tickMsg is a wall-clock second boundary; it moves the clock and every live duration.
type tickMsg time.Time

// tickSaveMsg is a tick that also brings a change in Archive.Err (see checkSave).
type tickSaveMsg struct {
	at   time.Time
	save saveErrMsg
}

// New builds the UI for services, starting from the initial snapshots by name (missing ones
// read UNKNOWN). src may be nil for a static screen.
func New(services []config.Service, initial map[string]track.Status, src Source, opts Options) Model {
	r := opts.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
		r.SetColorProfile(ColorProfile(os.Getenv, r.ColorProfile()))
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	parent := opts.Ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	if a, ok := opts.Archive.(*history.Store); ok && a == nil {
		opts.Archive = nil // a nil store in the interface would not read as "no history"
	}
	m := Model{
		services: services,
		names:    make([]string, len(services)),
		status:   make([]track.Status, len(services)),
		index:    make(map[string]int, len(services)),
		detailOf: -1,
		drawn:    &rowCache{},
		src:      src,
		ctx:      ctx,
		cancel:   cancel,
		keys:     newKeyMap(),
		st:       newStyles(r, opts.Theme, opts.AmbiguousWide, opts.ASCII),
		demo:     opts.Demo,
		via:      opts.Via,
		hint:     text.CleanText(opts.Hint, 0),
		loc:      loc,
		now:      now(),
		skew:     opts.Skew,
		hist:     archiveState{src: opts.Archive, spans: history.StandardWindows(), errSvc: -1},
		rl:       reloadState{fn: opts.Reload},
	}
	m.keys.Reload.SetEnabled(opts.Reload != nil)
	m.keys.Pause.SetEnabled(!opts.ReadOnly)
	for i, s := range services {
		m.names[i] = s.Name
		m.index[s.Name] = i
		m.status[i] = initial[s.Name]
	}
	m.mark = opts.Mark
	if opts.Silence != nil && opts.Unsilence != nil && !opts.ReadOnly {
		m.silence, m.unsilence = opts.Silence, opts.Unsilence
	} else {
		m.keys.Mute.SetEnabled(false)
	}
	m.acked, m.user, m.setPaused = opts.Acked, opts.User, opts.SetPaused
	if m.user == "" {
		m.user = "unknown"
	}
	if opts.Ack != nil && opts.Unack != nil && !opts.ReadOnly {
		m.ack, m.unack = opts.Ack, opts.Unack
	} else {
		m.keys.Ack.SetEnabled(false)
	}
	m.initFind(opts)
	m.wallKind, m.wallPage = wallServices, opts.WallPage
	switch opts.Wall {
	case "services":
		m.wall = wallServices
	case "groups":
		m.wall, m.wallKind = wallGroups, wallGroups
	}
	m.nameW = measureNames(m.names)
	m.recount()
	m.title = windowTitle(m.tally)
	return m
}

// Init starts reading the Source, the clock, and sets the window title.
func (m Model) Init() tea.Cmd {
	var title tea.Cmd
	if !m.titleless {
		title = tea.SetWindowTitle(m.title)
	}
	return tea.Batch(m.next(), m.tick(), title)
}

// next waits for the Source's next batch.
func (m Model) next() tea.Cmd {
	if m.src == nil {
		return nil
	}
	src, ctx := m.src, m.ctx
	return func() tea.Msg {
		changed, err := src.Next(ctx)
		if err != nil {
			return sourceErrMsg{err}
		}
		return statusMsg(changed)
	}
}

// tick fires at the next wall-clock second boundary, or gives up when ctx is done so that no
// timer outlives the program. It reads the Archive's health there too (checkSave): a Cmd of
// its own would cost a goroutine, a batch and an empty message every second, and on this
// machine each goroutine woken is what an idle second costs.
func (m Model) tick() tea.Cmd {
	ctx, check := m.ctx, m.checkSave()
	return func() tea.Msg {
		at, ok := wallclock.NextSecond(ctx)
		if !ok {
			return nil
		}
		if check != nil {
			if msg, ok := check().(saveErrMsg); ok {
				return tickSaveMsg{at: at, save: msg}
			}
		}
		return tickMsg(at)
	}
}

// Update handles one message. Everything it changes shows in the next View, but for a batch
// of statuses that only changes how services look (see looksOnly).
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var last string
	if batch, ok := msg.(statusMsg); !ok || !m.looksOnly(batch) {
		last = m.drawn.redraw()
	}
	if m, cmd, ok := m.reloadUpdate(msg); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case tickSaveMsg:
		m.hist.saveErr = msg.save.err
		return m.Update(tickMsg(msg.at))
	case tickMsg:
		m.now = time.Time(msg)
		if m.skew != nil {
			m.now = m.now.Add(m.skew())
		}
		var ask, title tea.Cmd
		m, ask = m.refresh()
		if m.acked != nil {
			// Acks made elsewhere (the API, an SSH operator) change the counts without a
			// status: they show within a second.
			m, title = m.retitle()
		}
		return m, tea.Batch(m.tick(), ask, title)
	case archiveMsg:
		return m.answer(msg)
	case silencedMsg:
		return m.silenced(msg)
	case pausedMsg:
		if msg.err != nil {
			m.note = msg.verb + " failed: " + text.CleanText(msg.err.Error(), 0)
		}
		return m, nil
	case ackedMsg:
		return m.acknowledged(msg)
	case saveErrMsg:
		m.hist.saveErr = msg.err
		return m, nil
	case statusMsg:
		cmds := []tea.Cmd{m.next()}
		sel := m.selected()
		for name, s := range msg {
			if i, ok := m.index[name]; ok {
				m.tally.add(&m.status[i], m.tallied[i], -1)
				was := m.status[i]
				m.status[i] = s
				m.tallied[i] = m.isAcked(i)
				m.tally.add(&m.status[i], m.tallied[i], 1)
				if i == sel && m.view == detailView {
					cmds = append(cmds, m.fetchDetail())
					if was.State != s.State || !was.Outage.Start.Equal(s.Outage.Start) || !was.Outage.End.Equal(s.Outage.End) {
						m.refreshSoon()
					}
				}
			}
		}
		m = m.restack()
		title := m.setTitle()
		return m, tea.Batch(append(cmds, title)...)
	case detailMsg:
		if msg.svc == m.selected() {
			m.detail, m.detailOf, m.noDetail = msg.detail, msg.svc, msg.none
		}
		return m, nil
	case sourceErrMsg:
		if !errors.Is(msg.err, context.Canceled) {
			m.err = msg.err
		}
		return m, nil
	case tea.WindowSizeMsg:
		m.width, m.height, m.sized = msg.Width, msg.Height, true
		if len(m.find.collapsed) > 0 {
			m = m.relayout() // the grid of collapsed groups has as many columns as fit
		}
		m.offset = m.follow()
		if m.view == detailView && m.hist.data.n != m.chartWidth() {
			return m.ask()
		}
		return m, nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m.mouse(msg)
	}
	// A message the model does not handle (a window title's, after a batch that changed the
	// counts) changes nothing it draws: the frame stands.
	m.drawn.keep(last)
	return m, nil
}

// looksOnly says whether batch changes only how its services look: their latency, sparkline,
// uptime, the words of a reason in the same state. Such a batch is applied at once but makes
// no frame of its own (View gives the last frame again): it shows with the next frame made
// for another reason, at the latest the clock's tick at the next second. At 1,000 services
// every 10 s the batches came five times a second, each a frame for the local screen and for
// every group of SSH viewers, and each frame's bytes encrypted for every viewer. What a user
// must see at once, a state or an outage opening or closing, still draws at once, as does
// every other message (a key, a resize, a reload, an ack, the link going down).
func (m Model) looksOnly(batch statusMsg) bool {
	for name, s := range batch {
		if i, ok := m.index[name]; ok {
			if !m.status[i].Standing().Same(s.Standing()) {
				return false
			}
		}
	}
	return true
}

// quit cancels the pending Source.Next before quitting, in that order, so the Cmd waiting on it
// returns instead of outliving the program.
func (m Model) quit() tea.Cmd {
	cancel := m.cancel
	return tea.Sequence(func() tea.Msg { cancel(); return nil }, tea.Quit)
}

// togglePause pauses the selected service, or resumes it when it is paused.
func (m Model) togglePause() tea.Cmd {
	i := m.selected()
	if m.src == nil || i < 0 {
		return nil
	}
	src := m.src
	name := m.services[i].Name
	pause := m.status[i].State != track.Paused
	if set := m.setPaused; set != nil {
		verb := "resume"
		if pause {
			verb = "pause"
		}
		return func() tea.Msg { return pausedMsg{verb: verb, err: set(name, pause)} }
	}
	if !pause {
		return func() tea.Msg { src.Resume(name); return nil }
	}
	return func() tea.Msg { src.Pause(name); return nil }
}

// pausedMsg is the outcome of Options.SetPaused: a failure shows in the footer until the
// next key; success shows on the row, when the Source brings the new state.
type pausedMsg struct {
	verb string // pause or resume
	err  error
}

// fetchDetail asks the Source for the selected service's detail. The answer is a copy the
// monitor makes under its lock, so the Cmd returns at once.
func (m Model) fetchDetail() tea.Cmd {
	i := m.selected()
	if m.src == nil || i < 0 {
		return nil
	}
	src, name := m.src, m.services[i].Name
	return func() tea.Msg {
		d, ok := src.Detail(name)
		return detailMsg{svc: i, detail: d, none: !ok}
	}
}

// detailFor is the detail of service i, empty until the Source has answered about it.
func (m Model) detailFor(i int) track.Detail {
	if i != m.detailOf {
		return track.Detail{}
	}
	return m.detail
}

// tally is the number of services in each state, for the header and the window title. A
// paused service whose outage is still open counts as DOWN, marked paused: pausing stops the
// checks, not the outage, and an on-call engineer reading the header must not take it for
// one that is merely paused.
type tally struct {
	n          [track.Paused + 1]int
	pausedDown int // how many of n[track.Down] are paused
	ackedDown  int // how many of n[track.Down] are acknowledged
}

// retitle counts the services again, for the header, and sets the window title when the
// counts changed. Counting is a pass over every service: it is done when the service list
// or an ack changed, not for every batch of statuses (those adjust the tally by the services
// they change: with 50 SSH viewers of 1,000 services, a pass per viewer per batch was an
// eighth of the server's CPU) nor for every frame.
func (m Model) retitle() (Model, tea.Cmd) {
	before := m.tally
	m.recount()
	if m.tally == before {
		return m, nil // the title is the counts': the same
	}
	return m, m.setTitle()
}

// setTitle sets the window title when the counts changed since it was last set.
func (m *Model) setTitle() tea.Cmd {
	if t := windowTitle(m.tally); t != m.title {
		m.title = t
		if !m.titleless {
			return tea.SetWindowTitle(t)
		}
	}
	return nil
}

// recount tallies the services by state, afresh.
func (m *Model) recount() {
	if len(m.tallied) != len(m.status) {
		m.tallied = make([]bool, len(m.status))
	}
	m.tally = tally{}
	for i := range m.status {
		m.tallied[i] = m.isAcked(i)
		m.tally.add(&m.status[i], m.tallied[i], 1)
	}
}

// isAcked reports whether service i's outage going on is acknowledged.
func (m *Model) isAcked(i int) bool {
	if m.acked == nil {
		return false
	}
	_, ok := m.ackOf(i)
	return ok
}

// add counts one service (d is 1), or takes it back out (d is -1, with the status and acked
// it was counted with); acked says its outage is acknowledged.
func (c *tally) add(s *track.Status, acked bool, d int) {
	state := s.State
	_, open := s.OpenOutage()
	if open && state == track.Paused {
		state = track.Down
		c.pausedDown += d
	}
	if open && acked && state == track.Down {
		c.ackedDown += d
	}
	if int(state) < len(c.n) {
		c.n[state] += d
	}
}

// countEntry is one state's count as the header and the title write it.
type countEntry struct {
	state track.State
	text  string // "2 DOWN", "1 DOWN (paused)", "2 DOWN (1 paused)"
}

// entries are the non-zero counts, worst state first.
func (c tally) entries() []countEntry {
	var out []countEntry
	for _, s := range track.States() {
		n := c.n[s]
		if n == 0 {
			continue
		}
		text := itoa(n) + " " + s.String()
		if s == track.Down {
			text += c.downNotes(n)
		}
		out = append(out, countEntry{s, text})
	}
	return out
}

// downNotes is what the DOWN count says of the n DOWN services: " (paused)" when all are
// paused, " (1 paused, 2 ack)" for some; "" when none is paused or acknowledged.
func (c tally) downNotes(n int) string {
	var notes []string
	switch {
	case c.pausedDown == 0:
	case c.pausedDown == n:
		notes = append(notes, "paused")
	default:
		notes = append(notes, itoa(c.pausedDown)+" paused")
	}
	if c.ackedDown > 0 {
		notes = append(notes, itoa(c.ackedDown)+" ack")
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, ", ") + ")"
}

// windowTitle is the terminal title: the non-zero counts, worst first.
func windowTitle(c tally) string {
	t := "uptty"
	sep := ": "
	for _, e := range c.entries() {
		t += sep + e.text
		sep = ", "
	}
	return t
}

// size is the screen size, assuming 80x24 until the terminal reports its own.
func (m Model) size() (w, h int) {
	if !m.sized {
		return 80, 24
	}
	return max(m.width, 0), max(m.height, 0)
}
