//go:build !linux

package probe

import "net"

// closeSoon closes conn: the close is put off on Linux only (see closesoon_linux.go).
func closeSoon(conn net.Conn) error { return conn.Close() }

// closeWaiting does nothing: nothing waits to be closed off Linux.
func closeWaiting() {}
