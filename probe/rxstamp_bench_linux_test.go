package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHTTPWakeDelay measures what the kernel's receive time takes out of an HTTP check's
// latency: for 300 checks 10 ms apart against a loopback handler that sleeps 20 ms, the time
// from the kernel receiving the answer to the check's goroutine seeing it (the hook that ended
// the wait before), quiet and with N `yes` hogs in other processes. Run it with -benchtime=1x.
func BenchmarkHTTPWakeDelay(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-time.After(20 * time.Millisecond) // the handler's own time, which the latency must not lose
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	for _, hogs := range []int{0, 2, 8} {
		b.Run(fmt.Sprint("hogs=", hogs), func(b *testing.B) {
			var delays []time.Duration
			for range b.N {
				delays = append(delays, wakeDelays(b, srv.URL, hogs)...)
			}
			if len(delays) == 0 {
				b.Fatal("no receive times")
			}
			slices.Sort(delays)
			var sum time.Duration
			for _, d := range delays {
				sum += d
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(sum/time.Duration(len(delays))), "delay-mean-ms")
			b.ReportMetric(ms(delays[len(delays)/2]), "delay-p50-ms")
			b.ReportMetric(ms(delays[len(delays)*99/100]), "delay-p99-ms")
		})
	}
}

// wakeDelays runs the checks of BenchmarkHTTPWakeDelay with hogs running.
func wakeDelays(b *testing.B, url string, hogs int) []time.Duration {
	var cmds []*exec.Cmd
	for range hogs {
		cmd := exec.Command("timeout", "30", "yes") // bounded even if the benchmark dies
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	defer func() {
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGTERM)
			c.Wait()
		}
	}()
	tr := newTransport(5*time.Second, false)
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	var delays []time.Duration
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			<-time.After(time.Duration(i) * 10 * time.Millisecond) // checks 10 ms apart, as a monitor spreads them
			rec := newPhaseRecorder(time.Now())
			var seen time.Time
			ctx := httptrace.WithClientTrace(rec.withTrace(context.Background()),
				&httptrace.ClientTrace{GotFirstResponseByte: func() { seen = time.Now() }})
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return
			}
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			rec.mu.Lock()
			rx := rec.rx
			rec.mu.Unlock()
			if !rx.IsZero() {
				mu.Lock()
				delays = append(delays, seen.Round(0).Sub(rx))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return delays
}
