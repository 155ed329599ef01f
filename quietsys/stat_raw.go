//go:build linux && (amd64 || arm64 || riscv64)

package quietsys

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// stat is newfstatat with a raw system call.
func stat(name string) (FileStat, error) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return FileStat{}, err
	}
	var st unix.Stat_t
	atFDCWD := unix.AT_FDCWD
	_, _, errno := unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&st)), 0, 0, 0)
	if errno != 0 {
		return FileStat{}, &os.PathError{Op: "stat", Path: name, Err: errno}
	}
	return FileStat{Size: st.Size, Mod: time.Unix(st.Mtim.Unix()), Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, nil
}

// fileID is the device and inode numbers of a file os.Stat described.
func fileID(fi os.FileInfo) (dev, ino uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return uint64(st.Dev), uint64(st.Ino), true
}
