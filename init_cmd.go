package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// initOptions are the flags only `uptty init` takes.
type initOptions struct {
	force bool
	from  bool     // --from was given: the URLs are the services
	urls  []string // --from's, and the words after them
}

// defaultInitPath is where `uptty init` writes without --config: the first place the lookup
// reads.
const defaultInitPath = "uptty.yaml"

func (c *cli) initCommand() *cobra.Command {
	var from []string
	cmd := c.command(&cobra.Command{
		Use:   "init [--from URL...]",
		Short: "write a starter config (./uptty.yaml by default)",
		Long: "Writes a starter config to ./uptty.yaml (or --config FILE), its keys commented with their defaults, that uptty validate accepts. " +
			"With --from, one service per URL given, the kind guessed from the scheme: a URL with a scheme uptty checks (http, https, tcp, tls, dns, icmp, grpc, grpcs, ws, wss) is kept; " +
			"host:port becomes tcp://host:port; a bare host, or a host and path, becomes https://. Each service is named after its host. " +
			"--from - reads the URLs from stdin, one a line (# starts a comment); --config - writes the config on stdout. " +
			"An existing file is never overwritten without --force.",
		Example: `  uptty init
  uptty init --from https://api.example.com/healthz db.example.com:5432 x.org
  uptty init -c /etc/uptty/config.yaml --force --from icmp://router.example.com
  uptty init --from - < urls.txt`,
		Args: cobra.ArbitraryArgs,
	}, func(cmd *cobra.Command) {
		f := cmd.Flags()
		f.BoolVar(&c.opts.init.force, "force", false, "overwrite the file if it exists")
		f.StringArrayVar(&from, "from", nil, "a `URL` to check; more may follow, as words or more --from")
		_ = cmd.RegisterFlagCompletionFunc("from", cobra.NoFileCompletions)
	})
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c.opts.init.from = cmd.Flags().Changed("from")
		c.opts.init.urls = slices.Clone(from)
		return run(cmd, args)
	}
	return cmd
}

// checkInitFlags refuses words without --from.
func checkInitFlags(opts options) error {
	if !opts.init.from && len(opts.init.urls) > 0 {
		return fmt.Errorf("unexpected argument %q: to write a service per URL, uptty init --from URL...", opts.init.urls[0])
	}
	return nil
}

// runInit writes the starter config, refusing to overwrite a file without --force and to
// write one that uptty validate would refuse.
func runInit(opts options, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	fail := func(format string, a ...any) int {
		for _, line := range strings.Split(fmt.Sprintf(format, a...), "\n") {
			fmt.Fprintf(stderr, "uptty: init: %s\n", line)
		}
		return exitUsage
	}
	path := opts.config
	if path == "" {
		path = defaultInitPath
	}
	urls, err := initURLs(opts.init.urls, stdin)
	if err != nil {
		return fail("%v", err)
	}
	services, urlErr := config.StarterServices(urls, probe.Kinds())
	data := config.Starter(services)
	if _, err := config.Parse(data, path, getenv, probe.Kinds()); err != nil || urlErr != nil {
		// The file's lines mean nothing to someone who never saw it: say which URLs, and why,
		// all of them at once.
		var bad []string
		if urlErr != nil {
			bad = append(bad, urlErr.Error())
		}
		for _, s := range services {
			one := config.Starter([]config.StarterService{s})
			if _, err := config.Parse(one, path, getenv, probe.Kinds()); err != nil {
				var why []string
				for _, e := range config.Errors(err) {
					why = append(why, e.Msg)
				}
				bad = append(bad, fmt.Sprintf("%q: %s", s.URL, strings.Join(why, "; ")))
			}
		}
		if len(bad) > 0 {
			return fail("%s", strings.Join(bad, "\n"))
		}
		return fail("the config would not load:\n%v", err)
	}
	if path == "-" { // as Unix tools take it: stdout, for a pipe or a redirection
		if _, err := stdout.Write(data); err != nil {
			return fail("%v", err)
		}
		return exitOK
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fail("%s is a directory: uptty init -c %s", path, shellWord(filepath.Join(path, defaultInitPath)))
	} else if err == nil && !info.Mode().IsRegular() {
		// --force overwrites a config, not a device: /dev/null took the config and init said
		// it wrote it, and a named pipe held init until something read it.
		return fail("%s is %s, not a file: uptty init writes a config file (uptty init -c - writes it on stdout)", path, fileKind(info.Mode()))
	}
	// A link to a file that is not there yet (a dotfiles link made first) is written through:
	// nothing is overwritten, and O_EXCL on the link itself says it exists.
	file := danglingTarget(path)
	// A directory that does not exist yet is made, 0700 as the XDG spec asks: the lookup's own
	// ~/.config/uptty/config.yaml is where a first config often goes.
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fail("%v", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if opts.init.force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(file, flags, 0o600) // headers may hold secrets
	if errors.Is(err, fs.ErrExist) {
		return fail("%s exists; pass --force to overwrite it, or --config FILE to write elsewhere", path)
	}
	if err != nil {
		return fail("%v", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail("%v", err)
	}
	n := len(services)
	if n == 0 {
		n = 1 // the example
	}
	try := "uptty check"
	if opts.config != "" {
		try += " -c " + shellWord(path)
	}
	plural := "s"
	if n == 1 {
		plural = ""
	}
	fmt.Fprintf(stdout, "wrote %s (%d service%s); try it: %s, then %s\n", path, n, plural, try, strings.Replace(try, " check", "", 1))
	return exitOK
}

// initURLs is --from's URLs with "-" read from stdin, as Unix tools read it: one URL a line
// (or several, between spaces), blank lines and # comments skipped, so that a list kept in a
// file becomes a config (uptty init --from - < urls.txt).
func initURLs(words []string, stdin io.Reader) ([]string, error) {
	var out []string
	read := false
	for _, w := range words {
		if w != "-" {
			out = append(out, w)
			continue
		}
		if read {
			continue // one stdin: a second "-" has nothing left to read
		}
		read = true
		sc := bufio.NewScanner(stdin)
		n := 0
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			fields := strings.Fields(line)
			out = append(out, fields...)
			n += len(fields)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("--from -: reading stdin: %w", err)
		}
		if n == 0 {
			return nil, errors.New("--from -: stdin had no URL: give one a line (uptty init --from - < urls.txt)")
		}
	}
	return out, nil
}

// fileKind names what a path that is not a regular file or a directory is.
func fileKind(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// shellWord quotes s for a shell when it must be.
func shellWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]{}~#!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// danglingTarget is the file path's link names when path is a link to nothing yet, and path
// otherwise.
func danglingTarget(path string) string {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return path
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return path
	}
	target, err := os.Readlink(path)
	if err != nil {
		return path
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return target
}
