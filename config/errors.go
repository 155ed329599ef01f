package config

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is one problem in a config file. Parse and Load return every Error found, joined with
// errors.Join and sorted by position; errors.As finds the first, and Errors lists them all.
type Error struct {
	File   string // the file name as given to Load or Parse
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Path   string // key path such as services[3].expect.status; "" for the file as a whole
	Msg    string // what is wrong, in one line
}

// Error formats the problem as file:line:col: key.path: message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors lists every *Error inside err (as returned by Load or Parse), in order. It is empty
// when the file could not be read at all.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// joinErrors sorts errs by position, drops repeats (a bad default is found once per service
// that inherits it) and joins them, one per line.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	out := make([]error, 0, len(errs))
	seen := make(map[Error]bool, len(errs))
	for _, e := range errs {
		if seen[*e] {
			continue
		}
		seen[*e] = true
		out = append(out, e)
	}
	return errors.Join(out...)
}

// quote writes user text for a message: quoted, escaped, and cut short so one bad value cannot
// flood the terminal.
func quote(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return strconv.Quote(s)
}

// oneLine keeps a message on one line, since each error is printed as one.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
