package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/uptty/uptty/config"
)

// oneProcRate is the check rate (all services' checks a second, at their intervals) up to
// which uptty runs its goroutines on one P (GOMAXPROCS=1). With a second P idle, each goroutine
// made ready wakes a second thread to look for work, which finds none: at idle the clock's
// tick alone woke three threads a second rather than one (sh bench/idle-cpu.sh), and each wake-up
// costs more than the tick's work on a VM. With one P a check's answer that arrives while SQLite
// or a frame runs waits for it, which at 1,000 services every 10 s (100 checks a second) showed
// in the latency's p99 under load (README "The load farm"); at 10 a second or fewer, the P is
// busy for a few milliseconds a second.
const oneProcRate = 10.0

// procsPolicy is on in the binary (main), off in tests, which run many programs in one process.
var procsPolicy bool

// procs is what setProcs last set.
var procs struct {
	mu  sync.Mutex
	one bool
}

// setProcs gives the runtime one P while the config's checks are few (oneProcRate), and its
// default otherwise; a GOMAXPROCS in the environment is left to the runtime.
func setProcs(services []config.Service, getenv func(string) (string, bool)) {
	if !procsPolicy {
		return
	}
	if _, set := getenv("GOMAXPROCS"); set {
		return
	}
	one := checkRate(services) <= oneProcRate
	procs.mu.Lock()
	defer procs.mu.Unlock()
	switch {
	case one && !procs.one:
		runtime.GOMAXPROCS(1)
	case !one && procs.one:
		runtime.SetDefaultGOMAXPROCS()
	}
	procs.one = one
}

// checkRate is how many checks a second services make at their intervals.
func checkRate(services []config.Service) float64 {
	rate := 0.0
	for _, s := range services {
		if s.Interval > 0 {
			rate += float64(time.Second) / float64(s.Interval)
		}
	}
	return rate
}
