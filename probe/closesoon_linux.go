//go:build linux

package probe

import (
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// The one-shot path's plain connections that got their answer are closed after their check,
// not at its end: once a second, all together, by the first check that connects a second or
// more after the first of them was left (or by a timer, when no check comes), or by the checks
// that connect after them (a few each) once more than closeKeep wait. On Linux the Go runtime's monitor thread
// (sysmon) sleeps while every P is idle, and a system call made through the runtime's syscall
// entry (close is one: an os.File's or a net.Conn's close cannot be made raw) wakes it and sets
// it polling every 20 µs for its next 50 looks. A check makes no other such call (see
// rawconn_linux.go and stampedReader.recv): its close, at its end or at a later check's start,
// would wake sysmon for each check. A Go timer's expiry wakes sysmon anyway (it sleeps until
// the next one), and at that moment a close does not. At 10,000 services every 10 s, closes
// moved to later checks took sysmon from 17-19% of uptty's CPU to 4-8% (README, "The load
// farm"). The second's round is a check's rather than the timer's when a check comes in time:
// the timer's expiry was a wake-up of the process of its own, once a second (two of a thread
// where the runtime's poller rounds its wait to the millisecond), where a check's start is one
// the process makes anyway, as the history's commit is (README "Session 11"). The TCP close is unchanged (a FIN, after the target's, up to a second later); the
// file descriptor is kept that long. A check that failed or gave up on its answer closes its
// connection at once: the server may still be sending.

// closeSoonMax is how long the connections wait for the round that closes them all, which the
// first check to connect after it takes (closeWaiting), or the timer closeSlack later.
var closeSoonMax = time.Second

// closeSlack is how long after closeSoonMax the timer waits for a check to take the round.
var closeSlack = 250 * time.Millisecond

// closeRoundMax is the most connections a check closes for the second's round: at 1,000
// services every 10 s about 100 wait, which would hold its request up by a few milliseconds;
// those left go with the next checks.
const closeRoundMax = 32

// closeBatch is the most connections a check closes: at a steady rate each check leaves one,
// and a check that closed every one left in a burst of starts (10,000 services' first round)
// would keep its own connection waiting that long.
const closeBatch = 4

// closeKeep is how many connections the checks leave waiting for the timer: below ~250 checks
// a second they close none, and the timer closes each second's in one go. At 1,000 services
// every 10 s, 64 left the checks closing and sysmon woken ~16 times a second for it: 256 halved
// its wake-ups (README, "Session 8"). Under a low limit on open files (a container's
// `ulimit -n 256`) it is a quarter of what the monitor leaves beside its checks in flight
// (monitor/fdlimit.go takes half of the limit less 64), so that connections waiting to be
// closed never turn a healthy service's check into "too many open files".
var closeKeep = keepUnder(openFileLimit())

// keepUnder is closeKeep under a limit of limit open files (0: none that matters).
func keepUnder(limit int) int {
	if limit <= 0 {
		return 256
	}
	return min(256, max(0, (limit-64)/4))
}

// openFileLimit is the process's soft limit on open files, or 0 when it cannot be read or is
// too large to matter.
func openFileLimit() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 0
	}
	return int(r.Cur)
}

// lateClose holds the connections waiting to be closed.
var lateClose lateCloser

type lateCloser struct {
	mu    sync.Mutex
	conns []io.Closer // oldest first
	timer *time.Timer // armed while conns is not empty
	due   time.Time   // when the round that closes them all is due; zero while none waits
	// closing is held by the one closeSome at work: a check finding it held leaves the
	// waiting connections to the next. spare is the slice its last round emptied.
	closing sync.Mutex
	spare   []io.Closer
}

// closeSoon closes conn, a connection of the one-shot path that got its answer, now or soon: a
// plain connection (stamped, see stampConnFor, or made by dialIP) waits for a later check's
// closeWaiting or for closeSoonMax, anything else (TLS, which writes its close_notify first) is
// closed now. Its error is that of the close when it closes now, nil otherwise.
func closeSoon(conn net.Conn) error {
	var c io.Closer
	switch conn := conn.(type) {
	case *rxConn:
		c = conn.TCPConn
	case *rawConn:
		c = conn
	default:
		return conn.Close()
	}
	l := &lateClose
	l.mu.Lock()
	l.conns = append(l.conns, c)
	if len(l.conns) == 1 {
		l.due = time.Now().Add(closeSoonMax)
		if l.timer == nil {
			l.timer = time.AfterFunc(closeSoonMax+closeSlack, func() { l.closeSome(0) })
		} else {
			l.timer.Reset(closeSoonMax + closeSlack)
		}
	}
	l.mu.Unlock()
	return nil
}

// closeWaiting closes the oldest connections waiting beyond closeKeep, up to closeBatch, or
// when the second's round is due, up to closeRoundMax of all those waiting: a check calls it
// once its connection is made, before its request, so that the closes hold up neither the
// measured wait for the answer nor the reading of it.
func closeWaiting() { lateClose.closeSome(closeBatch) }

// closeSome closes up to most of the waiting connections beyond closeKeep (all of them up to
// closeRoundMax once the round is due), or all of them when most is 0 (the timer, which waits
// its turn; a check does not).
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
	if most > 0 {
		if time.Now().Before(l.due) {
			n = min(most, n-closeKeep)
		} else {
			n = min(n, closeRoundMax)
		}
		if n <= 0 {
			l.mu.Unlock()
			return
		}
	}
	batch := append(l.spare[:0], l.conns[:n]...)
	left := copy(l.conns, l.conns[n:])
	clear(l.conns[left:])
	l.conns = l.conns[:left]
	if left == 0 {
		l.timer.Stop()
		l.due = time.Time{}
	}
	l.mu.Unlock()
	for i, c := range batch {
		c.Close()
		batch[i] = nil
	}
	l.spare = batch[:0]
}
