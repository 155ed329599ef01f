package main

import "os"

// dumpSignals is empty: Windows has no SIGQUIT, and SIGABRT is never delivered to Go.
var dumpSignals []os.Signal

// signalName is a signal's name, as the crash dump and message say it.
func signalName(sig os.Signal) string { return sig.String() }
