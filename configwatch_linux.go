package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"github.com/fsnotify/fsnotify"
	"golang.org/x/sys/unix"
)

// inotifyWatcher is the config's watch on Linux: inotify with masks of its own, read with raw
// system calls. fsnotify's watch of a directory includes writes to every file in it, so that
// any file written there (a log, a terminal capture, an editor's swap file) woke uptty and the
// runtime's monitor thread (sysmon: fsnotify's read is a system call the runtime sees) for each
// write. Here the directory is watched for names only (made, removed, renamed) and the config
// file itself for writes, so that other files' writes cost nothing; the read waits in the
// network poller without a system call the runtime sees (package quietsys says why that
// matters). Events come as fsnotify's, for watchConfig's loop.
type inotifyWatcher struct {
	file   string // the config, absolute; its directory's watch also watches it
	ifd    int    // the inotify descriptor (f.Fd would make it blocking, out of the poller)
	f      *os.File
	conn   syscall.RawConn
	events chan fsnotify.Event
	errors chan error
	done   chan struct{}
	closed sync.Once

	mu       sync.Mutex
	dirs     map[int]string // watch descriptor → directory
	fileWD   int            // the config file's watch, -1 for none
	fileDir  string         // the directory whose watch keeps fileWD
	readDone chan struct{}
}

// Masks: a directory's names, and the config file's writes (fsnotify's Write is IN_MODIFY).
const (
	inotifyDirMask  = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR
	inotifyFileMask = unix.IN_MODIFY
)

func newConfigWatcher(file string) (configWatcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	w := &inotifyWatcher{
		file: file, ifd: fd, f: os.NewFile(uintptr(fd), "inotify"),
		events: make(chan fsnotify.Event), errors: make(chan error), done: make(chan struct{}),
		dirs: map[int]string{}, fileWD: -1, readDone: make(chan struct{}),
	}
	if w.conn, err = w.f.SyscallConn(); err != nil {
		w.f.Close()
		return nil, err
	}
	go w.read()
	return w, nil
}

func (w *inotifyWatcher) Events() <-chan fsnotify.Event { return w.events }
func (w *inotifyWatcher) Errors() <-chan error          { return w.errors }

// Add watches dir's names; when dir holds the config, the config's writes too.
func (w *inotifyWatcher) Add(dir string) error {
	wd, err := unix.InotifyAddWatch(w.fd(), dir, inotifyDirMask)
	if err != nil {
		return &os.PathError{Op: "inotify_add_watch", Path: dir, Err: err}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dirs[wd] = dir
	if dir == filepath.Dir(w.file) {
		w.fileDir = dir
		w.watchFileLocked()
	}
	return nil
}

// Remove ends the watch of dir (and of the config, when dir holds it).
func (w *inotifyWatcher) Remove(dir string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for wd, d := range w.dirs {
		if d == dir {
			delete(w.dirs, wd)
			if dir == w.fileDir {
				w.unwatchFileLocked()
				w.fileDir = ""
			}
			_, err := unix.InotifyRmWatch(w.fd(), uint32(wd))
			return err
		}
	}
	return nil
}

// watchFileLocked (re)watches the config file for writes: after a name changed in its
// directory it may be another file (an editor's save renames a new one over it; a ConfigMap's
// link points elsewhere). inotify follows links, so a linked config's target is watched.
func (w *inotifyWatcher) watchFileLocked() {
	wd, err := unix.InotifyAddWatch(w.fd(), w.file, inotifyFileMask)
	if err != nil {
		w.unwatchFileLocked() // gone for now: its directory's watch sees it come back
		return
	}
	if wd != w.fileWD {
		// The old file's writes (an editor's backup of it) are not the config's.
		w.unwatchFileLocked()
		w.fileWD = wd
	}
}

func (w *inotifyWatcher) unwatchFileLocked() {
	if w.fileWD >= 0 {
		_, _ = unix.InotifyRmWatch(w.fd(), uint32(w.fileWD))
		w.fileWD = -1
	}
}

func (w *inotifyWatcher) fd() int { return w.ifd }

// Close ends the watch; the reader's goroutine ends with it.
func (w *inotifyWatcher) Close() error {
	var err error
	w.closed.Do(func() {
		close(w.done)
		err = w.f.Close()
		<-w.readDone
	})
	return err
}

// read reads events until the watcher is closed, and sends them on as fsnotify's.
func (w *inotifyWatcher) read() {
	defer close(w.readDone)
	var buf [4096]byte
	for {
		var n uintptr
		var errno syscall.Errno
		err := w.conn.Read(func(fd uintptr) bool {
			n, _, errno = unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
			return errno != unix.EAGAIN
		})
		if err != nil {
			return // closed
		}
		if errno != 0 {
			if !w.send(fsnotify.Event{}, os.NewSyscallError("read inotify", errno)) {
				return
			}
			continue
		}
		for off := uintptr(0); off+unix.SizeofInotifyEvent <= n; {
			raw := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := ""
			if raw.Len > 0 {
				b := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+uintptr(raw.Len)]
				name = strings.TrimRight(string(b), "\x00")
			}
			off += unix.SizeofInotifyEvent + uintptr(raw.Len)
			ev, evErr, ok := w.event(int(raw.Wd), raw.Mask, name)
			if ok && !w.send(ev, evErr) {
				return
			}
		}
	}
}

// event turns one inotify event into fsnotify's terms; ok is false for one watchConfig does
// not look at.
func (w *inotifyWatcher) event(wd int, mask uint32, name string) (fsnotify.Event, error, bool) {
	if mask&unix.IN_Q_OVERFLOW != 0 {
		return fsnotify.Event{}, fsnotify.ErrEventOverflow, true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if mask&unix.IN_IGNORED != 0 {
		if wd == w.fileWD {
			w.fileWD = -1
		}
		delete(w.dirs, wd) // its directory went
		return fsnotify.Event{}, nil, false
	}
	if wd == w.fileWD && w.dirs[wd] == "" {
		if mask&unix.IN_MODIFY == 0 {
			return fsnotify.Event{}, nil, false
		}
		return fsnotify.Event{Name: w.file, Op: fsnotify.Write}, nil, true
	}
	dir, ok := w.dirs[wd]
	if !ok {
		return fsnotify.Event{}, nil, false
	}
	var op fsnotify.Op
	switch {
	case mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0:
		op = fsnotify.Create
	case mask&(unix.IN_DELETE|unix.IN_DELETE_SELF) != 0:
		op = fsnotify.Remove
	case mask&(unix.IN_MOVED_FROM|unix.IN_MOVE_SELF) != 0:
		op = fsnotify.Rename
	default:
		return fsnotify.Event{}, nil, false
	}
	path := dir
	if name != "" {
		path = filepath.Join(dir, name)
		if dir == w.fileDir {
			w.watchFileLocked()
		}
	}
	return fsnotify.Event{Name: path, Op: op}, nil, true
}

// send hands an event or an error to watchConfig's loop; false once the watcher is closed.
func (w *inotifyWatcher) send(ev fsnotify.Event, err error) bool {
	if err != nil {
		select {
		case w.errors <- err:
			return true
		case <-w.done:
			return false
		}
	}
	select {
	case w.events <- ev:
		return true
	case <-w.done:
		return false
	}
}
