// Package demo runs uptty's built-in demo: real servers on 127.0.0.1 with scripted behaviour, and
// a config that monitors them, so the demo exercises the real probes, poller and state machine
// with no network at all.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// Script timings. An outage every OutageEvery, lasting OutageFor, first OutageAfter into the
// demo, so a newcomer sees a whole outage (start, ticking timer, recovery) within a minute.
const (
	OutageAfter = 20 * time.Second
	OutageFor   = 20 * time.Second
	OutageEvery = 70 * time.Second
)

// Demo is a running set of demo servers and the config that monitors them.
type Demo struct {
	// Config monitors the demo servers; its Path is "".
	Config *config.Config

	httpServer *http.Server
	tcp        net.Listener
	wg         sync.WaitGroup
}

// Start listens on 127.0.0.1 and serves the scripted services until Close.
func Start() (*Demo, error) {
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	tcpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		httpLn.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &Demo{tcp: tcpLn}
	d.httpServer = &http.Server{Handler: newHandler(time.Now()), ReadHeaderTimeout: 5 * time.Second}
	d.Config, err = buildConfig("http://"+httpLn.Addr().String(), "tcp://"+tcpLn.Addr().String())
	if err != nil {
		httpLn.Close()
		tcpLn.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}

	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		_ = d.httpServer.Serve(httpLn)
	}()
	go func() {
		defer d.wg.Done()
		d.acceptTCP()
	}()
	return d, nil
}

// Close stops every demo server and waits for their goroutines.
func (d *Demo) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := d.httpServer.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = d.httpServer.Close()
	}
	d.tcp.Close()
	d.wg.Wait()
	return err
}

// acceptTCP plays a database that accepts connections and hangs up at once.
func (d *Demo) acceptTCP() {
	for {
		c, err := d.tcp.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// demoConfig monitors the demo servers; %[1]s is the HTTP server's base URL, %[2]s the TCP
// server's. It goes through the loader like any config, so the demo's services are what a user
// would get by writing it.
const demoConfig = `concurrency: 100
defaults: {interval: 2s, timeout: 1500ms, retry_interval: 1s}
services:
  - {name: Checkout API, group: payments, url: "%[1]s/checkout", expect: {body_contains: ok}}
  - {name: 결제 게이트웨이, group: payments, url: "%[1]s/gateway"}
  - {name: Login, group: core, url: "%[1]s/login"}
  - {name: Search, group: core, url: "%[1]s/search", slow: 800ms}
  - {name: CDN edge, group: edge, url: "%[1]s/cdn"}
  - {name: Postgres primary, group: data, url: "%[2]s"}
`

func buildConfig(base, tcpURL string) (*config.Config, error) {
	cfg, err := config.Parse(fmt.Appendf(nil, demoConfig, base, tcpURL), "demo", nil, probe.Kinds())
	if err != nil {
		return nil, err
	}
	// The demo keeps no history and has no file.
	cfg.Path, cfg.History = "", config.History{}
	return cfg, nil
}

// newHandler serves the scripted endpoints; start anchors the outage schedule.
func newHandler(start time.Time) http.Handler {
	mux := http.NewServeMux()
	steady := func(base, jitter time.Duration) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			pause(r.Context(), base+time.Duration(rand.Int64N(int64(jitter)+1)))
			fmt.Fprintln(w, "ok")
		}
	}
	mux.HandleFunc("/checkout", steady(8*time.Millisecond, 6*time.Millisecond))
	mux.HandleFunc("/gateway", steady(25*time.Millisecond, 15*time.Millisecond))
	mux.HandleFunc("/search", steady(700*time.Millisecond, 350*time.Millisecond))
	mux.HandleFunc("/cdn", func(w http.ResponseWriter, r *http.Request) {
		// Mostly fast with the odd spike, as a cache with misses behaves.
		d := 5*time.Millisecond + time.Duration(rand.Int64N(int64(40*time.Millisecond)))
		if rand.IntN(6) == 0 {
			d += time.Duration(rand.Int64N(int64(300 * time.Millisecond)))
		}
		pause(r.Context(), d)
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if inOutage(time.Since(start)) {
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
			return
		}
		pause(r.Context(), 40*time.Millisecond+time.Duration(rand.Int64N(int64(20*time.Millisecond))))
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// inOutage reports whether the scripted outage is on at elapsed time into the demo.
func inOutage(elapsed time.Duration) bool {
	if elapsed < OutageAfter {
		return false
	}
	return (elapsed-OutageAfter)%OutageEvery < OutageFor
}

// pause waits d, or less if the client gives up first.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
