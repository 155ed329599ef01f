//go:build unix

package sshview_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/sshview"
	"github.com/uptty/uptty/track"
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
	results atomic.Int64
	result  chan struct{}
}

func signer(b *testing.B) gossh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func startRig(b *testing.B, services int, interval time.Duration, flip bool) *rig {
	b.Helper()
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "defaults: {interval: %s, timeout: %s, retry_interval: %s, failure_threshold: 1, success_threshold: 1}\nservices:\n",
		interval, min(interval, time.Second), interval)
	for i := range services {
		fmt.Fprintf(&yaml, "  - {name: svc-%04d, group: g%d, url: \"http://127.0.0.1:1/%d\"}\n", i, i%20, i)
	}
	cfg, err := config.Parse([]byte(yaml.String()), "bench.yaml", func(string) (string, bool) { return "", false }, probe.Kinds())
	if err != nil {
		b.Fatal(err)
	}
	r := &rig{key: signer(b), result: make(chan struct{}, 1)}
	targets := make([]monitor.Target, len(cfg.Services))
	for i, svc := range cfg.Services {
		targets[i] = monitor.Target{Service: svc, Checker: &flipper{flip: flip}}
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
	c, err := gossh.Dial("tcp", r.sshAddr, &gossh.ClientConfig{User: "bench", Auth: []gossh.AuthMethod{gossh.PublicKeys(r.key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		b.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		b.Fatal(err)
	}
	out := &counter{first: make(chan struct{})}
	sess.Stdout, sess.Stderr = out, out
	if err := sess.Shell(); err != nil {
		b.Fatal(err)
	}
	select {
	case <-out.first:
	case <-time.After(time.Minute):
		b.Fatal("no first frame in a minute")
	}
	return out, func() { sess.Close(); c.Close() }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSSHViewerCPU is the CPU `uptty serve --ssh` spends per state change with 0, 1 and 50
// SSH viewers, each a 120x40 screen drawing the same monitor: 1,000 services at 10 s, every
// check a state change (100 a second). The viewers' SSH clients run in the same process
// (golang.org/x/crypto/ssh), so their decryption counts too. An op is one second's worth of
// changes. Run it with -benchtime=10x.
func BenchmarkSSHViewerCPU(b *testing.B) {
	for _, viewers := range []int{0, 1, 50} {
		b.Run(fmt.Sprintf("ssh=%d", viewers), func(b *testing.B) {
			const services, interval = 1000, 10 * time.Second
			r := startRig(b, services, interval, true)
			for range viewers {
				_, closeViewer := r.openViewer(b)
				defer closeViewer()
			}
			r.waitResults(b, services+services/10)
			start, cpu0 := r.results.Load(), cpuTime()
			b.ResetTimer()
			for i := range b.N {
				r.waitResults(b, start+int64(i+1)*services/10)
			}
			b.StopTimer()
			cpu, changes := cpuTime()-cpu0, r.results.Load()-start
			b.ReportMetric(float64(cpu.Microseconds())/float64(changes), "cpu-µs/change")
			b.ReportMetric(float64(cpu)/float64(b.Elapsed()), "cpu-s/s")
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
