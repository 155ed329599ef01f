package sshview

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/ui"
)

// Viewers who look at the same thing share it. Until its first key a viewer sees the default
// view, which depends only on its window's size, its colour profile and glyphs, and its role:
// the viewers alike are a group, drawn by one model whose frames one ui.Screen encodes, the
// same bytes going to each of them. A model, a frame and a diff per viewer per batch was most
// of what 50 viewers cost beside SSH's encryption. A key (or a click) gives the viewer a model
// of its own, in the default view it was looking at, and the key goes to it; a resize moves a
// viewer that has not pressed one to the group of its new size.

// groupKey is what a group's viewers have in common.
type groupKey struct {
	w, h        int
	profile     termenv.Profile
	ascii, wide bool
	operator    bool
}

// group is the viewers of one screen: its model runs in a program without input or renderer,
// and its screen writes every frame to each member's output.
type group struct {
	key    groupKey
	screen *ui.Screen
	cancel context.CancelFunc
	n      int // members, counted under Server.gmu: the last to leave ends the group

	mu      sync.Mutex
	members map[*output]struct{}
}

// Write hands one frame to every member; it never waits for a terminal.
func (g *group) Write(p []byte) (int, error) {
	frame := bytes.Clone(p) // the screen reuses its buffer; the members share this copy
	g.mu.Lock()
	for o := range g.members {
		o.push(frame)
	}
	g.mu.Unlock()
	return len(p), nil
}

// join makes v a member of the group for key, starting it if there is none, after v left the
// group it was in. The group's screen is repainted for v alone, then its frames go to v too.
func (s *Server) join(v *seat, key groupKey) {
	s.leave(v)
	s.gmu.Lock()
	g := s.groups[key]
	if g == nil {
		g = s.startGroup(key)
		s.groups[key] = g
	}
	g.n++
	s.gmu.Unlock()
	g.screen.Join(func(repaint []byte) {
		v.out.resync(repaint)
		g.mu.Lock()
		g.members[v.out] = struct{}{}
		g.mu.Unlock()
	})
	v.mu.Lock()
	v.group = g
	v.mu.Unlock()
}

// leave takes v out of its group, if it is in one; no frame of the group reaches v after it.
// The last member to leave ends the group.
func (s *Server) leave(v *seat) {
	v.mu.Lock()
	g := v.group
	v.group = nil
	v.mu.Unlock()
	if g == nil {
		return
	}
	g.mu.Lock()
	delete(g.members, v.out)
	g.mu.Unlock()
	s.gmu.Lock()
	g.n--
	last := g.n == 0
	if last {
		delete(s.groups, g.key)
	}
	s.gmu.Unlock()
	if last {
		g.cancel()
	}
}

// startGroup starts the model of a group's screen on a subscription of its own; it runs until
// the group's last member leaves. s.gmu is held.
func (s *Server) startGroup(key groupKey) *group {
	ctx, cancel := context.WithCancel(context.Background())
	g := &group{key: key, cancel: cancel, members: map[*output]struct{}{}}
	g.screen = ui.NewScreen(ui.ScreenOptions{Out: g, FPS: ui.FrameRate})
	sub := s.opts.Watch()
	services, status := sub.Snapshot()
	src := &source{Subscription: sub, log: s.log} // no keys reach a group: it never pauses
	o := s.uiOptions(key.operator, "")
	o.Renderer = lipgloss.NewRenderer(io.Discard)
	o.Renderer.SetColorProfile(key.profile) // the viewers', found from their TERM
	o.ASCII = o.ASCII || key.ascii
	o.AmbiguousWide = o.AmbiguousWide || key.wide
	o.Ctx = ctx
	p := tea.NewProgram(g.screen.Model(ui.New(services, status, src, o)), append(g.screen.ProgramOptions(),
		tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignalHandler(), tea.WithContext(ctx))...)
	src.send = p.Send
	s.wg.Add(1) // a session handler runs: the count is not zero
	go func() {
		defer s.wg.Done()
		go p.Send(tea.WindowSizeMsg{Width: key.w, Height: key.h})
		_, _ = p.Run()
		cancel()
		g.screen.Close()
		sub.Close()
	}()
	return g
}

// seat is one session (a viewer): until its first key a member of a group, as the program's model
// (which draws nothing itself); after it, its own model and screen replace it in the program.
type seat struct {
	s       *Server
	sess    ssh.Session
	out     *output
	op      bool
	key     groupKey // w and h are the window's size, once known
	program *tea.Program

	mu     sync.Mutex // what the end of the session closes
	group  *group
	screen *ui.Screen
	sub    Subscription
}

func (v *seat) Init() tea.Cmd { return nil }

func (v *seat) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width == v.key.w && msg.Height == v.key.h {
			return v, nil
		}
		v.key.w, v.key.h = msg.Width, msg.Height
		if v.s.opts.noShare {
			return v.own(nil)
		}
		v.s.join(v, v.key)
	case resyncMsg:
		if v.key.w > 0 {
			v.s.join(v, v.key) // a fresh repaint, the frames it missed dropped
		}
	case tea.KeyMsg:
		if s := msg.String(); s == "q" || s == "ctrl+c" {
			return v, tea.Quit // what the default view does with them
		}
		return v.own(msg)
	case tea.MouseMsg:
		return v.own(msg)
	}
	return v, nil
}

func (v *seat) View() string { return "" }

// own gives v a model and screen of its own in the default view, with its window's size, and
// hands it msg.
func (v *seat) own(msg tea.Msg) (tea.Model, tea.Cmd) {
	v.s.leave(v)
	sub := v.s.opts.Watch()
	services, status := sub.Snapshot()
	src := &source{Subscription: sub, operator: v.op, log: v.s.log, who: v.sess.User(), send: v.program.Send}
	o := v.s.uiOptions(v.op, v.sess.User())
	env := sessionEnv(v.sess)
	o.Renderer = renderer(v.sess, env)
	o.ASCII = o.ASCII || v.key.ascii
	o.AmbiguousWide = o.AmbiguousWide || v.key.wide
	o.Ctx = v.sess.Context()
	// Its frames are written once the group's are: the screen writes to the terminal itself,
	// so that a slow terminal makes it skip frames rather than queue them.
	screen := ui.NewScreen(ui.ScreenOptions{Out: v.out.after(), FPS: ui.FrameRate})
	v.mu.Lock()
	v.sub, v.screen = sub, screen
	v.mu.Unlock()
	var m tea.Model = screen.Model(ui.New(services, status, src, o))
	cmds := []tea.Cmd{m.Init()}
	var cmd tea.Cmd
	if v.key.w > 0 {
		m, cmd = m.Update(tea.WindowSizeMsg{Width: v.key.w, Height: v.key.h})
		cmds = append(cmds, cmd)
	}
	if msg != nil {
		m, cmd = m.Update(msg)
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

// end runs once the session's program stopped: the terminal gets its main screen back, and
// the subscription is closed.
func (v *seat) end() {
	v.mu.Lock()
	grouped, screen, sub := v.group != nil, v.screen, v.sub
	v.mu.Unlock()
	v.s.leave(v)
	if grouped {
		v.out.push([]byte(ui.LeaveScreen + titleBack))
	}
	v.out.close(time.Second)
	if screen != nil {
		screen.Close()
		_, _ = v.out.w.Write([]byte(titleBack)) // after the screen's last bytes
	}
	if sub != nil {
		sub.Close()
	}
}

// titleBack gives the viewer's window its own title back (an empty OSC 2, as the local screen
// leaves it): the screen titled it with the counts, which would stay in a tab as if live.
const titleBack = "\x1b]2;\x07"

// resyncMsg tells a grouped viewer that frames were dropped for it: it needs a repaint.
type resyncMsg struct{}

// maxQueued is how many bytes of frames a grouped viewer's terminal may be behind before they
// are dropped for a repaint once it catches up: as the screen of a viewer of its own skips
// frames while its terminal is busy, so that a slow terminal costs no memory.
const maxQueued = 256 << 10

// output is a session's terminal as a group writes to it: frames queue, shared with the other
// members, and a goroutine writes them to the terminal (through the watchdog, which drops a
// viewer that does not read).
type output struct {
	w   io.Writer
	ask func() // asks the session for a repaint (resync); called by the writer

	mu      sync.Mutex
	q       [][]byte
	n       int  // bytes in q
	stale   bool // frames were dropped: nothing is queued until a repaint
	asked   bool // the repaint was asked for
	closed  bool // nothing more is queued; the writer ends once q is written
	wake    chan struct{}
	done    chan struct{} // the writer ended
	started bool
}

func newOutput(w io.Writer, ask func()) *output {
	return &output{w: w, ask: ask, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// push queues b for the terminal; b must not change after.
func (o *output) push(b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed || o.stale {
		return
	}
	if o.n+len(b) > maxQueued {
		o.q, o.n, o.stale = nil, 0, true
	} else {
		o.q, o.n = append(o.q, b), o.n+len(b)
	}
	o.start()
	o.poke()
}

// resync queues a repaint: what was queued before is dropped, and frames are queued again.
func (o *output) resync(repaint []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	o.q, o.n, o.stale, o.asked = [][]byte{repaint}, len(repaint), false, false
	o.start()
	o.poke()
}

// start starts the writer; o.mu is held.
func (o *output) start() {
	if !o.started {
		o.started = true
		go o.run()
	}
}

func (o *output) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *output) run() {
	defer close(o.done)
	for {
		o.mu.Lock()
		for len(o.q) == 0 && !o.closed && (!o.stale || o.asked) {
			o.mu.Unlock()
			<-o.wake
			o.mu.Lock()
		}
		q, closed, ask := o.q, o.closed, o.stale && !o.asked && len(o.q) == 0
		o.q, o.n = nil, 0
		o.asked = o.asked || ask
		o.mu.Unlock()
		if len(q) == 0 {
			if closed {
				return
			}
			if ask {
				o.ask() // the repaint comes through resync
			}
			continue
		}
		b := q[0]
		if len(q) > 1 {
			b = bytes.Join(q, nil) // one write, fewer SSH packets
		}
		if _, err := o.w.Write(b); err != nil {
			o.mu.Lock()
			o.closed, o.q = true, nil
			o.mu.Unlock()
			return
		}
	}
}

// close stops queueing and waits for the writer to write what is queued, for at most d.
func (o *output) close(d time.Duration) {
	o.mu.Lock()
	o.closed = true
	started := o.started
	o.poke()
	o.mu.Unlock()
	if !started {
		return
	}
	select {
	case <-o.done:
	case <-time.After(d):
	}
}

// after is a writer to the terminal that first waits until what the group wrote is written:
// for the screen of a viewer who left its group.
func (o *output) after() io.Writer { return &afterWriter{o: o} }

type afterWriter struct {
	o    *output
	once sync.Once
}

func (a *afterWriter) Write(p []byte) (int, error) {
	a.once.Do(func() {
		a.o.close(time.Hour) // the watchdog ends a write that never returns
	})
	return a.o.w.Write(p)
}
