package metrics

import "golang.org/x/sys/windows"

// readProcess reads the process's CPU time and start time.
func (s *scrape) readProcess() {
	var creation, exit, kernel, user windows.Filetime
	if windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user) != nil {
		return
	}
	// A Filetime counts 100 ns.
	ticks := func(t windows.Filetime) float64 { return float64(uint64(t.HighDateTime)<<32 | uint64(t.LowDateTime)) }
	s.process.set(procCPU, (ticks(kernel)+ticks(user))/1e7)
	s.process.set(procStart, float64(creation.Nanoseconds())/1e9)
}
