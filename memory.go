package main

import "runtime/debug"

// steadyGCPercent is the collector's pace for uptty: the heap may grow to 1.5 times what is
// live between collections, not Go's default 2 times. A monitor's heap is mostly its services'
// state, live for the whole run, and the garbage of each check is small: with GOGC=100 about a
// third of the resident heap was headroom (1,000 services at 10 s: 8.5 MB live, a 17.4 MB
// goal). The collector's CPU goes the other way, about doubling; it was 1-2% of uptty's CPU
// (runtime/metrics /cpu/classes/gc/total), so the trade is a few tens of microseconds per
// check for a quarter of the heap. See README "Memory".
const steadyGCPercent = 50

// setMemoryPolicy sets the collector's pace, unless GOGC in the environment sets it: those who
// want the other trade say GOGC=100 (or GOMEMLIMIT, which the runtime reads itself).
func setMemoryPolicy(getenv func(string) (string, bool)) {
	if _, set := getenv("GOGC"); set {
		return
	}
	debug.SetGCPercent(steadyGCPercent)
}
