package history

import (
	"errors"
	"strconv"
	"strings"
)

// Errors that Open and the Store's methods wrap, for errors.Is. The messages a user reads come
// from the wrapping error, which names the file.
var (
	// ErrInUse means another uptty holds the history file for writing.
	ErrInUse = errors.New("history file in use")
	// ErrNotHistory means the file is not an uptty history: not a database, a corrupt one, or
	// someone else's. It was left untouched.
	ErrNotHistory = errors.New("not an uptty history file")
	// ErrNewerSchema means the file was written by a newer uptty; it was left untouched.
	ErrNewerSchema = errors.New("history file from a newer uptty")
	// ErrClosed is returned by a Store's methods after Close.
	ErrClosed = errors.New("history store closed")
)

// fileError is an error about the history file: its message names the file and says what went
// wrong in words, and it unwraps to a sentinel above (if any) and the underlying cause.
type fileError struct {
	msg     string
	kind    error
	cause   error
	serving string // ErrInUse's: the holder's API, when it is uptty serve
	attach  string // and the command that attaches to it
	config  string // ErrInUse's: the holder's config file, when it wrote it
}

func (e *fileError) Error() string { return e.msg }

// InUseServing returns, for an ErrInUse whose holder is uptty serve, the URL of its API (for
// uptty attach); "" otherwise.
func InUseServing(err error) string {
	var fe *fileError
	if errors.As(err, &fe) {
		return fe.serving
	}
	return ""
}

// InUseConfig returns, for an ErrInUse, the holder's config file as it wrote it in the lock
// file (see Options.Config), or "" when it did not (an older uptty, a history in memory).
func InUseConfig(err error) string {
	var fe *fileError
	if errors.As(err, &fe) {
		return fe.config
	}
	return ""
}

// InUseAttach returns, for an ErrInUse whose holder is uptty serve, the command that shows it:
// uptty attach URL with what it needs besides (a CA, the token's source); "" otherwise.
func InUseAttach(err error) string {
	var fe *fileError
	switch {
	case !errors.As(err, &fe) || fe.serving == "":
		return ""
	case fe.attach != "":
		return fe.attach
	}
	return "uptty attach " + fe.serving
}

func (e *fileError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.kind, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// fileErr builds "history file PATH WHAT: CAUSE", or "in-memory history WHAT: CAUSE".
func fileErr(path, what string, kind, cause error) error {
	var b strings.Builder
	if path == "" {
		b.WriteString("in-memory history ")
	} else {
		b.WriteString("history file " + path + " ")
	}
	b.WriteString(what)
	if cause != nil {
		b.WriteString(": " + cause.Error())
	}
	return &fileError{msg: b.String(), kind: kind, cause: cause}
}

// errClosing marks an ErrInUse whose holder is closing the file: worth waiting for.
var errClosing = errors.New("it is closing the file")

// errInUse is what lockFile returns when another process holds the lock; closing when that
// process has begun to close the file.
type errInUse struct {
	pid     int
	closing bool
	serving string // the API's URL, when the holder is uptty serve
	attach  string // the command that attaches to it, "" for uptty attach URL
	config  string // the holder's config file, "" when it did not write it
}

func (e errInUse) Error() string { return "locked by pid " + strconv.Itoa(e.pid) }
