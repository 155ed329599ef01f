//go:build !linux

package probe

import (
	"context"
	"net"
)

// stampConn returns conn: receive timestamps are read on Linux only (see rxstamp_linux.go);
// elsewhere the wait for the answer ends when the reading goroutine sees it.
func stampConn(_ context.Context, conn net.Conn) net.Conn { return conn }

// stampConnFor returns conn, as stampConn does.
func stampConnFor(_ *phaseRecorder, conn net.Conn) net.Conn { return conn }
