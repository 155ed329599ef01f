//go:build linux && (amd64 || arm64 || riscv64)

package main

import (
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/uptty/uptty/wallclock"
)

// quietStat is os.Stat's size and modification time, with a raw system call once the process
// uses wallclock's timers: the silence poll stats the history every 2 s, and a system call the
// Go runtime sees wakes its monitor thread out of an idle process's sleep (see package
// wallclock). A stat of a local file does not wait; one on a hung network file system would
// hold up the goroutines of the thread making it, as SQLite's own reads of that file would.
func quietStat(name string) (size int64, mod time.Time, err error) {
	if !wallclock.Enabled() {
		fi, err := os.Stat(name)
		if err != nil {
			return 0, time.Time{}, err
		}
		return fi.Size(), fi.ModTime(), nil
	}
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return 0, time.Time{}, err
	}
	var st unix.Stat_t
	atFDCWD := unix.AT_FDCWD
	_, _, errno := unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&st)), 0, 0, 0)
	if errno != 0 {
		return 0, time.Time{}, &os.PathError{Op: "stat", Path: name, Err: errno}
	}
	return st.Size, time.Unix(st.Mtim.Unix()), nil
}
