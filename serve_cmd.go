package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/metrics"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/sshview"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// defaultListen is where `uptty serve` listens without --listen: loopback only, so that nothing
// is exposed, and no token is needed, until the user says otherwise.
const defaultListen = "127.0.0.1:9870"

// serveOptions are the flags only `uptty serve` takes.
type serveOptions struct {
	listen    string // "" for defaultListen
	logFormat string // "" or "text", or "json"
	tokenFile string
	// SSH viewers (serve_ssh.go): the address, who may log in, who may also act, how many.
	ssh, authorizedKeys, sshOperators string
	sshMaxSessions                    int
	// TLS for the API (both or neither), the CA attach trusts, the cap on event streams.
	tlsCert, tlsKey, ca string
	maxStreams          int
}

// serveFlags adds serve's flags to its command.
func serveFlags(fs *pflag.FlagSet, so *serveOptions) {
	fs.StringVar(&so.listen, "listen", "", "the address `ADDR` of the HTTP API (default "+defaultListen+"); one that is not loopback needs a token: $UPTTY_TOKEN or --token-file")
	fs.StringVar(&so.logFormat, "log-format", "", "the `FORMAT` of the logs on stderr: text (default) or json")
	fs.StringVar(&so.tokenFile, "token-file", "", "`FILE` holding the bearer token every request carries (else $UPTTY_TOKEN)")
	fs.StringVar(&so.ssh, "ssh", "", "let viewers log in with ssh -p PORT HOST at `ADDR` and get the live screen; needs --authorized-keys")
	fs.StringVar(&so.authorizedKeys, "authorized-keys", "", "with --ssh: the `FILE` of public keys that may log in, one a line; no passwords")
	fs.StringVar(&so.sshOperators, "ssh-operators", "", "with --ssh: the `FILE` of keys that may also pause (p), silence (m) and acknowledge (a); others only look")
	fs.IntVar(&so.sshMaxSessions, "ssh-max-sessions", 0, "with --ssh: at most `N` SSH viewers at once (default 32)") // 0: sshview's default
	fs.StringVar(&so.tlsCert, "tls-cert", "", "serve the API over TLS with this certificate `FILE` (PEM; with --tls-key; re-read on reload)")
	fs.StringVar(&so.tlsKey, "tls-key", "", "the TLS certificate's private key `FILE` (PEM; with --tls-cert)")
	fs.IntVar(&so.maxStreams, "max-streams", 0, "at most `N` event streams (/api/v1/events) open at once; more are answered 503 (default 256)") // 0: serve's default
}

// checkServeFlags refuses a log format serve does not know.
func checkServeFlags(opts options) error {
	so := opts.serve
	if opts.command == "serve" && so.logFormat != "" && so.logFormat != "text" && so.logFormat != "json" {
		return fmt.Errorf("--log-format %q: want text or json", so.logFormat)
	}
	if (so.tlsCert == "") != (so.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together: the certificate and its private key")
	}
	return nil
}

// checkServeCounts refuses a count below 1 given to serve. Their zero value stands for "not
// given" (the default), so it is the flag set that tells an explicit 0 from none.
func checkServeCounts(fs *pflag.FlagSet) error {
	for _, count := range []struct {
		name string
		def  int
	}{{"max-streams", serve.DefaultMaxStreams}, {"ssh-max-sessions", sshview.DefaultMaxSessions}} {
		f := fs.Lookup(count.name)
		if f == nil || !f.Changed {
			continue
		}
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n < 1 {
			return fmt.Errorf("--%s %d: want at least 1 (default %d)", count.name, n, count.def)
		}
	}
	return nil
}

// runServe is `uptty serve`: the monitor and history with no screen, behind the HTTP API.
// Everything that can be wrong with the command line, the config, the address or the history
// file is said, with exit status 2, before any check starts.
func runServe(opts options, stderr io.Writer, getenv func(string) (string, bool)) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	cfg, err := requireConfig(opts, getenv)
	if err != nil {
		return fail(err)
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		return fail(err)
	}
	setProcs(cfg.Services, getenv)
	addr := opts.serve.listen
	if addr == "" {
		addr = defaultListen
	}
	host, err := listenHost("--listen", addr, defaultListen)
	if err != nil {
		return fail(err)
	}
	token, err := serveToken(opts.serve.tokenFile, getenv)
	if err != nil {
		return fail(err)
	}
	if token == "" && !isLoopback(host) {
		return fail(fmt.Errorf("uptty: --listen %s is reachable from other machines: set UPTTY_TOKEN or pass --token-file FILE, and every request must then carry Authorization: Bearer TOKEN", addr))
	}
	var cert *serve.Certificate
	if opts.serve.tlsCert != "" {
		if cert, err = serve.LoadCertificate(opts.serve.tlsCert, opts.serve.tlsKey); err != nil {
			return fail(fmt.Errorf("uptty: %w", err))
		}
	}
	viewers, err := prepareSSH(opts, cfg, getenv)
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if viewers != nil {
			viewers.ln.Close()
		}
		if errors.Is(err, syscall.EADDRINUSE) && viewers != nil && samePort(viewers.ln.Addr(), addr) {
			// Taken by serve's own SSH listener, not by another program.
			return fail(fmt.Errorf("uptty: --ssh %s and --listen %s are the same port: give SSH viewers one of their own, such as :2222", opts.serve.ssh, addr))
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return fail(fmt.Errorf("uptty: cannot listen on %s: the address is in use (another uptty serve?); pick another with --listen", addr))
		}
		return fail(fmt.Errorf("uptty: cannot listen on %s: %w", addr, err))
	}
	scheme := "http"
	if cert != nil {
		scheme = "https"
	}
	url := attachURL(scheme, ln.Addr())
	if cert != nil {
		url = cert.Reachable(url)
	}
	wd, _ := os.Getwd()
	hist, err := history.OpenLiveWith(cfg.History.Path, history.Options{Retention: cfg.History.Retention, Raw: cfg.History.Raw,
		Serving: url, Attach: attachCommand(wd, url, opts.serve.tlsCert, opts.serve.tokenFile, token != "" && opts.serve.tokenFile == ""),
		Config: config.Identity(cfg.Path), MustWrite: true}, historyServices(cfg.Services), 3*time.Second)
	if err != nil {
		ln.Close()
		if viewers != nil {
			viewers.ln.Close()
		}
		return fail(fmt.Errorf("uptty: %w", err))
	}

	logger := newLogger(stderr, opts.serve.logFormat)
	notSaving := ""
	if hist.Hint != "" {
		logger.Warn(hist.Hint)
		if hist.Store.Path() == "" && cfg.History.Path != "" {
			notSaving = hist.Hint
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Registered before the first check, so that a SIGHUP never ends the monitor.
	hup := make(chan os.Signal, 1)
	if len(reloadSignals) > 0 {
		signal.Notify(hup, reloadSignals...)
	}
	defer signal.Stop(hup)
	var reloads sync.WaitGroup
	defer reloads.Wait()
	defer stop() // before waiting for the reloads: deferred calls run last first

	counts := newAlertCounts(cfg)
	met := newMetrics(cfg, hist, counts)
	// The config's senders; a terminal one writes nowhere, since serve has no screen.
	senders, err := buildSenders(cfg, nil, false)
	if err != nil {
		ln.Close()
		hist.Close()
		return fail(fmt.Errorf("uptty: %w", err))
	}
	for _, a := range cfg.Alerts {
		if a.Type == config.SenderTerminal {
			logger.Warn("alert sender of type terminal sends nothing: serve has no screen", "sender", a.Name)
		}
	}
	var alerts *liveAlerts
	mon := monitor.NewMonitor(targets, monitor.Options{
		Concurrency: cfg.Concurrency,
		StartAhead:  checkStartAhead,
		Restore:     hist.Restore,
		// The engine records to history, with the alerts the events caused, in one batch; set
		// before Run, which is the first to call it.
		OnResult: func(name string, c track.Check, events []track.Event) { alerts.engine.OnResult(name, c, events) },
		Lateness: met.Lateness,
	})
	// Silences set by `uptty silence` or the API reach the engine and the status within a
	// poll; the event streams get a fresh snapshot when they change.
	var srvRef atomic.Pointer[serve.Server]
	alerts, err = startAlerts(cfg, hist, senders, mon.Snapshot(), alertLog(logger, func(service string) {
		if s := srvRef.Load(); s != nil {
			s.LogChange(service)
		}
	}), counts, func(before, after []notify.Silence) {
		logSilences(logger, before, after)
		if s := srvRef.Load(); s != nil {
			s.MarksChanged()
		}
	})
	if err != nil {
		ln.Close()
		hist.Close()
		return fail(fmt.Errorf("uptty: %w", err))
	}
	prober := metrics.NewProber(cfg)
	var tlsConfig *tls.Config
	if cert != nil {
		tlsConfig = cert.Config()
	}
	srv := serve.New(serve.Options{
		TLS:        tlsConfig,
		MaxStreams: opts.serve.maxStreams,
		Services:   cfg.Services,
		Monitor:    mon,
		History:    hist,
		NotSaving:  notSaving,
		Logger:     logger,
		Token:      token,
		Metrics:    met,
		Probe:      prober,
		Quiet:      alerts.engine.Quiet(),
		Refresh:    alerts.silences.poll,
		Acks:       alerts.acks,
		Via:        alerts.engine.Via,
	})
	srvRef.Store(srv)
	for name, old := range alerts.renamedAtStart {
		logger.Warn("alert sender renamed since the last run: its alerts carry its new name", "sender", name, "was", old)
	}
	if len(alerts.unused) > 0 {
		logger.Warn("alerts left to the uptty that writes the history, while it runs", "senders", strings.Join(alerts.unused, ","))
	}
	auth := "none (loopback)"
	if token != "" {
		auth = "bearer token"
	}
	where := hist.Store.Path()
	if where == "" {
		where = "memory"
	}
	logger.Info("serving", "services", len(cfg.Services), "listen", ln.Addr().String(), "scheme", scheme, "config", cfg.Path,
		"history", where, "auth", auth, "version", buildVersion())
	names := serviceNames(cfg.Services)
	started, first := ruleNames(senders.rules), cfg
	rl := &reloader{path: cfg.Path, getenv: getenv, mon: mon, hist: hist, started: cfg, apply: func(cfg *config.Config, back broughtBack) {
		srv.SetServices(cfg.Services)
		prober.SetConfig(cfg)
		set, _ := buildSenders(cfg, nil, false) // a bad sender was refused by config.Parse already
		alerts.reconfigure(cfg, set, started, first, back, logger.Warn)
	}}
	trigger := make(chan string, 1)
	reloads.Go(func() {
		err := watchConfig(ctx, cfg.Path, func() {
			select {
			case trigger <- "file changed":
			default:
			}
		})
		if err != nil {
			logger.Warn("config file not watched: reload with SIGHUP", "err", err.Error())
		}
	})
	reloads.Go(func() {
		for {
			why := ""
			select {
			case <-ctx.Done():
				return
			case <-hup:
				why = "SIGHUP"
				reloadCert(cert, logger)
			case why = <-trigger:
				// Saved, then SIGHUP at once: the signal's reload read this save already.
				if !rl.fileChanged() {
					continue
				}
			}
			next, err := rl.reload(ctx)
			if err != nil {
				if ctx.Err() == nil {
					logger.Error("reload failed: "+strings.ReplaceAll(err.Error(), "\n", "; "), "trigger", why)
					srv.Reloaded(time.Now(), err) // the screens on the server say it too
				}
				continue
			}
			srv.Reloaded(time.Now(), nil)
			after := serviceNames(next.Services)
			added, removed := reloadCounts(names, after)
			names = after
			logger.Info("reloaded", "trigger", why, "services", len(after), "added", added, "removed", removed)
			if keys := rl.restartNews(next); len(keys) > 0 {
				logger.Warn("changed settings apply after a restart", "keys", strings.Join(keys, ","))
			}
		}
	})
	sshCtx, stopSSH := context.WithCancel(ctx)
	sshDone := make(chan struct{})
	go func() {
		defer close(sshDone)
		if viewers != nil {
			if err := viewers.run(sshCtx, srv, opts, hist, alerts.silences, alerts.acks, alerts.engine.Via, logger); err != nil {
				logger.Error("ssh viewers stopped", "err", err.Error())
			}
		}
	}()
	err = srv.Serve(ctx, ln)
	stopSSH() // the viewers read history: they end before it closes
	<-sshDone
	// The monitor has stopped calling the engine; the senders' last outcomes reach the outbox
	// before history closes.
	alerts.stop()
	code := exitOK
	if err != nil {
		logger.Error("server failed", "err", err.Error())
		code = exitFailed
	}
	// The monitor has stopped: what it recorded is committed now.
	closeErr := hist.Close()
	if note := hist.Unsaved(); note != "" {
		logger.Warn(note)
	}
	if closeErr != nil {
		logger.Error("history not saved", "err", closeErr.Error())
		return exitFailed
	}
	saved := "saved"
	if hist.Store.Path() == "" {
		saved = "memory" // kept in memory (history.path "", or the file in use): nothing was saved
	}
	logger.Info("stopped", "history", saved)
	return code
}

// samePort reports whether the address addr asks for is ln's port, the port it could not have.
func samePort(ln net.Addr, addr string) bool {
	_, service, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	port, err := net.LookupPort("tcp", service)
	tcp, ok := ln.(*net.TCPAddr)
	return err == nil && ok && port == tcp.Port
}

// reloadCert reads the TLS certificate's files again, on SIGHUP: a renewed certificate is
// served from the next connection on. A bad pair is logged and the old one kept.
func reloadCert(cert *serve.Certificate, logger *slog.Logger) {
	if cert == nil {
		return
	}
	if err := cert.Reload(); err != nil {
		logger.Error("TLS certificate not reloaded: the old one is kept", "err", err.Error())
		return
	}
	logger.Info("TLS certificate reloaded", "not_after", cert.NotAfter().Format(time.RFC3339))
}

// serveToken is the bearer token from --token-file, else $UPTTY_TOKEN; "" for none.
func serveToken(file string, getenv func(string) (string, bool)) (string, error) {
	if file == "" {
		v, _ := getenv("UPTTY_TOKEN")
		return strings.TrimSpace(v), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("uptty: --token-file: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("uptty: --token-file %s is empty", file)
	}
	return token, nil
}

// listenHost checks an address given to flag, HOST:PORT, before anything else is said of it (a
// bad port must not be taken for an address off loopback), and returns its host. A port is a
// number or a service name, as net.Listen takes it.
func listenHost(flag, addr, example string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("uptty: %s %q: want HOST:PORT, such as %s", flag, addr, example)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return "", fmt.Errorf("uptty: %s %q: bad port %q: want a number from 0 to 65535, such as %s", flag, addr, port, example)
	}
	return host, nil
}

// isLoopback reports whether host reaches this machine only. An empty host is every
// interface; any name but localhost might resolve anywhere.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Split(host, "%")[0])
	return ip != nil && ip.IsLoopback()
}

// attachURL is the URL uptty attach reaches the API at from this machine: a server listening
// on every interface (":9870") is reached at 127.0.0.1.
func attachURL(scheme string, addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + "://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// alertLog is the dispatcher's hooks that log each failed delivery at WARN and each alert given
// up at ERROR: nobody watches serve's outbox, and alerts that do not go out must be said where
// someone looks, with the service whose page it was. An alert logged as failed is logged again
// (INFO) once delivered, so that the log does not leave it looking lost. The reasons come masked
// (alert.Options.Secrets). cause, if not nil, is called with the alert's service before each
// line: it logs the state change that caused the alert if the log has not said it yet (see
// serve.Server.LogChange), so that the log reads cause, then page.
func alertLog(logger *slog.Logger, cause func(service string)) alert.Options {
	type key struct{ id, sender string }
	type failure struct {
		a        alert.Alert
		attempts int
	}
	var mu sync.Mutex
	failing := map[key]failure{} // the alerts whose last attempt failed
	settle := func(id, sender string) (failure, bool) {
		mu.Lock()
		defer mu.Unlock()
		f, ok := failing[key{id, sender}]
		delete(failing, key{id, sender})
		return f, ok
	}
	if cause == nil {
		cause = func(string) {}
	}
	return alert.Options{
		OnSent: func(id, sender string, _ time.Time) {
			if f, ok := settle(id, sender); ok {
				cause(f.a.Service)
				logger.Info("alert delivered", "service", f.a.Service, "event", string(f.a.Event), "sender", sender, "id", id,
					"attempts", f.attempts+1)
			}
		},
		OnFailed: func(a alert.Alert, sender string, err error, attempt int, next time.Time) {
			mu.Lock()
			failing[key{a.ID, sender}] = failure{a, attempt}
			mu.Unlock()
			cause(a.Service)
			logger.Warn("alert not delivered", "service", a.Service, "event", string(a.Event), "sender", sender, "id", a.ID,
				"attempt", attempt, "err", err.Error(), "retry_in", time.Until(next).Round(time.Second).String())
		},
		OnGaveUp: func(a alert.Alert, sender string, err error, attempts int) {
			settle(a.ID, sender)
			cause(a.Service)
			logger.Error("alert given up", "service", a.Service, "event", string(a.Event), "sender", sender, "id", a.ID,
				"attempts", attempts, "err", err.Error())
		},
		OnSkipped: func(id, sender, _ string) { settle(id, sender) },
	}
}

// attachCommand is the uptty attach that shows the server at url from this machine, for the
// hint of a second uptty that finds the history in use: with --ca for a TLS server (its own
// certificate file: Go trusts a certificate found among the roots, self-signed or not), and the
// token's file, or its variable when the server read $UPTTY_TOKEN (never the token). Paths are
// made absolute against dir, the server's working directory, as the hint is read elsewhere.
func attachCommand(dir, url, ca, tokenFile string, envToken bool) string {
	cmd := "uptty attach " + url
	for _, f := range []struct{ flag, file string }{{"--ca", ca}, {"--token-file", tokenFile}} {
		if f.file == "" {
			continue
		}
		if !filepath.IsAbs(f.file) {
			f.file = filepath.Join(dir, f.file)
		}
		cmd += " " + f.flag + " " + shellQuote(f.file)
	}
	if envToken {
		cmd = "UPTTY_TOKEN=… " + cmd
	}
	return cmd
}

// wrapCommand is cmd (as attachCommand writes it) for a terminal width columns wide: as it is
// when it fits, else one flag and its value per line, each line but the last ending in a
// backslash, so that it still pastes into a shell as one command.
func wrapCommand(cmd string, width int) string {
	if text.Width(cmd) <= width {
		return cmd
	}
	var lines []string
	for _, w := range shellWords(cmd) {
		if strings.HasPrefix(w, "--") || len(lines) == 0 {
			lines = append(lines, w)
			continue
		}
		lines[len(lines)-1] += " " + w
	}
	return strings.Join(lines, " \\\n  ")
}

// shellWords splits cmd at the spaces outside single quotes (the only quotes shellQuote
// writes, with \' for a quote inside), keeping each word as written.
func shellWords(cmd string) []string {
	var words []string
	var b strings.Builder
	quoted, escaped := false, false
	for _, r := range cmd {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && !quoted:
			escaped = true
		case r == '\'':
			quoted = !quoted
		case r == ' ' && !quoted:
			if b.Len() > 0 {
				words = append(words, b.String())
				b.Reset()
			}
			continue
		}
		b.WriteRune(r)
	}
	if b.Len() > 0 {
		words = append(words, b.String())
	}
	return words
}

// shellQuote is s as one shell word: as it is when the shell would read it so, else in single
// quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
