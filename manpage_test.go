package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// TestManPagesAsCobraDoc: uptty's pages are the ones cobra/doc wrote before it left the binary,
// byte for byte, but for the NAME line's separator, which cobra/doc meant to be "\-" and lost in
// its Markdown step, characters beyond ASCII, named for groff, and the flags, written as --help
// writes them (TestManFlagsAsHelp). cobra/doc is a test dependency only.
func TestManPagesAsCobraDoc(t *testing.T) {
	date := time.Unix(1798761600, 0).UTC()
	ours, theirs := t.TempDir(), t.TempDir()
	if _, err := writeManTree(newCLI(nil, nil, nil, nil).root, manHeader{section: "1", date: date, source: "uptty dev", manual: "uptty manual"}, ours); err != nil {
		t.Fatal(err)
	}
	header := &doc.GenManHeader{Section: "1", Date: &date, Source: "uptty dev", Manual: "uptty manual"}
	if err := doc.GenManTreeFromOpts(newCLI(nil, nil, nil, nil).root, doc.GenManTreeOptions{Header: header, Path: theirs, CommandSeparator: "-"}); err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(theirs, "*.1"))
	if len(pages) < 13 {
		t.Fatalf("cobra/doc wrote %d pages, want 13 or more", len(pages))
	}
	for _, want := range pages {
		name := filepath.Base(want)
		w, _ := os.ReadFile(want)
		w = []byte(namedRunes(string(w)))
		g, err := os.ReadFile(filepath.Join(ours, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		dashed := strings.TrimSuffix(name, ".1")
		g = bytes.Replace(g, []byte("\n"+dashed+` \- `), []byte("\n"+dashed+" - "), 1)
		g, w = withoutOptions(g), withoutOptions(w)
		if !bytes.Equal(g, w) {
			t.Errorf("%s differs from cobra/doc's:\n%s\nwant:\n%s", name, g, w)
		}
	}
	if ourPages, _ := filepath.Glob(filepath.Join(ours, "*")); len(ourPages) != len(pages) {
		t.Errorf("wrote %d pages, cobra/doc %d", len(ourPages), len(pages))
	}
}

// withoutOptions is a page with its OPTIONS sections emptied and its KEYS left out, which
// cobra/doc does not write.
func withoutOptions(page []byte) []byte {
	var out []string
	skip := false
	for _, l := range strings.Split(string(page), "\n") {
		if l == ".SH KEYS" { // to the next section, whose blank lines before it stay
			skip = true
			continue
		}
		if strings.HasPrefix(l, ".SH ") {
			skip = strings.HasPrefix(l, ".SH OPTIONS")
			out = append(out, l)
			continue
		}
		if !skip {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// namedRunes is s with its characters beyond ASCII named for groff, as roffLines names them.
func namedRunes(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= utf8.RuneSelf {
			fmt.Fprintf(&b, `\[u%04X]`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestManPageEscapes: help texts go into the page as the plain text they are in --help: a
// backslash is printed, a line starting with a dot or a quote is not a roff request, a
// `VALUE` is bold; and groff reads the page without a warning.
func TestManPageEscapes(t *testing.T) {
	root := &cobra.Command{Use: "uptty", Short: "root", DisableAutoGenTag: true}
	sub := &cobra.Command{Use: "odd", Short: `a \ and a "quote" → …`, DisableAutoGenTag: true,
		Long:    "First line\n.TH not a request\n'also text\n\nC:\\path and `FILE` and *not emphasis*.",
		Example: "  uptty odd 'x\\y'\n.not a request",
		Run:     func(*cobra.Command, []string) {}}
	sub.Flags().String("path", `C:\x`, "read `FILE` \\ here")
	root.AddCommand(sub)
	page := string(manPage(sub, manHeader{section: "1", date: time.Unix(0, 0).UTC(), source: "uptty dev", manual: "uptty manual"}))
	for _, want := range []string{
		`uptty-odd \- a \e and a "quote" \[u2192] \[u2026]` + "\n",
		"First line\n\\&.TH not a request\n\\&'also text\n\n.PP\nC:\\epath and \\fBFILE\\fR and *not emphasis*.\n",
		".TP\n\\fB--path FILE\\fP\nread FILE \\e here (default \"C:\\e\\ex\")\n",
		".EX\n  uptty odd 'x\\ey'\n\\&.not a request\n.EE\n",
		"\\fBuptty(1)\\fP\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("no groff to read the page")
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff -ww: %v\n%s", err, out)
	}
}

// TestManFlagsAsHelp: each flag is headed in the page as --help heads it. The page wrote
// cobra/doc's heads, "--wall[=]" for --wall[=services] and "--wall-page=0s" above "(default 10s)",
// and "--ascii[=false]" for a flag that turns ASCII on.
func TestManFlagsAsHelp(t *testing.T) {
	root := newCLI(nil, nil, nil, nil).root
	page := string(manPage(root, manHeader{section: "1", date: time.Unix(0, 0).UTC(), source: "uptty dev", manual: "uptty manual"}))
	for _, want := range []string{
		".TP\n\\fB-c, --config FILE\\fP\n",
		".TP\n\\fB--wall[=services]\\fP\n",
		".TP\n\\fB--wall-page DUR\\fP\n",
		".TP\n\\fB--ascii\\fP\n",
		".TP\n\\fB--theme NAME\\fP\nNAME of the colour theme for the terminal's background: dark or light (default \"dark\")\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	for _, bad := range []string{"--wall[=]", "--wall-page=0s", "--ascii[=false]"} {
		if strings.Contains(page, bad) {
			t.Errorf("page has %q", bad)
		}
	}
}

// TestManKeys: the pages of the commands that draw the live screen (uptty, uptty attach) list
// its keys, as its help does (?); man uptty had every flag and not one key.
func TestManKeys(t *testing.T) {
	root := newCLI(nil, nil, nil, nil).root
	h := manHeader{section: "1", date: time.Unix(0, 0).UTC(), source: "uptty dev", manual: "uptty manual"}
	attach, _, err := root.Find([]string{"attach"})
	if err != nil {
		t.Fatal(err)
	}
	check, _, _ := root.Find([]string{"check"})
	for _, cmd := range []*cobra.Command{root, attach} {
		page := string(manPage(cmd, h))
		for _, want := range []string{"\n.SH KEYS\n", "\n.SS Wallboard\n", ".TP 12\n\\fBctrl+l\\fP\nredraw the screen\n", ".TP 12\n\\fBW\\fP\n", ".TP 12\n\\fB?\\fP\n"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", cmd.CommandPath(), want)
			}
		}
	}
	if page := string(manPage(check, h)); strings.Contains(page, ".SH KEYS") {
		t.Error("uptty check's page lists the screen's keys")
	}
}
