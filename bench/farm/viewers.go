//go:build linux

package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Viewers of `uptty serve`, for issue #10's figures: --sse-viewers streams of /api/v1/events
// and --ssh-viewers SSH sessions (Go's SSH client, a 120x40 xterm-256color terminal each),
// all in this process so that only the server's side counts in uptty's CPU. They are opened
// before the steady state and read everything they are sent until the end.

// endpoints are where the farm's `uptty serve` listens, chosen by the farm so that it can
// reach them: the API and, with SSH viewers, the SSH server.
type endpoints struct {
	api, ssh string
	keys     string       // the authorized keys file
	signer   gossh.Signer // the one key listed in it
}

// freeAddr is a loopback address no one listens on now (uptty listens on it a moment later).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// newEndpoints picks the addresses and, for SSH, makes a key and lists it in dir.
func newEndpoints(dir string, ssh bool) (*endpoints, error) {
	api, err := freeAddr()
	if err != nil {
		return nil, err
	}
	e := &endpoints{api: api}
	if !ssh {
		return e, nil
	}
	if e.ssh, err = freeAddr(); err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if e.signer, err = gossh.NewSignerFromKey(priv); err != nil {
		return nil, err
	}
	e.keys = filepath.Join(dir, "viewers.pub")
	return e, os.WriteFile(e.keys, gossh.MarshalAuthorizedKey(e.signer.PublicKey()), 0o600)
}

// args are serve's flags for e.
func (e *endpoints) args() []string {
	a := []string{"--listen", e.api}
	if e.ssh != "" {
		a = append(a, "--ssh", e.ssh, "--authorized-keys", e.keys, "--ssh-max-sessions", "1000")
	}
	return a
}

// ready waits until serve answers /healthz (its checks may already be running).
func (e *endpoints) ready(alive func() bool) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if !alive() {
			return fmt.Errorf("uptty serve exited")
		}
		if resp, err := http.Get("http://" + e.api + "/healthz"); err == nil {
			resp.Body.Close()
			if e.ssh == "" {
				return nil
			}
			if c, err := net.Dial("tcp", e.ssh); err == nil {
				c.Close()
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("uptty serve not listening on %s within 60 s", e.api)
}

// viewers are the open viewers; each counts the bytes it read.
type viewers struct {
	sse, ssh []*atomic.Int64
	closers  []func()
	wg       sync.WaitGroup
}

// bytes is what the SSE and the SSH viewers read so far, in all.
func (v *viewers) bytes() (sse, ssh int64) {
	for _, n := range v.sse {
		sse += n.Load()
	}
	for _, n := range v.ssh {
		ssh += n.Load()
	}
	return sse, ssh
}

func (v *viewers) close() {
	for _, c := range v.closers {
		c()
	}
	v.wg.Wait()
}

// open opens sse event streams and ssh sessions to e, each once its first bytes are in.
func (e *endpoints) open(sse, ssh int) (*viewers, error) {
	v := &viewers{}
	for range sse {
		if err := e.openSSE(v); err != nil {
			v.close()
			return nil, err
		}
	}
	for range ssh {
		if err := e.openSSH(v); err != nil {
			v.close()
			return nil, err
		}
	}
	return v, nil
}

func (e *endpoints) openSSE(v *viewers) error {
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+e.api+"/api/v1/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return fmt.Errorf("event stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return fmt.Errorf("event stream: %s", resp.Status)
	}
	n := new(atomic.Int64)
	v.sse = append(v.sse, n)
	v.closers = append(v.closers, func() { cancel(); resp.Body.Close() })
	v.wg.Go(func() { _, _ = io.Copy(counting{n}, resp.Body) })
	return nil
}

func (e *endpoints) openSSH(v *viewers) error {
	c, err := gossh.Dial("tcp", e.ssh, &gossh.ClientConfig{User: "farm", Auth: []gossh.AuthMethod{gossh.PublicKeys(e.signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: time.Minute})
	if err != nil {
		return fmt.Errorf("ssh viewer: %w", err)
	}
	sess, err := c.NewSession()
	if err == nil {
		err = sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{})
	}
	var out io.Reader
	if err == nil {
		out, err = sess.StdoutPipe()
	}
	if err == nil {
		err = sess.Shell()
	}
	if err != nil {
		c.Close()
		return fmt.Errorf("ssh viewer: %w", err)
	}
	n := new(atomic.Int64)
	first := make(chan struct{})
	v.ssh = append(v.ssh, n)
	v.closers = append(v.closers, func() { sess.Close(); c.Close() })
	v.wg.Go(func() {
		var once sync.Once
		r := bufio.NewReaderSize(out, 32<<10)
		buf := make([]byte, 32<<10)
		for {
			k, err := r.Read(buf)
			if n.Add(int64(k)) > 1024 {
				once.Do(func() { close(first) })
			}
			if err != nil {
				once.Do(func() { close(first) })
				return
			}
		}
	})
	select {
	case <-first:
		return nil
	case <-time.After(time.Minute):
		return fmt.Errorf("ssh viewer: no first frame in a minute")
	}
}

type counting struct{ n *atomic.Int64 }

func (c counting) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

// heapInUse is go_memstats_heap_inuse_bytes from serve's /metrics; 0 if it is not there.
func (e *endpoints) heapInUse() int64 {
	resp, err := http.Get("http://" + e.api + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f)
		}
	}
	return 0
}
