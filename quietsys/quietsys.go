// Package quietsys makes the system calls that an idle uptty repeats every few seconds (the
// stats of its history file) without telling the Go runtime. A system call the runtime sees
// wakes its monitor thread (sysmon) out of the sleep it takes while the process idles, and
// sysmon then polls every 20 µs for as long as a goroutine runs: on a VM those wake-ups cost
// more than the call (see package wallclock and README "Benchmarks", bench/idle-cpu.sh). Only
// calls that do not wait belong here: while a raw call blocks, the goroutines of its thread
// wait with it. A stat of a local file does not wait; one on a hung network file system would
// hold them up, as SQLite's own reads of that file would.
package quietsys

import (
	"os"
	"time"
)

// FileStat is what Stat tells of a file.
type FileStat struct {
	Size int64
	Mod  time.Time
	// Dev and Ino name the file (os.SameFile); zero where the platform has no such numbers.
	Dev, Ino uint64
}

// Stat is os.Stat's size, modification time and identity of name.
func Stat(name string) (FileStat, error) { return stat(name) }

// SameFile reports whether name is the file fi describes (os.SameFile of a new os.Stat).
func SameFile(name string, fi os.FileInfo) (bool, error) {
	dev, ino, ok := fileID(fi)
	if !ok {
		now, err := os.Stat(name)
		if err != nil {
			return false, err
		}
		return os.SameFile(now, fi), nil
	}
	st, err := stat(name)
	if err != nil {
		return false, err
	}
	return st.Dev == dev && st.Ino == ino, nil
}
