//go:build linux

package probe

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestConnectEarly dials through the HTTP dialer, which connects in its Control: a listening
// loopback address (IPv4, and IPv6 where the machine has it) gives a connection the listener
// accepts, and a closed port the error the net package gives for a refused connect.
func TestConnectEarly(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		host := map[string]string{"tcp4": "127.0.0.1", "tcp6": "[::1]"}[network]
		ln, err := net.Listen(network, host+":0")
		if err != nil {
			if network == "tcp6" {
				t.Logf("no IPv6 loopback: %v", err)
				continue
			}
			t.Fatal(err)
		}
		accepted := make(chan struct{})
		go func() {
			if c, err := ln.Accept(); err == nil {
				c.Close()
			}
			close(accepted)
		}()
		addr := ln.Addr().String()
		c, err := httpDialer.DialContext(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatalf("dial %s = %v, want a connection", addr, err)
		}
		if got := c.RemoteAddr().String(); got != addr {
			t.Errorf("dial %s: remote address = %s, want %s", addr, got, addr)
		}
		c.Close()
		<-accepted
		ln.Close()

		// The port just closed: refused.
		_, err = httpDialer.DialContext(context.Background(), "tcp", addr)
		var sys *os.SyscallError
		if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &sys) || sys.Syscall != "connect" {
			t.Errorf("dial %s after close = %v, want connect: connection refused", addr, err)
		}
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" {
			t.Errorf("dial %s after close = %#v, want a *net.OpError of dial", addr, err)
		}
	}
}
