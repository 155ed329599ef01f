// Package rawhttp is, for tests, an HTTP server that answers byte for byte what it is given: a
// status line or headers no well-behaved server would write, as a hostile one may.
package rawhttp

import (
	"bufio"
	"io"
	"net"
	"sync"
	"testing"
)

// Serve answers every request to a loopback address with response, written as it is once the
// request's head has been read, and closes the connection. It returns the address; the server
// stops, and its connections end, with the test.
func Serve(tb testing.TB, response string) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var conns sync.WaitGroup
	tb.Cleanup(func() { ln.Close(); conns.Wait() })
	conns.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				io.WriteString(conn, response)
			})
		}
	})
	return ln.Addr().String()
}
