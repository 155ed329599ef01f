//go:build unix

package main

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// dumpSignals ask for a goroutine dump: the live monitor writes one to a file and restores the
// terminal, instead of the runtime's dump over the screen and a raw terminal left behind.
var dumpSignals = []os.Signal{syscall.SIGQUIT, syscall.SIGABRT}

// signalName is a dump signal's name, as the crash dump and message say it.
func signalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		if name := unix.SignalName(s); name != "" {
			return name
		}
	}
	return sig.String()
}
