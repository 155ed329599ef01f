//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package history

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// canLock reports whether lockFile keeps a second writer out.
const canLock = true

// lockFile takes an exclusive advisory lock on path, creating it (mode 0600, never through a
// symbolic link: the pid written below would overwrite the file it points to), and writes our pid into it so
// that a second uptty can say who holds it. The kernel drops the lock when the process dies,
// even by kill -9, so a stale lock file never keeps anyone out.
func lockFile(path string) (unlock func() error, err error) {
	f, _, err := openOwn(path, true)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errInUse{pid: readPID(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The pid is a courtesy for the message above; failing to write it is no reason to fail.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f.Close, nil
}

// readPID returns the pid written in a lock file, 0 if there is none yet.
func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}
