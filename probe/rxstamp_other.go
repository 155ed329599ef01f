//go:build !linux

package probe

import (
	"context"
	"net"
	"time"
)

// stampConn returns conn: receive timestamps are read on Linux only (see rxstamp_linux.go);
// elsewhere the wait for the answer ends when the reading goroutine sees it.
func stampConn(_ context.Context, conn net.Conn) net.Conn { return conn }

// stampConnFor returns conn, as stampConn does.
func stampConnFor(_ *phaseRecorder, conn net.Conn) net.Conn { return conn }

// handshakeRTT returns 0: the kernel's handshake time is read on Linux only; elsewhere a connect
// is the clock's.
func handshakeRTT(net.Conn) time.Duration { return 0 }

// stampUDP returns conn: see stampConn.
func stampUDP(conn net.Conn, _ *udpStamp) net.Conn { return conn }
