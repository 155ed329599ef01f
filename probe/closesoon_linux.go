//go:build linux

package probe

import (
	"net"
	"sync"
	"time"
)

// The one-shot path's plain connections are closed by the checks that connect after them (a
// few each), not when their own check ends. On Linux the Go runtime's monitor thread (sysmon)
// sleeps while every P is idle, and the first system call made through the runtime's syscall
// entry (close is one; recvmsg is made raw, see stampedReader.recv) wakes it and sets it
// polling every 20 µs until the Ps are idle again. A check's end is such a burst of its own:
// the answer arrives, is read, the connection closed. Without the close it makes no system
// call through that entry, and sysmon sleeps through it; the close goes with a later check's
// start, whose connect wakes sysmon anyway. At 10,000 services every 10 s this took sysmon
// from 17-19% of uptty's CPU to 4-8% (README, "The load farm"). The TCP close is unchanged (a
// FIN, after the target's, a few milliseconds later); the file descriptor is kept that long.

// closeSoonMax is how long a connection waits for a check to close it before a timer does:
// checks less often than this pay a timer's wake-up for it, as their close did before.
var closeSoonMax = time.Second

// closeBatch is the most connections a check closes: at a steady rate each check leaves one,
// and a check that closed every one left in a burst of starts (10,000 services' first round)
// would keep its own connection waiting that long.
const closeBatch = 4

// lateClose holds the connections waiting to be closed.
var lateClose lateCloser

type lateCloser struct {
	mu    sync.Mutex
	conns []*net.TCPConn // oldest first
	timer *time.Timer    // armed while conns is not empty
	// closing is held by the one closeSome at work: a check finding it held leaves the
	// waiting connections to the next. spare is the slice its last round emptied.
	closing sync.Mutex
	spare   []*net.TCPConn
}

// closeSoon closes conn, a connection of the one-shot path done with, now or soon: a plain
// connection (stamped, see stampConnFor) waits for a later check's closeWaiting or for
// closeSoonMax, anything else (TLS, which writes its close_notify first) is closed now. Its
// error is that of the close when it closes now, nil otherwise.
func closeSoon(conn net.Conn) error {
	rc, ok := conn.(*rxConn)
	if !ok {
		return conn.Close()
	}
	l := &lateClose
	l.mu.Lock()
	l.conns = append(l.conns, rc.TCPConn)
	if len(l.conns) == 1 {
		if l.timer == nil {
			l.timer = time.AfterFunc(closeSoonMax, func() { l.closeSome(0) })
		} else {
			l.timer.Reset(closeSoonMax)
		}
	}
	l.mu.Unlock()
	return nil
}

// closeWaiting closes the oldest connections waiting, up to closeBatch: a check calls it once
// its connection is made, before its request, so that the closes hold up neither the
// measured wait for the answer nor the reading of it.
func closeWaiting() { lateClose.closeSome(closeBatch) }

// closeSome closes up to most of the waiting connections, all of them when most is 0 (the
// timer, which waits its turn; a check does not).
func (l *lateCloser) closeSome(most int) {
	if most == 0 {
		l.closing.Lock()
	} else if !l.closing.TryLock() {
		return
	}
	defer l.closing.Unlock()
	l.mu.Lock()
	n := len(l.conns)
	if n == 0 {
		l.mu.Unlock()
		return
	}
	if most > 0 && n > most {
		n = most
	}
	batch := append(l.spare[:0], l.conns[:n]...)
	left := copy(l.conns, l.conns[n:])
	clear(l.conns[left:])
	l.conns = l.conns[:left]
	if left == 0 {
		l.timer.Stop()
	}
	l.mu.Unlock()
	for i, c := range batch {
		c.Close()
		batch[i] = nil
	}
	l.spare = batch[:0]
}
