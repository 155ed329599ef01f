package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/metrics"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/serve"
)

// newMetrics returns the Prometheus metrics of the monitor about to be made over cfg's
// services: its Lateness goes in the monitor's options, then Watch is given the monitor.
func newMetrics(cfg *config.Config, hist *history.Live) *metrics.Metrics {
	return metrics.New(metrics.Options{
		Location: cfg.Secrets.Mask(cfg.Location),
		Dropped:  func() uint64 { return hist.Store.Stats().Dropped },
	})
}

// startMetrics serves GET /metrics of mon on addr for the live monitor (--metrics ADDR), with
// serve's rules: an address off loopback needs a token ($UPTTY_TOKEN or --token-file), which
// every scrape must then carry. Every problem (a bad address, a port in use) is an error before
// the screen is drawn. It returns the address it listens on; stop ends the server, giving a
// scrape in progress a second.
func startMetrics(addr string, opts options, getenv func(string) (string, bool), met *metrics.Metrics,
	mon *monitor.Monitor) (listening string, stop func(), err error) {
	host, err := listenHost("--metrics", addr, "127.0.0.1:9871")
	if err != nil {
		return "", nil, err
	}
	token, err := serveToken(opts.serve.tokenFile, getenv)
	if err != nil {
		return "", nil, err
	}
	if token == "" && !isLoopback(host) {
		return "", nil, fmt.Errorf("uptty: --metrics %s is reachable from other machines: set UPTTY_TOKEN or pass --token-file FILE, and every scrape must then carry Authorization: Bearer TOKEN", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return "", nil, fmt.Errorf("uptty: --metrics: cannot listen on %s: the address is in use", addr)
		}
		return "", nil, fmt.Errorf("uptty: --metrics: cannot listen on %s: %w", addr, err)
	}
	met.Watch(mon)
	srv := &http.Server{
		Handler:           serve.MetricsHandler(met, token),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// The screen is up: net/http's complaints must not scribble on it.
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
		<-done
	}, nil
}
