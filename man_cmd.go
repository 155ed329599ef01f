package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
)

func (c *cli) manCommand() *cobra.Command {
	return c.command(&cobra.Command{
		Use:   "man",
		Short: "write the man pages (uptty.1 and one per command)",
		Long: "Writes uptty.1 and a page per command (uptty-check.1, ...) to --dir, the current directory by default, " +
			"creating it if needed, and prints the path of each page written. The date in the pages is $SOURCE_DATE_EPOCH's " +
			"when set, so that a package build is reproducible.",
		Example: `  uptty man --dir /usr/local/share/man/man1 && mandb
  uptty man --dir build/man && gzip -9 build/man/*.1
  man -l uptty.1`,
	}, func(cmd *cobra.Command) {
		cmd.Flags().StringVar(&c.opts.manDir, "dir", "", "the directory `DIR` to write the pages to (default: the current directory)")
		_ = cmd.MarkFlagDirname("dir")
	})
}

// runMan writes root's man pages to dir ("" for the current directory).
func runMan(root *cobra.Command, dir string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	if dir == "" {
		dir = "."
	}
	date := time.Now()
	if epoch, ok := getenv("SOURCE_DATE_EPOCH"); ok && epoch != "" {
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "uptty: man: $SOURCE_DATE_EPOCH %q: want seconds since 1970\n", epoch)
			return exitUsage
		}
		date = time.Unix(sec, 0).UTC()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "uptty: man:", err)
		return exitUsage
	}
	pages, err := writeManTree(root, manHeader{section: "1", date: date, source: "uptty " + buildVersion(), manual: "uptty manual"}, dir)
	if err != nil {
		fmt.Fprintln(stderr, "uptty: man:", err)
		return exitUsage
	}
	for _, name := range pages {
		fmt.Fprintln(stdout, filepath.Join(dir, name))
	}
	return exitOK
}
