//go:build unix

package serve_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptty/uptty/attach"
	"github.com/uptty/uptty/bench/child"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/track"
)

// flipper is a checker that needs no network: with flip, every check changes the service's
// state (UP, DOWN, UP…), so that each result is a state change; without, it stays UP. It
// records when each state was last entered, for the latency from a change to a viewer.
type flipper struct {
	flip   bool
	n      atomic.Int64
	upAt   atomic.Int64 // unix nanoseconds
	downAt atomic.Int64
}

func (f *flipper) Check(context.Context) probe.Result {
	start := time.Now()
	n := f.n.Add(1)
	// The first check passes: a failure is retried retry_interval after it, which would keep
	// the start-up round's burst, while a pass is next checked on the service's own grid.
	ok := !f.flip || n%2 == 1
	lat := time.Duration(1000+n%7*250) * time.Microsecond // a latency that moves, as a real one
	r := probe.Result{Start: start, Latency: lat, OK: ok}
	if !ok {
		r.Reason = "connection refused"
	}
	if at := time.Now().UnixNano(); ok {
		f.upAt.Store(at)
	} else {
		f.downAt.Store(at)
	}
	return r
}

// changedAt is when the service last entered st.
func (f *flipper) changedAt(st track.State) time.Time {
	if st == track.Down {
		return time.Unix(0, f.downAt.Load())
	}
	return time.Unix(0, f.upAt.Load())
}

// rig is a running serve.Server on loopback over flippers, as `uptty serve` runs it (default
// batching: at most five batches a second), without history.
type rig struct {
	srv      *serve.Server
	addr     string
	flippers map[string]*flipper
	results  atomic.Int64
	result   chan struct{} // cap 1: a result arrived
	stop     func()
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
	r := &rig{flippers: map[string]*flipper{}, result: make(chan struct{}, 1)}
	targets := make([]monitor.Target, len(cfg.Services))
	for i, svc := range cfg.Services {
		f := &flipper{flip: flip}
		r.flippers[svc.Name] = f
		targets[i] = monitor.Target{Service: svc, Checker: f}
	}
	mon := monitor.NewMonitor(targets, monitor.Options{OnResult: func(string, track.Check, []track.Event) {
		r.results.Add(1)
		select {
		case r.result <- struct{}{}:
		default:
		}
	}})
	r.srv = serve.New(serve.Options{Services: cfg.Services, Monitor: mon, MaxStreams: 1000})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	r.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.srv.Serve(ctx, ln) }()
	r.stop = func() { cancel(); <-done }
	b.Cleanup(r.stop)
	return r
}

// waitResults waits until the monitor has given n results in all.
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

// sseViewer reads one event stream as a client that draws nothing would: it counts the bytes
// and tells when its first snapshot is in.
type sseViewer struct {
	bytes atomic.Int64
	ready chan struct{} // closed at the first snapshot
}

func (r *rig) openSSE(b *testing.B, ctx context.Context, wg *sync.WaitGroup) *sseViewer {
	b.Helper()
	conn, err := net.Dial("tcp", r.addr)
	if err != nil {
		b.Fatal(err)
	}
	v := &sseViewer{ready: make(chan struct{})}
	fmt.Fprintf(conn, "GET /api/v1/events HTTP/1.1\r\nHost: bench\r\n\r\n")
	wg.Go(func() {
		defer conn.Close()
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		buf := make([]byte, 64<<10)
		ready := false
		for {
			n, err := conn.Read(buf)
			v.bytes.Add(int64(n))
			if !ready && strings.Contains(string(buf[:n]), "event: snapshot") {
				ready = true
				close(v.ready)
			}
			if err != nil {
				if !ready {
					close(v.ready)
				}
				return
			}
		}
	})
	return v
}

// readersEnv, when set ("ADDR N"), makes this test binary the event stream readers of
// BenchmarkViewerCPU instead of the tests: N streams from the server at ADDR, read until its
// standard input closes. In a process of their own, their reading is not counted as the
// server's CPU.
const readersEnv = "UPTTY_BENCH_SSE_READERS"

func init() {
	if v := os.Getenv(readersEnv); v != "" {
		os.Exit(sseReaders(v))
	}
}

// sseReaders opens the streams readersEnv asks for, says "ready" on its standard output once
// each has its snapshot, and reads them until its standard input closes.
func sseReaders(v string) int {
	addr, count, _ := strings.Cut(v, " ")
	n, err := strconv.Atoi(count)
	if err != nil {
		fmt.Fprintln(os.Stderr, "readers:", err)
		return 2
	}
	var ready sync.WaitGroup
	for range n {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "readers:", err)
			return 1
		}
		fmt.Fprintf(conn, "GET /api/v1/events HTTP/1.1\r\nHost: bench\r\n\r\n")
		ready.Add(1)
		go func() {
			buf := make([]byte, 64<<10)
			snap := false
			for {
				k, err := conn.Read(buf)
				if !snap && (err != nil || strings.Contains(string(buf[:k]), "event: snapshot")) {
					snap = true
					ready.Done()
				}
				if err != nil {
					return
				}
			}
		}()
	}
	ready.Wait()
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// openSSEElsewhere starts n event stream readers in a process of their own and waits until
// every one has its snapshot.
func (r *rig) openSSEElsewhere(b *testing.B, n int) {
	b.Helper()
	readers := child.Start(b, readersEnv+"="+r.addr+" "+strconv.Itoa(n))
	if l := readers.Line(b, time.Minute); l != "ready" {
		b.Fatalf("the readers' process said %q, want ready", l)
	}
}

// BenchmarkViewerCPU is the CPU `uptty serve` spends per state change with 0, 1 and 50 event
// stream viewers, and with 50 in-process watches (what each SSH viewer reads, without its
// screen: see sshview's BenchmarkSSHViewerCPU for the screens): 1,000 services at 10 s, every
// check a state change (100 a second). An op is one second's worth of changes (100 results);
// cpu-µs/change is the whole process's CPU. The sse=N viewers read in a process of their own,
// so that only the server's side of their streams counts, as it would on a real server; the
// sse=N/here ones read in the benchmark's process (a read per batch each, counted too). The
// steady/ cases are the same with no state changing, every check moving only a latency, as on
// most days (a "change" there is a result): the streams then get their events once a second.
// Run it with -benchtime=10x.
func BenchmarkViewerCPU(b *testing.B) {
	for _, tc := range []struct {
		name             string
		sse, here, watch int
		steady           bool
	}{
		{name: "sse=0"}, {name: "sse=1", sse: 1}, {name: "sse=50", sse: 50}, {name: "sse=50/here", here: 50}, {name: "watch=50", watch: 50},
		{name: "steady/sse=0", steady: true}, {name: "steady/sse=50", sse: 50, steady: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const services, interval = 1000, 10 * time.Second
			r := startRig(b, services, interval, !tc.steady)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()
			if tc.sse > 0 {
				r.openSSEElsewhere(b, tc.sse)
			}
			for range tc.here {
				<-r.openSSE(b, ctx, &wg).ready
			}
			for range tc.watch {
				w := r.srv.Watch()
				wg.Go(func() {
					defer w.Close()
					for {
						if _, err := w.Next(ctx); err != nil {
							return
						}
					}
				})
			}
			// The start-up round checks every service at once: the steady state begins after it.
			r.waitResults(b, services+services/10)
			start, cpu0 := r.results.Load(), child.CPUTime()
			b.ResetTimer()
			for i := range b.N {
				r.waitResults(b, start+int64(i+1)*services/10)
			}
			b.StopTimer()
			cpu, changes := child.CPUTime()-cpu0, r.results.Load()-start
			b.ReportMetric(float64(cpu.Microseconds())/float64(changes), "cpu-µs/change")
			b.ReportMetric(float64(cpu)/float64(b.Elapsed()), "cpu-s/s")
		})
	}
}

// BenchmarkViewerBytes is what one event stream viewer receives, in bytes a minute, with 40
// services checked every second (a change each check, as a latency moves: every check is a
// `service` event). An op is one second (40 results). Run it with -benchtime=20x.
func BenchmarkViewerBytes(b *testing.B) {
	const services, interval = 40, time.Second
	r := startRig(b, services, interval, false)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	v := r.openSSE(b, ctx, &wg)
	<-v.ready
	r.waitResults(b, 2*services)
	start, bytes0, t0 := r.results.Load(), v.bytes.Load(), time.Now()
	b.ResetTimer()
	for i := range b.N {
		r.waitResults(b, start+int64(i+1)*services)
	}
	b.StopTimer()
	got, elapsed := v.bytes.Load()-bytes0, time.Since(t0)
	b.ReportMetric(float64(got)/elapsed.Minutes(), "bytes/viewer/min")
	b.ReportMetric(float64(got)/float64(r.results.Load()-start), "bytes/result")
}

// BenchmarkViewerLatency is the time from a state change (the check's result in the monitor's
// hands) to an attached screen's source (attach.Client.Next, what `uptty attach` draws from),
// p50 and p99, with 1 and 50 attached clients: 40 services at 1 s, every check a state
// change. The server batches changes at most five times a second, so up to 200 ms of it is
// that wait by design (a change of state does not wait for the next second, as a moved latency
// does). An op is one second (40 changes). Run it with -benchtime=20x.
func BenchmarkViewerLatency(b *testing.B) {
	for _, viewers := range []int{1, 50} {
		b.Run(fmt.Sprintf("attach=%d", viewers), func(b *testing.B) {
			const services, interval = 40, time.Second
			r := startRig(b, services, interval, true)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()
			var mu sync.Mutex
			var samples []time.Duration
			measuring := atomic.Bool{}
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			for range viewers {
				c, err := attach.New("http://"+r.addr, attach.Options{HTTP: &http.Client{Transport: tr}})
				if err != nil {
					b.Fatal(err)
				}
				_, st, err := c.Initial(ctx)
				if err != nil {
					b.Fatal(err)
				}
				wg.Go(func() { _ = c.Run(ctx) })
				wg.Go(func() {
					last := map[string]track.State{}
					for name, s := range st {
						last[name] = s.State
					}
					for {
						batch, err := c.Next(ctx)
						if err != nil {
							return
						}
						now := time.Now()
						for name, s := range batch {
							if s.State == last[name] {
								continue
							}
							last[name] = s.State
							if f := r.flippers[name]; f != nil && measuring.Load() && (s.State == track.Up || s.State == track.Down) {
								mu.Lock()
								samples = append(samples, now.Sub(f.changedAt(s.State)))
								mu.Unlock()
							}
						}
					}
				})
			}
			r.waitResults(b, 2*services)
			measuring.Store(true)
			start := r.results.Load()
			b.ResetTimer()
			for i := range b.N {
				r.waitResults(b, start+int64(i+1)*services)
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
