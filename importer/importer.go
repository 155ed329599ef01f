// Package importer turns the config of another uptime monitor (Gatus, Uptime Kuma) into an uptty
// config. What cannot be carried over is said twice: as a YAML comment next to the service in the
// output, and as a Note for the summary the caller prints on stderr. The output always loads:
// every service is checked with uptty's own loader, and one it rejects is written commented out
// with the loader's reason.
package importer

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/uptty/uptty/text"
)

// Result is a converted config.
type Result struct {
	// YAML is the uptty config, comments included.
	YAML []byte
	// Notes are what could not be carried over, in file order.
	Notes []Note
	// Services counts the services written; Skipped those written commented out.
	Services, Skipped int
}

// Note is one thing the import could not carry over.
type Note struct {
	File    string // the input file, as given
	Line    int    // where in it; 0 when unknown
	Service string // the service's name; "" for the file as a whole
	Text    string // what was not carried over, and why
}

// String formats the note as file:line: service: text, cleaned of control characters: names
// and conditions come from someone else's file, and the notes go to a terminal.
func (n Note) String() string {
	var b strings.Builder
	b.WriteString(n.File)
	if n.Line > 0 {
		b.WriteString(":" + strconv.Itoa(n.Line))
	}
	b.WriteString(": ")
	if n.Service != "" {
		b.WriteString(n.Service + ": ")
	}
	b.WriteString(n.Text)
	return text.CleanText(b.String(), 0)
}

// Run is the whole `uptty import gatus|kuma FILE` command: the config on stdout, the notes and a
// one-line summary on stderr. It returns the exit code: 0 when converted (even with notes), 2
// for an unknown kind or a file that cannot be read or is not of that kind.
func Run(kind, file string, stdout, stderr io.Writer) int {
	convert := map[string]func([]byte, string) (Result, error){"gatus": Gatus, "kuma": Kuma}[kind]
	if convert == nil {
		fmt.Fprintf(stderr, "uptty: import: unknown source %q: want gatus or kuma (uptty import gatus|kuma FILE)\n", kind)
		return 2
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "uptty: import: %v\n", err)
		return 2
	}
	res, err := convert(data, file)
	if err != nil {
		fmt.Fprintf(stderr, "uptty: import: %v\n", err)
		if other := sniff(data); other != "" && other != kind {
			fmt.Fprintf(stderr, "uptty: import: %s looks like %s; try: uptty import %s %s\n", file, sourceName[other], other, file)
		}
		return 2
	}
	if _, err := stdout.Write(res.YAML); err != nil {
		fmt.Fprintf(stderr, "uptty: import: %v\n", err)
		return 1
	}
	for _, n := range res.Notes {
		fmt.Fprintln(stderr, n)
	}
	fmt.Fprintln(stderr, res.summary(kind))
	return 0
}

// sourceName is what each kind of input is called in messages.
var sourceName = map[string]string{"gatus": "a Gatus config", "kuma": "an Uptime Kuma backup"}

// sniff guesses which kind of input data is, or "": a JSON object with a monitor list is a
// Kuma backup, YAML with endpoints a Gatus config. Only used to point at the other command
// when the one asked for refused the file.
func sniff(data []byte) string {
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")) && bytes.Contains(data, []byte(`"monitorList"`)):
		return "kuma"
	case !bytes.HasPrefix(trimmed, []byte("{")) && bytes.Contains(data, []byte("endpoints:")):
		return "gatus"
	}
	return ""
}

func (r Result) summary(kind string) string {
	s := fmt.Sprintf("uptty import %s: %s converted", kind, plural(r.Services, "service"))
	if r.Skipped > 0 {
		s += fmt.Sprintf(", %d written commented out", r.Skipped)
	}
	if len(r.Notes) > 0 {
		s += fmt.Sprintf("; %s above (also as comments in the config)", plural(len(r.Notes), "note"))
	}
	return s + "; check it with `uptty validate`"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
