// Package termquery keeps Bubble Tea v1 from asking the terminal for its background colour
// when the program starts (see package hold, which does the work): importing it, for its
// side effect, is all there is to do. It must be imported by package main only.
package termquery

import (
	// Imported so that this package's init runs after Bubble Tea's, whose query it is.
	_ "github.com/charmbracelet/bubbletea"

	"github.com/uptty/uptty/termquery/hold"
)

// Bubble Tea's init has run (it is imported above): standard output is the terminal again,
// before any init that comes after it could write to it or ask whether it is a terminal.
func init() { hold.Release() }
