//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package history

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// noFollow is added to every open of a history file: a symbolic link planted at its name must
// not lead a write to another file.
const noFollow = syscall.O_NOFOLLOW

// isLinkErr reports whether err is what open with O_NOFOLLOW returns on a symbolic link
// (ELOOP; EMLINK on FreeBSD).
func isLinkErr(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

// checkOwner refuses a file or directory of another user: its owner could change it under us.
func checkOwner(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := int(st.Uid); uid != os.Geteuid() {
		return fileErr(path, fmt.Sprintf("belongs to another user (uid %d); uptty only writes history files of its own user: remove it, or set history.path to another file", uid), ErrUnsafe, nil)
	}
	return nil
}

// checkDir refuses a history directory that other users can write to, as ssh judges ~/.ssh:
// they could plant or replace the history files. A sticky directory of ours is safe: there the
// others can add names but not replace ours, and every history file is opened without
// following links.
func checkDir(dir, path string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fileErr(path, "cannot be created", nil, err)
	}
	if fi.Mode().Perm()&0o022 == 0 {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && fi.Mode()&fs.ModeSticky != 0 && int(st.Uid) == os.Geteuid() {
		return nil
	}
	return fileErr(path, fmt.Sprintf("is in a directory that other users can write to (%s, mode %#o): they could replace the history files; run chmod go-w %s, or set history.path to a file in a private directory",
		dir, fi.Mode().Perm(), dir), ErrUnsafe, nil)
}
