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
// even by kill -9, so a stale lock file never keeps anyone out. closing adds "closing" after
// the pid: a newcomer waits for a holder that is closing (a restart), not for one that runs.
func lockFile(path string) (unlock func() error, closing func(), err error) {
	f, _, err := openOwn(path, true)
	if err != nil {
		return nil, nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, closing := readLock(path)
			return nil, nil, errInUse{pid: pid, closing: closing}
		}
		return nil, nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The pid is a courtesy for the message above; failing to write it is no reason to fail.
	pid := strconv.Itoa(os.Getpid())
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(pid+"\n"), 0)
	}
	closing = func() { f.WriteAt([]byte(pid+" closing\n"), 0) }
	return f.Close, closing, nil
}

// readLock returns the pid written in a lock file (0 if there is none yet) and whether its
// holder is closing.
func readLock(path string) (pid int, closing bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	word, rest, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	pid, err = strconv.Atoi(word)
	if err != nil {
		return 0, false
	}
	return pid, rest == "closing"
}
