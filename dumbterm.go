package main

import (
	"io"
	"os"
	"runtime"
	"strings"

	xterm "github.com/charmbracelet/x/term"
)

// dumbTerminal reports whether TERM says the terminal cannot move its cursor: TERM=dumb, as
// Emacs's M-x shell, many IDE consoles and CI runners set it. There the live screen would come
// out as a stream of escape codes, each frame below the last, so uptty says what to use instead
// rather than draw it. An unset TERM is not dumb: Windows consoles set none.
func dumbTerminal(getenv func(string) (string, bool)) bool {
	term, _ := getenv("TERM")
	return strings.EqualFold(strings.TrimSpace(term), "dumb")
}

// dumbScreenMessage is what a screen command (the live monitor, attach) says on a dumb
// terminal; instead is what to run in its place.
func dumbScreenMessage(command, instead string) string {
	return "uptty: " + command + " cannot draw on this terminal (TERM=dumb: it cannot move the cursor); " +
		instead + "; or run it in a terminal that can (in Emacs: M-x term or vterm), or with TERM set to the terminal's type"
}

// onTerminal reports whether w is a terminal that can move its cursor, for the tables that
// keep their columns after an emoji by moving it (report.WriteCheckTable). Not on Windows:
// a console reads escape sequences only once asked to, which a one-shot table does not do,
// and Windows Terminal measures emoji as the tables pad them.
func onTerminal(w io.Writer, getenv func(string) (string, bool)) bool {
	f, ok := w.(*os.File)
	return ok && runtime.GOOS != "windows" && xterm.IsTerminal(f.Fd()) && !dumbTerminal(getenv)
}

// terminalWidth is the width of the terminal w is, 0 when w is not one (a file, a pipe) or
// does not say.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !xterm.IsTerminal(f.Fd()) {
		return 0
	}
	width, _, err := xterm.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return width
}
