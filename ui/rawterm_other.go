//go:build !linux

package ui

import "io"

// openRawTerminal is nil here: writes go through out.
func openRawTerminal(io.Writer) io.WriteCloser { return nil }
