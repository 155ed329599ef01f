// Package hold points standard output away from the terminal while Go initialises the
// program's packages, so that Bubble Tea v1's package init does not ask the terminal for its
// background colour. That init calls lipgloss.HasDarkBackground, and termenv then writes an
// OSC 11 query and a cursor position query to standard output and waits up to 5 s for an
// answer: a terminal that answers neither delays the first frame by the whole 5 s, and one
// that answers still costs a round trip (a slow link's, over SSH). uptty never uses the
// answer (--theme picks the colours), so it is better not asked.
//
// Go runs a package's init before the init of any package that imports it, and among the
// packages that are ready, the one whose import path sorts first (the Go spec, since Go 1.21).
// This package imports only syscall; termenv imports golang.org/x/sys/unix, which imports
// syscall too and sorts after github.com/uptty/uptty/…, so this init runs before termenv's,
// lipgloss's and Bubble Tea's. termenv sees no terminal on standard output and asks nothing.
// Package termquery, which imports Bubble Tea, calls Release from its own init, so standard
// output is the terminal again before any other init that imports Bubble Tea runs and long
// before main. A test of the built binary checks both the order and that nothing is asked.
//
// Only package main imports it (through termquery): every program that links it in has its
// standard output away until termquery's init.
package hold

// held is the terminal that standard output was, kept on a descriptor of its own while
// standard output points at /dev/null; -1 when standard output was left alone.
var held = -1

func init() { held = divert() }

// Release points standard output back at the terminal it was. It is safe to call more than
// once, and does nothing when standard output was left alone (not a terminal, or not Linux).
func Release() {
	if held >= 0 {
		restore(held)
		held = -1
	}
}
