package history

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// errNotFile means the history path names something that cannot hold a history: a directory,
// a device, a named pipe, a socket, or a file the system makes up as it is read. Nothing was
// read or written; the message says what to do.
var errNotFile = errors.New("history path is not a file")

// checkPathKind refuses an existing history path that is not a regular file before anything
// opens it: opening a named pipe waits for a writer forever, and SQLite takes a device or a
// file of /proc for an empty database, which read as "is empty" or as a lock file that cannot
// be made. A path that does not exist passes, and so does a symbolic link, which the callers
// refuse with their own message.
func checkPathKind(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case err != nil || fi.Mode()&fs.ModeSymlink != 0:
		return nil
	case fi.IsDir():
		return fileErr(path, "is a directory, not a file: set history.path in the config to a file in it, such as "+
			filepath.Join(path, "history.db"), errNotFile, nil)
	case !fi.Mode().IsRegular():
		return notFileErr(path, fi.Mode())
	case fi.Size() == 0 && readsData(path):
		return fileErr(path, "is made up by the system as it is read (as the files of /proc are), not a file uptty can keep its history in: "+
			notFileFix, errNotFile, nil)
	}
	return nil
}

// notFileFix is what to do about a history path that is not a file.
const notFileFix = `set history.path in the config to a file ("" keeps history in memory)`

// notFileErr words errNotFile for a path of mode, which is not a regular file or a directory.
func notFileErr(path string, mode fs.FileMode) error {
	kind := "a special file"
	switch {
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return fileErr(path, "is "+kind+", not a file: "+notFileFix, errNotFile, nil)
}

// readsData reports whether the regular file at path yields a byte, for one whose size is 0.
func readsData(path string) bool {
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [1]byte
	n, _ := f.Read(b[:])
	return n > 0
}
