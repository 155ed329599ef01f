package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// shells are what uptty completion writes scripts for.
var shells = []string{"bash", "zsh", "fish", "powershell"}

func (c *cli) completionCommand() *cobra.Command {
	return c.command(&cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "print the shell completion script (commands, flags, service names)",
		Long: "Prints the completion script for the shell. It completes commands and flags, and service names " +
			"(for --service and the names of silence and unsilence) from the config that --config or the usual lookup finds.",
		Example: `  source <(uptty completion bash)                       # this shell only
  uptty completion bash > /etc/bash_completion.d/uptty  # bash, for everyone
  uptty completion zsh > "${fpath[1]}/_uptty"           # zsh
  uptty completion fish > ~/.config/fish/completions/uptty.fish
  uptty completion powershell | Out-String | Invoke-Expression`,
		Args:      completionArgs,
		ValidArgs: shells,
	}, nil)
}

func completionArgs(_ *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return fmt.Errorf("completion: which shell? uptty completion %s", strings.Join(shells, "|"))
	case len(args) > 1:
		return fmt.Errorf("unexpected argument %q", args[1])
	case !slices.Contains(shells, args[0]):
		return fmt.Errorf("completion: shell %q: want %s", args[0], strings.Join(shells, ", "))
	}
	return nil
}

// runCompletion writes shell's completion script for root.
func runCompletion(root *cobra.Command, shell string, stdout, stderr io.Writer) int {
	var err error
	switch shell {
	case "bash":
		var script strings.Builder
		if err = root.GenBashCompletionV2(&script, true); err == nil {
			_, err = io.WriteString(stdout, withoutBashCompletion(script.String()))
		}
	case "zsh":
		err = root.GenZshCompletion(stdout)
	case "fish":
		err = root.GenFishCompletion(stdout, true)
	case "powershell":
		err = root.GenPowerShellCompletionWithDesc(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "uptty: completion:", err)
		return exitUsage
	}
	return exitOK
}

// withoutBashCompletion makes cobra's bash script work where the bash-completion package is not
// installed (minimal servers, containers, jump hosts, macOS's bash): its fallback for that
// package's _init_completion still calls the package's _get_comp_words_by_ref, and it lists
// files with the package's _filedir, so every tab there printed "command not found". Each now
// falls back to bash's own COMP_WORDS and compgen when the package's function is missing.
func withoutBashCompletion(script string) string {
	script = strings.ReplaceAll(script, "_filedir", "__uptty_filedir")
	script = strings.Replace(script, `    _get_comp_words_by_ref "$@" cur prev words cword
`, `    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref "$@" cur prev words cword
        return
    fi
    # No bash-completion: the words as bash split them (--config=FILE is three of them).
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
`, 1)
	return script + `
# bash-completion's _filedir, or without that package the files (or with -d the directories)
# that compgen lists, whatever the extension filter.
__uptty_filedir()
{
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir "$@"
        return
    fi
    local IFS=$'\n'
    if [[ ${1-} == -d ]]; then
        COMPREPLY=($(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
`
}

// plainUsages takes pflag's backquotes out of every flag's usage, as --help does: cobra
// describes a flag in completion by its usage as written, and zsh and fish listed
// "config `FILE` (default: …)".
func plainUsages(cmd *cobra.Command) {
	plain := func(f *pflag.Flag) { _, f.Usage = pflag.UnquoteUsage(f) }
	cmd.Flags().VisitAll(plain)
	cmd.PersistentFlags().VisitAll(plain)
	for _, sub := range cmd.Commands() {
		plainUsages(sub)
	}
}

// completeServices offers the config's service names.
func (c *cli) completeServices(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	services, _ := c.names()
	return matching(services, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeSilence offers service names (group names with --group), then a few durations.
func (c *cli) completeSilence(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if c.opts.silence.list {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	switch len(args) {
	case 0:
		services, groups := c.names()
		if c.opts.silence.group {
			services = groups
		}
		return matching(services, toComplete), cobra.ShellCompDirectiveNoFileComp
	case 1:
		return matching([]string{"30m", "1h", "2h", "4h", "1d"}, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// completeUnsilence offers service and group names: either may be silenced.
func (c *cli) completeUnsilence(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	services, groups := c.names()
	return matching(slices.Concat(services, groups), toComplete), cobra.ShellCompDirectiveNoFileComp
}

func matching(names []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// names returns the service and group names of the config that --config or the lookup finds;
// none when there is none. A config that does not load (an unset ${VAR} in the shell that
// completes) still gives the names it spells out: completion must not need the secrets.
func (c *cli) names() (services, groups []string) {
	path, found, err := config.Find(c.opts.config, c.getenv)
	if err != nil || !found {
		return nil, nil
	}
	data, err := config.ReadFile(path)
	if err != nil {
		return nil, nil
	}
	if cfg, err := config.Parse(data, path, c.getenv, probe.Kinds()); err == nil {
		for _, s := range cfg.Services {
			services = append(services, s.Name)
			if s.Group != "" && !slices.Contains(groups, s.Group) {
				groups = append(groups, s.Group)
			}
		}
		return services, groups
	}
	var doc struct {
		Services []struct {
			Name  string `yaml:"name"`
			Group string `yaml:"group"`
		} `yaml:"services"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return nil, nil
	}
	for _, s := range doc.Services {
		if s.Name != "" {
			services = append(services, s.Name)
		}
		if s.Group != "" && !slices.Contains(groups, s.Group) {
			groups = append(groups, s.Group)
		}
	}
	return services, groups
}
