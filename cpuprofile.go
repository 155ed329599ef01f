package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
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
// the shutdown rather than the steady state. Beside it, path.metrics gets the runtime's own
// figures (runtime/metrics: live heap, heap goal, stacks, memory not returned to the system,
// the collector's CPU), which say where the RSS goes that the profile does not show, and
// path.goroutines every goroutine's stack, counted by where they wait (their stacks are RSS too).
func startMemProfile(path string, period time.Duration) func() {
	if path == "" {
		return func() {}
	}
	// One sample per 4 KB allocated instead of 512 KB: a per-service item of a few hundred
	// bytes shows up by its own name rather than by the luck of the sampling.
	runtime.MemProfileRate = 4096
	write := func() {
		if err := writeMemProfiles(path); err != nil {
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

// writeMemProfiles writes the heap profile to path, the runtime's figures to path.metrics and
// every goroutine's stack, counted by where they wait, to path.goroutines.
func writeMemProfiles(path string) error {
	err := writeAtomic(path, func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
	if err == nil {
		err = writeAtomic(path+".metrics", writeRuntimeMetrics)
	}
	if err == nil {
		err = writeAtomic(path+".goroutines", func(f *os.File) error { return pprof.Lookup("goroutine").WriteTo(f, 1) })
	}
	return err
}

// writeAtomic writes path through a temporary file, so that a reader never sees half of it.
func writeAtomic(path string, write func(*os.File) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeRuntimeMetrics writes every scalar of runtime/metrics, one "name value" a line.
func writeRuntimeMetrics(f *os.File) error {
	descs := metrics.All()
	samples := make([]metrics.Sample, len(descs))
	for i, d := range descs {
		samples[i].Name = d.Name
	}
	metrics.Read(samples)
	for _, s := range samples {
		var err error
		switch s.Value.Kind() {
		case metrics.KindUint64:
			_, err = fmt.Fprintf(f, "%s %d\n", s.Name, s.Value.Uint64())
		case metrics.KindFloat64:
			_, err = fmt.Fprintf(f, "%s %g\n", s.Name, s.Value.Float64())
		}
		if err != nil {
			return err
		}
	}
	return nil
}
