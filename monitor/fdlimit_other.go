//go:build !unix

package monitor

// openFileLimit is 0, unknown: Windows bounds handles by memory, not by a per-process limit a
// check could meet.
func openFileLimit() int { return 0 }
