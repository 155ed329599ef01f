package monitor

// fdReserve is the part of the open-file limit left to the rest of the program: the history
// database and its journal, listeners, SSH viewers, the terminal, log files.
const fdReserve = 64

// fdsPerCheck is what one check in flight may hold open: its socket and a lookup's, or a
// command's pipes.
const fdsPerCheck = 2

// slotsFor is concurrency bounded by the process's open-file limit (Go raises the soft limit
// to the hard one at start). With the config's 1000 checks in flight under a limit of 256 (a
// container's, or `ulimit -n 256`), a third of the services were reported DOWN, "too many open
// files", and alerted on, while nothing was wrong with them; fewer checks at once only makes a
// round of checks take a little longer.
func slotsFor(concurrency int) int {
	limit := openFileLimit()
	if limit <= 0 {
		return concurrency // unknown: the config's word stands
	}
	return max(min(concurrency, (limit-fdReserve)/fdsPerCheck), 1)
}
