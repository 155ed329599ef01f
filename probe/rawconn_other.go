//go:build !linux

package probe

import (
	"context"
	"net"
	"net/netip"
)

// dialIP does not dial: the one-shot path dials through the net package (see
// rawconn_linux.go).
func dialIP(context.Context, netip.AddrPort, *phaseRecorder) (conn net.Conn, ok bool, err error) {
	return nil, false, nil
}
