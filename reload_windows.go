package main

import "os"

// reloadSignals ask a running uptty or uptty serve to reload its config: Windows has no
// SIGHUP, so there the file changing and `r` reload it.
var reloadSignals []os.Signal
