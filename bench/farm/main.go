//go:build linux

// Command farm measures the built uptty against a loopback target farm, the way issue #11's
// figures were taken: N HTTP endpoints on 127.0.0.1 (several listeners, so that connections
// without keep-alive do not run out of ephemeral ports), each answering after a handler delay,
// every 10th with 503; uptty checks them every interval, headless (`uptty serve`) or in a
// 120x40 tmux pane (--tui), optionally with CPU hogs in another process. It reports:
//
//   - requests per 100 ms as the targets saw them (mean and peak, start-up and steady state),
//     and how long the first round took;
//   - latency error: the latency uptty stored in its history for each check less the
//     target's own time for the same request (matched per service by time): from the kernel's
//     receipt of the request to the answer's write (rxstamp_linux.go), and, for comparison,
//     against the handler's own clock, the farm's delays between the two apart; beside
//     the floor's, measured in the same run: a raw client in this process (one fresh
//     connection per request, a hand-written GET, read to the first byte; see floor.go)
//     probing the same targets at a low rate, its error computed the same way;
//   - CPU per check (utime+stime of /proc/PID/stat over the steady state ÷ requests) and the
//     share of one core, beside the floor client's CPU per request (a child, after the run);
//   - RSS (VmRSS sampled each second, VmHWM);
//   - with --tui, bytes written to the terminal per second (tmux pipe-pane);
//   - with --sse-viewers N / --ssh-viewers N (serve), N event streams / N SSH sessions (120x40)
//     opened by this process before the steady state and read to the end: the bytes each
//     viewer read per second, and serve's Go heap in use at the end (viewers.go);
//   - results stored in history against requests served.
//
// Run from the repository root: go run ./bench/farm --help.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // to read the results uptty stored

	"github.com/uptty/uptty/history"
)

// hogEnv, when set, turns this program into the CPU hog child: that many busy goroutines.
const hogEnv = "UPTTY_FARM_HOGS"

type options struct {
	n         int
	interval  time.Duration
	duration  time.Duration
	delay     time.Duration
	failEvery int
	hang      int
	hogs      int
	settle    time.Duration
	ports     int
	tui       bool
	bin       string
	profile   string
	keep      bool
	jsonOut   string
	rssLog    string
	floorRate float64
	floorCPU  int
	floorPace time.Duration
	env       envList
	sse, ssh  int // viewers of serve (viewers.go)
}

// envList is the repeatable --env flag: variables set for uptty alone.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

func main() {
	if v := os.Getenv(hogEnv); v != "" {
		hog(v)
		return
	}
	if v := os.Getenv(floorEnv); v != "" {
		floorChild(v)
		return
	}
	var o options
	flag.IntVar(&o.n, "n", 1000, "services (one endpoint each)")
	flag.DurationVar(&o.interval, "interval", 10*time.Second, "check interval of every service")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long uptty runs")
	flag.DurationVar(&o.delay, "delay", 20*time.Millisecond, "the targets' handler delay")
	flag.IntVar(&o.failEvery, "fail-every", 10, "every Kth endpoint answers 503 (0: none)")
	flag.IntVar(&o.hang, "hang", 0, "endpoints that never answer (spread over the farm; uptty's timeout ends them)")
	flag.IntVar(&o.hogs, "hogs", 0, "busy goroutines in a child process: other work on the same cores")
	flag.DurationVar(&o.settle, "settle", 0, "start of the steady state after uptty's start (default one interval, at most half the duration)")
	flag.IntVar(&o.ports, "ports", 0, "listeners of the farm (default one per 500 services)")
	flag.BoolVar(&o.tui, "tui", false, "run the TUI in a 120x40 tmux pane instead of uptty serve")
	flag.StringVar(&o.bin, "bin", "", "uptty binary to measure (default: go build this checkout)")
	flag.StringVar(&o.profile, "cpuprofile", "", "write uptty's CPU profile to `FILE` (UPTTY_CPUPROFILE)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (config, history, logs)")
	flag.StringVar(&o.jsonOut, "json", "", "also write the figures as JSON to `FILE`")
	flag.StringVar(&o.rssLog, "rss-log", "", "write uptty's RSS (all, anonymous, file) each second to `FILE`, for long runs")
	flag.Float64Var(&o.floorRate, "floor-rate", 10, "requests per second of the floor client during the steady state (0: none)")
	flag.IntVar(&o.floorCPU, "floor-cpu", 2000, "requests of the floor client timed for CPU back to back in a child after the run (0: none)")
	flag.DurationVar(&o.floorPace, "floor-paced", 15*time.Second, "how long the floor client is timed for CPU at uptty's steady request rate, evenly spread, in a child after the run (0: not)")
	flag.Var(&o.env, "env", "`KEY=VALUE` set in uptty's environment alone, not the farm's (repeatable), e.g. GOMAXPROCS=1")
	flag.IntVar(&o.sse, "sse-viewers", 0, "event streams (/api/v1/events) read by this process during the run (serve only)")
	flag.IntVar(&o.ssh, "ssh-viewers", 0, "SSH viewers (120x40, Go's SSH client) in this process during the run (serve --ssh only)")
	analyzeDir := flag.String("analyze", "", "run nothing: read the history of `DIR`, a directory kept by --keep, and print its steady state minute by minute (give the run's --n, --interval and --settle)")
	flag.Parse()
	if *analyzeDir != "" {
		if err := analyze(*analyzeDir, o, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "farm:", err)
			os.Exit(1)
		}
		return
	}
	if o.n < 1 || o.interval <= 0 || o.duration <= 0 {
		fmt.Fprintln(os.Stderr, "farm: want -n ≥ 1, -interval and -duration > 0")
		os.Exit(2)
	}
	if o.tui && o.sse+o.ssh > 0 {
		fmt.Fprintln(os.Stderr, "farm: viewers are serve's: --sse-viewers and --ssh-viewers do not go with --tui")
		os.Exit(2)
	}
	if o.ports <= 0 {
		o.ports = (o.n + 499) / 500
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "farm:", err)
		os.Exit(1)
	}
}

// hog spins k goroutines until killed.
func hog(v string) {
	k, _ := strconv.Atoi(v)
	k = max(k, 1)
	runtime.GOMAXPROCS(k)
	for range k - 1 {
		go spin()
	}
	spin()
}

func spin() {
	x := 0
	for {
		x++
	}
}

// record is one request as the target saw it.
type record struct {
	svc   int32
	start int64 // Unix ns at the handler's entry
	dur   int64 // ns in the handler, up to writing the answer: the handler's own clock
	// rx is when the kernel received the request (Unix ns), 0 where it did not say;
	// wrote and wroteEnd bracket the answer's write system call, and tx is when the kernel
	// sent the answer, within it; each 0 where unknown (rxstamp_linux.go).
	rx, wrote, wroteEnd, tx int64
}

// own is the target's own time for the request, as a monitor should report it: from the
// kernel's receipt of the request to the kernel's sending of the answer (or, without the
// latter, the clock just before the answer's write call). stamped is false where the request's
// stamp is missing, and own the handler's clock.
func (x record) own() (ns int64, stamped bool) {
	end := x.tx
	if end == 0 {
		end = x.wrote
	}
	if x.rx == 0 || end == 0 || end < x.rx {
		return x.dur, false
	}
	return end - x.rx, true
}

// unixNano is t's Unix ns, or 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

type farm struct {
	o         options
	mu        sync.Mutex
	records   []record
	floorRecs map[int]record // the floor client's requests, by sequence
	lns       []net.Listener
	srv       *http.Server
}

// ServeHTTP answers /s/N (uptty's checks, recorded), /f/N/SEQ (the floor client's, recorded
// by SEQ) and /c/N (the floor's CPU loop, not recorded), all alike: after the handler delay,
// 503 from every failEvery-th endpoint.
func (f *farm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	kind, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	svc, seqText, _ := strings.Cut(rest, "/")
	i, err := strconv.Atoi(svc)
	seq := -1
	if kind == "f" {
		if seq, err = strconv.Atoi(seqText); seq < 0 {
			err = errors.New("bad sequence")
		}
	}
	if err != nil || i < 0 || i >= f.o.n || (kind != "s" && kind != "f" && kind != "c") {
		http.NotFound(w, r)
		return
	}
	if f.hung(i) {
		<-r.Context().Done()
		return
	}
	time.Sleep(f.o.delay)
	code := http.StatusOK
	if f.o.failEvery > 0 && i%f.o.failEvery == f.o.failEvery-1 {
		code = http.StatusServiceUnavailable
	}
	d := time.Since(start)
	w.Header().Set("Content-Length", "3")
	w.WriteHeader(code)
	io.WriteString(w, "ok\n")
	if kind == "c" {
		return
	}
	// Written now rather than after the handler returns, so that the record has the write's
	// clock (connStamps).
	w.(http.Flusher).Flush()
	rx, wrote, wroteEnd, tx := connStamps(r)
	x := record{svc: int32(i), start: start.UnixNano(), dur: int64(d), rx: unixNano(rx), wrote: unixNano(wrote), wroteEnd: unixNano(wroteEnd), tx: unixNano(tx)}
	f.mu.Lock()
	if kind == "s" {
		f.records = append(f.records, x)
	} else {
		f.floorRecs[seq] = x
	}
	f.mu.Unlock()
}

// hung reports whether endpoint i never answers: -hang of them, spread evenly and never a
// failing one.
func (f *farm) hung(i int) bool {
	if f.o.hang <= 0 {
		return false
	}
	step := max(f.o.n/f.o.hang, 1)
	return i%step == step/2 && i/step < f.o.hang
}

func (f *farm) start() error {
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second, ConnContext: withConn}
	f.srv.SetKeepAlivesEnabled(false)
	for range f.o.ports {
		ln, err := listenStamped("127.0.0.1:0")
		if err != nil {
			return err
		}
		f.lns = append(f.lns, ln)
		go f.srv.Serve(ln)
	}
	return nil
}

func (f *farm) url(i int) string {
	return fmt.Sprintf("http://%s/s/%05d", f.addr(i), i)
}

// addr is the listener of endpoint i.
func (f *farm) addr(i int) string {
	return f.lns[i%len(f.lns)].Addr().String()
}

func (f *farm) snapshot() []record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.records)
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "uptty-farm-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("dir:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(dir, "uptty")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build (run from the repository root, or pass --bin): %w", err)
		}
	} else if bin, err = filepath.Abs(bin); err != nil {
		return err
	}

	f := &farm{o: o, records: make([]record, 0, int(float64(o.n)*o.duration.Seconds()/o.interval.Seconds()*1.3)+16),
		floorRecs: map[int]record{}}
	if err := f.start(); err != nil {
		return err
	}
	defer f.srv.Close()

	cfgPath := filepath.Join(dir, "uptty.yaml")
	// The history in a directory of its own, as by default (the state directory, not the
	// config's): uptty watches the config's directory, and every commit would wake it.
	dbPath := filepath.Join(dir, "state", "history.db")
	if err := os.Mkdir(filepath.Dir(dbPath), 0o700); err != nil {
		return err
	}
	if err := writeConfig(cfgPath, dbPath, f, o); err != nil {
		return err
	}

	if o.hogs > 0 {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		h := exec.Command(self)
		h.Env = append(os.Environ(), fmt.Sprintf("%s=%d", hogEnv, o.hogs))
		if err := h.Start(); err != nil {
			return err
		}
		defer func() { h.Process.Kill(); h.Wait() }()
	}

	env := append(os.Environ(), o.env...)
	if o.profile != "" {
		p, err := filepath.Abs(o.profile)
		if err != nil {
			return err
		}
		env = append(env, "UPTTY_CPUPROFILE="+p)
	}
	// The RSS log is opened before uptty starts, so that failing to open it leaves no uptty behind.
	var rssLog *os.File
	if o.rssLog != "" {
		if rssLog, err = os.Create(o.rssLog); err != nil {
			return err
		}
		defer rssLog.Close()
		fmt.Fprintln(rssLog, "seconds\trss_mb\tanon_mb\tfile_mb")
	}
	var u *upttyProc
	var ends *endpoints
	if o.tui {
		u, err = startTUI(bin, cfgPath, dir, env)
	} else if ends, err = newEndpoints(dir, o.ssh > 0); err == nil {
		u, err = startServe(bin, cfgPath, dir, env, ends.args())
	}
	if err != nil {
		return err
	}
	var views *viewers
	if ends != nil {
		if err := ends.ready(u.alive); err != nil {
			u.stop()
			return fmt.Errorf("%w; see %s", err, u.log)
		}
		if views, err = ends.open(o.sse, o.ssh); err != nil {
			u.stop()
			return fmt.Errorf("%w; see %s", err, u.log)
		}
		defer views.close()
	}
	t0 := u.started
	steady := t0.Add(min(o.interval, o.duration/2))
	if o.settle > 0 {
		steady = t0.Add(min(o.settle, o.duration))
	}
	end := t0.Add(o.duration)
	floorDone := make(chan []floorSample, 1)
	go func() { floorDone <- f.floor(steady, end) }()

	// Sample RSS each second; CPU at the end of the first interval (the start-up round) and
	// at the end.
	var rssMax int64
	var memLast memStat
	var cpuSteady0 time.Duration
	var switches0 int64
	var threads0 map[string]int64
	var bytesSteady0, sseSteady0, sshSteady0 int64
	var steadyAt time.Time
	tick := time.NewTicker(time.Second)
	for now := range tick.C {
		if !u.alive() {
			tick.Stop()
			return fmt.Errorf("uptty exited early; see %s", u.log)
		}
		if m, err := memory(u.pid); err == nil {
			memLast = m
			rssMax = max(rssMax, m.rss)
			if rssLog != nil {
				fmt.Fprintf(rssLog, "%.0f\t%.1f\t%.1f\t%.1f\n", now.Sub(t0).Seconds(), mb(m.rss), mb(m.anon), mb(m.file))
			}
		}
		if steadyAt.IsZero() && !now.Before(steady) {
			steadyAt = now
			cpuSteady0, _ = cpu(u.pid)
			switches0, threads0 = switches(u.pid)
			bytesSteady0 = u.termBytes()
			if views != nil {
				sseSteady0, sshSteady0 = views.bytes()
			}
		}
		if !now.Before(end) {
			break
		}
	}
	tick.Stop()
	stopAt := time.Now()
	cpuEnd, _ := cpu(u.pid)
	switchesEnd, threadsEnd := switches(u.pid)
	bytesEnd := u.termBytes()
	var sseEnd, sshEnd, heap int64
	if views != nil {
		sseEnd, sshEnd = views.bytes()
		heap = ends.heapInUse()
		views.close()
	}
	hwm := memLast.hwm
	if m, err := memory(u.pid); err == nil {
		hwm = m.hwm
	}
	if err := u.stop(); err != nil {
		return err
	}
	floor := <-floorDone
	recs := f.snapshot()
	results, err := readHistory(dbPath)
	if err != nil {
		return fmt.Errorf("reading uptty's history: %w", err)
	}

	r := report(f, o, recs, results, t0, steadyAt, stopAt)
	f.floorFigures(&r, floor)
	// The floor's CPU after uptty has stopped, so that neither takes the other's cores: back to
	// back, then paced as uptty's steady state was (its requests a second, the floor's own out).
	if r.FloorCPUPerReqMS, err = f.floorCPU(o.floorCPU, 0); err != nil {
		fmt.Fprintln(os.Stderr, "farm: the floor's CPU:", err)
	}
	if d := stopAt.Sub(steadyAt).Seconds(); o.floorPace > 0 && d > 0 && r.SteadyRequests > 0 {
		r.FloorPacedRate = float64(r.SteadyRequests) / d
		n := int(r.FloorPacedRate * o.floorPace.Seconds())
		if r.FloorPacedCPUPerReqMS, err = f.floorCPU(n, r.FloorPacedRate); err != nil {
			fmt.Fprintln(os.Stderr, "farm: the paced floor's CPU:", err)
		}
	}
	r.CPUPerCheckMS = ms(cpuEnd-cpuSteady0) / float64(max(r.SteadyRequests, 1))
	r.CPUShare = float64(cpuEnd-cpuSteady0) / float64(stopAt.Sub(steadyAt))
	r.SleepsPerCheck = float64(switchesEnd-switches0) / float64(max(r.SteadyRequests, 1))
	r.SleepsBusiestPerCheck = float64(busiest(threads0, threadsEnd)) / float64(max(r.SteadyRequests, 1))
	r.CPUTotalS = cpuEnd.Seconds()
	r.RSSLastMB, r.RSSMaxMB, r.HWMMB = mb(memLast.rss), mb(rssMax), mb(hwm)
	r.RSSAnonMB, r.RSSFileMB = mb(memLast.anon), mb(memLast.file)
	if o.tui {
		r.TermBytesPerS = float64(bytesEnd-bytesSteady0) / stopAt.Sub(steadyAt).Seconds()
	}
	r.SSEViewers, r.SSHViewers, r.HeapInUseMB = o.sse, o.ssh, mb(heap)
	if o.sse > 0 {
		r.SSEBytesPerViewerS = float64(sseEnd-sseSteady0) / float64(o.sse) / stopAt.Sub(steadyAt).Seconds()
	}
	if o.ssh > 0 {
		r.SSHBytesPerViewerS = float64(sshEnd-sshSteady0) / float64(o.ssh) / stopAt.Sub(steadyAt).Seconds()
	}
	r.print(os.Stdout)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeConfig(path, db string, f *farm, o options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "defaults:\n  interval: %s\n", o.interval)
	if o.interval < 10*time.Second {
		fmt.Fprintf(&b, "  timeout: %s\n", o.interval)
	}
	fmt.Fprintf(&b, "concurrency: %d\nhistory:\n  path: %s\nservices:\n", min(max(o.n, 1), 100000), db)
	for i := range o.n {
		fmt.Fprintf(&b, "  - name: svc-%05d\n    url: %s\n", i, f.url(i))
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// upttyProc is the running uptty: a child process (serve) or a tmux pane (TUI).
type upttyProc struct {
	pid     int
	started time.Time
	log     string
	alive   func() bool
	stop    func() error
	// termBytes is how many bytes uptty wrote to its terminal so far (TUI only).
	termBytes func() int64
}

func startServe(bin, cfg, dir string, env, args []string) (*upttyProc, error) {
	logPath := filepath.Join(dir, "serve.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--config", cfg}, args...)...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logf.Close() }()
	exited := false
	return &upttyProc{
		pid: cmd.Process.Pid, started: time.Now(), log: logPath,
		alive: func() bool {
			select {
			case <-done:
				exited = true
			default:
			}
			return !exited
		},
		stop: func() error {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if err != nil {
					return fmt.Errorf("uptty serve: %v; see %s", err, logPath)
				}
				return nil
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				<-done
				return fmt.Errorf("uptty serve did not end within 60 s of SIGTERM")
			}
		},
		termBytes: func() int64 { return 0 },
	}, nil
}

func startTUI(bin, cfg, dir string, env []string) (*upttyProc, error) {
	if _, err := exec.LookPath("tmux"); err != nil {
		return nil, errors.New("--tui needs tmux")
	}
	sess := fmt.Sprintf("uptty-farm-%d", os.Getpid())
	out := filepath.Join(dir, "terminal.out")
	// A tmux server of our own: its panes get our environment, and no one else's sessions are
	// touched.
	tmux := func(args ...string) ([]byte, error) {
		cmd := exec.Command("tmux", append([]string{"-L", sess, "-f", "/dev/null"}, args...)...)
		cmd.Env = env
		return cmd.CombinedOutput()
	}
	// exec: the pane's process is uptty itself, not a shell around it.
	line := fmt.Sprintf("exec %q --config %q 2>%q", bin, cfg, filepath.Join(dir, "tui.stderr"))
	if b, err := tmux("new-session", "-d", "-s", sess, "-x", "120", "-y", "40", line); err != nil {
		return nil, fmt.Errorf("tmux new-session: %v: %s", err, b)
	}
	started := time.Now()
	if b, err := tmux("pipe-pane", "-o", "-t", sess, "cat >> "+strconv.Quote(out)); err != nil {
		tmux("kill-session", "-t", sess)
		return nil, fmt.Errorf("tmux pipe-pane: %v: %s", err, b)
	}
	b, err := tmux("list-panes", "-t", sess, "-F", "#{pane_pid}")
	if err != nil {
		tmux("kill-session", "-t", sess)
		return nil, fmt.Errorf("tmux list-panes: %v: %s", err, b)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		tmux("kill-session", "-t", sess)
		return nil, fmt.Errorf("tmux pane pid %q", b)
	}
	alive := func() bool { return syscall.Kill(pid, 0) == nil }
	return &upttyProc{
		pid: pid, started: started, log: filepath.Join(dir, "tui.stderr"),
		alive: alive,
		stop: func() error {
			defer tmux("kill-server")
			tmux("send-keys", "-t", sess, "q")
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if !alive() {
					return nil
				}
			}
			return errors.New("the TUI did not quit within 60 s of q")
		},
		termBytes: func() int64 {
			st, err := os.Stat(out)
			if err != nil {
				return 0
			}
			return st.Size()
		},
	}, nil
}

// cpu is the user + system time of process pid.
// switches is the voluntary context switches of every thread of process pid so far (a thread
// went to sleep: it will cost a wake-up), in all and by thread id: a count of wake-ups that,
// unlike CPU time, hardly depends on what else the machine runs.
func switches(pid int) (total int64, byThread map[string]int64) {
	byThread = map[string]int64{}
	dirs, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "voluntary_ctxt_switches:"); ok {
				k, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				total += k
				byThread[filepath.Base(filepath.Dir(d))] = k
			}
		}
	}
	return total, byThread
}

// busiest is the most switches one thread made between two readings of switches: the Go
// runtime's monitor thread (sysmon), which sleeps 20 µs at a time while it finds work to do.
func busiest(before, after map[string]int64) (n int64) {
	for t, k := range after {
		n = max(n, k-before[t])
	}
	return n
}

func cpu(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: fields count from after its closing parenthesis.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clkTck, nil
}

// clkTck is USER_HZ, 100 on every Linux this runs on.
const clkTck = 100

// memStat is a process's resident memory, in bytes: all of it (VmRSS), its peak (VmHWM), and
// the anonymous (heap, stacks) and file-backed (the binary's pages) parts of VmRSS.
type memStat struct {
	rss, hwm, anon, file int64
}

// memory reads process pid's memStat.
func memory(pid int) (m memStat, err error) {
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var n int64
		fmt.Sscanf(strings.TrimSpace(v), "%d", &n)
		switch k {
		case "VmRSS":
			m.rss = n << 10
		case "VmHWM":
			m.hwm = n << 10
		case "RssAnon":
			m.anon = n << 10
		case "RssFile":
			m.file = n << 10
		}
	}
	return m, sc.Err()
}

// result is one check as uptty stored it.
type result struct {
	svc     int32
	at      int64 // Unix ms of the check's start
	latency int64 // µs
	ok      bool
}

// readHistory reads every raw result from uptty's history file. It knows the history's
// result table, and raw_pack (schema 7: the results of the hours before the last one, packed
// by the rollup); if the schema changes, this is the one place to follow it.
func readHistory(path string) ([]result, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(),
		`SELECT s.name, r.at, r.latency, r.ok FROM result r JOIN service s ON s.id = r.service`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []result
	for rows.Next() {
		var name string
		var r result
		if err := rows.Scan(&name, &r.at, &r.latency, &r.ok); err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(strings.TrimPrefix(name, "svc-"))
		if err != nil {
			continue
		}
		r.svc = int32(i)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	var packed int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'raw_pack'").Scan(&packed); err != nil || packed == 0 {
		return out, err
	}
	rows, err = db.QueryContext(context.Background(), `SELECT s.name, p.start, p.data FROM raw_pack p JOIN service s ON s.id = p.service`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var hour int64
		var blob []byte
		if err := rows.Scan(&name, &hour, &blob); err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(strings.TrimPrefix(name, "svc-"))
		if err != nil {
			continue
		}
		err = history.DecodeRawPack(hour, blob, func(at, latency int64, ok bool) {
			out = append(out, result{svc: int32(i), at: at, latency: latency, ok: ok})
		})
		if err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// figures is what one run measured.
type figures struct {
	Services        int     `json:"services"`
	IntervalS       float64 `json:"interval_s"`
	DurationS       float64 `json:"duration_s"`
	Hogs            int     `json:"hogs"`
	Hung            int     `json:"hung"`
	TUI             bool    `json:"tui"`
	Requests        int     `json:"requests"`
	SteadyRequests  int     `json:"steady_requests"`
	SteadyExpected  float64 `json:"steady_expected"`
	FirstRoundS     float64 `json:"first_round_s"`
	StartPeak100ms  int     `json:"start_peak_per_100ms"`
	Mean100ms       float64 `json:"steady_mean_per_100ms"`
	Peak100ms       int     `json:"steady_peak_per_100ms"`
	StartsPeak100ms int     `json:"steady_check_starts_peak_per_100ms"`
	GridPeak100ms   int     `json:"grid_peak_per_100ms"`
	LateP50MS       float64 `json:"start_lateness_p50_ms"`
	LateP99MS       float64 `json:"start_lateness_p99_ms"`
	LateMaxMS       float64 `json:"start_lateness_max_ms"`
	// LateOffGrid counts the passing checks left out of the lateness: more than a quarter
	// interval off their grid (late by most of an interval after a stall, or on another grid).
	LateOffGrid    int     `json:"start_off_grid"`
	Stored         int     `json:"stored"`
	Matched        int     `json:"matched"`
	ErrMeanMS      float64 `json:"latency_error_mean_ms"`
	ErrP50MS       float64 `json:"latency_error_p50_ms"`
	ErrP99MS       float64 `json:"latency_error_p99_ms"`
	ErrMaxMS       float64 `json:"latency_error_max_ms"`
	StartErrMeanMS float64 `json:"startup_latency_error_mean_ms"`
	StartErrP99MS  float64 `json:"startup_latency_error_p99_ms"`
	HandlerMeanMS  float64 `json:"handler_mean_ms"`
	// The latency error above is against the target's own time: from the kernel's receipt of
	// the request to the answer's write (record.own). These are against the handler's own
	// clock, the yardstick before session 12, which also charges the monitor with the target's
	// wait to read the request: kept for comparison.
	OwnMeanMS        float64 `json:"target_own_time_mean_ms"`
	HandlerErrMeanMS float64 `json:"latency_error_vs_handler_mean_ms"`
	HandlerErrP50MS  float64 `json:"latency_error_vs_handler_p50_ms"`
	HandlerErrP99MS  float64 `json:"latency_error_vs_handler_p99_ms"`
	HandlerErrMaxMS  float64 `json:"latency_error_vs_handler_max_ms"`
	// The farm's own delays in the steady state: from the kernel's receipt of the request to
	// the handler's entry (ReadDelay), from the handler's clock's end to the answer's write
	// (FlushDelay), the write's system call (WriteCall), and how far into it the kernel sent
	// the answer (TxInCall). Unstamped counts the requests without the kernel's receive time,
	// measured by the handler's clock instead; NoTxStamp those without the kernel's transmit
	// time, whose answer counts as sent when the write call began.
	ReadDelayMeanMS  float64 `json:"farm_read_delay_mean_ms"`
	ReadDelayP99MS   float64 `json:"farm_read_delay_p99_ms"`
	ReadDelayMaxMS   float64 `json:"farm_read_delay_max_ms"`
	FlushDelayMeanMS float64 `json:"farm_flush_delay_mean_ms"`
	FlushDelayP99MS  float64 `json:"farm_flush_delay_p99_ms"`
	WriteCallMeanMS  float64 `json:"farm_write_call_mean_ms"`
	WriteCallP99MS   float64 `json:"farm_write_call_p99_ms"`
	TxInCallMeanMS   float64 `json:"farm_tx_in_write_call_mean_ms"`
	TxInCallP99MS    float64 `json:"farm_tx_in_write_call_p99_ms"`
	TxInCallMaxMS    float64 `json:"farm_tx_in_write_call_max_ms"`
	Unstamped        int     `json:"unstamped"`
	NoTxStamp        int     `json:"no_tx_stamp"`
	FloorRequests    int     `json:"floor_requests"`
	FloorErrMeanMS   float64 `json:"floor_latency_error_mean_ms"`
	FloorErrP50MS    float64 `json:"floor_latency_error_p50_ms"`
	FloorErrP99MS    float64 `json:"floor_latency_error_p99_ms"`
	FloorErrMaxMS    float64 `json:"floor_latency_error_max_ms"`
	// The floor's error against the handler's clock, as HandlerErr*.
	FloorHandlerErrMeanMS float64 `json:"floor_latency_error_vs_handler_mean_ms"`
	FloorHandlerErrP99MS  float64 `json:"floor_latency_error_vs_handler_p99_ms"`
	FloorReadDelayP99MS   float64 `json:"floor_farm_read_delay_p99_ms"`
	FloorConnectMS        float64 `json:"floor_connect_mean_ms"`
	FloorCPUPerReqMS      float64 `json:"floor_cpu_per_request_ms"`
	// FloorPacedCPUPerReqMS is the floor's CPU per request at FloorPacedRate requests a second,
	// evenly spread: uptty's own rate, the fair comparison for its CPU per check.
	FloorPacedCPUPerReqMS float64 `json:"floor_paced_cpu_per_request_ms"`
	FloorPacedRate        float64 `json:"floor_paced_rate_per_s"`
	CPUPerCheckMS         float64 `json:"cpu_per_check_ms"`
	CPUShare              float64 `json:"cpu_share_of_one_core"`
	// SleepsPerCheck is the voluntary context switches of uptty's threads per check in the
	// steady state: each is a thread that went to sleep and was woken again.
	SleepsPerCheck float64 `json:"thread_sleeps_per_check"`
	// SleepsBusiestPerCheck is the part of SleepsPerCheck of the thread with the most: the Go
	// runtime's sysmon.
	SleepsBusiestPerCheck float64 `json:"thread_sleeps_busiest_per_check"`
	CPUTotalS             float64 `json:"cpu_total_s"`
	RSSLastMB             float64 `json:"rss_last_mb"`
	RSSMaxMB              float64 `json:"rss_max_mb"`
	HWMMB                 float64 `json:"vm_hwm_mb"`
	RSSAnonMB             float64 `json:"rss_anon_mb"`
	RSSFileMB             float64 `json:"rss_file_mb"`
	TermBytesPerS         float64 `json:"terminal_bytes_per_s,omitempty"`
	SSEViewers            int     `json:"sse_viewers"`
	SSHViewers            int     `json:"ssh_viewers"`
	// SSEBytesPerViewerS and SSHBytesPerViewerS are what one viewer read a second in the
	// steady state (SSH: the terminal's bytes, after decryption).
	SSEBytesPerViewerS float64 `json:"sse_bytes_per_viewer_s,omitempty"`
	SSHBytesPerViewerS float64 `json:"ssh_bytes_per_viewer_s,omitempty"`
	// HeapInUseMB is serve's go_memstats_heap_inuse_bytes at the end, viewers attached.
	HeapInUseMB float64 `json:"heap_inuse_mb,omitempty"`
}

func report(f *farm, o options, recs []record, results []result, t0, steadyAt, stopAt time.Time) figures {
	r := figures{Services: o.n, IntervalS: o.interval.Seconds(), DurationS: o.duration.Seconds(),
		Hogs: o.hogs, Hung: o.hang, TUI: o.tui, Requests: len(recs), Stored: len(results)}
	slices.SortFunc(recs, func(a, b record) int { return cmp64(a.start, b.start) })

	// The first round: when the last service got its first request.
	seen := make([]bool, o.n)
	left := o.n - o.hang
	for _, x := range recs {
		if !seen[x.svc] {
			seen[x.svc] = true
			if left--; left == 0 {
				r.FirstRoundS = float64(x.start-t0.UnixNano()) / 1e9
				break
			}
		}
	}
	if left > 0 {
		r.FirstRoundS = math.Inf(1)
	}

	// Requests per 100 ms, start-up (before steadyAt) and steady state.
	bucket := func(from, to time.Time) (mean float64, peak int) {
		n := int(to.Sub(from) / (100 * time.Millisecond))
		if n <= 0 {
			return 0, 0
		}
		counts := make([]int, n)
		total := 0
		for _, x := range recs {
			k := int((x.start - from.UnixNano()) / int64(100*time.Millisecond))
			if x.start >= from.UnixNano() && k < n {
				counts[k]++
				total++
			}
		}
		return float64(total) / float64(n), slices.Max(counts)
	}
	_, r.StartPeak100ms = bucket(t0, steadyAt)
	r.Mean100ms, r.Peak100ms = bucket(steadyAt, stopAt)
	// The same count from uptty's side: when it says each check started. A peak here and not
	// above is uptty's schedule; a peak above only is queueing between the two.
	if from, n := steadyAt.UnixMilli(), int(stopAt.Sub(steadyAt)/(100*time.Millisecond)); n > 0 {
		counts := make([]int, n)
		for _, x := range results {
			if k := int((x.at - from) / 100); x.at >= from && k < n {
				counts[k]++
			}
		}
		r.StartsPeak100ms = slices.Max(counts)
	}
	r.GridPeak100ms, r.LateP50MS, r.LateP99MS, r.LateMaxMS, r.LateOffGrid = lateness(f, o, results, steadyAt, stopAt)
	for _, x := range recs {
		if x.start >= steadyAt.UnixNano() && x.start < stopAt.UnixNano() {
			r.SteadyRequests++
		}
	}
	// A failing service is checked again after the retry interval (5 s, or the interval if
	// shorter) rather than the interval.
	failing := 0
	if o.failEvery > 0 {
		for i := range o.n {
			if i%o.failEvery == o.failEvery-1 && !f.hung(i) {
				failing++
			}
		}
	}
	w := stopAt.Sub(steadyAt).Seconds()
	r.SteadyExpected = float64(o.n-o.hang-failing)*w/o.interval.Seconds() + float64(failing)*w/min(5*time.Second, o.interval).Seconds()

	// Match each stored result to the request it made: per service, the first request not yet
	// matched that the handler entered after the check started (less 2 ms of clock rounding:
	// `at` is whole milliseconds) and within the check's timeout of it (a check may wait that
	// long for its connection when uptty is behind).
	bySvc := make([][]record, o.n)
	for _, x := range recs {
		bySvc[x.svc] = append(bySvc[x.svc], x)
	}
	slices.SortFunc(results, func(a, b result) int {
		if a.svc != b.svc {
			return int(a.svc - b.svc)
		}
		return cmp64(a.at, b.at)
	})
	var steadyErr, startErr, steadyHandlerErr, readDelay, flushDelay, writeCall, txInCall []float64
	var handler, own float64
	next := make([]int, o.n)
	for _, res := range results {
		if int(res.svc) >= o.n {
			continue
		}
		list := bySvc[res.svc]
		at := res.at * int64(time.Millisecond)
		j := next[res.svc]
		for j < len(list) && list[j].start < at-int64(2*time.Millisecond) {
			j++
		}
		if j == len(list) || list[j].start > at+int64(min(10*time.Second, o.interval)) {
			continue
		}
		next[res.svc] = j + 1
		x := list[j]
		ownNS, stamped := x.own()
		e := float64(res.latency)/1e3 - float64(ownNS)/1e6
		handler += float64(x.dur) / 1e6
		own += float64(ownNS) / 1e6
		r.Matched++
		if x.start < steadyAt.UnixNano() {
			startErr = append(startErr, e)
			continue
		}
		steadyErr = append(steadyErr, e)
		steadyHandlerErr = append(steadyHandlerErr, float64(res.latency)/1e3-float64(x.dur)/1e6)
		if !stamped {
			r.Unstamped++
			continue
		}
		readDelay = append(readDelay, float64(x.start-x.rx)/1e6)
		flushDelay = append(flushDelay, float64(x.wrote-x.start-x.dur)/1e6)
		writeCall = append(writeCall, float64(x.wroteEnd-x.wrote)/1e6)
		if x.tx == 0 {
			r.NoTxStamp++
		} else {
			txInCall = append(txInCall, float64(x.tx-x.wrote)/1e6)
		}
	}
	if r.Matched > 0 {
		r.HandlerMeanMS = handler / float64(r.Matched)
		r.OwnMeanMS = own / float64(r.Matched)
	}
	r.ErrMeanMS, r.ErrP50MS, r.ErrP99MS, r.ErrMaxMS = stats(steadyErr)
	r.HandlerErrMeanMS, r.HandlerErrP50MS, r.HandlerErrP99MS, r.HandlerErrMaxMS = stats(steadyHandlerErr)
	r.StartErrMeanMS, _, r.StartErrP99MS, _ = stats(startErr)
	r.ReadDelayMeanMS, _, r.ReadDelayP99MS, r.ReadDelayMaxMS = stats(readDelay)
	r.FlushDelayMeanMS, _, r.FlushDelayP99MS, _ = stats(flushDelay)
	r.WriteCallMeanMS, _, r.WriteCallP99MS, _ = stats(writeCall)
	r.TxInCallMeanMS, _, r.TxInCallP99MS, r.TxInCallMaxMS = stats(txInCall)
	return r
}

// lateness compares the steady state's passing checks with the grid uptty schedules them on,
// as the checks themselves show it, so that it holds for any binary (--bin) whatever its way of
// placing services: a service's grid point is the earliest of its passing checks' starts in the
// steady state, modulo the interval (at the history's ms precision), that its checks keep
// coming back to (gridPoint). It returns the peak per 100 ms those grid points alone give, and
// how late each passing check started against its service's, up to a quarter interval (a later
// start is not told from one on another grid: a retry's, a pass after one), and how many were
// left out for that.
func lateness(f *farm, o options, results []result, from, to time.Time) (gridPeak int, p50, p99, maxV float64, offGrid int) {
	iv := int64(o.interval)
	picked, grid, seen := grids(o, results, from, to)
	counts := make([]int, max(iv/int64(100*time.Millisecond), 1))
	for i, g := range grid {
		if seen[i] {
			phase := (g%iv + iv) % iv
			counts[min(phase/int64(100*time.Millisecond), int64(len(counts)-1))]++
		}
	}
	var late []float64
	for _, x := range picked {
		if past, ok := lateBy(x, grid, iv); ok {
			late = append(late, float64(past)/1e6)
		} else {
			offGrid++
		}
	}
	_, p50, p99, maxV = stats(late)
	return slices.Max(counts), p50, p99, maxV, offGrid
}

// grids returns the passing checks from from to to, and each service's grid point (Unix ns;
// seen says which services have one).
func grids(o options, results []result, from, to time.Time) (picked []result, grid []int64, seen []bool) {
	ms := int64(time.Millisecond)
	starts := make([][]int64, o.n)
	for _, x := range results {
		at := x.at * ms
		if !x.ok || at < from.UnixNano() || at >= to.UnixNano() || int(x.svc) >= o.n {
			continue
		}
		picked = append(picked, x)
		starts[x.svc] = append(starts[x.svc], at)
	}
	grid, seen = make([]int64, o.n), make([]bool, o.n)
	for i, s := range starts {
		if len(s) > 0 {
			grid[i], seen[i] = gridPoint(s, int64(o.interval)), true
		}
	}
	return picked, grid, seen
}

// lateBy is how late x started against its service's grid point (ns, 0 for a start a little
// ahead of it); ok is false for a start more than a quarter interval off the grid: a retry's,
// a pass after one, or late by most of an interval, which cannot be told apart.
func lateBy(x result, grid []int64, iv int64) (late int64, ok bool) {
	past := around(x.at*int64(time.Millisecond)-grid[x.svc], iv)
	if past > iv/4 || past < -iv/4 {
		return 0, false
	}
	return max(past, 0), true
}

// gridPoint is the grid point of a service whose checks started at starts (Unix ns), on a grid
// of iv: on the interval's circle, centred on the starts' median, the earliest start that at
// least one in 20 of them (3 at least) come within 2 ms after. Not the earliest outright: a
// check late by more than half an interval (every service due in a stall of a second, at 1 s)
// reads as early on the circle, and as the grid point it made every other check of its service
// read as late by up to half an interval (session 10's hour at 1 s: late by 0-250 ms evenly,
// the farm's cap, and half the services' grid points on one 100 ms). A service's checks come
// back to its grid point, a stall's come once each; checks started a little ahead of their time
// (StartAhead) come back to theirs too, and count. With fewer than 20 starts, the earliest.
func gridPoint(starts []int64, iv int64) int64 {
	d := make([]int64, len(starts))
	ref := starts[0]
	for range 2 { // the second pass centres on the bulk even when the first start was off it
		for k, at := range starts {
			d[k] = around(at-ref, iv)
		}
		slices.Sort(d)
		ref += d[len(d)/2]
	}
	for k, at := range starts {
		d[k] = around(at-ref, iv)
	}
	slices.Sort(d)
	if len(d) < 20 {
		return ref + d[0]
	}
	need := max(3, len(d)/20)
	const near = int64(2 * time.Millisecond)
	j := 0
	for i := range d {
		for j < len(d) && d[j] <= d[i]+near {
			j++
		}
		if j-i >= need {
			return ref + d[i]
		}
	}
	return ref // spread wider than any 2 ms: the median
}

// around maps d onto (-iv/2, iv/2] modulo iv.
func around(d, iv int64) int64 {
	d = (d%iv + iv) % iv
	if d > iv/2 {
		d -= iv
	}
	return d
}

func stats(v []float64) (mean, p50, p99, maxV float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	slices.Sort(v)
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	q := func(p float64) float64 { return v[min(int(p*float64(len(v))), len(v)-1)] }
	return sum / float64(len(v)), q(0.50), q(0.99), v[len(v)-1]
}

func (r figures) print(w io.Writer) {
	mode := "serve"
	if r.TUI {
		mode = "tui 120x40"
	}
	fmt.Fprintf(w, "uptty %s: %d services at %gs for %gs, hogs %d, hung %d\n", mode, r.Services, r.IntervalS, r.DurationS, r.Hogs, r.Hung)
	fmt.Fprintf(w, "  first round         all services checked %.2f s after start; start-up peak %d requests per 100 ms\n", r.FirstRoundS, r.StartPeak100ms)
	fmt.Fprintf(w, "  requests / 100 ms   steady mean %.1f, peak %d (%.1fx the mean); %d requests in the steady state, %.0f due (retries included)\n",
		r.Mean100ms, r.Peak100ms, float64(r.Peak100ms)/math.Max(r.Mean100ms, 1e-9), r.SteadyRequests, r.SteadyExpected)
	fmt.Fprintf(w, "  check starts        steady peak %d per 100 ms by uptty's own start times (its grid alone: %d); passing checks start late by p50 %.0f ms, p99 %.0f, max %.0f (%d more than a quarter interval off their grid, left out)\n",
		r.StartsPeak100ms, r.GridPeak100ms, r.LateP50MS, r.LateP99MS, r.LateMaxMS, r.LateOffGrid)
	fmt.Fprintf(w, "  latency error       steady mean %+.2f ms, p50 %+.2f, p99 %+.2f, max %+.1f (floor mean %+.2f, p99 %+.2f); start-up mean %+.2f, p99 %+.2f (target's own time %.2f ms, from the kernel's receipt of the request to its sending of the answer)\n",
		r.ErrMeanMS, r.ErrP50MS, r.ErrP99MS, r.ErrMaxMS, r.FloorErrMeanMS, r.FloorErrP99MS, r.StartErrMeanMS, r.StartErrP99MS, r.OwnMeanMS)
	fmt.Fprintf(w, "    vs handler clock  steady mean %+.2f ms, p50 %+.2f, p99 %+.2f, max %+.1f (floor mean %+.2f, p99 %+.2f) (handler %.2f ms; the yardstick before session 12)\n",
		r.HandlerErrMeanMS, r.HandlerErrP50MS, r.HandlerErrP99MS, r.HandlerErrMaxMS, r.FloorHandlerErrMeanMS, r.FloorHandlerErrP99MS, r.HandlerMeanMS)
	fmt.Fprintf(w, "    farm's delays     request received to handler mean %.2f ms, p99 %.2f, max %.1f (floor's p99 %.2f); handler's clock to the answer's write mean %.2f, p99 %.2f; the write call mean %.3f, p99 %.3f, the answer sent %.3f into it (p99 %.3f, max %.1f); %d requests unstamped, %d without the answer's transmit time\n",
		r.ReadDelayMeanMS, r.ReadDelayP99MS, r.ReadDelayMaxMS, r.FloorReadDelayP99MS, r.FlushDelayMeanMS, r.FlushDelayP99MS, r.WriteCallMeanMS, r.WriteCallP99MS, r.TxInCallMeanMS, r.TxInCallP99MS, r.TxInCallMaxMS, r.Unstamped, r.NoTxStamp)
	cpuFloor := "not measured"
	if r.FloorCPUPerReqMS > 0 || r.FloorPacedCPUPerReqMS > 0 {
		cpuFloor = fmt.Sprintf("%.3f ms per request paced (%.0f a second, evenly), %.3f back to back", r.FloorPacedCPUPerReqMS, r.FloorPacedRate, r.FloorCPUPerReqMS)
	}
	fmt.Fprintf(w, "  floor               a raw client in this process, same targets, same run: latency error mean %+.2f ms, p50 %+.2f, p99 %+.2f, max %+.1f over %d requests (connect %.2f ms of it); CPU %s\n",
		r.FloorErrMeanMS, r.FloorErrP50MS, r.FloorErrP99MS, r.FloorErrMaxMS, r.FloorRequests, r.FloorConnectMS, cpuFloor)
	fmt.Fprintf(w, "  history             %d results stored for %d requests (%d matched)\n", r.Stored, r.Requests, r.Matched)
	fmt.Fprintf(w, "  CPU                 %.3f ms per check, %.1f%% of one core (steady state); %.2f CPU-s in all; floor %s\n", r.CPUPerCheckMS, 100*r.CPUShare, r.CPUTotalS, cpuFloor)
	fmt.Fprintf(w, "  thread sleeps       %.2f per check, %.2f without the busiest thread (sysmon) (voluntary context switches of uptty's threads, steady state)\n", r.SleepsPerCheck, r.SleepsPerCheck-r.SleepsBusiestPerCheck)
	heap := ""
	if r.HeapInUseMB > 0 { // read from serve's /metrics, with viewers
		heap = fmt.Sprintf("; Go heap in use %.1f MB at the end", r.HeapInUseMB)
	}
	fmt.Fprintf(w, "  memory              RSS %.1f MB at the end (anonymous %.1f, file %.1f), %.1f MB max sampled, VmHWM %.1f MB%s\n", r.RSSLastMB, r.RSSAnonMB, r.RSSFileMB, r.RSSMaxMB, r.HWMMB, heap)
	if r.SSEViewers+r.SSHViewers > 0 {
		fmt.Fprintf(w, "  viewers             %d event streams, %.0f bytes per second each; %d SSH viewers (120x40), %.0f terminal bytes per second each\n",
			r.SSEViewers, r.SSEBytesPerViewerS, r.SSHViewers, r.SSHBytesPerViewerS)
	}
	if r.TUI {
		fmt.Fprintf(w, "  terminal            %.0f bytes per second (steady state)\n", r.TermBytesPerS)
	}
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
func mb(b int64) float64         { return float64(b) / (1 << 20) }
