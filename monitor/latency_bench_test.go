//go:build unix

package monitor

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/bench/child"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// latencyTargetEnv, set, makes TestLatencyTarget the target server of BenchmarkLatencyError.
const latencyTargetEnv = "UPTTY_LATENCY_TARGET"

// latencyHold is how long the target's handler takes.
const latencyHold = 20 * time.Millisecond

// BenchmarkLatencyError measures how far the latency the monitor reports is from the truth: 500
// loopback HTTP services at 5 s (the rate of 1,000 at 10 s) against a target server, in a
// process of its own, whose handler sleeps 20 ms and times itself; the error of a check is its
// reported latency less that handler's own time. "hogs=N" runs N CPU hogs in other processes
// (yes > /dev/null) on the same cores for the whole run, as on a shared jump host. Run it with
// -benchtime=1x.
func BenchmarkLatencyError(b *testing.B) {
	for _, hogs := range []int{0, 2, 8} {
		name := "quiet"
		if hogs > 0 {
			name = fmt.Sprint("hogs=", hogs)
		}
		b.Run(name, func(b *testing.B) { benchLatencyError(b, 500, 5*time.Second, 12*time.Second, hogs) })
	}
}

func benchLatencyError(b *testing.B, n int, every, runFor time.Duration, hogs int) {
	var mu sync.Mutex
	reported := make([][]time.Duration, n)
	addr, handled := startLatencyTarget(b, n)
	targets := make([]Target, n)
	index := make(map[string]int, n)
	for i := range targets {
		svc := config.Service{
			Name: fmt.Sprint("svc", i), URL: fmt.Sprintf("http://%s/svc/%d", addr, i), Kind: probe.KindHTTP,
			Interval: every, Timeout: every, RetryInterval: every, FailureThreshold: 2, SuccessThreshold: 1,
		}
		c, err := probe.New(svc)
		if err != nil {
			b.Fatal(err)
		}
		targets[i] = Target{svc, c}
		index[svc.Name] = i
	}
	for range b.N {
		stop := startHogs(b, hogs, runFor+5*time.Second)
		m := NewMonitor(targets, Options{OnResult: func(name string, r track.Check, _ []track.Event) {
			if !r.Start.IsZero() && r.OK {
				mu.Lock()
				reported[index[name]] = append(reported[index[name]], r.Latency)
				mu.Unlock()
			}
		}})
		ctx, cancel := context.WithTimeout(context.Background(), runFor)
		_ = m.Run(ctx)
		cancel()
		stop()
	}
	got := handled()
	var errs []time.Duration
	for i := range n {
		for k := range min(len(got[i]), len(reported[i])) {
			errs = append(errs, reported[i][k]-got[i][k])
		}
	}
	if len(errs) == 0 {
		b.Fatal("no checks finished")
	}
	slices.Sort(errs)
	var sum time.Duration
	for _, e := range errs {
		sum += e
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(sum/time.Duration(len(errs))), "err-mean-ms")
	b.ReportMetric(ms(errs[len(errs)/2]), "err-p50-ms")
	b.ReportMetric(ms(errs[len(errs)*99/100]), "err-p99-ms")
	b.ReportMetric(ms(errs[len(errs)-1]), "err-max-ms")
	b.ReportMetric(float64(len(errs))/float64(b.N), "checks/op")
}

// startLatencyTarget runs TestLatencyTarget in a child process, so that its scheduling is not
// the monitor's, and returns its address and a function that stops it and returns each
// service's handler times, in order.
func startLatencyTarget(b *testing.B, n int) (addr string, handled func() [][]time.Duration) {
	target := child.Start(b, latencyTargetEnv+"=1", "-test.run=^TestLatencyTarget$")
	addr = strings.TrimPrefix(target.Line(b, time.Minute), "listening on ")
	times := make([][]time.Duration, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for l := range target.Lines() {
			var i int
			var ns int64
			if _, err := fmt.Sscan(l, &i, &ns); err == nil && i >= 0 && i < n {
				times[i] = append(times[i], time.Duration(ns))
			}
		}
	}()
	return addr, func() [][]time.Duration {
		target.Stop() // the target exits when its stdin closes
		<-done
		return times
	}
}

// TestLatencyTarget is BenchmarkLatencyError's target server when run by it: it serves
// /svc/I on loopback, each request sleeping latencyHold, and writes "I nanoseconds" for each
// handled request to stdout, until stdin closes.
func TestLatencyTarget(t *testing.T) {
	if os.Getenv(latencyTargetEnv) == "" {
		t.Skip("run by BenchmarkLatencyError")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 4096)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		<-time.After(latencyHold) // the target's own work, which the latency error leaves out
		d := time.Since(start)
		out <- fmt.Sprintf("%s %d\n", strings.TrimPrefix(r.URL.Path, "/svc/"), d.Nanoseconds())
		io.WriteString(w, "ok")
	})}
	go srv.Serve(ln)
	fmt.Fprintf(os.Stdout, "listening on %s\n", ln.Addr())
	stopped := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		srv.Close()
		close(stopped)
	}()
	w := bufio.NewWriter(os.Stdout)
	for {
		select {
		case line := <-out:
			w.WriteString(line)
		case <-stopped:
			for len(out) > 0 {
				w.WriteString(<-out)
			}
			w.Flush()
			return
		}
		if len(out) == 0 {
			w.Flush()
		}
	}
}

// startHogs starts n processes that keep a core busy, for at most limit; stop ends them.
func startHogs(b *testing.B, n int, limit time.Duration) (stop func()) {
	var cmds []*exec.Cmd
	for range n {
		// timeout bounds the hog even if the benchmark dies; its output goes to /dev/null.
		cmd := exec.Command("timeout", strconv.Itoa(int(limit.Seconds())), "yes")
		if err := cmd.Start(); err != nil {
			b.Fatalf("starting a CPU hog: %v", err)
		}
		cmds = append(cmds, cmd)
	}
	return func() {
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGTERM) // timeout passes it on to yes
			c.Wait()
		}
	}
}
