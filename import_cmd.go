package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// importKinds are the monitors uptty converts configs from.
var importKinds = []string{"gatus", "kuma"}

func (c *cli) importCommand() *cobra.Command {
	return c.command(&cobra.Command{
		Use:   "import gatus|kuma FILE",
		Short: "convert a Gatus config or an Uptime Kuma backup into an uptty config",
		Long: "Converts a Gatus config (YAML) or an Uptime Kuma backup (JSON, Settings → Backup → Export) into an uptty config, " +
			"written on stdout. What cannot be carried over (conditions with no uptty equivalent, push monitors, alert providers…) " +
			"is written as a comment next to its service and listed on stderr. Secrets stay ${VAR} references where the source had them. " +
			"The result loads with uptty validate; read the comments before relying on it.\n\n" +
			"Exit status: 0 converted (even with notes), 2 a file that cannot be read or is not that format.",
		Example: `  uptty import gatus config/config.yaml > uptty.yaml
  uptty import kuma kuma-backup.json > uptty.yaml 2> not-carried-over.txt`,
		Args: importArgs,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return importKinds, cobra.ShellCompDirectiveNoFileComp
			}
			if len(args) == 1 {
				return nil, cobra.ShellCompDirectiveDefault
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
	}, nil)
}

func importArgs(_ *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return fmt.Errorf("import: from what? uptty import %s FILE", strings.Join(importKinds, "|"))
	case len(args) == 1:
		return fmt.Errorf("import %s: which file? uptty import %s FILE", args[0], args[0])
	case len(args) > 2:
		return fmt.Errorf("unexpected argument %q", args[2])
	}
	for _, k := range importKinds {
		if args[0] == k {
			return nil
		}
	}
	return fmt.Errorf("import: %q: want %s", args[0], strings.Join(importKinds, " or "))
}
