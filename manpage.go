package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/uptty/uptty/ui"
)

// drawsScreen is the annotation of the commands that draw the live screen: their pages list its
// keys (KEYS).
const drawsScreen = "uptty-draws-screen"

// manHeader is what every page's .TH line carries besides its title.
type manHeader struct {
	section string
	date    time.Time
	source  string // the program and its version, "uptty 1.2.0"
	manual  string
}

// writeManTree writes the page of cmd and of each command under it that help lists, to dir,
// named after the command's path ("uptty-check.1"), and returns the files' names, cmd's first.
//
// The pages are written as roff directly, not through cobra/doc: its Markdown step (blackfriday
// and go-md2man, with a second YAML library) was 0.7 MB of a binary whose pages every uptty
// keeps resident, for a command run once at packaging. The layout is cobra/doc's (the test
// compares the two), with help texts taken as the plain text they are in --help rather than as
// Markdown, and a NAME line whatis(1) reads: "uptty-check \- …".
func writeManTree(cmd *cobra.Command, h manHeader, dir string) ([]string, error) {
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + "." + h.section
	if err := os.WriteFile(filepath.Join(dir, name), manPage(cmd, h), 0o644); err != nil {
		return nil, err
	}
	names := []string{name}
	for _, sub := range manSubcommands(cmd) {
		more, err := writeManTree(sub, h, dir)
		if err != nil {
			return nil, err
		}
		names = append(names, more...)
	}
	return names, nil
}

// manSubcommands are the commands under cmd that get a page, by name.
func manSubcommands(cmd *cobra.Command) []*cobra.Command {
	var subs []*cobra.Command
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() {
			subs = append(subs, c)
		}
	}
	slices.SortFunc(subs, func(a, b *cobra.Command) int { return strings.Compare(a.Name(), b.Name()) })
	return subs
}

// manPage is cmd's man page in roff, titled after the command (UPTTY-CHECK), as man -k lists it.
func manPage(cmd *cobra.Command, h manHeader) []byte {
	// As --help shows them: the help command and each command's -h.
	cmd.InitDefaultHelpCmd()
	cmd.InitDefaultHelpFlag()
	dashed := strings.ReplaceAll(cmd.CommandPath(), " ", "-")

	var b bytes.Buffer
	fmt.Fprintf(&b, `.nh
.TH "%s" "%s" "%s" "%s" "%s"`, roffText(strings.ToUpper(dashed)), h.section, h.date.Format("Jan 2006"),
		roffText(h.source), roffText(h.manual))
	section := func(title string) { fmt.Fprintf(&b, "\n\n.SH %s\n", title) }

	section("NAME")
	fmt.Fprintf(&b, "%s \\- %s\n", roffText(dashed), roffText(cmd.Short))
	section("SYNOPSIS")
	fmt.Fprintf(&b, "\\fB%s\\fP\n", roffText(cmd.UseLine()))
	section("DESCRIPTION")
	description := cmd.Long
	if description == "" {
		description = cmd.Short
	}
	var paras []string
	for p := range strings.SplitSeq(description, "\n\n") {
		if p = strings.Trim(p, "\n"); p != "" {
			paras = append(paras, roffText(p))
		}
	}
	b.WriteString(strings.Join(paras, "\n\n.PP\n") + "\n")
	if flags := cmd.NonInheritedFlags(); flags.HasAvailableFlags() {
		section("OPTIONS")
		manFlags(&b, flags)
	}
	if flags := cmd.InheritedFlags(); flags.HasAvailableFlags() {
		section("OPTIONS INHERITED FROM PARENT COMMANDS")
		manFlags(&b, flags)
	}
	if cmd.Annotations[drawsScreen] != "" {
		section("KEYS")
		for i, g := range ui.Keys() {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, ".SS %s\n", roffLines(g.Title))
			for _, k := range g.Keys {
				fmt.Fprintf(&b, ".TP 12\n\\fB%s\\fP\n%s\n", roffLines(k[0]), roffLines(k[1]))
			}
		}
	}
	if cmd.Example != "" {
		section("EXAMPLE")
		fmt.Fprintf(&b, ".EX\n%s\n.EE\n", roffLines(cmd.Example))
	}
	var seeAlso []string
	if cmd.HasParent() {
		seeAlso = append(seeAlso, strings.ReplaceAll(cmd.Parent().CommandPath(), " ", "-"))
	}
	for _, sub := range manSubcommands(cmd) {
		seeAlso = append(seeAlso, dashed+"-"+sub.Name())
	}
	if len(seeAlso) > 0 {
		section("SEE ALSO")
		for i, page := range seeAlso {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "\\fB%s(%s)\\fP", roffText(page), h.section)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// manFlags writes a tagged paragraph per flag that help shows: its head in bold and its usage
// indented below, both as --help writes them. cobra/doc's heads (--flag=DEFAULT, run into the
// usage in one justified paragraph) read "--wall[=]" for --wall[=services], "--wall-page=0s"
// above "(default 10s)" and "--ascii[=false]" for a flag that turns ASCII on.
func manFlags(b *bytes.Buffer, flags *pflag.FlagSet) {
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Deprecated != "" || f.Hidden {
			return
		}
		head, usage := helpLine(f)
		fmt.Fprintf(b, ".TP\n\\fB%s\\fP\n%s\n", roffLines(head), roffText(usage))
	})
}

// helpLine is flag f's line in --help, cut into its head ("-c, --config FILE") and its usage
// (with the default, when it is not the zero value), from pflag, which writes --help.
func helpLine(f *pflag.Flag) (head, usage string) {
	one := pflag.NewFlagSet("", pflag.ContinueOnError)
	one.AddFlag(f)
	line := strings.TrimSpace(one.FlagUsagesWrapped(0))
	// pflag pads the head with at least three spaces; a head has no double space.
	head, usage, _ = strings.Cut(line, "  ")
	return head, strings.TrimSpace(usage)
}

// roffText is text for a roff paragraph: roffLines, with a `word` in backquotes (pflag's name
// for a flag's value, FILE) in bold.
func roffText(s string) string {
	s = roffLines(s)
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '`')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open+1:], '`')
		if end < 0 {
			break
		}
		b.WriteString(s[:open] + `\fB` + s[open+1:open+1+end] + `\fR`)
		s = s[open+1+end+1:]
	}
	b.WriteString(s)
	return b.String()
}

// roffLines escapes s for roff as it is, line by line: a backslash is printed rather than
// starting an escape, a line that begins with a dot or a quote is text, not a request, and a
// character beyond ASCII is named (\[u2192]), so that groff reads the page without preconv.
func roffLines(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r >= utf8.RuneSelf:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	s = b.String()
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}
