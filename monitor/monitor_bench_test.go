//go:build unix

package monitor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// BenchmarkMonitor1000HTTP runs the real monitor, HTTP checker and UI batching on 1,000
// loopback services checked every second, for a few seconds per op, and reports the cost of one
// check and how late checks start. The test server runs in this process: its CPU time and
// allocations are in the figures too. Run it with -benchtime=1x.
func BenchmarkMonitor1000HTTP(b *testing.B) {
	const n, every, runFor = 1000, time.Second, 4 * time.Second
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	targets := make([]Target, n)
	for i := range targets {
		svc := config.Service{
			Name: fmt.Sprint("svc", i), URL: fmt.Sprintf("%s/svc/%d", srv.URL, i), Kind: probe.KindHTTP,
			Interval: every, Timeout: every,
			RetryInterval: every, FailureThreshold: 2, SuccessThreshold: 1,
		}
		c, err := probe.New(svc)
		if err != nil {
			b.Fatal(err)
		}
		targets[i] = Target{svc, c}
	}
	benchMonitor(b, targets, every, runFor)
}

// BenchmarkMonitor10000Noop measures the monitor's own cost at scale: 10,000 services whose
// checks do nothing, every second (ten times the load of 10,000 services at 10s).
func BenchmarkMonitor10000Noop(b *testing.B) {
	const n, every, runFor = 10000, time.Second, 4 * time.Second
	noop := monFunc(func(context.Context) probe.Result { return probe.Result{OK: true} })
	targets := make([]Target, n)
	for i := range targets {
		targets[i] = Target{monSvc(fmt.Sprint("svc", i), every, every, every), noop}
	}
	benchMonitor(b, targets, every, runFor)
}

// benchMonitor runs a monitor on targets for runFor per op, with a consumer calling Next as
// the UI does, and reports CPU time and allocations per check and start lateness.
func benchMonitor(b *testing.B, targets []Target, every, runFor time.Duration) {
	var mu sync.Mutex
	late := make([]time.Duration, 0, b.N*len(targets)*int(runFor/every+1))
	var checks, failed atomic.Int64
	var cpu time.Duration
	var mallocs uint64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m := NewMonitor(targets, Options{OnResult: func(_ string, r track.Check, _ []track.Event) {
			if !r.Start.IsZero() {
				checks.Add(1)
				if !r.OK {
					failed.Add(1)
				}
			}
		}})
		m.trace = func(_ int, due, start time.Time) {
			mu.Lock()
			late = append(late, start.Sub(due))
			mu.Unlock()
		}
		ctx, cancel := context.WithTimeout(context.Background(), runFor)
		var ui sync.WaitGroup
		ui.Go(func() { // as the UI does: one batch at a time
			for {
				if _, err := m.Next(ctx); err != nil {
					return
				}
			}
		})
		cpu0, mallocs0 := usage()
		_ = m.Run(ctx)
		ui.Wait()
		cpu1, mallocs1 := usage()
		cancel()
		cpu += cpu1 - cpu0
		mallocs += mallocs1 - mallocs0
	}
	b.StopTimer()

	c := checks.Load()
	if c == 0 {
		b.Fatal("no checks finished")
	}
	slices.Sort(late)
	b.ReportMetric(float64(cpu.Microseconds())/float64(c), "cpu-µs/check")
	b.ReportMetric(float64(mallocs)/float64(c), "allocs/check")
	b.ReportMetric(float64(late[len(late)/2].Microseconds())/1000, "late-p50-ms")
	b.ReportMetric(float64(late[len(late)*99/100].Microseconds())/1000, "late-p99-ms")
	b.ReportMetric(float64(c)/float64(b.N), "checks/op")
	b.ReportMetric(float64(failed.Load()), "failed")
}

// usage returns the process's CPU time, user and system, and its heap allocations so far.
func usage() (cpu time.Duration, mallocs uint64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ms.Mallocs
}

// BenchmarkScheduleHeap measures the scheduler's steady state with 10,000 services: take the
// next due service and put it back one interval later.
func BenchmarkScheduleHeap(b *testing.B) {
	const n = 10000
	s := newSchedule(n)
	t0 := time.Now()
	for i := range n {
		s.set(i, t0.Add(time.Duration(i)*time.Millisecond))
	}
	b.ReportAllocs()
	for b.Loop() {
		next := s.pop()
		s.set(next.id, next.due.Add(10*time.Second))
	}
}
