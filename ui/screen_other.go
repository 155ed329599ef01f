//go:build !unix

package ui

import "os"

// resizeSignals say the terminal's size changed: none here, the size is read at the start.
var resizeSignals []os.Signal
