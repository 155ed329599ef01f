//go:build unix && !linux

package metrics

import (
	"os"

	"golang.org/x/sys/unix"
)

// readProcess reads the process's figures that a Unix without /proc gives: CPU time, open
// files and limits, as Prometheus's client library reads them on macOS.
func (s *scrape) readProcess() {
	f := &s.process
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) == nil {
		f.set(procCPU, float64(ru.Utime.Nano()+ru.Stime.Nano())/1e9)
	}
	if dir, err := os.Open("/dev/fd"); err == nil {
		names, err := dir.Readdirnames(-1)
		dir.Close()
		if err == nil {
			f.set(procOpenFDs, float64(len(names)-1)) // less the one reading it
		}
	}
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil {
		f.set(procMaxFDs, float64(lim.Cur))
	}
	if unix.Getrlimit(unix.RLIMIT_AS, &lim) == nil {
		f.set(procVirtualMax, float64(lim.Cur))
	}
}
