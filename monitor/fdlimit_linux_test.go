package monitor

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// TestCheckAllUnderALowFileLimit: with more services than the open-file limit allows sockets
// (ulimit -n 256, the config's 1000 checks at once), every healthy service is still UP. They
// were reported DOWN, "too many open files", for uptty's own lack of descriptors.
func TestCheckAllUnderALowFileLimit(t *testing.T) {
	monLeakCheck(t)
	// A listener that never accepts: the kernel completes each connect into its backlog, so
	// the target holds no descriptor of this process.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var was syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &was); err != nil {
		t.Fatal(err)
	}
	low := was
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("cannot lower the open-file limit: %v", err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &was)

	const n = 600
	targets := make([]Target, n)
	for i := range targets {
		svc := monSvc(fmt.Sprint("svc", i), time.Minute, 10*time.Second, time.Second)
		svc.URL = "tcp://" + ln.Addr().String()
		svc.FailureThreshold = 1
		c, err := probe.New(svc)
		if err != nil {
			t.Fatal(err)
		}
		targets[i] = Target{svc, c}
	}
	down := 0
	for i, s := range CheckAll(context.Background(), targets, 1000) {
		if s.State != track.Up {
			if down++; down <= 3 {
				t.Errorf("CheckAll[%d] = %v %q, want UP", i, s.State, s.Reason)
			}
		}
	}
	if down > 3 {
		t.Errorf("... and %d more not UP", down-3)
	}
}
