package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/spf13/pflag"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/report"
	"github.com/uptty/uptty/text"
)

// maxSilence bounds a silence, as the API does: a longer one is a mistake more often than not,
// and a maintenance window in the config says it better.
const maxSilence = 366 * 24 * time.Hour

// silenceOptions are the flags only `uptty silence` takes.
type silenceOptions struct {
	reason string
	group  bool
	list   bool
}

// silenceFlags adds silence's flags to its command.
func silenceFlags(fs *pflag.FlagSet, so *silenceOptions) {
	fs.StringVar(&so.reason, "reason", "", "`TEXT` saying why, shown with the silence")
	fs.BoolVar(&so.group, "group", false, "NAME is a group: silence every service in it")
	fs.BoolVar(&so.list, "list", false, "list the silences in force")
}

// checkSilenceFlags checks silence's and unsilence's words and silence's flags together.
func checkSilenceFlags(opts options) error {
	so := opts.silence
	switch opts.command {
	case "silence":
		if so.list {
			if len(opts.args) > 0 || so.reason != "" || so.group {
				return errors.New("silence --list takes no name, duration, --reason or --group")
			}
			return nil
		}
		if len(opts.args) != 2 {
			return errors.New("silence takes a name and a duration: uptty silence NAME DURATION [--reason TEXT] [--group]")
		}
		if d, err := config.ParseDuration(opts.args[1]); err != nil || d <= 0 || d > maxSilence {
			return fmt.Errorf("silence: duration %q: want one from 1s to 366d, such as 30m, 2h or 1d", opts.args[1])
		}
	case "unsilence":
		if len(opts.args) != 1 {
			return errors.New("unsilence takes a name: uptty unsilence NAME")
		}
	}
	return nil
}

// silenceHistory is the history file the silences of the config go to.
func silenceHistory(opts options, getenv func(string) (string, bool)) (*config.Config, string, error) {
	cfg, found, err := loadConfigForHistory(opts, getenv)
	if err == nil && !found {
		err = errors.New(noConfig)
	}
	if err != nil {
		return nil, "", err
	}
	if cfg.History.Path == "" {
		return nil, "", errors.New(`uptty: history is kept in memory (history.path is ""), so silences cannot reach a running uptty; press m on its row instead`)
	}
	return cfg, cfg.History.Path, nil
}

func runSilence(opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	cfg, path, err := silenceHistory(opts, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	now := time.Now()
	if opts.silence.list {
		var list []history.Silence
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			if list, err = history.SilencesAt(path, now); err != nil {
				fmt.Fprintln(stderr, "uptty:", err)
				return exitUsage
			}
		}
		if opts.json {
			err = report.WriteSilencesJSON(stdout, list)
		} else {
			err = report.WriteSilencesTable(stdout, list, now, time.Local)
		}
		if err != nil {
			fmt.Fprintln(stderr, "uptty:", err)
			return exitUsage
		}
		return exitOK
	}
	name := opts.args[0]
	d, _ := config.ParseDuration(opts.args[1])
	kind := history.SilenceService
	if opts.silence.group {
		kind = history.SilenceGroup
	}
	if err := silenceTarget(cfg, name, opts.silence.group); err != nil {
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	x := history.Silence{Kind: kind, Name: name, Until: now.Add(d), Reason: opts.silence.reason, Created: now}
	if err := history.SetSilenceAt(path, x); err != nil {
		fmt.Fprintln(stderr, "uptty:", err)
		return exitUsage
	}
	what := text.CleanText(name, 0)
	if opts.silence.group {
		what = "group " + what
	}
	fmt.Fprintf(stdout, "silenced %s until %s (%s)\n", what, text.FormatUntil(now, x.Until, time.Local), text.FormatDuration(d))
	return exitOK
}

// silenceTarget checks that the config has the service, or with group the group, named name;
// a name that is the other kind says which flag to use.
func silenceTarget(cfg *config.Config, name string, group bool) error {
	var services, groups []string
	for _, s := range cfg.Services {
		services = append(services, s.Name)
		if s.Group != "" {
			groups = append(groups, s.Group)
		}
	}
	switch {
	case group && slices.Contains(groups, name), !group && slices.Contains(services, name):
		return nil
	case group && slices.Contains(services, name):
		return fmt.Errorf("%s has no group named %q, but a service: drop --group", cfg.Path, name)
	case !group && slices.Contains(groups, name):
		return fmt.Errorf("%s has no service named %q, but a group: add --group", cfg.Path, name)
	case group:
		return fmt.Errorf("%s has no group named %q%s", cfg.Path, name, didYouMean(name, groups))
	}
	return fmt.Errorf("%s has no service named %q%s", cfg.Path, name, didYouMean(name, services))
}

// didYouMean is "; did you mean X?" for the name among names closest to name (in spelling or
// case), or "" when none is close.
func didYouMean(name string, names []string) string {
	if c := config.Closest(name, names); c != "" {
		return fmt.Sprintf("; did you mean %q?", c)
	}
	return ""
}

func runUnsilence(opts options, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	_, path, err := silenceHistory(opts, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	name := opts.args[0]
	n := 0
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		if n, err = history.UnsilenceAt(path, name); err != nil {
			fmt.Fprintln(stderr, "uptty:", err)
			return exitUsage
		}
	}
	if n == 0 {
		fmt.Fprintf(stdout, "%s was not silenced\n", text.CleanText(name, 0))
		return exitOK
	}
	fmt.Fprintf(stdout, "unsilenced %s\n", text.CleanText(name, 0))
	return exitOK
}
