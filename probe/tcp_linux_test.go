package probe

import (
	"context"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// tcpFullBacklog returns the address of a listener that never accepts and whose queue is full,
// so that Linux drops further SYNs and a connect hangs, as it does for a firewalled port.
func tcpFullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket = %v, want nil", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind = %v, want nil", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatalf("listen = %v, want nil", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname = %v, want nil", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	// Fill the queue: connects succeed until one hangs.
	for range 8 {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		cancel()
		if err != nil {
			return addr
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("the listen queue never filled: this kernel does not drop SYNs to a full queue")
	return ""
}

func TestTCPTimeout(t *testing.T) {
	checkerLeakCheck(t)
	svc := tcpService(tcpFullBacklog(t))
	svc.Timeout = 200 * time.Millisecond
	start := time.Now()
	res := tcpRun(t, svc)
	if res.OK || res.Reason != "timeout after 200ms" {
		t.Errorf("Check(full backlog) = OK %v, reason %q; want reason %q", res.OK, res.Reason, "timeout after 200ms")
	}
	if elapsed := time.Since(start); elapsed > svc.Timeout+5*time.Second {
		t.Errorf("Check(full backlog) took %v, want about %v", elapsed, svc.Timeout)
	}
}

// TestTCPLatencyIsTheConnect checks that a TCP check's latency is its connect step, the kernel's
// handshake time where that is shorter than the clock's, and not the wall time of the check.
func TestTCPLatencyIsTheConnect(t *testing.T) {
	checkerLeakCheck(t)
	addr := tcpListen(t)
	start := time.Now()
	res := tcpRun(t, tcpService(addr))
	wall := time.Since(start)
	if !res.OK {
		t.Fatalf("Check(%s) = %q, want OK", addr, res.Reason)
	}
	if len(res.Phases) != 1 || res.Phases[0].Name != PhaseConnect {
		t.Fatalf("Check(%s) phases = %v, want one %q", addr, res.Phases, PhaseConnect)
	}
	if got, want := res.Latency, max(res.Phases[0].Duration, 1); got != want {
		t.Errorf("Check(%s) latency = %v, want the connect step's %v", addr, got, want)
	}
	if res.Latency > wall {
		t.Errorf("Check(%s) latency = %v, want at most the check's wall time %v", addr, res.Latency, wall)
	}
}
