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
//
// serving, if not "", is the URL of uptty serve's API, written after the pid for the newcomer
// to point its user at (see InUseServing), and attach, if not "", the command that attaches to
// it, after the URL (see InUseAttach). config, if not "", is the holder's config file, on a
// line of its own after the first (see InUseConfig); an older uptty reads the first line alone.
func lockFile(path, serving, attach, config string) (unlock func() error, closing func(), err error) {
	f, _, err := openOwn(path, true)
	if err != nil {
		return nil, nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, closing, serving, attach, config := readLock(path)
			return nil, nil, errInUse{pid: pid, closing: closing, serving: serving, attach: attach, config: config}
		}
		return nil, nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The pid is a courtesy for the message above; failing to write it is no reason to fail.
	pid := strconv.Itoa(os.Getpid())
	line := pid
	if serving != "" {
		line += " " + servingWord + " " + serving
		if attach != "" && !strings.ContainsAny(attach, "\r\n") {
			line += " " + attach
		}
	}
	line += "\n"
	if config != "" && !strings.ContainsAny(config, "\r\n") {
		line += configWord + " " + config + "\n"
	}
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(line), 0)
	}
	closing = func() {
		// Written over the line, then cut to it: readLock reads the first line only, so a
		// newcomer reading between the two sees "closing" already, not the rest of a longer
		// line (uptty serve's URL) after it.
		closed := pid + " closing\n"
		if _, err := f.WriteAt([]byte(closed), 0); err == nil {
			f.Truncate(int64(len(closed)))
		}
	}
	return f.Close, closing, nil
}

// held reports whether a live process holds the lock file at path and is not closing: one that
// exited (closing written, or killed: its pid gone) holds nothing, whatever the file says.
func held(path string) bool {
	pid, closing, _, _, _ := readLock(path)
	if pid <= 0 || closing {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// servingWord comes before the API's URL in the lock file of uptty serve. An older uptty reads
// only the pid and "closing", so it reads such a file as before.
const servingWord = "serve"

// configWord begins the lock file's line that names the holder's config file.
const configWord = "config"

// readLock returns the pid written in a lock file (0 if there is none yet), whether its holder
// is closing and, for uptty serve, its API's URL and the command that attaches to it ("" when
// the lock file has none), and the holder's config file ("" when not written).
func readLock(path string) (pid int, closing bool, serving, attach, config string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false, "", "", ""
	}
	first, more, _ := strings.Cut(string(b), "\n")
	word, rest, _ := strings.Cut(strings.TrimSpace(first), " ")
	pid, err = strconv.Atoi(word)
	if err != nil {
		return 0, false, "", "", ""
	}
	if line, _, _ := strings.Cut(more, "\n"); strings.HasPrefix(line, configWord+" ") {
		config = strings.TrimPrefix(line, configWord+" ")
	}
	if after, ok := strings.CutPrefix(rest, servingWord+" "); ok && !strings.ContainsAny(after, "\t") {
		serving, attach, _ = strings.Cut(after, " ")
	}
	return pid, rest == "closing", serving, attach, config
}
