package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/uptty/uptty/config"
)

// The command line is spf13/cobra's, for its shell completions and man pages; it only parses
// and dispatches. What runs is run's switch over options.command, as before: the run*
// functions take options and return an exit code. Parsing keeps what the hand-made parser did:
// flags before or after the command (uptty -c x.yaml check --json), a flag on a command it
// does not go with named as such, and every usage error said before anything starts.

// cli is the command tree over one options value.
type cli struct {
	root   *cobra.Command
	opts   options
	since  string // incidents: --since as given
	getenv func(string) (string, bool)
	// exec runs the parsed command and returns its exit code; nil only parses (parseArgs).
	exec func(cmd *cobra.Command, opts options) int
	code int
}

// parseArgs parses a command line without running it.
func parseArgs(args []string) (options, error) {
	c := newCLI(io.Discard, io.Discard, nil, nil)
	_, err := c.execute(args)
	return c.opts, err
}

// newCLI builds the commands; help and completion scripts go to stdout.
func newCLI(stdout, stderr io.Writer, getenv func(string) (string, bool), exec func(*cobra.Command, options) int) *cli {
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	c := &cli{getenv: getenv, exec: exec}
	root := &cobra.Command{
		Use:   "uptty",
		Short: "service uptime in your terminal",
		Long:  wrap(rootLong, 96),
		Example: `  uptty                          # the live monitor of ./uptty.yaml (the demo without a config)
  uptty -c prod.yaml --wall      # another config, on the wallboard
  uptty --demo                   # built-in simulated services, no network needed`,
		Args:              c.unknownCommand,
		Annotations:       map[string]string{drawsScreen: "yes"},
		RunE:              c.runE(""),
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
		// Completion is our own command, with an example and service names.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(c.flagError)
	c.root = root

	// Accepted by every command, as before: an alias such as uptty --theme light or uptty -c
	// prod.yaml keeps working in front of any command (attach then refuses --config). Only the
	// commands that use them list them, each with a visible copy of its own (themeFlag,
	// configFlag), which cobra prefers to the inherited one.
	pf := root.PersistentFlags()
	pf.StringVarP(&c.opts.config, "config", "c", "", configUsage)
	_ = pf.MarkHidden("config")
	pf.StringVar(&c.opts.theme, "theme", "dark", themeUsage)
	_ = pf.MarkHidden("theme")
	pf.BoolVar(&c.opts.version, "version", false, "print the version")
	_ = pf.MarkHidden("version") // the root's help says uptty --version; a subcommand's need not

	f := root.Flags()
	f.BoolVar(&c.opts.demo, "demo", false, "monitor the built-in demo services")
	f.BoolVar(&c.opts.quiet, "quiet", false, "no bell nor desktop notification on DOWN and recovery")
	f.StringVar(&c.opts.debugLog, "debug-log", "", "append a debug log to `FILE` (mode 0600): config loaded, monitor start and stop, state changes; never URLs or headers")
	f.StringVar(&c.opts.metrics, "metrics", "", "serve Prometheus metrics on http://`ADDR`/metrics; an address that is not loopback needs a token: $UPTTY_TOKEN or --token-file")
	f.StringVar(&c.opts.serve.tokenFile, "token-file", "", "with --metrics: `FILE` holding the bearer token every scrape carries")
	c.screenFlags(f)
	c.themeFlag(root)
	c.configFlag(root)

	root.AddCommand(
		c.command(&cobra.Command{
			Use:   "check",
			Short: "check every service once; exit 1 if any is down",
			Long: "Checks every service once (a failure is retried retry_interval apart until failure_threshold is reached), prints a table, or JSON with --json, and exits.\n\n" +
				"Exit status: 0 all up or degraded, 1 any down (or interrupted), 2 a usage or config error.",
			Example: `  uptty check
  uptty check -c prod.yaml --json | jq '.summary'
  uptty check || echo "something is down"`,
		}, func(cmd *cobra.Command) {
			cmd.Flags().BoolVar(&c.opts.json, "json", false, "print JSON instead of a table")
		}),
		c.command(&cobra.Command{
			Use:   "validate",
			Short: "check the config file and say what is wrong",
			Long:  "Loads and validates the config and lists everything wrong with it, each problem with its file:line:col and key path.\n\nExit status: 0 valid, 2 invalid.",
			Example: `  uptty validate
  uptty validate -c /etc/uptty/config.yaml`,
		}, nil),
		c.command(&cobra.Command{
			Use:   "incidents",
			Short: "list outages from the history, newest first",
			Long: "Lists the outages in the history, newest first, in the local time zone: start, end (ongoing while it lasts), duration, service and cause. " +
				"It lists the services of the config (--all: every service in the file, as without a config); without a config it reads the default history file; it reads the file while a live uptty writes it.\n\n" +
				"Exit status: 0 (also with no incidents), 2 a usage or config error or a history file it cannot read.",
			Example: `  uptty incidents
  uptty incidents --since 30d --service "Checkout API"
  uptty incidents --since 0 --json`,
		}, func(cmd *cobra.Command) {
			f := cmd.Flags()
			f.StringVar(&c.since, "since", "", "outages going on within `DUR` of now (default 7d; 0 for all)")
			f.StringVar(&c.opts.service, "service", "", "only the outages of the service `NAME`")
			f.BoolVar(&c.opts.allServices, "all", false, "also the services the config does not have (removed from it, or another config's sharing the history file)")
			f.BoolVar(&c.opts.json, "json", false, "print JSON instead of a table")
			_ = cmd.RegisterFlagCompletionFunc("service", c.completeServices)
		}),
		c.command(&cobra.Command{
			Use:   "alerts",
			Short: "list alerts sent, pending, failed and given up",
			Long: "Lists the alerts in the history's outbox, newest first: sent, pending, failed (retrying) and given up, with the last error. " +
				"It lists the alerts of the config's services (--all: every alert in the file, as without a config).\n\n" +
				"Exit status: 0, 2 a usage or config error or a history file it cannot read.",
			Example: `  uptty alerts
  uptty alerts --since 1d
  uptty alerts --json`,
		}, func(cmd *cobra.Command) {
			cmd.Flags().StringVar(&c.since, "since", "", "alerts queued within `DUR` of now, and every one still pending or failing (default: all)")
			cmd.Flags().BoolVar(&c.opts.allServices, "all", false, "also the alerts of services the config does not have (removed from it, or another config's sharing the history file)")
			cmd.Flags().BoolVar(&c.opts.json, "json", false, "print JSON instead of a table")
		}),
		c.command(&cobra.Command{
			Use:   "silence NAME DURATION",
			Short: "no alerts from a service (or group) for a while; a running uptty heeds it",
			Long: "Silences a service (with --group, every service of a group) for DURATION (30m, 2h, 1d): still checked and drawn, no alert, outages stored as maintenance. " +
				"A running uptty or uptty serve on the same history file heeds it within 2 s. With --list, lists the silences in force.\n\n" +
				"Exit status: 0, 2 a usage or config error, an unknown service or group, or a history it cannot write.",
			Example: `  uptty silence "Checkout API" 2h --reason deploy
  uptty silence --group payments 30m
  uptty silence --list --json`,
			ValidArgsFunction: c.completeSilence,
		}, func(cmd *cobra.Command) {
			silenceFlags(cmd.Flags(), &c.opts.silence)
			cmd.Flags().BoolVar(&c.opts.json, "json", false, "with --list: print JSON instead of a table")
		}),
		c.command(&cobra.Command{
			Use:   "unsilence NAME",
			Short: "end the silences of a service or group",
			Long: "Ends the silences of the service or group NAME; a running uptty or uptty serve on the same history file heeds it within 2 s.\n\n" +
				"Exit status: 0 (also when NAME was not silenced, or is no longer in the config), 2 a usage or config error or a history it cannot write.",
			Example: `  uptty unsilence "Checkout API"
  uptty unsilence payments`,
			ValidArgsFunction: c.completeUnsilence,
		}, nil),
		c.command(&cobra.Command{
			Use:   "serve",
			Short: "no screen: the monitor and history behind an HTTP API (and the live screen over SSH)",
			Long: "Runs the monitor and keeps the history with no screen, behind an HTTP API (status, events, incidents, history, pause, silences, /metrics, /probe, /healthz); " +
				"with --ssh, viewers get the live screen over SSH. Everything wrong (config, address, token, key files, a history file it cannot keep) is said before anything starts.\n\n" +
				"Exit status: 0 on SIGTERM or SIGINT, 2 a usage or config error, 1 the server failed.",
			Example: `  uptty serve -c /etc/uptty/config.yaml
  UPTTY_TOKEN=s3cret uptty serve --listen :9870 --log-format json
  uptty serve --ssh :2222 --authorized-keys ~/.ssh/authorized_keys
  uptty serve --listen :9870 --tls-cert c.pem --tls-key k.pem --token-file tok`,
		}, func(cmd *cobra.Command) {
			serveFlags(cmd.Flags(), &c.opts.serve)
			c.themeFlag(cmd) // the SSH viewers' screen
			_ = cmd.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
		}),
		c.command(&cobra.Command{
			Use:   "attach URL",
			Short: "the live screen on a running uptty serve",
			Long:  "The live screen on a running uptty serve's event stream: no checks and no history of its own; pausing and silencing ask the server.",
			Example: `  uptty attach http://127.0.0.1:9870
  uptty attach https://uptty.example.com --token-file ~/.uptty-token --wall
  uptty attach https://10.0.0.5:9870 --ca /etc/uptty/ca.pem
  uptty attach prometheus+http://prometheus:9090 --selector '{job="blackbox"}'`,
			Args:              c.attachArgs,
			Annotations:       map[string]string{drawsScreen: "yes"},
			ValidArgsFunction: cobra.NoFileCompletions,
		}, func(cmd *cobra.Command) {
			cmd.Flags().StringVar(&c.opts.serve.tokenFile, "token-file", "", "`FILE` holding the bearer token every request carries (else $UPTTY_TOKEN)")
			cmd.Flags().StringVar(&c.opts.selector, "selector", "", "with a prometheus+http:// URL: `SEL`, label matchers every query carries, such as '{job=\"blackbox\"}' (default: every probe_success series)")
			cmd.Flags().StringVar(&c.opts.serve.ca, "ca", "", "trust the server's certificate if this CA `FILE` (PEM) signed it, for a private CA (default: the system's roots)")
			c.screenFlags(cmd.Flags())
			c.themeFlag(cmd)
		}),
		c.initCommand(),
		c.importCommand(),
		c.completionCommand(),
		c.manCommand(),
		c.command(&cobra.Command{
			Use:     "version",
			Short:   "print the version",
			Example: "  uptty version",
		}, nil),
	)
	root.SetHelpCommand(c.helpCommand())
	root.SetHelpFunc(c.help(root.HelpFunc()))
	root.SetUsageFunc(commandUsage)
	return c
}

// helpWidth is the width every help page fits: the terminal a new user most often has.
const helpWidth = 80

// commandUsage is cobra's usage of a command (uptty --help is usage's), with the flags'
// descriptions wrapped to helpWidth: cobra leaves them on one line, up to 160 columns.
func commandUsage(cmd *cobra.Command) error {
	w := cmd.OutOrStderr()
	fmt.Fprintf(w, "Usage:\n  %s", cmd.UseLine())
	if cmd.HasExample() {
		fmt.Fprintf(w, "\n\nExamples:\n%s", cmd.Example)
	}
	if cmd.HasAvailableLocalFlags() {
		fmt.Fprintf(w, "\n\nFlags:\n%s", strings.TrimRight(cmd.LocalFlags().FlagUsagesWrapped(helpWidth), " \n"))
	}
	if cmd.HasAvailableInheritedFlags() {
		fmt.Fprintf(w, "\n\nGlobal Flags:\n%s", strings.TrimRight(cmd.InheritedFlags().FlagUsagesWrapped(helpWidth), " \n"))
	}
	fmt.Fprintln(w)
	return nil
}

// rootLong describes uptty in its man page; uptty --help prints usage instead.
const rootLong = `uptty checks every service in a YAML file concurrently and shows, live, which are UP, DEGRADED or DOWN, their latency, and every outage with when it began and how long it lasted. Without a config it starts the demo.

Config lookup when --config is not given: $UPTTY_CONFIG, then ./uptty.yaml, then $XDG_CONFIG_HOME/uptty/config.yaml (default ~/.config/uptty/config.yaml). An explicit --config that cannot be read is an error.

Reload: SIGHUP, saving the config file, or r in the live screen re-read the config (uptty and uptty serve) without missing a check; an invalid file changes nothing and says why.

History is kept in history.path (default $XDG_STATE_HOME/uptty/history.db).

Exit status: 0 ok (check: all up or degraded); 1 check found a service down; 2 a usage or config error; 3 the live monitor crashed (a panic, or SIGQUIT/SIGABRT): the terminal is restored, the history closed and a crash dump written to $XDG_STATE_HOME/uptty/crash-TIME.txt.`

// command gives cmd uptty's run function, then lets flags (if not nil) add its flags and
// their completions. A command that takes no words refuses them as the hand-made parser did.
func (c *cli) command(cmd *cobra.Command, flags func(*cobra.Command)) *cobra.Command {
	if cmd.Args == nil && !strings.Contains(cmd.Use, " ") {
		cmd.Args = noArgs
	}
	if cmd.ValidArgsFunction == nil && cmd.Args != nil {
		cmd.ValidArgsFunction = cobra.NoFileCompletions
	}
	cmd.RunE = c.runE(strings.Fields(cmd.Use)[0])
	if !slices.Contains(withoutConfig, cmd.Name()) {
		c.configFlag(cmd)
	}
	cmd.Long = wrap(cmd.Long, helpWidth)
	cmd.DisableAutoGenTag = true
	if flags != nil {
		flags(cmd)
	}
	return cmd
}

// configUsage is --config's line in the help of the commands that read a config.
const configUsage = "config `FILE` (default: $UPTTY_CONFIG, ./uptty.yaml, $XDG_CONFIG_HOME/uptty/config.yaml)"

// configFlag lists --config (-c) on cmd, one of the commands that read a config (init: that
// write one).
func (c *cli) configFlag(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&c.opts.config, "config", "c", "", configUsage)
	_ = cmd.MarkFlagFilename("config", "yaml", "yml")
}

// withoutConfig are the commands that have no use for --config.
var withoutConfig = []string{"attach", "man", "import", "version"}

// themeUsage is --theme's line in the help of the commands that draw a screen.
const themeUsage = "`NAME` of the colour theme for the terminal's background: dark or light"

// themeFlag lists --theme on cmd, one of the commands that draw a screen: the live monitor,
// attach, and serve for its SSH viewers.
func (c *cli) themeFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.opts.theme, "theme", "dark", themeUsage)
	_ = cmd.RegisterFlagCompletionFunc("theme", cobra.FixedCompletions([]string{"dark", "light"}, cobra.ShellCompDirectiveNoFileComp))
}

// screenFlags are the live screen's, on the live monitor and on attach.
func (c *cli) screenFlags(f *pflag.FlagSet) {
	f.VarPF(asciiValue{&c.opts.ascii, &c.opts.asciiSet}, "ascii", "",
		"draw with ASCII only; the default on TERM=linux or vt* and under a locale that is not UTF-8 (--ascii=false turns it off)").NoOptDefVal = "true"
	f.VarPF(wallValue{&c.opts.wall}, "wall", "",
		"start on the wallboard: a tile per service (--wall=groups: per group), problems first and largest; W switches between it and the list").NoOptDefVal = "services"
	f.DurationVar(&c.opts.wallPage, "wall-page", 0, "how long (`DUR`) the wallboard shows a page of healthy tiles when they do not all fit (default 10s)")
	f.BoolVar(&c.opts.mouse, "mouse", false, "the wheel moves and scrolls, a click selects and opens; off by default, so that selecting text works")
}

// runE is what a command does once cobra has parsed it: uptty's own checks of the flags that
// go together, then, unless only parsing, the command itself.
func (c *cli) runE(command string) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c.opts.command = command
		if command == "version" {
			c.opts.version = true
		}
		if c.opts.version {
			c.opts.command = ""
			return c.run(cmd)
		}
		switch command {
		case "silence", "unsilence", "completion", "import":
			if len(args) > 0 {
				c.opts.args = args
			}
		case "attach":
			c.opts.attachURL = args[0]
		case "init":
			c.opts.init.urls = append(c.opts.init.urls, args...)
		case "serve":
			if err := checkServeCounts(cmd.Flags()); err != nil {
				return err
			}
		}
		if f := cmd.Flags().Lookup("config"); f != nil && f.Changed && c.opts.config == "" {
			// -c "$CFG" with CFG unset: an explicit config is never replaced by the lookup's.
			return errors.New("--config is empty: give the config file's path")
		}
		if err := c.check(); err != nil {
			return err
		}
		return c.run(cmd)
	}
}

func (c *cli) run(cmd *cobra.Command) error {
	if c.exec != nil {
		c.code = c.exec(cmd, c.opts)
	}
	return nil
}

// check refuses the flags that do not go together and the values cobra cannot judge alone.
func (c *cli) check() error {
	opts := &c.opts
	if opts.theme != "dark" && opts.theme != "light" {
		return fmt.Errorf("--theme %q: want dark or light", opts.theme)
	}
	if opts.wallPage < 0 || opts.wallPage > 0 && opts.wallPage < time.Second {
		return fmt.Errorf("--wall-page %s: want at least 1s", opts.wallPage)
	}
	if opts.config == "-" && opts.command != "init" {
		// init -c - writes on stdout, so a pipe into check -c - is the next thing tried.
		return errors.New("--config -: - is uptty init's stdout; to read the config from stdin: -c /dev/stdin")
	}
	if opts.config != "-" {
		path, err := config.ExpandHome(opts.config, c.getenv)
		if err != nil {
			return fmt.Errorf("--config %s: %w", opts.config, err)
		}
		opts.config = path
	}
	switch opts.command {
	case "":
		if opts.demo && opts.config != "" {
			return errors.New("--demo and --config exclude each other")
		}
		if opts.serve.tokenFile != "" && opts.metrics == "" {
			return errors.New("--token-file goes with 'serve' or 'attach' (or the live monitor's --metrics)")
		}
	case "attach":
		if opts.config != "" {
			return errors.New("--config does not go with 'attach': the server's config is used")
		}
		if opts.selector != "" && !strings.HasPrefix(opts.attachURL, "prometheus+") {
			return errors.New("--selector goes with 'attach prometheus+http://HOST:PORT'")
		}
	case "incidents", "alerts":
		if opts.command == "incidents" {
			opts.since = defaultSince
		}
		if c.since != "" {
			d, err := config.ParseDuration(c.since)
			if err != nil || d < 0 {
				return fmt.Errorf("--since %q: want a duration such as 7d, 12h or 30m (0 for all)", c.since)
			}
			opts.since = d
		}
	case "silence":
		if opts.json && !opts.silence.list {
			return errors.New(jsonGoesWith)
		}
	case "init":
		return checkInitFlags(c.opts)
	}
	if err := checkServeFlags(*opts); err != nil {
		return err
	}
	return checkSilenceFlags(*opts)
}

// jsonGoesWith is what --json on another command says.
const jsonGoesWith = "--json goes with 'check', 'incidents' or 'alerts' (or 'silence --list')"

// wrap breaks each paragraph of s into lines of at most width columns: cobra prints Long as
// it is, and the man page reflows it anyway.
func wrap(s string, width int) string {
	paras := strings.Split(s, "\n\n")
	for i, p := range paras {
		var b strings.Builder
		n := 0
		for _, w := range strings.Fields(p) {
			switch {
			case n == 0:
			case n+1+len(w) > width:
				b.WriteByte('\n')
				n = 0
			default:
				b.WriteByte(' ')
				n++
			}
			b.WriteString(w)
			n += len(w)
		}
		paras[i] = b.String()
	}
	return strings.Join(paras, "\n\n")
}

// noArgs refuses any word after a command that takes none.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q%s", args[0], configHint(cmd, args[0]))
	}
	return nil
}

// configHint points a word that names a YAML file at --config, since `uptty check my.yaml`
// and `uptty my.yaml` are what a newcomer tries first; "" for any other word.
func configHint(cmd *cobra.Command, word string) string {
	ext := strings.ToLower(filepath.Ext(word))
	if ext != ".yaml" && ext != ".yml" {
		return ""
	}
	return fmt.Sprintf(": a config file goes after --config (-c): %s -c %s", cmd.CommandPath(), shellWord(word))
}

// unknownCommand is the live monitor's: it takes no words, so a word is a command uptty does
// not have.
func (c *cli) unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	if hint := configHint(cmd, args[0]); hint != "" {
		return fmt.Errorf("unknown command %q%s", args[0], hint)
	}
	hint := ""
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hint = fmt.Sprintf("; did you mean %q?", s[0])
	}
	return fmt.Errorf("unknown command %q (commands: %s)%s", args[0], strings.Join(names, ", "), hint)
}

func (c *cli) attachArgs(_ *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return errors.New("attach: which server? uptty attach URL, such as http://127.0.0.1:9870")
	case len(args) > 1:
		return fmt.Errorf("unexpected argument %q", args[1])
	}
	return nil
}

// flagError words pflag's errors as uptty always has: a flag that belongs to another command
// says which, and a refused value is `--flag "value": what is wanted`.
func (c *cli) flagError(cmd *cobra.Command, err error) error {
	var unknown *pflag.NotExistError
	var invalid *pflag.InvalidValueError
	var missing *pflag.ValueRequiredError
	switch {
	case errors.As(err, &unknown):
		name := unknown.GetSpecifiedName()
		if short := unknown.GetSpecifiedShortnames(); short != "" && short[0] >= '0' && short[0] <= '9' {
			// uptty silence api -5m: pflag reads a flag -5 there.
			return fmt.Errorf("%q is not a flag (no duration or number uptty takes is negative)", "-"+short)
		}
		if unknown.GetSpecifiedShortnames() == "" {
			if msg := c.misplaced(name, cmd); msg != "" {
				return errors.New(msg)
			}
			var names []string
			visit := func(f *pflag.Flag) {
				if !f.Hidden && f.Deprecated == "" {
					names = append(names, f.Name)
				}
			}
			cmd.Flags().VisitAll(visit)
			cmd.InheritedFlags().VisitAll(visit)
			if best := config.Closest(name, names); best != "" {
				return fmt.Errorf("unknown flag: --%s; did you mean --%s?", name, best)
			}
		}
	case errors.As(err, &missing):
		return fmt.Errorf("flag needs an argument: --%s", missing.GetFlag().Name)
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		cause := invalid.Unwrap().Error()
		switch f.Value.Type() {
		case "duration":
			cause = "want a duration such as 10s or 5m"
		case "int":
			cause = "want a whole number"
		case "bool":
			cause = "want true or false"
		}
		return fmt.Errorf("--%s %q: %s", f.Name, invalid.GetValue(), cause)
	}
	return err
}

// misplaced says which command a flag goes with, when cmd is not one; "" for a flag no command
// has.
func (c *cli) misplaced(name string, cmd *cobra.Command) string {
	command := cmd.Name()
	switch name {
	case "json":
		return jsonGoesWith
	case "demo":
		return fmt.Sprintf("--demo does not go with %q", command)
	case "debug-log":
		return fmt.Sprintf("--debug-log goes with the live monitor, not %q", command)
	case "metrics":
		if command == "serve" {
			return "--metrics goes with the live monitor; uptty serve answers GET /metrics on its --listen address"
		}
		return fmt.Sprintf("--metrics goes with the live monitor, not %q", command)
	case "wall", "wall-page":
		return "--wall and --wall-page go with the live monitor and 'attach'"
	}
	var owners []string
	if c.root.Flags().Lookup(name) != nil {
		owners = append(owners, "the live monitor")
	}
	for _, sub := range c.root.Commands() {
		if sub.LocalNonPersistentFlags().Lookup(name) != nil {
			owners = append(owners, "'"+sub.Name()+"'")
		}
	}
	switch len(owners) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("--%s goes with %s", name, owners[0])
	}
	return fmt.Sprintf("--%s goes with %s and %s", name, strings.Join(owners[:len(owners)-1], ", "), owners[len(owners)-1])
}

// execute runs the command line; cmd is the command it named, when it got that far.
func (c *cli) execute(args []string) (cmd *cobra.Command, err error) {
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		plainUsages(c.root)
	}
	// nil would make cobra read os.Args.
	c.root.SetArgs(append([]string{}, commandFirst(c.root, args)...))
	return c.root.ExecuteC()
}

// commandFirst moves the command to the front of args, so that flags may come before it
// (uptty --since 30d incidents) as they always could: cobra finds a command only after flags it
// knows, and those of a command are not known before it. It also reads a long flag written
// with one dash (-json), which Go's flag package took, as the same flag.
func commandFirst(root *cobra.Command, args []string) []string {
	longs := map[string]bool{} // long flags of any command: does each take a value?
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		visit := func(f *pflag.Flag) { longs[f.Name] = f.NoOptDefVal == "" && f.Value.Type() != "bool" }
		cmd.LocalFlags().VisitAll(visit)
		cmd.PersistentFlags().VisitAll(visit)
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	out := slices.Clone(args)
	command := -1 // where the first word that is no flag or flag value is
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			if name, _, _ := strings.Cut(a[1:], "="); len(name) > 1 {
				if _, ok := longs[name]; ok {
					a = "-" + a
					out[i] = a
				}
			}
		}
		switch {
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			if longs[name] && !hasValue {
				i++ // its value, whatever it looks like (--since -1h)
			}
		case a == "-c":
			i++
		case strings.HasPrefix(a, "-"): // -h, -cFILE
		case command < 0:
			command = i
		}
	}
	if command <= 0 || !isCommand(root, out[command]) {
		return out
	}
	return slices.Concat(out[command:command+1], out[:command], out[command+1:])
}

func isCommand(root *cobra.Command, word string) bool {
	for _, sub := range root.Commands() {
		if sub.Name() == word || slices.Contains(sub.Aliases, word) {
			return true
		}
	}
	return word == "help"
}

// help prints uptty's own usage for the root, and cobra's help, with its examples, for a
// command.
func (c *cli) help(def func(*cobra.Command, []string)) func(*cobra.Command, []string) {
	return func(cmd *cobra.Command, args []string) {
		c.opts.help = true
		if cmd == c.root {
			// uptty ack --help: cobra found no command "ack" and asks the root for its help;
			// the word is still a command uptty does not have.
			if err := c.unknownCommand(cmd, cmd.Flags().Args()); err != nil {
				c.code = usageError(cmd.ErrOrStderr(), cmd, err)
				return
			}
			fmt.Fprint(cmd.OutOrStdout(), usage)
			return
		}
		def(cmd, args)
	}
}

// helpCommand is uptty help [COMMAND]: cobra's, with an example, and an unknown topic is a
// usage error rather than a page of usage.
func (c *cli) helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "help [COMMAND]",
		Short:   "help about any command",
		Example: "  uptty help\n  uptty help silence",
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range c.root.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := c.root.Find(args)
			if err != nil || len(rest) > 0 {
				return c.unknownCommand(c.root, args)
			}
			return target.Help()
		},
	}
}

// asciiValue is --ascii: a boolean whose absence matters (the terminal then decides).
type asciiValue struct{ v, set *bool }

func (a asciiValue) String() string {
	if a.v == nil {
		return "false"
	}
	return strconv.FormatBool(*a.v)
}

func (a asciiValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*a.v, *a.set = b, true
	return nil
}

func (asciiValue) Type() string { return "bool" }

// wallValue is --wall[=services|groups].
type wallValue struct{ v *string }

func (w wallValue) String() string {
	if w.v == nil {
		return ""
	}
	return *w.v
}

func (w wallValue) Set(s string) error {
	switch s {
	case "true", "services":
		*w.v = "services"
	case "false":
		*w.v = ""
	case "groups":
		*w.v = "groups"
	default:
		return errors.New("want services or groups")
	}
	return nil
}

func (wallValue) Type() string { return "" }
