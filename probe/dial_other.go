//go:build !linux

package probe

import "syscall"

// connectEarly is nil off Linux: the net package connects as it does by default.
var connectEarly func(network, address string, c syscall.RawConn) error
