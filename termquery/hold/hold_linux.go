package hold

import (
	"syscall"
	"unsafe"
)

// divert points standard output at /dev/null when it is a terminal, returning a descriptor
// of the terminal (close-on-exec), or -1 when it left standard output alone. Any failure
// leaves it alone: then Bubble Tea asks, as it always did.
func divert() int {
	var t syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, 1, syscall.TCGETS, uintptr(unsafe.Pointer(&t))); e != 0 {
		return -1 // not a terminal: termenv asks nothing anyway
	}
	saved, _, e := syscall.Syscall(syscall.SYS_FCNTL, 1, syscall.F_DUPFD_CLOEXEC, 3)
	if e != 0 {
		return -1
	}
	null, err := syscall.Open("/dev/null", syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		syscall.Close(int(saved))
		return -1
	}
	defer syscall.Close(null)
	if err := syscall.Dup3(null, 1, 0); err != nil {
		syscall.Close(int(saved))
		return -1
	}
	return int(saved)
}

// restore points standard output back at the terminal kept on fd, and closes fd.
func restore(fd int) {
	for syscall.Dup3(fd, 1, 0) == syscall.EINTR {
	}
	syscall.Close(fd)
}
