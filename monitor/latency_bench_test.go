//go:build unix

package monitor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// BenchmarkLatencyError measures how far the latency the monitor reports is from the truth: 500
// loopback HTTP services at 5 s (the rate of 1,000 at 10 s) against a server whose handler
// sleeps 20 ms and times itself; the error of a check is its reported latency less that
// handler's own time. "hogs=N" runs N CPU hogs in other processes (yes > /dev/null) on the
// same cores for the whole run, as on a shared jump host. Run it with -benchtime=1x.
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
	const hold = 20 * time.Millisecond
	var mu sync.Mutex
	handled := make([][]time.Duration, n) // each service's handler times, in order
	reported := make([][]time.Duration, n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		time.Sleep(hold)
		d := time.Since(start)
		i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/svc/"))
		mu.Lock()
		handled[i] = append(handled[i], d)
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	targets := make([]Target, n)
	index := make(map[string]int, n)
	for i := range targets {
		svc := config.Service{
			Name: fmt.Sprint("svc", i), URL: fmt.Sprintf("%s/svc/%d", srv.URL, i), Kind: probe.KindHTTP,
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
	var errs []time.Duration
	for i := range n {
		for k := range min(len(handled[i]), len(reported[i])) {
			errs = append(errs, reported[i][k]-handled[i][k])
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
