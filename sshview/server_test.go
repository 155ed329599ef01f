package sshview

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui/uitest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait is the deadline for a condition: generous, for -race on a loaded 2-core machine.
const wait = 20 * time.Second

// fakeSub is a Subscription fed by the test (fixture.publish).
type fakeSub struct {
	f       *fixture
	batches chan map[string]track.Status
	mu      sync.Mutex
	closed  bool
	// reloadAt and reloadErr are the reload not yet taken by Reload (fixture.reloaded).
	reloadAt  time.Time
	reloadErr error
}

var services = []config.Service{{Name: "Checkout"}, {Name: "Search"}}

func (f *fakeSub) Next(ctx context.Context) (map[string]track.Status, error) {
	select {
	case b := <-f.batches:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
func (f *fakeSub) Detail(string) (track.Detail, bool) { return track.Detail{}, false }
func (f *fakeSub) Pause(name string)                  { f.f.pauses <- name }
func (f *fakeSub) Resume(string)                      {}
func (f *fakeSub) Snapshot() ([]config.Service, map[string]track.Status) {
	f.f.mu.Lock()
	defer f.f.mu.Unlock()
	return services, maps.Clone(f.f.state)
}
func (f *fakeSub) ServicesChanged() bool { return false }
func (f *fakeSub) Reload() (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	at, err := f.reloadAt, f.reloadErr
	f.reloadAt, f.reloadErr = time.Time{}, nil
	return at, err
}
func (f *fakeSub) Close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
}

// fixture is a running viewer server and the keys that may and may not log in. Its
// subscriptions (a group of viewers has one, a viewer who pressed a key has its own) all get
// what publish sends, and start from the statuses it sent last, as serve.Watch's do.
type fixture struct {
	addr               string
	stop               context.CancelFunc // ends Serve's context, as serve's SIGTERM does
	viewer, op, nobody gossh.Signer
	pauses             chan string // what the subscriptions were asked to pause
	mu                 sync.Mutex
	subs               []*fakeSub
	state              map[string]track.Status
	standing           error // the last reload's error, told to a new subscription, as serve.Watch does
}

// reloaded tells every open subscription that the server reloaded at at, as serve.Reloaded
// does: why it failed, or nil.
func (f *fixture) reloaded(at time.Time, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.standing = err
	for _, s := range f.subs {
		s.mu.Lock()
		if !s.closed {
			s.reloadAt, s.reloadErr = at, err
			s.batches <- map[string]track.Status{}
		}
		s.mu.Unlock()
	}
}

// publish hands batch to every open subscription.
func (f *fixture) publish(batch map[string]track.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	maps.Copy(f.state, batch)
	for _, s := range f.subs {
		s.mu.Lock()
		if !s.closed {
			s.batches <- batch
		}
		s.mu.Unlock()
	}
}

func newKey(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func start(t *testing.T, tune func(*Options)) *fixture {
	t.Helper()
	f := &fixture{viewer: newKey(t), op: newKey(t), nobody: newKey(t), pauses: make(chan string, 8),
		state: map[string]track.Status{"Checkout": {State: track.Up}, "Search": {State: track.Down}}}
	opts := Options{
		Watch: func() Subscription {
			s := &fakeSub{f: f, batches: make(chan map[string]track.Status, 16)}
			f.mu.Lock()
			if f.standing != nil {
				s.reloadAt, s.reloadErr = time.Now(), f.standing
				s.batches <- map[string]track.Status{}
			}
			f.subs = append(f.subs, s)
			f.mu.Unlock()
			return s
		},
		Viewers:   []gossh.PublicKey{f.viewer.PublicKey()},
		Operators: []gossh.PublicKey{f.op.PublicKey()},
		HostKey:   newKey(t),
	}
	if tune != nil {
		tune(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	f.stop = cancel
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v, want nil", err)
			}
		case <-time.After(wait):
			t.Errorf("Serve still running %v after its context ended", wait)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, s := range f.subs {
			if !s.closed {
				t.Errorf("subscription %d not closed", i)
			}
		}
	})
	return f
}

func (f *fixture) dial(t *testing.T, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", f.addr, &gossh.ClientConfig{
		User: "alice", Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: wait,
	})
}

// screen is a session's output as it arrives.
type screen struct {
	t    *testing.T
	mu   sync.Mutex
	b    bytes.Buffer
	got  chan struct{}
	w, h int // the terminal's size
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.b.Write(p)
	s.mu.Unlock()
	select {
	case s.got <- struct{}{}:
	default:
	}
	return len(p), nil
}

// text is what the viewer's terminal (100x24, as open asks for) shows now: the screen writes
// only the cells that change, so the bytes are read as a terminal reads them. Read from the
// start every time, a stream cut in the middle of a sequence costs nothing.
func (s *screen) text() string { return s.term().String() }

// term is the viewer's terminal now.
func (s *screen) term() *uitest.Term {
	s.mu.Lock()
	defer s.mu.Unlock()
	term := uitest.NewLenient(s.w, s.h)
	term.Write(s.t, s.b.String())
	return term
}

// resize changes the terminal's size, as a terminal window resized; what was on it is gone,
// as the screen repaints it all after a resize.
func (s *screen) resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w, s.h = w, h
	s.b.Reset()
}

func (s *screen) waitFor(t *testing.T, what string, match func(string) bool) {
	t.Helper()
	deadline := time.After(wait)
	for !match(s.text()) {
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; got:\n%q", what, s.text())
		}
	}
}

// viewer is an interactive session: a terminal, a shell, keys in, the screen out.
type viewer struct {
	client *gossh.Client
	sess   *gossh.Session
	keys   io.WriteCloser
	out    *screen
}

func (f *fixture) open(t *testing.T, key gossh.Signer) *viewer {
	t.Helper()
	return f.openTerm(t, key, "xterm-256color")
}

// openTerm logs in as open does, from a terminal whose TERM is term.
func (f *fixture) openTerm(t *testing.T, key gossh.Signer, term string) *viewer {
	t.Helper()
	c, err := f.dial(t, gossh.PublicKeys(key))
	if err != nil {
		t.Fatalf("dial with a listed key: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty(term, 24, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	v := &viewer{client: c, sess: sess, out: &screen{t: t, got: make(chan struct{}, 1), w: 100, h: 24}}
	sess.Stdout, sess.Stderr = v.out, v.out
	if v.keys, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return v
}

// quit presses q and waits for the session to end well.
func (v *viewer) quit(t *testing.T) {
	t.Helper()
	io.WriteString(v.keys, "q")
	done := make(chan error, 1)
	go func() { done <- v.sess.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("session after q = %v, want a clean end", err)
		}
	case <-time.After(wait):
		t.Fatalf("session still open %v after q", wait)
	}
	v.client.Close()
}

func rowIs(name, state string) func(string) bool {
	re := regexp.MustCompile(state + `\s+` + name)
	return func(s string) bool { return re.MatchString(s) }
}

// TestViewer: a listed key gets the screen with the services, follows their changes, and q
// ends the session and its subscription while the server goes on.
func TestViewer(t *testing.T) {
	f := start(t, nil)
	v := f.open(t, f.viewer)
	v.out.waitFor(t, "the board", func(s string) bool { return rowIs("Checkout", "UP")(s) && rowIs("Search", "DOWN")(s) })
	f.publish(map[string]track.Status{"Checkout": {State: track.Down}})
	v.out.waitFor(t, "Checkout DOWN", rowIs("Checkout", "DOWN"))
	v.quit(t)

	again := f.open(t, f.viewer) // the server is still there
	again.out.waitFor(t, "the board again, as it is now", rowIs("Checkout", "DOWN"))
	again.quit(t)
}

// TestViewerColours: a viewer under GNU screen or tmux (TERM=screen, tmux) gets colours, as
// one in an xterm does; termenv alone gave them none. A monochrome terminal gets none.
func TestViewerColours(t *testing.T) {
	f := start(t, nil)
	for _, tc := range []struct {
		term   string
		colour bool
	}{{"xterm-256color", true}, {"screen", true}, {"tmux", true}, {"screen.xterm-new", true}, {"xterm-mono", false}} {
		t.Run(tc.term, func(t *testing.T) {
			v := f.openTerm(t, f.viewer, tc.term)
			v.out.waitFor(t, "Search DOWN", rowIs("Search", "DOWN"))
			// Every colour the theme uses is a foreground one: 16 colours write 30-37 or
			// 90-97, 256 write 38;5;N.
			coloured := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;5;[0-9]+)m`).MatchString(v.out.written())
			if coloured != tc.colour {
				t.Errorf("TERM=%s: coloured = %v, want %v", tc.term, coloured, tc.colour)
			}
			v.quit(t)
		})
	}
}

// TestReloadNote: when the server reloads its config, every viewer's header says so as the
// local screen's does, one sharing a screen and one with a screen of its own: `reload failed:`
// with the reason (the footer has it whole), then `reloaded HH:MM:SS` once a good one is read;
// a viewer who logs in while the error stands is told it too.
func TestReloadNote(t *testing.T) {
	f := start(t, nil)
	shared, own := f.sharedAndOwn(t)
	header := func(want string) func(string) bool {
		return func(s string) bool { return strings.Contains(strings.SplitN(s, "\n", 2)[0], want) }
	}
	f.reloaded(time.Now(), errors.New("uptty.yaml:3:5: services[0].interval: bad duration \"5 minutes\""))
	for _, v := range []*viewer{shared, own} {
		v.out.waitFor(t, "reload failed in the header", header("reload failed: uptty.yaml:3:5"))
		v.out.waitFor(t, "the reason in the footer", func(s string) bool {
			return strings.Contains(s, `reload failed: uptty.yaml:3:5: services[0].interval: bad duration "5 minutes"`)
		})
	}
	late := f.open(t, f.viewer)
	late.out.waitFor(t, "the standing error for a viewer who logs in after it", header("reload failed: uptty.yaml:3:5"))

	at := time.Now()
	f.reloaded(at, nil)
	for _, v := range []*viewer{shared, own, late} {
		v.out.waitFor(t, "reloaded in the header", header("reloaded "+at.Format("15:04:05")))
	}
	if s := own.out.text(); !rowIs("Checkout", "UP")(s) || strings.Contains(s, "reload failed") {
		t.Errorf("after the good reload the screen = \n%s\nwant the rows as they were and no failure", s)
	}
	for _, v := range []*viewer{shared, own, late} {
		v.quit(t)
	}
}

// sharedAndOwn opens two viewers on the board: one sharing a screen, and one that pressed a
// key and so has a screen of its own.
func (f *fixture) sharedAndOwn(t *testing.T) (shared, own *viewer) {
	t.Helper()
	shared, own = f.open(t, f.viewer), f.open(t, f.op)
	shared.out.waitFor(t, "the board", rowIs("Checkout", "UP"))
	own.out.waitFor(t, "the board", rowIs("Checkout", "UP"))
	io.WriteString(own.keys, "j") // a key: a screen of its own
	own.out.waitFor(t, "the cursor on Search", regexp.MustCompile(`>\s*DOWN\s+Search`).MatchString)
	return shared, own
}

// written is every byte the viewer's terminal got, escape sequences and all.
func (s *screen) written() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStopRestoresTerminals: when the server stops (serve's SIGTERM), every viewer, one
// sharing a screen and one with a screen of its own, gets its main screen and cursor back and
// a line saying why before its session ends, as after q, rather than a terminal left on the
// alternate screen with no cursor.
func TestStopRestoresTerminals(t *testing.T) {
	f := start(t, nil)
	shared, own := f.sharedAndOwn(t)
	f.stop()
	for name, v := range map[string]*viewer{"shared": shared, "own": own} {
		done := make(chan error, 1)
		go func() { done <- v.sess.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: session after the server stopped = %v, want a clean end", name, err)
			}
		case <-time.After(wait):
			t.Fatalf("%s: session still open %v after the server stopped", name, wait)
		}
		out := v.out.written()
		for _, pair := range [][2]string{{"\x1b[?1049h", "\x1b[?1049l"}, {"\x1b[?25l", "\x1b[?25h"}} {
			if strings.LastIndex(out, pair[1]) < strings.LastIndex(out, pair[0]) {
				t.Errorf("%s: the terminal's last word on %q is %q, want %q", name, pair[0][2:], pair[0], pair[1])
			}
		}
		if !strings.Contains(out, "uptty: the server stopped") {
			t.Errorf("%s: output ends %q, want it to say the server stopped", name, out[max(0, len(out)-200):])
		}
	}
}

// TestQuitGivesTheTitleBack: the screen titles the viewer's window with the counts ("uptty: 1
// DOWN, 1 UP"); q gives the window its own title back, as the local screen does, whether the
// viewer shared a screen or had one of its own, so that no stale count stays in a tab.
func TestQuitGivesTheTitleBack(t *testing.T) {
	f := start(t, nil)
	shared, own := f.sharedAndOwn(t)
	for name, v := range map[string]*viewer{"shared": shared, "own": own} {
		v.quit(t)
		out := v.out.written()
		set := strings.LastIndex(out, "\x1b]2;uptty")
		if set < 0 {
			t.Fatalf("%s: the screen never titled the window", name)
		}
		if strings.LastIndex(out, "\x1b]2;\x07") < set {
			t.Errorf("%s: after q the window keeps the title %q", name, out[set:min(len(out), set+40)])
		}
	}
}

// TestReadOnly: a viewer's p does nothing and its help offers neither p nor m; an operator's
// p pauses, and its help offers both.
func TestReadOnly(t *testing.T) {
	f := start(t, func(o *Options) {
		o.UI.Silence = func(history.Silence) error { return nil }
		o.UI.Unsilence = func(...string) (int, error) { return 0, nil }
	})
	v := f.open(t, f.viewer)
	v.out.waitFor(t, "the board", rowIs("Checkout", "UP"))
	io.WriteString(v.keys, "p?")
	v.out.waitFor(t, "the help", func(s string) bool { return strings.Contains(s, "move up / scroll up") })
	if text := v.out.text(); strings.Contains(text, "pause / resume") || strings.Contains(text, "silence (mute)") {
		t.Error("a read-only viewer's help offers p or m")
	}
	v.quit(t)

	op := f.open(t, f.op)
	op.out.waitFor(t, "the board", rowIs("Checkout", "UP"))
	io.WriteString(op.keys, "p")
	select {
	case name := <-f.pauses: // the first: the read-only viewer's p paused nothing
		if name != "Checkout" {
			t.Errorf("operator's p paused %q, want Checkout", name)
		}
	case <-time.After(wait):
		t.Fatal("operator's p paused nothing")
	}
	io.WriteString(op.keys, "?")
	op.out.waitFor(t, "the operator's help offering p and m", func(s string) bool {
		return strings.Contains(s, "pause / resume") && strings.Contains(s, "silence (mute)")
	})
	op.quit(t)
	select {
	case name := <-f.pauses:
		t.Errorf("one pause too many: %s", name)
	default:
	}
}

// TestRefused: an unlisted key, a password and keyboard-interactive never get in.
func TestRefused(t *testing.T) {
	f := start(t, nil)
	for _, tt := range []struct {
		name string
		auth gossh.AuthMethod
	}{
		{"unlisted key", gossh.PublicKeys(f.nobody)},
		{"password", gossh.Password("hunter2")},
		{"keyboard-interactive", gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"hunter2"}, nil
		})},
	} {
		c, err := f.dial(t, tt.auth)
		if err == nil {
			c.Close()
			t.Errorf("%s: logged in, want refused", tt.name)
		} else if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("%s: %v, want unable to authenticate", tt.name, err)
		}
	}
}

// TestOnlyTheScreen: a command, a subsystem and a session without a terminal are refused with
// a word on why; forwarding is refused.
func TestOnlyTheScreen(t *testing.T) {
	f := start(t, nil)
	c, err := f.dial(t, gossh.PublicKeys(f.viewer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.CombinedOutput("id")
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(string(out), "runs nothing else") {
		t.Errorf("exec id = %v, %q; want exit 1 saying it runs nothing else", err, out)
	}

	sess, err = c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestSubsystem("sftp"); err == nil {
		t.Error("subsystem sftp accepted, want refused")
	}
	sess.Close()

	sess, err = c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	sess.Stderr = &b
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(b.String(), "needs a terminal") {
		t.Errorf("shell without a terminal = %v, %q; want exit 1 saying it needs a terminal", err, b.String())
	}

	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Error("remote forwarding accepted, want refused")
	}
	if conn, err := c.Dial("tcp", f.addr); err == nil {
		conn.Close()
		t.Error("local forwarding accepted, want refused")
	}
}

// TestMaxSessions: one viewer past the limit is told so and let go; the others stay.
func TestMaxSessions(t *testing.T) {
	f := start(t, func(o *Options) { o.MaxSessions = 1 })
	v := f.open(t, f.viewer)
	v.out.waitFor(t, "the board", rowIs("Checkout", "UP"))
	extra := f.open(t, f.op)
	done := make(chan error, 1)
	go func() { done <- extra.sess.Wait() }()
	select {
	case err := <-done:
		var exit *gossh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(extra.out.text(), "too many viewers") {
			t.Errorf("the viewer past the limit = %v, %q; want exit 1 saying too many viewers", err, extra.out.text())
		}
	case <-time.After(wait):
		t.Fatal("the viewer past the limit was let in")
	}
	v.quit(t)
}

// blockedWriter never returns from Write until released.
type blockedWriter struct{ release chan struct{} }

func (w blockedWriter) Write(p []byte) (int, error) { <-w.release; return 0, io.ErrClosedPipe }

// TestWatchdog, on a fake clock: a write that does not return within the timeout drops the
// viewer, once; writes that return never do, however long the session lasts, and no timer
// wakes between them.
func TestWatchdog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := blockedWriter{release: make(chan struct{})}
		drops := 0
		d := newWatchdog(w, time.Second, func() { drops++; close(w.release) })
		start := time.Now()
		if _, err := d.Write([]byte("x")); err == nil {
			t.Error("Write = nil error, want the writer's")
		}
		if waited := time.Since(start); drops != 1 || waited != time.Second {
			t.Errorf("a blocked write: %d drops after %v, want 1 after the timeout", drops, waited)
		}

		quick := newWatchdog(io.Discard, time.Second, func() { t.Error("writes that return dropped the viewer") })
		for range 5 {
			quick.Write([]byte("x"))
			fakeclock.Elapse(700 * time.Millisecond) // quiet spells: no timer is armed in them
		}
		fakeclock.Elapse(5 * time.Second)
	})
}

// TestHostKey: the key is created once, 0600, and read back the same; a key others may read
// is refused.
func TestHostKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "ssh_host_ed25519_key")
	a, err := HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key file = %v, %v; want mode 0600", fi, err)
	}
	b, err := HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.PublicKey().Marshal(), b.PublicKey().Marshal()) {
		t.Error("HostKey read back a different key")
	}
	if a.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key type = %s, want ed25519", a.PublicKey().Type())
	}
	os.Chmod(path, 0o644)
	if _, err := HostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("HostKey of a world-readable key = %v, want refused", err)
	}
}

// TestLoadKeys: keys, comments and blank lines; nothing, junk and options are errors.
func TestLoadKeys(t *testing.T) {
	key := string(gossh.MarshalAuthorizedKey(newKey(t).PublicKey()))
	dir := t.TempDir()
	for _, tt := range []struct {
		name, text, wantErr string
		want                int
	}{
		{"two keys", "# team\n\n" + key + key, "", 2},
		{"empty", "\n# nobody\n", "no public key", 0},
		{"junk", "hello\n", "not a public key", 0},
		{"options", `from="10.0.0.1" ` + key, "not supported", 0},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
		os.WriteFile(path, []byte(tt.text), 0o600)
		keys, err := LoadKeys(path)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadKeys(%s) = %v, want an error saying %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(keys) != tt.want {
			t.Errorf("LoadKeys(%s) = %d keys, %v; want %d", tt.name, len(keys), err, tt.want)
		}
	}
	if _, err := LoadKeys(filepath.Join(dir, "missing")); err == nil {
		t.Error("LoadKeys of a missing file = nil error")
	}
}

// TestLoginTimeout: a connection that never logs in is closed after LoginTimeout; a viewer who
// did log in stays past it. (The timeout leaves the viewer time to log in on a loaded machine.)
func TestLoginTimeout(t *testing.T) {
	f := start(t, func(o *Options) { o.LoginTimeout = 3 * time.Second })
	v := f.open(t, f.viewer)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(wait))
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Errorf("a connection that never logs in: %v, want closed by the server", err)
	}
	f.publish(map[string]track.Status{"Search": {State: track.Up}}) // the viewer is still there
	v.out.waitFor(t, "Search UP", rowIs("Search", "UP"))
	v.quit(t)
}

// TestAckAsSSHUser: an operator's a acknowledges the outage as the SSH user it logged in as,
// whatever the shared options say; a read-only viewer is not offered a.
func TestAckAsSSHUser(t *testing.T) {
	acks := make(chan track.Ack, 4)
	f := start(t, func(o *Options) {
		o.UI.User = "server"
		o.UI.Acked = func(string) (track.Ack, bool) { return track.Ack{}, false }
		o.UI.Ack = func(name string, a track.Ack) error { acks <- a; return nil }
		o.UI.Unack = func(string) error { return nil }
	})
	outage := map[string]track.Status{"Search": {State: track.Down, Outage: track.Outage{Start: time.Now().Add(-time.Minute)}}}
	v := f.open(t, f.viewer)
	v.out.waitFor(t, "the board", rowIs("Checkout", "UP"))
	f.publish(outage)
	v.out.waitFor(t, "Search's outage", func(s string) bool { return strings.Contains(s, "DOWN 1m") })
	io.WriteString(v.keys, "ja?")
	v.out.waitFor(t, "the help", func(s string) bool { return strings.Contains(s, "move up / scroll up") })
	if text := v.out.text(); strings.Contains(text, "acknowledge") || strings.Contains(text, "Ack Search") {
		t.Error("a read-only viewer is offered a")
	}
	v.quit(t)

	op := f.open(t, f.op)
	op.out.waitFor(t, "the board", rowIs("Checkout", "UP"))
	f.publish(outage)
	op.out.waitFor(t, "Search's outage", func(s string) bool { return strings.Contains(s, "DOWN 1m") })
	io.WriteString(op.keys, "ja")
	op.out.waitFor(t, "the ack prompt", func(s string) bool { return strings.Contains(s, "Ack Search as alice, note:") })
	io.WriteString(op.keys, "on it\r")
	select {
	case a := <-acks:
		if a.By != "alice" || a.Note != "on it" {
			t.Errorf("operator's ack = %+v, want by alice (the SSH user), note \"on it\"", a)
		}
	case <-time.After(wait):
		t.Fatal("operator's a acked nothing")
	}
	op.quit(t)
	select {
	case a := <-acks:
		t.Errorf("one ack too many: %+v", a)
	default:
	}
}
