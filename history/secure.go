package history

import (
	"errors"
	"io/fs"
	"os"
)

// ErrUnsafe means a history file or its directory could be turned against its owner: a
// symbolic link at a history file's name, a file of another user, a directory others can write
// to. Nothing was written.
var ErrUnsafe = errors.New("history file unsafe to open")

// fileMode is the mode of every history file: the results say which hosts are watched and
// when they failed, nobody else's business.
const fileMode = 0o600

// sidecars are the files SQLite keeps beside the database in WAL mode.
var sidecars = []string{"-wal", "-shm"}

func linkErr(path string) error {
	return fileErr(path, "is a symbolic link; uptty does not follow links to its history files, so that nobody can point one at another file: remove it, or set history.path to another file", ErrUnsafe, nil)
}

// openOwn opens the history file at path for writing without following a symbolic link,
// creating it with mode 0600 (whatever the umask) when create is set and it does not exist. An
// existing file must be a regular file of ours; its mode is narrowed to 0600. created says
// whether this call made the file. Its errors are ErrUnsafe ones naming the file, or the
// system's.
func openOwn(path string, create bool) (f *os.File, created bool, err error) {
	if create {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|noFollow, fileMode)
		if err == nil {
			if err := f.Chmod(fileMode); err != nil {
				f.Close()
				return nil, true, err
			}
			return f, true, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, false, err
		}
	}
	// Lstat first: where open cannot refuse a link itself, this is the guard.
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, false, linkErr(path)
	}
	f, err = os.OpenFile(path, os.O_RDWR|noFollow, 0)
	switch {
	case err != nil && isLinkErr(err):
		return nil, false, linkErr(path)
	case err != nil:
		return nil, false, err
	}
	if err := checkOpened(path, f); err != nil {
		f.Close()
		return nil, false, err
	}
	return f, false, nil
}

// checkOpened makes sure that an opened history file is a regular file of ours with mode 0600.
func checkOpened(path string, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fileErr(path, "cannot be read", nil, err)
	}
	if !fi.Mode().IsRegular() {
		return notFileErr(path, fi.Mode())
	}
	if err := checkOwner(path, fi); err != nil {
		return err
	}
	if fi.Mode().Perm()&^fileMode != 0 {
		if err := f.Chmod(fileMode); err != nil {
			return fileErr(path, "cannot be made private (chmod 600)", nil, err)
		}
	}
	return nil
}

// refuseLinks fails if any of paths is a symbolic link: a reader must not be led elsewhere
// either, and SQLite would follow one at the database's name.
func refuseLinks(paths ...string) error {
	for _, p := range paths {
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return linkErr(p)
		}
	}
	return nil
}
