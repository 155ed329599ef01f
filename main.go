// Command uptty is service uptime in your terminal: it checks every service in a YAML file
// concurrently and shows, live, which are UP or DOWN, their latency, and every outage with
// when it began and how long it lasted.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	xterm "github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/demo"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/importer"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/report"
	_ "github.com/uptty/uptty/termquery" // its init: Bubble Tea v1 asks the terminal nothing at start-up
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui"
	"github.com/uptty/uptty/wallclock"
)

// checkStartAhead is how far ahead of its due time uptty and uptty serve start a check along
// with one that is due (monitor.Options.StartAhead): on a small VM a check's CPU is mostly the
// waking for it, paid once per group. Measured on the bench farm (README "The load farm"): -36%
// CPU per check at 1,000 services every 10 s, 44% → 31% of a core at 10,000, the latency error
// within 0.03 ms of its figure without; a check starts at most 20 ms early, or 2% of its
// interval where the checks are sparse (the monitor widens the window there), never late.
const checkStartAhead = 20 * time.Millisecond

// version is set at build time with -ldflags "-X main.version=v0.1.0"; otherwise it comes from
// the module's build info.
var version = ""

// Exit codes, as in the contract.
const (
	exitOK    = 0
	exitDown  = 1
	exitUsage = 2
	// exitFailed is the live monitor failing at run time (a bug); the contract gives check's 1
	// no other meaning there.
	exitFailed = 1
)

const usage = `uptty: service uptime in your terminal

Usage:
  uptty [--config FILE] [--theme dark|light] [--ascii] [--wall[=groups]]
        [--mouse] [--quiet] [--debug-log FILE] [--metrics ADDR]
      the live monitor (the demo when no config is found)
  uptty --demo
      the live monitor of built-in simulated services
  uptty check [--config FILE] [--json]
      check every service once; exit 1 if any is down
  uptty validate [--config FILE]
      check the config file and say what is wrong
  uptty incidents [--config FILE] [--since 7d] [--service NAME] [--all] [--json]
      list outages from the history, newest first
  uptty alerts [--config FILE] [--since DUR] [--all] [--json]
      list alerts sent, pending, failed and given up
  uptty silence NAME DURATION [--reason TEXT] [--group] [--config FILE]
      no alerts from a service (or, with --group, a group) for DURATION;
      a running uptty heeds it
  uptty silence --list [--json] [--config FILE]
      list the silences in force
  uptty unsilence NAME [--config FILE]
      end the silences of a service or group
  uptty serve [--config FILE] [--listen ADDR] [--token-file FILE]
        [--log-format text|json] [--tls-cert FILE --tls-key FILE]
        [--max-streams N] [--ssh ADDR --authorized-keys FILE
        [--ssh-operators FILE] [--ssh-max-sessions N]]
      no screen: the monitor and history behind an HTTP API (and, with
      --ssh, the live screen over SSH)
  uptty attach URL [--token-file FILE] [--ca FILE] [--theme dark|light]
        [--ascii] [--wall[=groups]] [--mouse]
      the live screen on a running uptty serve
  uptty attach prometheus+http://HOST:PORT [--selector '{job="blackbox"}']
        [screen flags]
      the live screen over Prometheus's probe_* series
  uptty init [--config FILE] [--force] [--from URL... | -]
      write a starter config (default ./uptty.yaml); with --from, a
      service per URL, the kind from its scheme
  uptty import gatus|kuma FILE
      convert a Gatus config or an Uptime Kuma backup: the config on
      stdout, what was not carried over on stderr (and as comments)
  uptty completion bash|zsh|fish|powershell
      print the shell's completion script (commands, flags and the
      config's service names)
  uptty man [--dir DIR]
      write the man pages (uptty.1, uptty-check.1...) to DIR (default:
      the current directory)
  uptty help COMMAND, uptty COMMAND --help
      a command's flags, with examples
  uptty --version | --help, uptty version

Flags:
  -c, --config FILE   config file (default: $UPTTY_CONFIG, ./uptty.yaml,
                      $XDG_CONFIG_HOME/uptty/config.yaml)
      --debug-log FILE
                      (live monitor) append a debug log to FILE (mode 0600):
                      config loaded, monitor start and stop, state changes,
                      history problems, terminal size changes; service
                      names and states, never URLs or headers
      --demo          monitor the built-in demo services
      --metrics ADDR  (live monitor) serve Prometheus metrics on
                      http://ADDR/metrics; an address that is not loopback
                      needs a token: $UPTTY_TOKEN or --token-file
      --json          (check, incidents, alerts, silence --list) print JSON
                      instead of a table
      --reason TEXT   (silence) why, shown with the silence
      --group         (silence) NAME is a group: silence every service in it
      --list          (silence) list the silences in force
      --quiet         (live monitor) no bell nor desktop notification on
                      DOWN and recovery
      --since DUR     (incidents) outages going on within DUR of now
                      (default 7d; 0 for all); (alerts) alerts queued
                      within DUR, and all still pending (default: all)
      --service NAME  (incidents) only this service's outages
      --all           (incidents, alerts) also the services the config does not
                      have: removed from it, or another config's in a shared
                      history file
      --theme NAME    dark (default) or light: colours for the terminal's
                      background
      --ascii         (live monitor, attach) draw with ASCII only; the
                      default on TERM=linux or vt* and under a locale that
                      is not UTF-8 (--ascii=false turns it off)
      --wall[=groups] (live monitor, attach) start on the wallboard: a tile
                      per service (or per group), problems first and
                      largest; W switches between it and the list
      --mouse         (live monitor, attach) the wheel moves and scrolls, a
                      click selects and opens; off by default, so that
                      selecting text with the mouse works
      --wall-page DUR (live monitor, attach) how long the wallboard shows a
                      page of healthy tiles when they do not all fit
                      (default 10s); pgdown and pgup turn a page at once
      --listen ADDR   (serve) address of the HTTP API (default
                      127.0.0.1:9870); one that is not loopback needs a
                      token: $UPTTY_TOKEN or --token-file
      --token-file F  (serve, attach) file holding the bearer token every
                      request carries
      --selector SEL  (attach prometheus+…) label matchers every query
                      carries, such as '{job="blackbox"}' (default: every
                      probe_success series)
      --log-format F  (serve) text (default) or json logs on stderr
      --tls-cert F, --tls-key F
                      (serve) serve the API over TLS (1.2 at least) with
                      this PEM certificate (chain) and its key; SIGHUP
                      reads them again. A token is still needed off
                      loopback
      --max-streams N (serve) event streams (attached screens) at once
                      (default 256); past it /api/v1/events answers 503
                      with Retry-After
      --ca FILE       (attach) trust the PEM certificates in FILE (a private
                      CA) for an https:// server, instead of the system's
      --ssh ADDR      (serve) let viewers log in with ssh -p PORT HOST and
                      get the live screen; needs --authorized-keys; the
                      host key is kept beside the history
      --authorized-keys F
                      (serve) the public keys that may log in over SSH, one
                      a line; no passwords
      --ssh-operators F
                      (serve) keys that may also pause (p), silence (m) and
                      acknowledge (a); others only look
      --ssh-max-sessions N
                      (serve) SSH viewers at once (default 32)
      --force         (init) overwrite the config file if it exists
      --from URL...   (init) a service per URL: a scheme uptty checks is
                      kept, host:port is tcp://host:port, a bare host (or
                      host/path) is https://
      --dir DIR       (man) where to write the pages (default: the current
                      directory)

Flags go before or after the command (uptty -c x.yaml check --json); uptty
COMMAND --help lists a command's own.

Reload: SIGHUP, saving the config file, or r in the live screen re-read the
config (uptty and uptty serve) without missing a check; an invalid file
changes nothing and says why.

History is kept in history.path (default $XDG_STATE_HOME/uptty/history.db);
see README.md.

Exit codes: 0 ok (check: all up or degraded), 1 check found a service down,
2 usage or config error, 3 the live monitor crashed (a panic, or
SIGQUIT/SIGABRT): the terminal is restored, the history closed and a crash
dump written to $XDG_STATE_HOME/uptty/crash-TIME.txt.
`

// noConfig is what a subcommand says when it finds no config.
const noConfig = "uptty: no config found (looked at $UPTTY_CONFIG, ./uptty.yaml, $XDG_CONFIG_HOME/uptty/config.yaml); pass --config FILE, or write one: uptty init"

// defaultSince is how far back `uptty incidents` looks without --since.
const defaultSince = 7 * 24 * time.Hour

// options are the parsed command line.
type options struct {
	command string // "" (the live monitor) or the command's name: "check", "serve"...
	quiet   bool   // live monitor: no terminal alerts
	config  string
	demo    bool
	json    bool
	theme   string
	version bool
	help    bool
	since   time.Duration // incidents, alerts: how far back; 0 for all
	service string        // incidents: only this service
	// allServices is incidents and alerts --all: also the services the config does not have.
	allServices bool
	debugLog    string        // live monitor: the debug log's path, "" for none
	ascii       bool          // live monitor: --ascii as given, when asciiSet
	asciiSet    bool          // --ascii was given; otherwise the environment decides
	wall        string        // live monitor: "" (the list), "services" or "groups"
	wallPage    time.Duration // live monitor: --wall-page; 0 for the default
	mouse       bool          // live monitor: read the mouse
	serve       serveOptions  // serve's own flags
	metrics     string        // live monitor: serve GET /metrics on this address
	// attachURL is attach's server address; selector narrows attach prometheus+http://….
	attachURL string
	selector  string
	silence   silenceOptions
	args      []string // silence, unsilence, completion: the words after the command
	init      initOptions
	manDir    string // man: --dir, "" for the current directory
}

func main() {
	wallclock.Enable()
	procsPolicy = true
	setMemoryPolicy(os.LookupEnv)
	stop := startCPUProfile(os.Getenv("UPTTY_CPUPROFILE"))
	code := run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

// run is the whole program, with its environment passed in so that tests can drive it.
func run(args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	c := newCLI(stdout, stderr, getenv, func(cmd *cobra.Command, opts options) int {
		return dispatch(cmd, opts, stdout, stderr, getenv)
	})
	if cmd, err := c.execute(args); err != nil {
		return usageError(stderr, cmd, err)
	}
	return c.code
}

// usageError says err in one line, and where to read more, and returns exitUsage: cobra's own
// printing is off (it would add the whole usage). cmd is the command that refused, when
// parsing got that far; help's pointer is uptty --help, as its errors are unknown commands.
func usageError(stderr io.Writer, cmd *cobra.Command, err error) int {
	path := "uptty"
	if cmd != nil && cmd.HasParent() && cmd.Name() != "help" {
		path = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "uptty: %v\nRun '%s --help' for usage.\n", err, path)
	return exitUsage
}

// dispatch runs the command the command line named.
func dispatch(cmd *cobra.Command, opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	if opts.version {
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	}
	switch opts.command {
	case "check":
		return runCheck(opts, stdout, stderr, getenv)
	case "validate":
		return runValidate(opts, stdout, stderr, getenv)
	case "incidents":
		return runIncidents(opts, stdout, stderr, getenv)
	case "alerts":
		return runAlerts(opts, stdout, stderr, getenv)
	case "serve":
		return runServe(opts, stderr, getenv)
	case "attach":
		return runAttach(opts, stderr, getenv)
	case "silence":
		return runSilence(opts, stdout, stderr, getenv)
	case "unsilence":
		return runUnsilence(opts, stdout, stderr, getenv)
	case "init":
		return runInit(opts, os.Stdin, stdout, stderr, getenv)
	case "completion":
		return runCompletion(cmd.Root(), opts.args[0], stdout, stderr)
	case "man":
		return runMan(cmd.Root(), opts.manDir, stdout, stderr, getenv)
	case "import":
		return importer.Run(opts.args[0], opts.args[1], stdout, stderr)
	}
	return runMonitor(opts, stderr, getenv)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// loadConfig finds and loads the config; found is false when none exists anywhere.
func loadConfig(opts options, getenv func(string) (string, bool)) (cfg *config.Config, found bool, err error) {
	path, found, err := config.Find(opts.config, getenv)
	if err != nil {
		return nil, found, fmt.Errorf("uptty: %w", err) // as a file too big to read says it
	}
	if !found {
		return nil, false, nil
	}
	data, err := config.ReadFile(path)
	if err != nil {
		return nil, true, fmt.Errorf("uptty: %w", err)
	}
	cfg, err = config.Parse(data, path, getenv, probe.Kinds())
	return cfg, true, err
}

// unsetMark stands in for a variable that is not set when loadConfigForHistory retries.
const unsetMark = "uptty-unset-variable-"

// loadConfigForHistory is loadConfig for the commands that only name services and read or write
// the history file (incidents, alerts, silence, unsilence): the operator who silences a service
// during an incident may not have its secrets in the shell. When the config fails only for
// want of variables, it is read again with a placeholder for each, and used if neither the
// history path nor a service's name or group depends on one; otherwise the first error stands.
func loadConfigForHistory(opts options, getenv func(string) (string, bool)) (*config.Config, bool, error) {
	cfg, found, err := loadConfig(opts, getenv)
	if err == nil || !found {
		return cfg, found, err
	}
	unset := 0
	lenient := func(name string) (string, bool) {
		if v, ok := getenv(name); ok {
			return v, true
		}
		unset++
		return unsetMark + name, true
	}
	// The lookup ($UPTTY_CONFIG, $XDG_CONFIG_HOME) reads the real variables: a placeholder for
	// an unset $UPTTY_CONFIG would be taken for the file to read.
	path, _, _ := config.Find(opts.config, getenv)
	atPath := opts
	atPath.config = path
	retry, _, rerr := loadConfig(atPath, lenient)
	if rerr != nil || unset == 0 || strings.Contains(retry.History.Path, unsetMark) {
		return cfg, found, err
	}
	for _, s := range retry.Services {
		if strings.Contains(s.Name, unsetMark) || strings.Contains(s.Group, unsetMark) {
			return cfg, found, err
		}
	}
	return retry, found, nil
}

// requireConfig loads the config for the commands that cannot do without one (check,
// validate, incidents): unlike the live monitor, they have no demo to fall back to.
func requireConfig(opts options, getenv func(string) (string, bool)) (*config.Config, error) {
	cfg, found, err := loadConfig(opts, getenv)
	if err == nil && !found {
		err = errors.New(noConfig)
	}
	return cfg, err
}

// maxConfigErrors is how many of a config's errors the live monitor and check print: a
// mistake repeated through a generated config would print thousands of lines and scroll the
// first, which often explain the rest, out of sight. uptty validate prints every one.
const maxConfigErrors = 20

// writeConfigErr prints err, a config's errors after the first maxConfigErrors counted.
func writeConfigErr(w io.Writer, err error) {
	errs := config.Errors(err)
	if len(errs) <= maxConfigErrors {
		fmt.Fprintln(w, err)
		return
	}
	for _, e := range errs[:maxConfigErrors] {
		fmt.Fprintln(w, e)
	}
	fmt.Fprintf(w, "… and %d more errors: uptty validate -c %s lists every one\n", len(errs)-maxConfigErrors, shellWord(errs[0].File))
}

func runValidate(opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	cfg, err := requireConfig(opts, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if _, err := buildTargets(cfg); err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	noun := "services"
	if len(cfg.Services) == 1 {
		noun = "service"
	}
	fmt.Fprintf(stdout, "%s: ok, %d %s\n", cfg.Path, len(cfg.Services), noun)
	return exitOK
}

func runCheck(opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	cfg, err := requireConfig(opts, getenv)
	if err != nil {
		writeConfigErr(stderr, err)
		return exitUsage
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		writeConfigErr(stderr, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	checkedAt := time.Now().UTC() // as the contract writes it: 2026-11-25T13:00:00Z
	statuses := monitor.CheckAll(ctx, targets, cfg.Concurrency)
	markVia(cfg.Services, statuses)
	if opts.json {
		doc := report.CheckDocOf(checkedAt, cfg.Services, statuses)
		quiet := checkQuiet(cfg, checkedAt)
		for i := range doc.Services {
			mk := quiet.Mark(doc.Services[i].Name, checkedAt)
			doc.Services[i].SetMark(mk.Maintenance, mk.SilencedUntil)
		}
		err = report.WriteCheckDoc(stdout, doc)
	} else {
		err = report.WriteCheckTable(stdout, cfg.Services, statuses, false, onTerminal(stdout, getenv), terminalWidth(stdout))
	}
	if err != nil {
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	if ctx.Err() != nil {
		// Cut short, some services were never judged: a cron job must not read that as "all up".
		fmt.Fprintln(stderr, "uptty: check interrupted before every service was judged")
		return exitDown
	}
	for _, st := range statuses {
		if st.State == track.Down {
			return exitDown
		}
	}
	return exitOK
}

// markVia writes the dependency a DOWN service is down because of before its reason, as the
// screen does ("(via Core router) connection refused"): the first of its depends_on that the
// same pass found DOWN.
func markVia(services []config.Service, st []track.Status) {
	down := make(map[string]bool, len(services))
	for i, s := range services {
		down[s.Name] = i < len(st) && st[i].State == track.Down
	}
	for i, s := range services {
		if i >= len(st) || st[i].State != track.Down {
			continue
		}
		for _, d := range s.DependsOn {
			if down[d] {
				st[i].Reason = text.WithVia(st[i].Reason, d)
				break
			}
		}
	}
}

// asciiScreen says whether the screen draws with ASCII only: as --ascii says, else as the
// terminal and locale suggest.
func asciiScreen(opts options, getenv func(string) (string, bool)) bool {
	if opts.asciiSet {
		return opts.ascii
	}
	return ui.ASCIIFromEnv(func(k string) string { v, _ := getenv(k); return v })
}

// historyServices is what history is told of the services.
func historyServices(services []config.Service) []history.Service {
	out := make([]history.Service, len(services))
	for i, s := range services {
		out[i] = history.Service{Name: s.Name, Group: s.Group, Interval: s.Interval}
	}
	return out
}

// buildTargets makes a checker for every service; an error names the service and its line.
// The checkers are made on every CPU: 10,000 of them take tens of milliseconds, on the way to
// the first frame.
func buildTargets(cfg *config.Config) ([]monitor.Target, error) {
	all := make([]monitor.Target, len(cfg.Services))
	errs := make([]error, len(cfg.Services))
	workers := min(runtime.GOMAXPROCS(0), max(len(cfg.Services)/256, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cfg.Services); i += workers {
				svc := cfg.Services[i]
				checker, err := probe.New(svc)
				if err != nil {
					errs[i] = fmt.Errorf("%s:%d: services[%d] (%s): %w", cfg.Path, svc.Line, i, svc.Name, err)
					continue
				}
				all[i] = monitor.Target{Service: svc, Checker: checker}
			}
		})
	}
	wg.Wait()
	targets := all[:0]
	for i, t := range all {
		if errs[i] == nil {
			targets = append(targets, t)
		}
	}
	return targets, errors.Join(errs...)
}

func runMonitor(opts options, stderr io.Writer, getenv func(string) (string, bool)) (code int) {
	dlog, logFile, err := openDebugLog(opts.debugLog)
	if err != nil {
		fmt.Fprintln(stderr, "uptty: --debug-log:", err)
		return exitUsage
	}
	defer logFile.Close()
	defer func() { dlog.Info("exit", "code", code) }()
	// Start-up makes much garbage at once (the config's YAML tree); collected at the default
	// pace it cost a third of the time to read 10,000 services. Until the first frame is on its
	// way the heap may grow further between collections.
	gcPercent := debug.SetGCPercent(400)
	gcBack := sync.OnceFunc(func() { debug.SetGCPercent(gcPercent) })
	defer gcBack()
	var cfg *config.Config
	hint := ""
	isDemo := opts.demo
	if !isDemo {
		loaded, found, err := loadConfig(opts, getenv)
		if err != nil {
			dlog.Error("config not loaded") // the error may quote the config: it goes to stderr only
			writeConfigErr(stderr, err)
			return exitUsage
		}
		if found {
			cfg = loaded
		} else {
			isDemo = true
			hint = "Demo: no config found. Use --config FILE, or uptty init."
		}
	}
	if isDemo {
		d, err := demo.Start()
		if err != nil {
			fmt.Fprintln(stderr, "uptty:", err)
			return exitUsage
		}
		defer d.Close()
		cfg = d.Config
	}
	logConfig(dlog, cfg, isDemo)
	setProcs(cfg.Services, getenv)
	targets, err := buildTargets(cfg)
	if err != nil {
		dlog.Error("config invalid") // the error may quote the config: it goes to stderr only
		writeConfigErr(stderr, err)
		return exitUsage
	}
	var tty io.Writer = os.Stdout
	if opts.quiet {
		tty = nil
	}
	_, tmux := getenv("TMUX")
	senders, err := buildSenders(cfg, tty, tmux)
	if err != nil {
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	// net/http (and the demo's servers) report oddities, such as a server that talks before it
	// is asked, through the standard logger: on a full-screen UI those lines would scribble
	// over the table. What matters reaches the screen as a check's reason instead.
	log.SetOutput(io.Discard)
	// On a terminal, the screen starts now, from the config alone (see earlyScreen): every config
	// error has been told, as the contract wants, before any screen is drawn. A history error
	// found after this stops it first (early.stop), and is told as before. With --metrics the
	// screen waits, since a port in use is a usage error too.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	guard := &crashGuard{}
	testPanic, _ := getenv(testPanicEnv)
	var early *earlyScreen
	var saved savedTerminal
	startScreen := func(first tea.Model) {
		saved = saveTerminal()
		early = startEarly(newScreenProgram(ctx, crashModel{Model: startModel{static: first}, guard: guard, log: dlog, testPanic: testPanic == "1"}, opts.mouse))
		guard.mu.Lock()
		guard.program = early.program
		guard.mu.Unlock()
	}
	// How the screen looks, the same on the first frame and after it.
	look := ui.Options{
		Demo:          isDemo,
		Hint:          hint,
		Theme:         opts.theme,
		AmbiguousWide: ui.AmbiguousWideFromEnv(func(k string) string { v, _ := getenv(k); return v }),
		ASCII:         asciiScreen(opts, getenv),
		Wall:          opts.wall,
		WallPage:      opts.wallPage,
	}
	if xterm.IsTerminal(os.Stdout.Fd()) && !dumbTerminal(getenv) && opts.metrics == "" {
		startScreen(ui.New(cfg.Services, nil, nil, look))
		// A panic before the crash guard below is set up: the terminal is given back first.
		defer func() {
			if r := recover(); r != nil {
				saved.restore(os.Stdout)
				panic(r)
			}
		}()
	}
	gcBack()
	histPath := cfg.History.Path
	if isDemo {
		histPath = "" // the demo never touches the user's files
	}
	// What each service showed before is read after the first frame (hist.RestoreAll below).
	hist, err := history.OpenLiveDeferred(histPath, history.Options{Retention: cfg.History.Retention, Raw: cfg.History.Raw,
		Config: config.Identity(cfg.Path)}, historyServices(cfg.Services), 3*time.Second)
	if err != nil {
		early.stop()
		dlog.Error("history not opened")
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	// Closed after the monitor has stopped calling the recorder: by the deferred call, or
	// before a crash dump is written. A failure is told after the screen is gone: it means the
	// last results were not saved.
	var closeOnce sync.Once
	closeHistory := func() {
		closeOnce.Do(func() {
			err := hist.Close()
			// Saving that stopped and resumed lost results too; the screen said so only meanwhile.
			if note := hist.Unsaved(); note != "" {
				dlog.Warn("history problem", "unsaved", note)
				fmt.Fprintln(stderr, "uptty:", note)
			}
			if err != nil {
				dlog.Warn("history problem", "error", err.Error())
				fmt.Fprintln(stderr, "uptty: history not saved:", err)
			} else {
				dlog.Info("history closed")
			}
		})
	}
	// Deferred first, so it runs last.
	defer closeHistory()
	dlog.Info("history opened", "path", hist.Store.Path(), "in_memory", hist.Store.Path() == "")
	if hist.Hint != "" {
		dlog.Warn("history problem", "hint", hist.Hint)
	}
	atQuit := ""
	if hint == "" {
		hint, atQuit = screenHistoryHint(hist.Hint, hist.Attach)
	}

	// Config and history errors come first (a script may run uptty -c x.yaml just to see
	// them); then the screen needs a terminal to draw on.
	if !xterm.IsTerminal(os.Stdout.Fd()) {
		fmt.Fprintln(stderr, "uptty: the live monitor needs a terminal; for scripts and cron use 'uptty check' (--json)")
		return exitUsage
	}
	if dumbTerminal(getenv) {
		fmt.Fprintln(stderr, dumbScreenMessage("the live monitor",
			"use 'uptty check' for one pass (--json for scripts), or 'uptty serve' to monitor without a screen (and 'uptty attach' from a full terminal)"))
		return exitUsage
	}

	// SIGHUP reloads the config; from a closed terminal it stops as q does, so that history is
	// committed and closed (see tuiReloads).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var alerts *liveAlerts
	counts := newAlertCounts(cfg)
	met := newMetrics(cfg, hist, counts)
	monitor := monitor.NewMonitor(targets, monitor.Options{
		Concurrency: cfg.Concurrency,
		StartAhead:  checkStartAhead,
		Lateness:    met.Lateness,
		// The engine records to history, with the alerts the events caused, in one batch; set
		// before Run, which is the first to call it.
		OnResult: loggingRecorder(dlog, hist, func(name string, c track.Check, events []track.Event) {
			alerts.engine.OnResult(name, c, events)
		}),
	})
	alerts, err = startAlerts(cfg, hist, senders, nil, alert.Options{}, counts, nil) // seeded once restored
	if err != nil {
		early.stop()
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	for name, old := range alerts.renamedAtStart {
		dlog.Warn("alert sender renamed since the last run: its alerts carry its new name", "sender", name, "was", old)
	}
	if len(alerts.unused) > 0 {
		dlog.Warn("alerts left to the uptty that writes the history, while it runs", "senders", strings.Join(alerts.unused, ","))
	}
	// Deferred before the monitor's, so it runs after the monitor stopped calling OnResult,
	// and before history closes: the senders' last outcomes reach the outbox.
	defer alerts.stop()
	if opts.metrics != "" {
		_, stopMetrics, err := startMetrics(opts.metrics, opts, getenv, met, monitor)
		if err != nil {
			early.stop()
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
		defer stopMetrics()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	dlog.Info("monitor started", "services", len(targets))
	go func() {
		defer wg.Done()
		// Restored while the first frame is drawn (10,000 services take about a second); rows
		// fill in as it arrives, and the first checks wait for it.
		if note := hist.RestoreAll(); note != "" {
			dlog.Warn("history problem", "hint", note)
		}
		monitor.Restore(hist.Restore)
		alerts.seed(monitor.Snapshot())
		if ctx.Err() == nil {
			_ = monitor.Run(ctx)
		}
	}()
	// stopAll stops the monitor and closes the history; it is what every way out does first.
	var stopOnce sync.Once
	stopAll := func() {
		cancel()
		wg.Wait()
		stopOnce.Do(func() { dlog.Info("monitor stopped") })
		closeHistory()
	}
	defer stopAll()

	// A panic on this goroutine outside the UI: the screen may still be up.
	defer func() {
		if r := recover(); r != nil {
			guard.panicked(r)
			saved.restore(os.Stdout)
			stopAll()
			reason, stack, _ := guard.report()
			code = finishCrash(stderr, getenv, reason, stack)
			dlog.Error("crash", "reason", reason)
		}
	}()

	var reload ui.ReloadFunc
	var rl *reloader
	if !isDemo {
		rl = &reloader{path: cfg.Path, getenv: getenv, mon: monitor, hist: hist, started: cfg}
		reload = tuiReload(rl, alerts, ruleNames(senders.rules), tty, tmux, dlog)
	}
	o := look
	o.Hint = hint // the history's own hint (in use by another uptty, not saved) came after the first frame
	o.Ctx = ctx
	o.Archive = hist.View
	o.Via = alerts.engine.Via
	o.Reload = reload
	o.Mark = alerts.engine.Mark
	o.Silence = func(x history.Silence) error { return alerts.silences.set(ctx, x) }
	o.Unsilence = func(names ...string) (int, error) { return alerts.silences.unset(ctx, names...) }
	o.Acked = alerts.acks.Acked
	o.Ack = func(name string, a track.Ack) error { _, err := alerts.acks.Ack(ctx, name, a); return err }
	o.Unack = func(name string) error { _, err := alerts.acks.Unack(ctx, name); return err }
	o.User = loginName(getenv)
	// What the screen showed last time (filter, sort, collapsed groups): kept with the
	// history, per config, so a restart comes back to it; unreadable, it starts from the defaults.
	o.Prefs, o.SavePrefs = configPrefs(hist.View, hist.Store, cfg.Path)
	model := ui.New(cfg.Services, monitor.Snapshot(), monitor, o)
	if early == nil {
		startScreen(model) // --metrics: the screen starts with everything ready, as it always did
	}
	program := early.program
	ran := make(chan struct{})
	ranDone := sync.OnceFunc(func() { close(ran) })
	defer ranDone()
	watchDumpSignals(guard, ran, saved, stopAll, stderr, getenv)
	var reloads sync.WaitGroup
	defer func() { cancel(); reloads.Wait() }()
	reloads.Go(func() { tuiReloads(ctx, cancel, hup, program, rl, dlog) })

	err = early.use(model)
	ranDone()
	// The title carries live counts; left behind, a tmux tab would keep showing a status that
	// nobody checks any more. Cleared on every way out: q, a signal, an error.
	if xterm.IsTerminal(os.Stdout.Fd()) {
		fmt.Fprint(os.Stdout, "\x1b]2;\x07")
	}
	if atQuit != "" {
		fmt.Fprintln(stderr, atQuit)
	}
	if reason, stack, crashed := guard.report(); crashed || errors.Is(err, tea.ErrProgramPanic) {
		if !crashed {
			// Bubble Tea caught it (and printed it) itself.
			reason, stack = "panic in the terminal UI", allStacks()
		}
		dlog.Error("crash", "reason", reason)
		stopAll()
		return finishCrash(stderr, getenv, reason, stack)
	}
	switch {
	case err == nil, errors.Is(err, tea.ErrInterrupted):
		return exitOK // q, ctrl+c, or SIGINT: the user quit
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return exitOK // a closed terminal (SIGHUP) stopped us, after history was saved
	}
	fmt.Fprintln(stderr, "uptty:", strings.TrimSpace(err.Error()))
	return exitFailed
}

// watchDumpSignals turns a dump signal (SIGQUIT, SIGABRT) into a crash: the program is killed
// and runMonitor takes it from there. When the UI is stuck and the program does not stop
// (ran is not closed) within a second, this restores the terminal, stops the monitor, closes
// the history and exits by itself.
func watchDumpSignals(guard *crashGuard, ran <-chan struct{}, saved savedTerminal, stopAll func(),
	stderr io.Writer, getenv func(string) (string, bool)) {
	if len(dumpSignals) == 0 {
		return
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, dumpSignals...)
	go func() {
		defer signal.Stop(sigs)
		select {
		case <-ran:
			return
		case sig := <-sigs:
			if !guard.crashed("signal "+signalName(sig), allStacks()) {
				return
			}
		}
		select {
		case <-ran:
		case <-time.After(time.Second):
			saved.restore(os.Stdout)
			reason, stack, _ := guard.report()
			stopped := make(chan struct{})
			go func() { stopAll(); close(stopped) }()
			select {
			case <-stopped:
			case <-time.After(5 * time.Second):
				fmt.Fprintln(stderr, "uptty: history not closed: the monitor did not stop")
			}
			os.Exit(finishCrash(stderr, getenv, reason, stack))
		}
	}()
}

// historyConfig loads the config for the commands that read the history file: a postmortem may
// be written on a machine that has only that file, so without a config the default history path
// is read (found is false then).
func historyConfig(opts options, getenv func(string) (string, bool)) (cfg *config.Config, found bool, err error) {
	cfg, found, err = loadConfigForHistory(opts, getenv)
	if err == nil && !found {
		cfg = &config.Config{History: config.History{Path: config.DefaultHistoryPath(getenv)}}
	}
	return cfg, found, err
}

func runIncidents(opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	cfg, found, err := historyConfig(opts, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	var list []history.Incident
	switch path := cfg.History.Path; {
	case path == "":
		fmt.Fprintln(stderr, `uptty: history is kept in memory (history.path is ""), so no incidents were saved`)
	default:
		if list, err = readIncidents(path, opts); err != nil {
			fmt.Fprintln(stderr, "uptty:", err)
			return exitUsage
		}
	}
	// A config's incidents are its services': the default history file is shared by every
	// config that names none, and one removed from it is not watched any more. They are there
	// for --all and for --service NAME, which asks for one by name.
	if found && !opts.allServices && opts.service == "" {
		list = slices.DeleteFunc(list, func(in history.Incident) bool { return !hasService(cfg, in.Service) })
	}
	// Open outages nothing checks (no uptty running on the file, or their service left the
	// config) last until they were last watched, not up to now.
	unwatched := len(list) > 0 && !history.Watched(cfg.History.Path)
	for k := range list {
		if unwatched || found && !hasService(cfg, list[k].Service) {
			list[k].MarkUnmonitored()
		}
	}
	note := ""
	if len(list) == 0 && opts.service != "" && found && !hasService(cfg, opts.service) {
		names := make([]string, len(cfg.Services))
		for i, s := range cfg.Services {
			names[i] = s.Name
		}
		note = fmt.Sprintf("%s has no service named %q%s", cfg.Path, opts.service, didYouMean(opts.service, names))
		fmt.Fprintln(stderr, "uptty: note:", note)
	}
	if opts.json {
		err = report.WriteIncidentsNoted(stdout, list, note) // as the API's, for a script that reads stdout only
	} else {
		err = report.WriteIncidentsTable(stdout, list, time.Local, onTerminal(stdout, getenv), terminalWidth(stdout))
	}
	if err != nil {
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	return exitOK
}

func runAlerts(opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	cfg, found, err := historyConfig(opts, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	var list []history.Outgoing
	switch path := cfg.History.Path; {
	case path == "":
		fmt.Fprintln(stderr, `uptty: history is kept in memory (history.path is ""), so no alerts were saved`)
	default:
		if list, err = readAlerts(path, opts.since); err != nil {
			fmt.Fprintln(stderr, "uptty:", err)
			return exitUsage
		}
	}
	// A config's alerts are its services', as its incidents (see runIncidents).
	if found && !opts.allServices {
		list = slices.DeleteFunc(list, func(a history.Outgoing) bool { return !hasService(cfg, a.Service) })
	}
	// Reasons are masked when stored; rows stored before that may still quote a secret.
	for i := range list {
		list[i].LastError = cfg.Secrets.Mask(list[i].LastError)
	}
	if opts.json {
		err = report.WriteAlertsJSON(stdout, list)
	} else {
		err = report.WriteAlertsTable(stdout, list, time.Local, onTerminal(stdout, getenv), terminalWidth(stdout))
	}
	if err != nil {
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	return exitOK
}

// readAlerts lists the outbox of the history file at path, newest first: the alerts queued
// within since of now (0: all) and those still pending or failing; a file that does not exist
// yet holds none.
func readAlerts(path string, since time.Duration) ([]history.Outgoing, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	store, err := history.Open(path, history.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if since > 0 {
		return store.AlertsSince(time.Now().Add(-since))
	}
	return store.Alerts(0)
}

// readIncidents lists the incidents in the history file at path as opts asks; a file that does
// not exist yet holds none.
func readIncidents(path string, opts options) ([]history.Incident, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	store, err := history.Open(path, history.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	var since time.Time
	if opts.since > 0 {
		since = time.Now().Add(-opts.since)
	}
	return store.Incidents(since, opts.service)
}

// hintWidth is the terminal width the screen's hint is written for: wider, the hint line cuts it.
const hintWidth = 80

// screenHistoryHint is the history's hint as the screen shows it, and what to print when the
// screen has quit. Beside uptty serve, an attach command too wide for the hint line (a CA, a
// token file) would be cut there, unusable: the screen says to quit for it, and it is printed
// then, wrapped to be copied as it is.
func screenHistoryHint(hint, attach string) (screen, atQuit string) {
	if attach == "" || text.Width(hint) <= hintWidth {
		return hint, ""
	}
	return "history in use by uptty serve, not saving: quit (q) for its uptty attach command",
		"uptty: history in use by uptty serve, not saved here; to see that server:\n" + wrapCommand(attach, hintWidth)
}

func hasService(cfg *config.Config, name string) bool {
	for _, s := range cfg.Services {
		if s.Name == name {
			return true
		}
	}
	return false
}
