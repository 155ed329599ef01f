//go:build !windows

package main

import (
	"os"
	"syscall"
)

// reloadSignals ask a running uptty or uptty serve to reload its config.
var reloadSignals = []os.Signal{syscall.SIGHUP}
