// Package serve is uptty's HTTP API: one monitor, checked by one poller, shown to any number of
// clients. It answers the status document, a Server-Sent Events stream of changes, incidents and
// a service's history, pauses and resumes services, and says whether it is healthy.
//
// One fan-out goroutine, owned by the Server, reads the monitor's batches of changes and hands
// each client its copy without ever waiting for one: a client has a bounded buffer, and one that
// falls behind loses its backlog and gets a fresh snapshot instead. A slow client never slows
// the monitor or another client.
package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/metrics"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// Options tune a Server. Only Services and Monitor are required.
type Options struct {
	// Services are the monitored services, in the config's order: the status document lists
	// them so.
	Services []config.Service
	// Monitor is the one poller. Serve runs it; nothing else may read its Next.
	Monitor *monitor.Monitor
	// History is where incidents and charts are read from and whose health /healthz reports;
	// nil for none.
	History *history.Live
	// NotSaving, when set, is why history is not being saved at all (another uptty holds the
	// file): /healthz reports it.
	NotSaving string
	// Logger gets the start, every state change and history problems (default: discard).
	Logger *slog.Logger
	// Token, when set, must come with every request as "Authorization: Bearer TOKEN".
	Token string
	// Heartbeat is how often an idle event stream gets a comment, so that proxies and clients
	// know the link is alive (default 15s).
	Heartbeat time.Duration
	// ClientBuffer bounds the bytes of events queued for one stream client (default 256 KiB);
	// past it, the backlog is dropped and the client gets a fresh snapshot instead.
	ClientBuffer int
	// WriteTimeout bounds one write to a stream client (default 10s): a client that accepts
	// nothing for that long is dropped.
	WriteTimeout time.Duration
	// MaxStreams bounds the event streams open at once (default DefaultMaxStreams); past it,
	// /api/v1/events answers 503 with Retry-After. Each stream may hold ClientBuffer bytes,
	// so the bound is also one on memory.
	MaxStreams int
	// TLS, when set, serves the API over TLS with this configuration (see Certificate).
	TLS *tls.Config
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Metrics, when set, are served on GET /metrics, read from Monitor (see metricsRoutes).
	Metrics *metrics.Metrics
	// Probe, when set, answers GET /probe: one check of a target with a config module.
	Probe http.Handler
	// Quiet is the maintenance windows and silences the status marks services with; nil for
	// none. Silences set through the API go to History, and Refresh (if set) reads them back
	// into Quiet at once.
	Quiet   *notify.Quiet
	Refresh func()
	// Acks acknowledges outages (POST and DELETE /api/v1/services/{name}/ack) and says which
	// are, for the status and the events; nil for none.
	Acks Acker
	// Via names the dependency a DOWN service is down because of ("" for none), which its
	// error then starts with, as on the screen: "(via Core router) connection refused"; nil
	// for none.
	Via func(name string) string
}

// Server is the HTTP API over one monitor. Make it with New, run it with Serve.
type Server struct {
	opts Options
	// svcMu guards the service list, which SetServices replaces (never changes in place).
	svcMu   sync.RWMutex
	svcs    []config.Service
	byName  map[string]int // a service's name to its position in svcs
	svcGen  uint64         // counts the lists SetServices gave, for byService's layout
	log     *slog.Logger
	token   [sha256.Size]byte
	mux     *http.ServeMux
	running atomic.Bool   // the monitor's Run is going on
	stop    chan struct{} // closed when Serve is ending: streams return
	hub     hub
	// logMu guards logged, what the log last said of each service's state: the fan-out and
	// LogChange both log changes. It is nil until Serve.
	logMu  sync.Mutex
	logged *byService[loggedState]
}

// New returns a server for opts; nothing runs until Serve.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.ClientBuffer <= 0 {
		opts.ClientBuffer = 256 << 10
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = DefaultMaxStreams
	}
	s := &Server{
		opts:   opts,
		byName: make(map[string]int, len(opts.Services)),
		log:    opts.Logger,
		stop:   make(chan struct{}),
		hub:    hub{clients: map[*client]struct{}{}},
	}
	s.svcs = opts.Services
	for i, svc := range opts.Services {
		s.byName[svc.Name] = i
	}
	if opts.Token != "" {
		s.token = sha256.Sum256([]byte(opts.Token))
	}
	s.routes()
	return s
}

// Handler returns the API's handler, authentication included.
func (s *Server) Handler() http.Handler { return s.auth(s.mux) }

// Serve runs the monitor, the fan-out to event streams and the HTTP API on ln until ctx is done,
// then stops them all: streams end, requests in progress get two seconds to finish, and the
// monitor stops checking. It returns once every goroutine it started has ended, so the caller
// may commit history right after. It closes ln. Serve may be called only once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	// The states the log compares with are taken before the first check can finish, so that
	// the first change of every service is logged, however soon it comes.
	seen := s.loggedStates()
	s.running.Store(true)
	wg.Go(func() {
		defer s.running.Store(false)
		_ = s.opts.Monitor.Run(ctx)
	})
	wg.Go(func() { s.fanout(ctx, seen) })
	if s.opts.History != nil {
		wg.Go(func() { s.watchHistory(ctx) })
	}

	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if s.opts.TLS != nil {
		ln = tls.NewListener(ln, s.opts.TLS)
	}
	served := make(chan error, 1)
	wg.Go(func() { served <- srv.Serve(ln) })

	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	close(s.stop) // streams never go idle: they must end for Shutdown to finish
	cancel()
	grace, done := context.WithTimeout(context.Background(), 2*time.Second)
	defer done()
	if srv.Shutdown(grace) != nil {
		srv.Close() // a client that stopped reading holds its handler in a write
	}
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /api/v1/status", s.status)
	m.HandleFunc("GET /api/v1/events", s.events)
	m.HandleFunc("GET /api/v1/incidents", s.incidents)
	m.HandleFunc("GET /api/v1/services/{name}/history", s.history)
	m.HandleFunc("POST /api/v1/services/{name}/pause", s.pause)
	m.HandleFunc("POST /api/v1/services/{name}/resume", s.resume)
	s.metricsRoutes(m)
	m.HandleFunc("POST /api/v1/services/{name}/silence", s.silence)
	m.HandleFunc("DELETE /api/v1/services/{name}/silence", s.unsilence)
	m.HandleFunc("POST /api/v1/services/{name}/ack", s.ack)
	m.HandleFunc("DELETE /api/v1/services/{name}/ack", s.unack)
	s.mux = m
}

// auth lets a request through when no token is set or when it carries the token. The token is
// hashed first so that the comparison takes the same time whatever its length.
func (s *Server) auth(next http.Handler) http.Handler {
	if s.opts.Token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive and may be followed by more than one space (RFC 9110
		// 11.4): "bearer TOKEN" is the right token too.
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		ok = ok && strings.EqualFold(scheme, "Bearer")
		sum := sha256.Sum256([]byte(strings.TrimLeft(got, " ")))
		if subtle.ConstantTimeCompare(sum[:], s.token[:]) != 1 || !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="uptty"`)
			http.Error(w, "unauthorized: send Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// historyEvery is how often Serve looks at the history's health, to log its problems.
const historyEvery = 5 * time.Second

// watchHistory logs when history stops being saved, and when it is saved again.
func (s *Server) watchHistory(ctx context.Context) {
	tick := time.NewTicker(historyEvery)
	defer tick.Stop()
	last := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := ""
		if err := s.opts.History.Store.Err(); err != nil {
			now = err.Error()
		}
		switch {
		case now != "" && now != last:
			s.log.Error("history not saved", "err", now)
		case now == "" && last != "":
			s.log.Info("history saved again")
		}
		last = now
	}
}

// unhealthy says why the server is not doing its job, "" when it is.
func (s *Server) unhealthy() string {
	if !s.running.Load() {
		return "monitor: not running"
	}
	if s.opts.NotSaving != "" {
		return s.opts.NotSaving
	}
	if h := s.opts.History; h != nil {
		if err := h.Store.Err(); err != nil {
			return "history: " + err.Error()
		}
	}
	return ""
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if why := s.unhealthy(); why != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, why)
		return
	}
	fmt.Fprintln(w, "ok")
}

// snapshot is the services and the current status of each, in the config's order.
func (s *Server) snapshot() ([]config.Service, []track.Status) {
	svcs := s.services()
	snap := s.opts.Monitor.Snapshot()
	out := make([]track.Status, len(svcs))
	for i, svc := range svcs {
		out[i] = snap[svc.Name]
	}
	return svcs, out
}
