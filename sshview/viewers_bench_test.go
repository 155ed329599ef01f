//go:build unix

package sshview_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"

	"github.com/uptty/uptty/bench/child"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/sshview"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui/uitest"
)

// flipper is a checker that needs no network (as serve's viewer benchmarks): with flip, every
// check changes the service's state, the first one passing so that each service keeps to its
// own grid; without, it stays UP with a latency that moves.
type flipper struct {
	flip bool
	n    atomic.Int64
}

func (f *flipper) Check(context.Context) probe.Result {
	n := f.n.Add(1)
	ok := !f.flip || n%2 == 1
	r := probe.Result{Start: time.Now(), Latency: time.Duration(1000+n%7*250) * time.Microsecond, OK: ok}
	if !ok {
		r.Reason = "connection refused"
	}
	return r
}

// rig is `uptty serve --ssh` over flippers on loopback: the API server, whose Watch feeds the
// SSH viewers' screens, and the SSH server.
type rig struct {
	sshAddr string
	key     gossh.Signer
	seed    []byte // key's private seed, for viewers in another process
	results atomic.Int64
	result  chan struct{}
}

func signer(b *testing.B) gossh.Signer {
	s, _ := signerSeed(b)
	return s
}

// signerSeed is a new key and its private seed.
func signerSeed(b *testing.B) (gossh.Signer, []byte) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	return s, priv.Seed()
}

// marker is a checker whose every check changes the service's state, and which says when.
type marker struct {
	n  atomic.Int64
	mu sync.Mutex
	at [2]time.Time // when it last answered down, up
}

func (m *marker) Check(context.Context) probe.Result {
	ok := m.n.Add(1)%2 == 1
	now := time.Now()
	m.mu.Lock()
	if ok {
		m.at[1] = now
	} else {
		m.at[0] = now
	}
	m.mu.Unlock()
	r := probe.Result{Start: now, Latency: time.Millisecond, OK: ok}
	if !ok {
		r.Reason = "connection refused"
	}
	return r
}

// changedAt is when the check that turned the service down (or up) answered.
func (m *marker) changedAt(down bool) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if down {
		return m.at[0]
	}
	return m.at[1]
}

func startRig(b *testing.B, services int, interval time.Duration, flip bool) *rig {
	return startRigMarker(b, services, interval, flip, nil)
}

// startRigMarker is startRig with, when m is not nil, one more service first, "marker",
// checked by m every second.
func startRigMarker(b *testing.B, services int, interval time.Duration, flip bool, m *marker) *rig {
	b.Helper()
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "defaults: {interval: %s, timeout: %s, retry_interval: %s, failure_threshold: 1, success_threshold: 1}\nservices:\n",
		interval, min(interval, time.Second), interval)
	if m != nil {
		fmt.Fprintf(&yaml, "  - {name: marker, interval: 1s, retry_interval: 1s, url: \"http://127.0.0.1:1/marker\"}\n")
	}
	for i := range services {
		fmt.Fprintf(&yaml, "  - {name: svc-%04d, group: g%d, url: \"http://127.0.0.1:1/%d\"}\n", i, i%20, i)
	}
	cfg, err := config.Parse([]byte(yaml.String()), "bench.yaml", func(string) (string, bool) { return "", false }, probe.Kinds())
	if err != nil {
		b.Fatal(err)
	}
	r := &rig{result: make(chan struct{}, 1)}
	r.key, r.seed = signerSeed(b)
	targets := make([]monitor.Target, len(cfg.Services))
	for i, svc := range cfg.Services {
		targets[i] = monitor.Target{Service: svc, Checker: &flipper{flip: flip}}
		if svc.Name == "marker" {
			targets[i].Checker = m
		}
	}
	mon := monitor.NewMonitor(targets, monitor.Options{OnResult: func(string, track.Check, []track.Event) {
		r.results.Add(1)
		select {
		case r.result <- struct{}{}:
		default:
		}
	}})
	api := serve.New(serve.Options{Services: cfg.Services, Monitor: mon})
	views, err := sshview.New(sshview.Options{Watch: func() sshview.Subscription { return api.Watch() },
		Viewers: []gossh.PublicKey{r.key.PublicKey()}, HostKey: signer(b), MaxSessions: 100})
	if err != nil {
		b.Fatal(err)
	}
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sshLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	r.sshAddr = sshLn.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = api.Serve(ctx, apiLn) })
	wg.Go(func() { _ = views.Serve(ctx, sshLn) })
	b.Cleanup(func() { cancel(); wg.Wait() })
	return r
}

func (r *rig) waitResults(b *testing.B, n int64) {
	b.Helper()
	deadline := time.After(2 * time.Minute)
	for r.results.Load() < n {
		select {
		case <-r.result:
		case <-deadline:
			b.Fatalf("%d results, want %d", r.results.Load(), n)
		}
	}
}

// counter counts a terminal's bytes and tells when the first frame is in.
type counter struct {
	n     atomic.Int64
	first chan struct{}
	once  sync.Once
}

func (c *counter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	if c.n.Load() > 1024 {
		c.once.Do(func() { close(c.first) })
	}
	return len(p), nil
}

// openViewer logs in as a 120x40 xterm-256color terminal and counts what the screen sends.
func (r *rig) openViewer(b *testing.B) (*counter, func()) {
	b.Helper()
	out, closeViewer, err := dialViewer(r.sshAddr, r.key)
	if err != nil {
		b.Fatal(err)
	}
	return out, closeViewer
}

// dialViewerTo logs in to addr as a 120x40 xterm-256color terminal and waits for the first
// frame; what the screen sends is counted, and also written to also when it is not nil.
func dialViewerTo(addr string, key gossh.Signer, also io.Writer) (func(), error) {
	_, closeViewer, err := dial(addr, key, also)
	return closeViewer, err
}

// dialViewer logs in to addr as a 120x40 xterm-256color terminal, waits for the first frame,
// and counts what the screen sends.
func dialViewer(addr string, key gossh.Signer) (*counter, func(), error) { return dial(addr, key, nil) }

func dial(addr string, key gossh.Signer, also io.Writer) (*counter, func(), error) {
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "bench", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: time.Minute})
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*counter, func(), error) { c.Close(); return nil, nil, err }
	sess, err := c.NewSession()
	if err != nil {
		return fail(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		return fail(err)
	}
	out := &counter{first: make(chan struct{})}
	sess.Stdout, sess.Stderr = out, out
	if also != nil {
		sess.Stdout = io.MultiWriter(out, also)
	}
	if err := sess.Shell(); err != nil {
		return fail(err)
	}
	select {
	case <-out.first:
	case <-time.After(time.Minute):
		return fail(fmt.Errorf("no first frame in a minute"))
	}
	return out, func() { sess.Close(); c.Close() }, nil
}

// viewersEnv, when set ("ADDR N SEED"), makes this test binary the SSH viewers of
// BenchmarkSSHViewerCPU instead of the tests: N sessions to the server at ADDR with the
// ed25519 key of the hex SEED, read until its standard input closes. In a process of their
// own, the viewers' decryption is not counted as the server's CPU.
const viewersEnv = "UPTTY_BENCH_SSH_VIEWERS"

func init() {
	if v := os.Getenv(viewersEnv); v != "" {
		os.Exit(sshViewers(v))
	}
}

// sshViewers opens the sessions viewersEnv asks for, says "ready" on its standard output once
// each has its first frame, and keeps them until its standard input closes.
func sshViewers(v string) int {
	f := strings.Fields(v)
	if len(f) != 3 {
		fmt.Fprintf(os.Stderr, "viewers: %s=%q, want ADDR N SEED\n", viewersEnv, v)
		return 2
	}
	n, err := strconv.Atoi(f[1])
	seed, err2 := hex.DecodeString(f[2])
	if err != nil || err2 != nil || len(seed) != ed25519.SeedSize {
		fmt.Fprintln(os.Stderr, "viewers: bad count or seed")
		return 2
	}
	key, err := gossh.NewSignerFromKey(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		fmt.Fprintln(os.Stderr, "viewers:", err)
		return 2
	}
	for range n {
		if _, _, err := dialViewer(f[0], key); err != nil {
			fmt.Fprintln(os.Stderr, "viewers:", err)
			return 1
		}
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// openViewersElsewhere starts n viewers in a process of their own and waits until every one
// has its first frame.
func (r *rig) openViewersElsewhere(b *testing.B, n int) {
	b.Helper()
	viewers := child.Start(b, fmt.Sprintf("%s=%s %d %x", viewersEnv, r.sshAddr, n, r.seed))
	if l := viewers.Line(b, 2*time.Minute); l != "ready" {
		b.Fatalf("the viewers' process said %q, want ready", l)
	}
}

// BenchmarkSSHViewerCPU is the CPU `uptty serve --ssh` spends per state change with 0, 1 and 50
// SSH viewers, each a 120x40 screen drawing the same monitor: 1,000 services at 10 s, every
// check a state change (100 a second). An op is one second's worth of changes. The ssh=N
// viewers' SSH clients (golang.org/x/crypto/ssh) run in a process of their own, so that only
// the server's side counts, as it would on a real server; the ssh=N/here ones run in the
// benchmark's process, their decryption counted too. The looks/ssh=N cases are the same
// checks changing only latencies, as real services mostly do (the screens then draw on the
// clock's tick). Run it with -benchtime=10x.
func BenchmarkSSHViewerCPU(b *testing.B) {
	for _, tc := range []struct {
		name      string
		ssh, here int
		looks     bool
	}{{"ssh=0", 0, 0, false}, {"ssh=1", 1, 0, false}, {"ssh=50", 50, 0, false}, {"ssh=50/here", 0, 50, false},
		{"looks/ssh=0", 0, 0, true}, {"looks/ssh=50", 50, 0, true}} {
		b.Run(tc.name, func(b *testing.B) {
			const services, interval = 1000, 10 * time.Second
			r := startRig(b, services, interval, !tc.looks)
			if tc.ssh > 0 {
				r.openViewersElsewhere(b, tc.ssh)
			}
			var outs []*counter
			for range tc.here {
				out, closeViewer := r.openViewer(b)
				defer closeViewer()
				outs = append(outs, out)
			}
			received := func() (n int64) {
				for _, o := range outs {
					n += o.n.Load()
				}
				return n
			}
			r.waitResults(b, services+services/10)
			start, cpu0, bytes0 := r.results.Load(), child.CPUTime(), received()
			b.ResetTimer()
			for i := range b.N {
				r.waitResults(b, start+int64(i+1)*services/10)
			}
			b.StopTimer()
			cpu, changes := child.CPUTime()-cpu0, r.results.Load()-start
			b.ReportMetric(float64(cpu.Microseconds())/float64(changes), "cpu-µs/change")
			b.ReportMetric(float64(cpu)/float64(b.Elapsed()), "cpu-s/s")
			if tc.here > 0 {
				b.ReportMetric(float64(received()-bytes0)/float64(tc.here)/b.Elapsed().Seconds(), "bytes/viewer/s")
			}
		})
	}
}

// BenchmarkSSHWriteFloor is the floor under the SSH viewers' cost: what SSH alone costs the
// server to send 50 sessions the bytes their screens get, with nothing drawn: size bytes rate
// times a second to each (BenchmarkSSHViewerCPU's ssh=50/here reports its viewers' bytes a
// second; a frame per batch, five a second, and the tick). A wish server as sshview's, the
// clients in a process of their own. "one": one goroutine writes the frame to every session
// in turn (encryption and the write alone); "each": each session's goroutine is woken to
// write it, as a group's members' writers are. An op is one second. Run it with
// -benchtime=10x and compare its cpu-s/s with BenchmarkSSHViewerCPU's ssh=50 less ssh=0.
func BenchmarkSSHWriteFloor(b *testing.B) {
	for _, tc := range []struct {
		mode                string
		viewers, size, rate int
	}{{"one", 50, 300, 6}, {"each", 50, 300, 6}} {
		b.Run(fmt.Sprintf("%s/ssh=%d/%dB×%d", tc.mode, tc.viewers, tc.size, tc.rate), func(b *testing.B) {
			frame := []byte(strings.Repeat("\x1b[12;40Hx", tc.size/10))
			var mu sync.Mutex
			var sessions []ssh.Session
			tick := make(chan struct{}) // closed and replaced at each tick
			srv, err := wish.NewServer(
				func(srv *ssh.Server) error { srv.AddHostKey(signer(b)); return nil },
				wish.WithPublicKeyAuth(func(ssh.Context, ssh.PublicKey) bool { return true }),
				ssh.EmulatePty(),
				wish.WithMiddleware(func(ssh.Handler) ssh.Handler {
					return func(sess ssh.Session) {
						_, _ = sess.Write(bytes.Repeat([]byte("x"), 2048)) // the first frame
						mu.Lock()
						sessions = append(sessions, sess)
						mu.Unlock()
						for {
							mu.Lock()
							t := tick
							mu.Unlock()
							select {
							case <-sess.Context().Done():
								return
							case <-t:
								if tc.mode == "each" {
									if _, err := sess.Write(frame); err != nil {
										return
									}
								}
							}
						}
					}
				}),
			)
			if err != nil {
				b.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go srv.Serve(ln)
			defer srv.Close()
			key, seed := signerSeed(b)
			r := &rig{sshAddr: ln.Addr().String(), key: key, seed: seed}
			r.openViewersElsewhere(b, tc.viewers)
			t := time.NewTicker(time.Second / time.Duration(tc.rate))
			defer t.Stop()
			cpu0 := child.CPUTime()
			b.ResetTimer()
			for range b.N * tc.rate { // the op is a second of ticks
				<-t.C
				mu.Lock()
				close(tick)
				tick = make(chan struct{})
				all := slices.Clone(sessions)
				mu.Unlock()
				if tc.mode == "one" {
					for _, sess := range all {
						_, _ = sess.Write(frame)
					}
				}
			}
			b.StopTimer()
			cpu := child.CPUTime() - cpu0
			b.ReportMetric(float64(cpu)/float64(b.Elapsed()), "cpu-s/s")
			b.ReportMetric(float64(cpu.Microseconds())/b.Elapsed().Seconds()/float64(tc.viewers), "cpu-µs/viewer/s")
		})
	}
}

// BenchmarkSSHViewerBytes is what one SSH viewer's terminal receives (before encryption), in
// bytes a minute, with 40 services checked every second at 120x40. An op is one second (40
// results). Run it with -benchtime=20x.
func BenchmarkSSHViewerBytes(b *testing.B) {
	const services, interval = 40, time.Second
	r := startRig(b, services, interval, false)
	out, closeViewer := r.openViewer(b)
	defer closeViewer()
	r.waitResults(b, 2*services)
	start, bytes0, t0 := r.results.Load(), out.n.Load(), time.Now()
	b.ResetTimer()
	for i := range b.N {
		r.waitResults(b, start+int64(i+1)*services)
	}
	b.StopTimer()
	got := out.n.Load() - bytes0
	b.ReportMetric(float64(got)/time.Since(t0).Minutes(), "bytes/viewer/min")
}

// probeTerm is an SSH viewer's terminal read as it arrives: it notes when the header's counts
// show the marker's state change (the only service that goes DOWN).
type probeTerm struct {
	b       *testing.B
	m       *marker
	term    *uitest.Term
	down    bool
	measure *atomic.Bool
	mu      *sync.Mutex
	samples *[]time.Duration
}

func (p *probeTerm) Write(buf []byte) (int, error) {
	now := time.Now()
	p.term.Write(p.b, string(buf))
	header, _, _ := strings.Cut(p.term.String(), "\n")
	if down := strings.Contains(header, "DOWN"); down != p.down {
		p.down = down
		if at := p.m.changedAt(down); p.measure.Load() && !at.IsZero() {
			p.mu.Lock()
			*p.samples = append(*p.samples, now.Sub(at))
			p.mu.Unlock()
		}
	}
	return len(buf), nil
}

// BenchmarkSSHViewerLatency is the time from a state change to an SSH viewer's screen: 1,000
// services at 10 s whose latencies move (a status change each check, 100 a second, as
// BenchmarkSSHViewerBytes's), and one more service whose every check (one a second) changes
// its state, which the header's counts show. Of ssh=N viewers (120x40, Go's SSH client, in
// the benchmark's process), three read their terminal as it arrives and note when the header
// shows the change; the time is from the check's answer. An op is one second. Run it with
// -benchtime=30x.
func BenchmarkSSHViewerLatency(b *testing.B) {
	for _, viewers := range []int{1, 50} {
		b.Run(fmt.Sprintf("ssh=%d", viewers), func(b *testing.B) {
			const services, interval = 1000, 10 * time.Second
			m := &marker{}
			r := startRigMarker(b, services, interval, false, m)
			var mu sync.Mutex
			var samples []time.Duration
			var measuring atomic.Bool
			for i := range viewers {
				var out io.Writer
				if i%25 == 0 || i == viewers-1 {
					out = &probeTerm{b: b, m: m, term: uitest.NewLenient(120, 40), measure: &measuring, mu: &mu, samples: &samples}
				}
				closeViewer, err := dialViewerTo(r.sshAddr, r.key, out)
				if err != nil {
					b.Fatal(err)
				}
				defer closeViewer()
			}
			r.waitResults(b, services+services/10)
			measuring.Store(true)
			start := r.results.Load()
			b.ResetTimer()
			for i := range b.N {
				r.waitResults(b, start+int64(i+1)*(services/10+1))
			}
			b.StopTimer()
			measuring.Store(false)
			mu.Lock()
			defer mu.Unlock()
			if len(samples) == 0 {
				b.Fatal("no state change reached a viewer")
			}
			slices.Sort(samples)
			q := func(p float64) float64 {
				return float64(samples[min(len(samples)-1, int(p*float64(len(samples))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(float64(samples[len(samples)-1])/float64(time.Millisecond), "max-ms")
			b.ReportMetric(float64(len(samples)), "samples")
		})
	}
}
