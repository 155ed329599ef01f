package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/metrics"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/text"
)

// newMetrics returns the Prometheus metrics of the monitor about to be made over cfg's
// services: its Lateness goes in the monitor's options, then Watch is given the monitor.
func newMetrics(cfg *config.Config, hist *history.Live, alerts *alertCounts) *metrics.Metrics {
	return metrics.New(metrics.Options{
		Location: cfg.Secrets.Mask(cfg.Location),
		Dropped:  func() uint64 { return hist.Store.Stats().Dropped },
		Alerts:   alerts.list,
	})
}

// alertCounts counts what each alert sender did, for uptty_alert_deliveries_total: the
// dispatcher's hooks (see count) add to it, a scrape reads it.
type alertCounts struct {
	secrets *text.Secrets
	mu      sync.Mutex
	order   []string
	by      map[string]*metrics.AlertCount
	// renamedTo maps the old name of a sender a reload renamed to its new one, for an outcome
	// counted under the old name while the rename was being made.
	renamedTo map[string]string
}

// newAlertCounts counts the senders of cfg, each at 0 from the start: a counter that appears
// only at its first failure hides that failure from increase().
func newAlertCounts(cfg *config.Config) *alertCounts {
	c := &alertCounts{secrets: cfg.Secrets, by: map[string]*metrics.AlertCount{}}
	for _, a := range cfg.Alerts {
		c.of(a.Name)
	}
	return c
}

// of is sender's counts; c.mu must be held, or c not shared yet.
func (c *alertCounts) of(sender string) *metrics.AlertCount {
	if to, ok := c.renamedTo[sender]; ok {
		sender = to
	}
	n := c.by[sender]
	if n == nil {
		n = &metrics.AlertCount{Sender: c.secrets.Mask(sender)}
		c.by[sender] = n
		c.order = append(c.order, sender)
	}
	return n
}

// count returns opt with hooks that count each delivery, failed attempt and alert given up
// before calling opt's own.
func (c *alertCounts) count(opt alert.Options) alert.Options {
	sent, failed, gaveUp := opt.OnSent, opt.OnFailed, opt.OnGaveUp
	add := func(sender string, f func(n *metrics.AlertCount)) {
		c.mu.Lock()
		f(c.of(sender))
		c.mu.Unlock()
	}
	opt.OnSent = func(id, sender string, at time.Time) {
		add(sender, func(n *metrics.AlertCount) { n.Sent++ })
		if sent != nil {
			sent(id, sender, at)
		}
	}
	opt.OnFailed = func(a alert.Alert, sender string, err error, attempt int, next time.Time) {
		add(sender, func(n *metrics.AlertCount) { n.Failed++ })
		if failed != nil {
			failed(a, sender, err, attempt, next)
		}
	}
	opt.OnGaveUp = func(a alert.Alert, sender string, err error, attempts int) {
		add(sender, func(n *metrics.AlertCount) { n.GaveUp++ })
		if gaveUp != nil {
			gaveUp(a, sender, err, attempts)
		}
	}
	return opt
}

// rename counts the sender old, renamed new by a reload, under its new name: its series go on
// under the name the config gives it, and the old name's are gone from the next scrape.
func (c *alertCounts) rename(old, new string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.by[old]
	if !ok {
		return
	}
	delete(c.by, old)
	i := slices.Index(c.order, old)
	if m, ok := c.by[new]; ok { // counted under new already: one series of both
		m.Sent, m.Failed, m.GaveUp = m.Sent+n.Sent, m.Failed+n.Failed, m.GaveUp+n.GaveUp
		c.order = slices.Delete(c.order, i, i+1)
	} else {
		n.Sender = c.secrets.Mask(new)
		c.by[new], c.order[i] = n, new
	}
	for was, to := range c.renamedTo {
		if to == old {
			c.renamedTo[was] = new
		}
	}
	c.renamedTo = setKey(c.renamedTo, old, new)
	delete(c.renamedTo, new)
}

// list is the counts now, senders in the order first counted.
func (c *alertCounts) list() []metrics.AlertCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]metrics.AlertCount, 0, len(c.order))
	for _, s := range c.order {
		out = append(out, *c.by[s])
	}
	return out
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
