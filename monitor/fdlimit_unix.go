//go:build unix

package monitor

import "syscall"

// openFileLimit is the process's soft limit on open files, or 0 when it cannot be read or is
// too large to matter.
func openFileLimit() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 0
	}
	return int(r.Cur)
}
