package probe

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/bench/child"
)

// TestHTTPTargetProcess is not a test: BenchmarkHTTPCheckCPU runs the test binary with
// UPTTY_HTTP_TARGET=1 to serve its target from a process of its own, so that the benchmark's
// CPU is the client's alone. It answers "ok" after 20 ms, prints its address and serves until
// its standard input closes.
func TestHTTPTargetProcess(t *testing.T) {
	if os.Getenv("UPTTY_HTTP_TARGET") != "1" {
		t.Skip("the target of BenchmarkHTTPCheckCPU")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString(ln.Addr().String() + "\n")
	go func() {
		io.Copy(io.Discard, os.Stdin)
		ln.Close()
	}()
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-time.After(20 * time.Millisecond) // a handler's pace: the check waits, as it does for real targets
		io.WriteString(w, "ok")
	}))
}

// BenchmarkHTTPCheckCPU measures the CPU, user and system, that one HTTP check costs the
// checking process alone, on each path: 50 checks at a time against a target in another
// process, as a monitor runs them. The floor for a fresh-connection GET was 0.19-0.20 ms.
func BenchmarkHTTPCheckCPU(b *testing.B) {
	target := child.Start(b, "UPTTY_HTTP_TARGET=1", "-test.run=^TestHTTPTargetProcess$")
	addr := target.Line(b, time.Minute)
	url := "http://" + strings.TrimSpace(addr) + "/"
	for _, path := range httpPaths {
		b.Run(path.name, func(b *testing.B) {
			svc := withSecrets(httpService(url))
			c, err := newHTTPChecker(svc)
			if err != nil {
				b.Fatal(err)
			}
			c.transportOnly = path.transportOnly
			const workers = 50
			var wg sync.WaitGroup
			jobs := make(chan struct{})
			var failed sync.Once
			for range workers {
				wg.Go(func() {
					for range jobs {
						if r := Run(context.Background(), c, svc); !r.OK {
							failed.Do(func() { b.Errorf("Check() = %q, want OK", r.Reason) })
						}
					}
				})
			}
			cpu0 := processCPU()
			for b.Loop() {
				jobs <- struct{}{}
			}
			close(jobs)
			wg.Wait()
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/check")
		})
	}
}

// processCPU is the CPU this process has used so far, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
