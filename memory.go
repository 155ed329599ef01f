package main

import (
	"runtime"
	"runtime/debug"
)

// steadyGCPercent is the collector's pace for uptty: the heap may grow to 1.3 times what is
// live between collections, not Go's default 2 times. A monitor's heap is mostly its services'
// state, live for the whole run, and each check's garbage is small: with GOGC=100 a third of
// the resident heap was headroom (1,000 services at 10 s: 8.5 MB live, a 17.4 MB goal). It
// costs the collector's CPU, which a check's ~6 KB of garbage keeps small: at 50 (sessions
// 5-13) 0.5-1.2 MB more RSS at 1,000 services with full rings, for ~5% less CPU a check. See
// README "Memory, eighth pass" and "Memory, tenth pass".
const steadyGCPercent = 30

// setMemoryPolicy sets the collector's pace, unless GOGC in the environment sets it: those who
// want the other trade say GOGC=100 (or GOMEMLIMIT, which the runtime reads itself).
//
// It also stops the runtime's sampling of allocations for heap profiles unless UPTTY_MEMPROFILE
// asks for one (startMemProfile sets its own rate). The sampling is on in any program that
// links runtime/pprof, as uptty does for its profiles, and nothing else reads the samples; their
// stacks go in a hash table of 1.4 MB whose pages become resident as samples land across it
// (1,000 services at 10 s: 0.25-0.3 MB of it by the end of a minute, see README "Memory").
func setMemoryPolicy(getenv func(string) (string, bool)) {
	if path, _ := getenv("UPTTY_MEMPROFILE"); path == "" {
		runtime.MemProfileRate = 0
	}
	if _, set := getenv("GOGC"); set {
		return
	}
	debug.SetGCPercent(steadyGCPercent)
}
