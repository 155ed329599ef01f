package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// countingWriter counts what the program writes to its terminal.
type countingWriter struct{ n atomic.Int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// idleSource never reports a change, like a monitor whose services all stay the same.
type idleSource struct{}

func (idleSource) Next(ctx context.Context) (map[string]track.Status, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (idleSource) Detail(string) (track.Detail, bool) { return track.Detail{}, false }
func (idleSource) Pause(string)                       {}
func (idleSource) Resume(string)                      {}

// runProgram runs the real Bubble Tea program on model at 120x50, drawn by a Screen at 20 frames
// a second as the live monitor's, writing to out, for warm+measure of wall time, and returns the
// bytes written during the measured part.
func runProgram(b *testing.B, model tea.Model, out *countingWriter, warm, measure time.Duration) int64 {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	screen := NewScreen(ScreenOptions{Out: out, FPS: 20})
	defer screen.Close()
	p := tea.NewProgram(screen.Model(model), append(screen.ProgramOptions(),
		tea.WithOutput(out), tea.WithInput(nil), tea.WithoutSignalHandler(), tea.WithContext(ctx))...)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = p.Run()
	}()
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 50})
	// The benchmark measures real seconds of terminal output; no condition is awaited.
	<-time.After(warm)
	before := out.n.Load()
	<-time.After(measure)
	written := out.n.Load() - before
	p.Quit()
	wg.Wait()
	return written
}

// BenchmarkTerminalBytes measures bytes written to the terminal per second by the real program:
// with 40 live HTTP services checked every second, and with 40 services that never change (only
// the clock ticks). Run with -benchtime=1x; each run takes about 10 s of wall time.
func BenchmarkTerminalBytes(b *testing.B) { terminalBytes(b, false) }

// BenchmarkTerminalBytesASCII is BenchmarkTerminalBytes on an ASCII terminal without colour, as
// over a 9600 baud serial line (960 bytes/s).
func BenchmarkTerminalBytesASCII(b *testing.B) { terminalBytes(b, true) }

func terminalBytes(b *testing.B, ascii bool) {
	const n = 40
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()
	services := make([]config.Service, n)
	targets := make([]monitor.Target, n)
	for i := range services {
		services[i] = config.Service{
			Name: fmt.Sprintf("service-%02d", i), Group: fmt.Sprintf("group-%d", i/10), URL: fmt.Sprintf("%s/%d", srv.URL, i),
			Kind: probe.KindHTTP, Interval: time.Second, Timeout: 500 * time.Millisecond,
			RetryInterval: 500 * time.Millisecond, FailureThreshold: 2, SuccessThreshold: 1,
		}
		checker, err := probe.New(services[i])
		if err != nil {
			b.Fatal(err)
		}
		targets[i] = monitor.Target{Service: services[i], Checker: checker}
	}
	renderer := lipgloss.NewRenderer(nil)
	renderer.SetColorProfile(termenv.ANSI256)
	if ascii {
		renderer.SetColorProfile(termenv.Ascii)
	}
	renderer.SetHasDarkBackground(true)

	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		mon := monitor.NewMonitor(targets, monitor.Options{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = mon.Run(ctx)
		}()
		live := New(services, mon.Snapshot(), mon, Options{Renderer: renderer, Ctx: ctx, ASCII: ascii})
		var liveOut countingWriter
		liveBytes := runProgram(b, live, &liveOut, 2*time.Second, 3*time.Second)
		cancel()
		<-done

		idle := New(services, mon.Snapshot(), idleSource{}, Options{Renderer: renderer, Ctx: context.Background(), ASCII: ascii})
		var idleOut countingWriter
		idleBytes := runProgram(b, idle, &idleOut, time.Second, 3*time.Second)

		b.ReportMetric(float64(liveBytes)/3, "live-bytes/s")
		b.ReportMetric(float64(liveBytes)/3/n, "bytes/changed-row")
		b.ReportMetric(float64(idleBytes)/3, "idle-bytes/s")
	}
}
