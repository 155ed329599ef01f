// Package sshview serves uptty's live screen over SSH: each viewer who logs in with a listed key
// gets the same Bubble Tea UI as the local monitor, with its own window size, colour profile and
// keys, fed by the one monitor `uptty serve` runs.
//
// A session runs nothing but the screen: no command, no subsystem, no forwarding, no password.
// Its screen reads a subscription that never makes the monitor wait (changes not yet drawn are
// merged by service), and a viewer whose terminal stops reading for WriteTimeout is dropped.
package sshview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui"
)

// Subscription is one viewer's feed of the monitor (serve.Watch is one): the Source the screen
// reads, the snapshot it starts from, and word of a reload.
type Subscription interface {
	ui.Source
	// Snapshot is every service and its status by name, as they are now.
	Snapshot() ([]config.Service, map[string]track.Status)
	// ServicesChanged reports, once, that the service list changed since the last Snapshot.
	ServicesChanged() bool
	// Reload reports, once, how the server's newest reload of its config ended: when (zero
	// for no news), and why it failed (nil for a good one). A new subscription is told of an
	// error that still stands.
	Reload() (at time.Time, err error)
	// Close ends the subscription.
	Close()
}

// Options configure a Server. Watch, Viewers and HostKey are required.
type Options struct {
	// Watch subscribes a new viewer to the monitor.
	Watch func() Subscription
	// Viewers are the keys that may log in; Operators may log in too, and may also pause and
	// resume services (p), silence them (m, when UI has Silence) and acknowledge outages (a,
	// when UI has Ack: as the SSH user they logged in as).
	Viewers, Operators []gossh.PublicKey
	// HostKey is the server's identity (see HostKey).
	HostKey gossh.Signer
	// MaxSessions bounds the viewers at once (default 32); one more is told so and let go.
	MaxSessions int
	// LoginTimeout is how long a connection may take to log in and open its session before it
	// is closed (default 30s), so that connections that never log in do not pile up.
	LoginTimeout time.Duration
	// WriteTimeout is how long a viewer's terminal may take to accept a write before the viewer
	// is dropped (default 10s).
	WriteTimeout time.Duration
	// UI is the screen's options shared by every viewer (theme, archive, marks…); Renderer,
	// Ctx, ReadOnly, User, Reload and the saved screen state are set per session.
	UI ui.Options
	// Logger gets logins, refusals and drops (default: discard).
	Logger *slog.Logger

	// noShare gives every viewer a model of its own from the start (tests compare with it).
	noShare bool
}

// Server is the SSH server for viewers. Make it with New, run it with Serve.
type Server struct {
	opts     Options
	log      *slog.Logger
	srv      *ssh.Server
	sessions atomic.Int64
	mu       sync.Mutex
	closing  bool               // Serve is ending: no new session handler may start
	seats    map[*seat]struct{} // the viewers whose screens run, for Serve to end them
	wg       sync.WaitGroup     // running session handlers and groups

	gmu    sync.Mutex
	groups map[groupKey]*group // the viewers who share a screen (share.go)
}

// DefaultMaxSessions is how many viewers may be connected at once unless Options say otherwise.
const DefaultMaxSessions = 32

// stopGrace is how long Serve's end waits for the viewers' terminals to be given back before
// it closes their connections.
const stopGrace = 2 * time.Second

type ctxKey struct{ name string }

// viewerKey is where a session's viewer is kept, for the guard to end it; loginKey the timer
// that closes a connection that has not opened its session in time.
var (
	viewerKey = &ctxKey{"viewer"}
	loginKey  = &ctxKey{"login timer"}
)

// New returns a server for opts; nothing runs until Serve.
func New(opts Options) (*Server, error) {
	if opts.Watch == nil || opts.HostKey == nil || len(opts.Viewers)+len(opts.Operators) == 0 {
		return nil, errors.New("sshview: Watch, HostKey and some keys are required")
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.LoginTimeout <= 0 {
		opts.LoginTimeout = 30 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: opts.Logger, groups: map[groupKey]*group{}, seats: map[*seat]struct{}{}}
	srv, err := wish.NewServer(
		// First: without a host key wish would write one of its own to the working directory.
		func(srv *ssh.Server) error { srv.AddHostKey(opts.HostKey); return nil },
		wish.WithPublicKeyAuth(s.authorize),
		// The screen draws to the SSH channel itself: no pseudo-terminal device on the host.
		ssh.EmulatePty(),
		wish.WithMiddleware(
			bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii),
			s.guard,
		),
	)
	if err != nil {
		return nil, err
	}
	// No password or keyboard-interactive handler: OpenSSH is offered public keys only. No
	// forwarding handlers, no subsystems: those requests are refused.
	srv.PasswordHandler, srv.KeyboardInteractiveHandler = nil, nil
	srv.SubsystemHandlers = nil
	srv.LocalPortForwardingCallback, srv.ReversePortForwardingCallback = nil, nil
	srv.Version = "uptty"
	srv.ConnCallback = func(ctx ssh.Context, c net.Conn) net.Conn {
		ctx.SetValue(loginKey, time.AfterFunc(opts.LoginTimeout, func() { c.Close() }))
		return c
	}
	s.srv = srv
	return s, nil
}

// MaxSessions is how many viewers may be connected at once.
func (s *Server) MaxSessions() int { return s.opts.MaxSessions }

// Serve accepts viewers on ln until ctx is done, then ends every session and returns once
// their handlers have. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(ln) }()
	var err error
	stopped := false
	select {
	case <-ctx.Done():
	case err = <-served:
		stopped = true
	}
	s.mu.Lock()
	s.closing = true
	seats := slices.Collect(maps.Keys(s.seats))
	s.mu.Unlock()
	// Each screen is ended as q ends it, so that its viewer's terminal gets its main screen and
	// cursor back (guard) before the connections are closed; a viewer that does not take that
	// within stopGrace is cut off as it is.
	for _, v := range seats {
		go v.program.Quit()
	}
	handlers := make(chan struct{})
	go func() { s.wg.Wait(); close(handlers) }()
	select {
	case <-handlers:
	case <-time.After(stopGrace):
	}
	_ = s.srv.Close() // the listener and every connection: their sessions end
	if !stopped {
		err = <-served
	}
	<-handlers
	if errors.Is(err, ssh.ErrServerClosed) {
		err = nil
	}
	return err
}

// authorize lets in the listed keys.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	if listed(s.opts.Viewers, key) || listed(s.opts.Operators, key) {
		return true
	}
	s.log.Warn("ssh key refused", "user", ctx.User(), "remote", ctx.RemoteAddr().String(),
		"key", gossh.FingerprintSHA256(key))
	return false
}

// guard runs first in every session: it bounds the sessions, lets only an interactive
// terminal through to the screen, and closes the session's subscription after it.
func (s *Server) guard(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if t, ok := sess.Context().Value(loginKey).(*time.Timer); ok {
			t.Stop()
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		defer s.wg.Done()
		n := s.sessions.Add(1)
		defer s.sessions.Add(-1)
		refuse := func(msg string) {
			fmt.Fprintln(sess.Stderr(), "uptty: "+msg+"\r")
			_ = sess.Exit(1)
		}
		_, _, pty := sess.Pty()
		switch {
		case sess.RawCommand() != "" || sess.Subsystem() != "":
			s.log.Warn("ssh command refused", "user", sess.User(), "remote", sess.RemoteAddr().String())
			refuse("this server shows the status screen and runs nothing else: connect without a command")
			return
		case !pty:
			refuse("the status screen needs a terminal: connect with ssh -t")
			return
		case n > int64(s.opts.MaxSessions):
			s.log.Warn("ssh viewer refused: too many sessions", "max", s.opts.MaxSessions,
				"user", sess.User(), "remote", sess.RemoteAddr().String())
			refuse(fmt.Sprintf("too many viewers (at most %d): try again later", s.opts.MaxSessions))
			return
		}
		role := "viewer"
		if s.operator(sess.PublicKey()) {
			role = "operator"
		}
		attrs := []any{"user", sess.User(), "remote", sess.RemoteAddr().String(), "role", role,
			"key", gossh.FingerprintSHA256(sess.PublicKey())}
		s.log.Info("ssh viewer connected", attrs...)
		start := time.Now()
		next(sess)
		// The program has stopped and the channel is still open: the viewer's terminal gets
		// its main screen and cursor back.
		if v, ok := sess.Context().Value(viewerKey).(*seat); ok {
			v.end()
			s.mu.Lock()
			delete(s.seats, v)
			closing := s.closing
			s.mu.Unlock()
			if closing {
				fmt.Fprintln(sess.Stderr(), "uptty: the server stopped\r")
			}
		}
		s.log.Info("ssh viewer left", append(attrs, "after", time.Since(start).Round(time.Second).String())...)
		// The exit status before wg.Done: the session's own Exit comes after every handler has
		// returned, and Stop, which waits only for wg, could close the connection first: the
		// viewer's ssh then said "exited without exit status" (TestStopRestoresTerminals, now
		// and then).
		_ = sess.Exit(0)
	}
}

func (s *Server) operator(key ssh.PublicKey) bool { return listed(s.opts.Operators, key) }

// program builds a viewer's program: until its first key the viewer is drawn by the group of
// viewers alike (share.go), with the session's own colour profile and glyphs, to a writer that
// drops the viewer when it stops reading.
func (s *Server) program(sess ssh.Session) *tea.Program {
	env := sessionEnv(sess)
	v := &seat{s: s, sess: sess, op: s.operator(sess.PublicKey())}
	v.key = groupKey{
		profile:  renderer(sess, env).ColorProfile(),
		ascii:    ui.ASCIIFromEnv(env.Getenv), // what the viewer's terminal and locale can draw
		wide:     ui.AmbiguousWideFromEnv(env.Getenv),
		operator: v.op,
	}
	out := newWatchdog(sess, s.opts.WriteTimeout, func() {
		s.log.Warn("ssh viewer dropped: not reading", "user", sess.User(), "remote", sess.RemoteAddr().String())
		if c, ok := sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn); ok {
			_ = c.Close() // unblocks the write: the channel alone would wait for window space
		}
	})
	v.out = newOutput(out, func() { v.program.Send(resyncMsg{}) })
	sess.Context().SetValue(viewerKey, v)
	// The viewer's screen is drawn by ui.Screen, as the local one is: nothing is written, and
	// no timer wakes, while nothing changes, and only the cells that changed when something
	// does. Its size comes from the window-change messages wish sends the program.
	v.program = tea.NewProgram(v, tea.WithoutRenderer(), tea.WithInput(sess), tea.WithOutput(out),
		// Signals are the server's: a viewer's program must not take them.
		tea.WithoutSignalHandler())
	s.mu.Lock()
	s.seats[v] = struct{}{}
	closing := s.closing
	s.mu.Unlock()
	if closing { // Serve's ending missed this one: it ends at once
		go v.program.Quit()
	}
	return v.program
}

// uiOptions are the screen's options for a viewer, an operator or not, who logs in as user.
func (s *Server) uiOptions(op bool, user string) ui.Options {
	o := s.opts.UI
	o.ReadOnly = !op
	o.Reload, o.Prefs, o.SavePrefs = nil, nil, nil // the server's config and screen are not a viewer's
	// Who acknowledges is the SSH user the viewer logged in as (its key is what let it in).
	o.User = user
	if !op {
		o.Ack, o.Unack = nil, nil
	} else if ack, unack := o.Ack, o.Unack; ack != nil && unack != nil {
		o.Ack = func(name string, a track.Ack) error {
			a.By = user
			s.log.Info("ack requested", "service", name, "note", a.Note, "ssh_user", user)
			return ack(name, a)
		}
		o.Unack = func(name string) error {
			s.log.Info("unack requested", "service", name, "ssh_user", user)
			return unack(name)
		}
	}
	if !op {
		o.Silence, o.Unsilence = nil, nil
	} else if silence, unsilence := o.Silence, o.Unsilence; silence != nil && unsilence != nil {
		o.Silence = func(x history.Silence) error {
			s.log.Info("silence requested", "name", x.Name, "kind", x.Kind, "until", x.Until.Format(time.RFC3339), "ssh_user", user)
			return silence(x)
		}
		o.Unsilence = func(names ...string) (int, error) {
			s.log.Info("unsilence requested", "names", names, "ssh_user", user)
			return unsilence(names...)
		}
	}
	return o
}

// renderer is a lipgloss renderer for the session's terminal: its colour profile comes from
// the TERM the client sent (and COLORTERM, NO_COLOR if it sent those). Unlike wish's
// MakeRenderer it never asks the terminal for its background, for the reason ui.Options.Theme
// gives: a terminal that does not answer would hold the viewer for a second, and its answer
// would race the keys.
func renderer(sess ssh.Session, env environ) *lipgloss.Renderer {
	if t := env.Getenv("TERM"); t == "" || t == "dumb" {
		return lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
	}
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	r.SetColorProfile(ui.ColorProfile(env.Getenv, r.ColorProfile()))
	return r
}

// sessionEnv is what the client sent of its environment (OpenSSH sends LANG and LC_* by
// default), with TERM from its terminal request.
func sessionEnv(sess ssh.Session) environ {
	pty, _, _ := sess.Pty()
	return environ(append(sess.Environ(), "TERM="+pty.Term))
}

// environ is a session's environment, for termenv and the screen's choices.
type environ []string

func (e environ) Environ() []string { return e }

func (e environ) Getenv(k string) string {
	v := ""
	for _, kv := range e { // the last one wins, as TERM from the pty request is appended
		if len(kv) > len(k) && kv[:len(k)] == k && kv[len(k)] == '=' {
			v = kv[len(k)+1:]
		}
	}
	return v
}

// source is a viewer's ui.Source: the subscription, with a reload turned into a new service
// list and the header's note of it for the screen, and pausing only for operators.
type source struct {
	Subscription
	operator bool
	log      *slog.Logger
	who      string
	send     func(tea.Msg) // to the program the source feeds
}

func (s *source) Next(ctx context.Context) (map[string]track.Status, error) {
	batch, err := s.Subscription.Next(ctx)
	if err != nil {
		return batch, err
	}
	if s.Subscription.ServicesChanged() {
		services, status := s.Subscription.Snapshot()
		// Sent before the batch is returned, so that no later batch is overwritten by it.
		s.send(ui.Reloaded{Services: services, Status: status, Quiet: true})
	}
	// The header says it as the server's own screen would: a viewer who edits the config sees
	// whether it was taken.
	if at, why := s.Subscription.Reload(); !at.IsZero() {
		s.send(ui.ReloadNote{At: at, Err: why})
	}
	return batch, nil
}

func (s *source) Pause(name string) {
	if s.operator {
		s.log.Info("pause requested", "service", name, "ssh_user", s.who)
		s.Subscription.Pause(name)
	}
}

func (s *source) Resume(name string) {
	if s.operator {
		s.log.Info("resume requested", "service", name, "ssh_user", s.who)
		s.Subscription.Resume(name)
	}
}

// watchdog passes writes to the terminal and calls drop once one has waited for longer than
// the timeout: the client stopped reading and its window is full. Its timer runs only while a
// write is in progress, so that a session whose terminal keeps up costs no wake-up: a ticker
// per session was 50 wake-ups a second for 50 viewers, each at its own phase.
type watchdog struct {
	w       io.Writer
	timeout time.Duration
	drop    func()

	mu      sync.Mutex
	writing int         // writes in progress
	since   time.Time   // when the timer was last armed
	timer   *time.Timer // armed while writing > 0
	dropped bool
}

func newWatchdog(w io.Writer, timeout time.Duration, drop func()) *watchdog {
	return &watchdog{w: w, timeout: timeout, drop: drop}
}

func (d *watchdog) Write(p []byte) (int, error) {
	d.mu.Lock()
	d.writing++
	if d.writing == 1 {
		d.arm()
	}
	d.mu.Unlock()
	n, err := d.w.Write(p)
	d.mu.Lock()
	d.writing--
	if d.writing == 0 {
		d.timer.Stop()
	} else {
		d.arm() // another write is still in progress: it gets the whole timeout from here
	}
	d.mu.Unlock()
	return n, err
}

// arm starts the timeout from now; d.mu is held.
func (d *watchdog) arm() {
	d.since = time.Now()
	if d.timer == nil {
		d.timer = time.AfterFunc(d.timeout, d.expire)
	} else {
		d.timer.Reset(d.timeout)
	}
}

// expire drops the viewer if a write has been in progress for the timeout: a timer that fired
// just as the write returned, or for an arming since replaced, does not.
func (d *watchdog) expire() {
	d.mu.Lock()
	late := d.writing > 0 && !d.dropped && time.Since(d.since) >= d.timeout
	d.dropped = d.dropped || late
	d.mu.Unlock()
	if late {
		d.drop()
	}
}
