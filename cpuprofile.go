package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

// startCPUProfile writes a CPU profile of the whole run to the file $UPTTY_CPUPROFILE names,
// for bench/farm and anyone chasing where a check's CPU goes, and a heap profile every few
// seconds to the file $UPTTY_MEMPROFILE names (see startMemProfile); the returned func ends
// both. They are environment variables rather than flags so that they reach every command and
// the command line does not change.
func startCPUProfile(path string) func() {
	stopMem := startMemProfile(os.Getenv("UPTTY_MEMPROFILE"), 5*time.Second)
	if path == "" {
		return stopMem
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "uptty: UPTTY_CPUPROFILE: %v\n", err)
		return stopMem
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		stopMem()
	}
}

// startMemProfile rewrites a heap profile to path every period while the program runs, not
// once at exit: by then the monitor and its trackers are garbage, and the profile would show
// the shutdown rather than the steady state.
func startMemProfile(path string, period time.Duration) func() {
	if path == "" {
		return func() {}
	}
	write := func() {
		tmp := path + ".tmp"
		f, err := os.Create(tmp)
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "uptty: UPTTY_MEMPROFILE: %v\n", err)
		}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				write()
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}
