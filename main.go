// Command uptty is service uptime in your terminal: it checks every service in a YAML file
// concurrently and shows, live, which are UP or DOWN, their latency, and every outage with
// when it began and how long it lasted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/probe/config"
	"github.com/uptty/uptty/probe/demo"
	"github.com/uptty/uptty/ui"
)

// version is set at build time with -ldflags "-X main.version=v0.1.0"; otherwise it comes from
// the module's build info.
var version = ""

// Exit codes, as in the contract.
const (
	exitOK    = 0
	exitDown  = 1
	exitUsage = 2
)

const usage = `uptty: service uptime in your terminal

Usage:
  uptty [--config FILE] [--theme dark|light]   live monitor (the demo when no config is found)
  uptty --demo                                  live monitor of built-in simulated services
  uptty check [--config FILE] [--json]          check every service once; exit 1 if any is down
  uptty validate [--config FILE]                check the config file and say what is wrong
  uptty --version | --help

Flags:
  -c, --config FILE   config file (default: $UPTTY_CONFIG, ./uptty.yaml,
                      $XDG_CONFIG_HOME/uptty/config.yaml)
      --demo          monitor the built-in demo services
      --json          (check) print JSON instead of a table
      --theme NAME    dark (default) or light: colours for the terminal's background

Exit codes: 0 ok (check: all up or degraded), 1 check found a service down, 2 usage or config error.
`

// options are the parsed command line.
type options struct {
	command string // "", "check" or "validate"
	config  string
	demo    bool
	json    bool
	theme   string
	version bool
	help    bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// run is the whole program, with its environment passed in so that tests can drive it.
func run(args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	opts, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "uptty: %v\nRun 'uptty --help' for usage.\n", err)
		return exitUsage
	}
	switch {
	case opts.help:
		fmt.Fprint(stdout, usage)
		return exitOK
	case opts.version:
		fmt.Fprintf(stdout, "uptty %s\n", buildVersion())
		return exitOK
	}
	switch opts.command {
	case "check":
		return runCheck(opts, stdout, stderr, getenv)
	case "validate":
		return runValidate(opts, stdout, stderr, getenv)
	}
	return runMonitor(opts, stderr, getenv)
}

// parseArgs accepts flags before or after the subcommand (uptty check -c x.yaml --json).
func parseArgs(args []string) (options, error) {
	var opts options
	fs := flag.NewFlagSet("uptty", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&opts.config, "config", "", "")
	fs.StringVar(&opts.config, "c", "", "")
	fs.BoolVar(&opts.demo, "demo", false, "")
	fs.BoolVar(&opts.json, "json", false, "")
	fs.StringVar(&opts.theme, "theme", "dark", "")
	fs.BoolVar(&opts.version, "version", false, "")
	fs.BoolVar(&opts.help, "help", false, "")
	fs.BoolVar(&opts.help, "h", false, "")

	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				opts.help = true
				return opts, nil
			}
			return opts, err
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		word := rest[0]
		if opts.command != "" {
			return opts, fmt.Errorf("unexpected argument %q", word)
		}
		switch word {
		case "check", "validate":
			opts.command = word
		case "help":
			opts.help = true
		case "version":
			opts.version = true
		default:
			return opts, fmt.Errorf("unknown command %q (commands: check, validate)", word)
		}
		rest = rest[1:]
	}
	if opts.theme != "dark" && opts.theme != "light" {
		return opts, fmt.Errorf("--theme %q: want dark or light", opts.theme)
	}
	if opts.json && opts.command != "check" {
		return opts, errors.New("--json goes with 'check'")
	}
	if opts.demo && opts.command != "" {
		return opts, fmt.Errorf("--demo does not go with %q", opts.command)
	}
	if opts.demo && opts.config != "" {
		return opts, errors.New("--demo and --config exclude each other")
	}
	return opts, nil
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
	if err != nil || !found {
		return nil, found, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, true, fmt.Errorf("uptty: %w", err)
	}
	cfg, err = config.Parse(data, path, getenv)
	return cfg, true, err
}

func runValidate(opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	cfg, found, err := loadConfig(opts, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if !found {
		fmt.Fprintln(stderr, "uptty: no config found (looked at $UPTTY_CONFIG, ./uptty.yaml, $XDG_CONFIG_HOME/uptty/config.yaml); pass --config FILE")
		return exitUsage
	}
	if _, err := buildTargets(cfg); err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: ok, %d services\n", cfg.Path, len(cfg.Services))
	return exitOK
}

func runCheck(opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	cfg, found, err := loadConfig(opts, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if !found {
		fmt.Fprintln(stderr, "uptty: no config found (looked at $UPTTY_CONFIG, ./uptty.yaml, $XDG_CONFIG_HOME/uptty/config.yaml); pass --config FILE")
		return exitUsage
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	checkedAt := time.Now()
	statuses := probe.CheckAll(ctx, targets, cfg.Concurrency)
	if opts.json {
		err = ui.WriteCheckJSON(stdout, checkedAt, cfg.Services, statuses)
	} else {
		err = ui.WriteCheckTable(stdout, cfg.Services, statuses, false)
	}
	if err != nil {
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	for _, st := range statuses {
		if st.State == probe.Down {
			return exitDown
		}
	}
	return exitOK
}

// buildTargets makes a checker for every service; an error names the service and its line.
func buildTargets(cfg *config.Config) ([]probe.Target, error) {
	targets := make([]probe.Target, 0, len(cfg.Services))
	var errs []error
	for i, svc := range cfg.Services {
		checker, err := probe.New(svc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: services[%d] (%s): %w", cfg.Path, svc.Line, i, svc.Name, err))
			continue
		}
		targets = append(targets, probe.Target{Service: svc, Checker: checker})
	}
	return targets, errors.Join(errs...)
}

func runMonitor(opts options, stderr io.Writer, getenv func(string) (string, bool)) int {
	var cfg *config.Config
	hint := ""
	isDemo := opts.demo
	if !isDemo {
		loaded, found, err := loadConfig(opts, getenv)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
		if found {
			cfg = loaded
		} else {
			isDemo = true
			hint = "Demo: no config found. Run uptty --config FILE (see config.example.yaml)."
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
	targets, err := buildTargets(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	monitor := probe.NewMonitor(targets, probe.Options{Concurrency: cfg.Concurrency})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = monitor.Run(ctx)
	}()
	defer wg.Wait()
	defer cancel()

	model := ui.New(cfg.Services, monitor.Snapshot(), monitor, ui.Options{
		Demo:          isDemo,
		Hint:          hint,
		Theme:         opts.theme,
		AmbiguousWide: ui.AmbiguousWideFromEnv(func(k string) string { v, _ := getenv(k); return v }),
		Ctx:           ctx,
	})
	program := tea.NewProgram(model, tea.WithAltScreen(), tea.WithContext(ctx))
	if _, err := program.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintln(stderr, "uptty:", strings.TrimSpace(err.Error()))
		return exitUsage
	}
	return exitOK
}
