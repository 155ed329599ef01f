//go:build unix

package ui

import (
	"os"
	"syscall"
)

// resizeSignals say the terminal's size changed.
var resizeSignals = []os.Signal{syscall.SIGWINCH}
