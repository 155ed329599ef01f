//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/sys/unix"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui"
)

// openPTY returns a new pseudo-terminal's controller and the terminal for a child process.
func openPTY(t *testing.T, rows, cols uint16) (ctl, term *os.File) {
	t.Helper()
	ctl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(ctl.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close(); term.Close() })
	return ctl, term
}

// TestFirstFrameWithoutBackgroundAnswer runs the binary on a terminal that answers the cursor
// position query, as every VT100 descendant does, but ignores the background-colour query, as
// many terminals and multiplexers do; and on one that answers no query at all (and checks the
// order of the package inits that keeps the query off). termenv, from
// Bubble Tea v1's package init, would wait up to 5 s for an answer that never comes; the first
// frame must not, and nothing may be asked (package termquery keeps that init from asking),
// while the screen still finds its colours.
func TestFirstFrameWithoutBackgroundAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	t.Run("init order", func(t *testing.T) { termQueryInitOrder(t, bin) })
	for _, tc := range []struct {
		name      string
		answerDSR bool
	}{
		{"answers cursor position only", true},
		{"answers nothing", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			took, screen := firstFrameOn(t, bin, tc.answerDSR)
			// Well under termenv's 5 s wait, with room for a loaded machine.
			if took > 3*time.Second {
				t.Errorf("first frame after %v, want well under the 5s a background query can wait", took)
			}
			t.Logf("first frame after %v", took)
			for _, q := range []string{"\x1b]11;?", "\x1b[6n"} {
				if bytes.Contains(screen, []byte(q)) {
					t.Errorf("the terminal was asked %q before the first frame, want no query", q)
				}
			}
			// TERM=xterm-256color: lipgloss must still see a terminal on standard output.
			if !colourSGR.Match(screen) {
				t.Errorf("first frame has no colour:\n%q", screen)
			}
		})
	}
}

// colourSGR matches a foreground colour set by SGR: 16 colours or 256.
var colourSGR = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;5;[0-9]+)m`)

// firstFrameOn runs bin --demo on a new 80x24 pseudo-terminal that answers cursor position
// queries when answerDSR is set and nothing otherwise, and returns how long the first frame
// took and everything written up to it; then it quits with q.
func firstFrameOn(t *testing.T, bin string, answerDSR bool) (time.Duration, []byte) {
	t.Helper()
	ctl, term := openPTY(t, 24, 80)
	home := t.TempDir()
	cmd := exec.Command(bin, "--demo")
	cmd.Env = []string{"TERM=xterm-256color", "HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "PATH=" + os.Getenv("PATH")}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, term
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	type frame struct {
		took   time.Duration
		screen []byte
	}
	framed := make(chan frame, 1)
	go func() {
		var screen []byte
		buf := make([]byte, 64<<10)
		answered := 0
		for {
			n, err := ctl.Read(buf)
			if err != nil {
				return
			}
			screen = append(screen, buf[:n]...)
			for ; answerDSR && bytes.Count(screen, []byte("\x1b[6n")) > answered; answered++ {
				ctl.Write([]byte("\x1b[1;1R"))
			}
			if bytes.Contains(screen, []byte("STATE")) {
				framed <- frame{time.Since(start), screen}
				// Keep draining so the program never blocks on a full terminal.
				for {
					if _, err := ctl.Read(buf); err != nil {
						return
					}
				}
			}
		}
	}()

	var f frame
	select {
	case f = <-framed:
	case err := <-exited:
		t.Fatalf("uptty exited before drawing: %v", err)
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no first frame within 10s")
	}
	ctl.Write([]byte("q"))
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("uptty exit after q: %v, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("uptty did not quit on q")
	}
	return f.took, f.screen
}

// termQueryInitOrder checks, in the built binary bin, what package termquery/hold relies on:
// its init runs before termenv's (so Bubble Tea's init finds no terminal to ask), and
// termquery's, which gives standard output back, right after Bubble Tea's.
func termQueryInitOrder(t *testing.T, bin string) {
	cmd := exec.Command(bin, "--version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("uptty --version: %v\n%s", err, out)
	}
	at := map[string]int{}
	k := 0
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "init" {
			at[f[1]] = k
			k++
		}
	}
	hold, termenv := "github.com/uptty/uptty/termquery/hold", "github.com/muesli/termenv"
	tea, release := "github.com/charmbracelet/bubbletea", "github.com/uptty/uptty/termquery"
	for _, p := range []string{hold, termenv, tea, release} {
		if _, ok := at[p]; !ok {
			t.Fatalf("GODEBUG=inittrace=1 names no init of %s:\n%s", p, out)
		}
	}
	if at[hold] > at[termenv] {
		t.Errorf("init of %s at %d, after %s at %d; want before", hold, at[hold], termenv, at[termenv])
	}
	if at[release] < at[tea] {
		t.Errorf("init of %s at %d, before %s at %d; want after", release, at[release], tea, at[tea])
	}
}

// startupFixture writes, in a directory of its own, a config of n loopback services checked
// every 10 s and a history that holds 20 results of each: what the start-up benchmarks start on.
func startupFixture(b *testing.B, n int) (dir, cfgPath, histPath string) {
	b.Helper()
	dir = b.TempDir()
	histPath = filepath.Join(dir, "history.db")
	var body strings.Builder
	fmt.Fprintf(&body, "history: {path: %q}\ndefaults: {interval: 10s, timeout: 2s}\nservices:\n", histPath)
	for i := range n {
		fmt.Fprintf(&body, "  - {name: api-%05d, group: g%02d, url: \"http://127.0.0.1:9/%d\"}\n", i, i%50, i)
	}
	cfgPath = filepath.Join(dir, "uptty.yaml")
	if err := os.WriteFile(cfgPath, []byte(body.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	store, err := history.Open(histPath, history.Options{QueueSize: 1 << 18})
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now().Add(-time.Hour)
	for k := range 20 {
		for i := range n {
			store.Record(fmt.Sprintf("api-%05d", i), fmt.Sprintf("g%02d", i%50), track.Check{
				Start:   t0.Add(time.Duration(k)*10*time.Second + time.Duration(i)*time.Millisecond),
				Latency: time.Duration(20+i%30) * time.Millisecond, OK: true}, nil)
		}
	}
	if err := store.Close(); err != nil {
		b.Fatal(err)
	}
	if st := store.Stats(); st.Dropped > 0 {
		b.Fatalf("history setup dropped %d results", st.Dropped)
	}
	return dir, cfgPath, histPath
}

// BenchmarkStartup10000 times each step of starting uptty on 10,000 services, as runMonitor
// takes them: reading the config (config.Parse), a checker per service (buildTargets, which
// finds the config errors config.Parse leaves to the kinds) and the first frame drawn from the
// config alone (the static model of earlyScreen and its first View at 120x40): the way to the
// first frame; then what follows it: opening the history
// (OpenLiveDeferred on a file that holds 20 results of each service), the monitor (NewMonitor),
// the screen's own model with its first View, and every service restored from history
// (RestoreAll, Monitor.Restore). Each is reported in ms per start.
func BenchmarkStartup10000(b *testing.B) {
	const n = 10_000
	_, cfgPath, histPath := startupFixture(b, n)
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	getenv := envFrom(nil)
	var parse, static, build, open, monitorT, frame, restore time.Duration
	for b.Loop() {
		t := time.Now()
		cfg, err := config.Parse(data, cfgPath, getenv, probe.Kinds())
		if err != nil {
			b.Fatal(err)
		}
		parse += time.Since(t)
		t = time.Now()
		targets, err := buildTargets(cfg)
		if err != nil {
			b.Fatal(err)
		}
		build += time.Since(t)
		t = time.Now()
		first, _ := startModel{static: ui.New(cfg.Services, nil, nil, ui.Options{})}.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if v := first.View(); !strings.Contains(v, "STATE") {
			b.Fatalf("first frame lacks the header:\n%s", v)
		}
		static += time.Since(t)
		t = time.Now()
		hist, err := history.OpenLiveDeferred(histPath, history.Options{Retention: cfg.History.Retention, Raw: cfg.History.Raw}, historyServices(cfg.Services), 0)
		if err != nil || hist.Hint != "" {
			b.Fatalf("OpenLive = %v, hint %q", err, hist.Hint)
		}
		open += time.Since(t)
		t = time.Now()
		mon := monitor.NewMonitor(targets, monitor.Options{})
		monitorT += time.Since(t)
		t = time.Now()
		m := ui.New(cfg.Services, mon.Snapshot(), mon, ui.Options{})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if v := next.View(); !strings.Contains(v, "STATE") {
			b.Fatalf("first frame lacks the header:\n%s", v)
		}
		frame += time.Since(t)
		// After the first frame, as runMonitor does it before the first checks.
		t = time.Now()
		if note := hist.RestoreAll(); note != "" {
			b.Fatal(note)
		}
		mon.Restore(hist.Restore)
		restore += time.Since(t)
		// The history hands each service's state over once (to the monitor here), so the
		// monitor is where a restored row shows.
		if last := cfg.Services[n-1].Name; mon.Snapshot()[last].LastAt.IsZero() {
			b.Fatalf("nothing restored for %s", last)
		}
		b.StopTimer()
		hist.Close()
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(per(parse), "ms-parse")
	b.ReportMetric(per(build), "ms-checkers")
	b.ReportMetric(per(static), "ms-first-view")
	b.ReportMetric(per(parse+build+static), "ms-to-first-frame")
	b.ReportMetric(per(open), "ms-history-open")
	b.ReportMetric(per(monitorT), "ms-monitor")
	b.ReportMetric(per(frame), "ms-model")
	b.ReportMetric(per(restore), "ms-restore")
}
