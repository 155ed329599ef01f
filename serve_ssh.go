package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"syscall"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/sshview"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui"
)

// hostKeyName is the SSH host key's file, in the state directory beside the history.
const hostKeyName = "ssh_host_ed25519_key"

// sshViewers is `uptty serve --ssh`, ready to serve: its listener open, keys read.
type sshViewers struct {
	ln      net.Listener
	opts    sshview.Options
	hostKey string
}

// prepareSSH checks serve's SSH flags, reads the keys, reads or creates the host key and
// listens: everything that can be wrong is said before any check starts. It returns nil
// without --ssh.
func prepareSSH(opts options, cfg *config.Config, getenv func(string) (string, bool)) (*sshViewers, error) {
	so := opts.serve
	if so.ssh == "" {
		for _, f := range []struct{ name, v string }{{"--authorized-keys", so.authorizedKeys}, {"--ssh-operators", so.sshOperators}} {
			if f.v != "" {
				return nil, fmt.Errorf("uptty: %s goes with --ssh ADDR", f.name)
			}
		}
		return nil, nil
	}
	if so.authorizedKeys == "" {
		return nil, errors.New("uptty: --ssh needs --authorized-keys FILE: the public keys that may log in, one a line")
	}
	if _, err := listenHost("--ssh", so.ssh, "127.0.0.1:2222"); err != nil {
		return nil, err
	}
	viewers, err := sshview.LoadKeys(so.authorizedKeys)
	if err != nil {
		return nil, fmt.Errorf("uptty: --authorized-keys: %w", err)
	}
	var operators []sshview.PublicKey
	if so.sshOperators != "" {
		if operators, err = sshview.LoadKeys(so.sshOperators); err != nil {
			return nil, fmt.Errorf("uptty: --ssh-operators: %w", err)
		}
	}
	state := cfg.History.Path
	if state == "" {
		state = config.DefaultHistoryPath(getenv)
	}
	if state == "" {
		return nil, errors.New("uptty: --ssh: no state directory for the host key: set XDG_STATE_HOME or HOME")
	}
	keyPath := filepath.Join(filepath.Dir(state), hostKeyName)
	hostKey, err := sshview.HostKey(keyPath)
	if err != nil {
		return nil, fmt.Errorf("uptty: --ssh: %w", err)
	}
	ln, err := net.Listen("tcp", so.ssh)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("uptty: cannot listen on %s for ssh: the address is in use; pick another with --ssh", so.ssh)
		}
		return nil, fmt.Errorf("uptty: cannot listen on %s for ssh: %w", so.ssh, err)
	}
	return &sshViewers{ln: ln, hostKey: keyPath, opts: sshview.Options{
		Viewers:     viewers,
		Operators:   operators,
		HostKey:     hostKey,
		MaxSessions: so.sshMaxSessions,
	}}, nil
}

// run serves the viewers from srv's monitor until ctx is done. Every viewer sees the screen
// the local monitor draws, marks and stored history included; operators silence through the
// same history as `uptty silence` and the API.
func (v *sshViewers) run(ctx context.Context, srv *serve.Server, opts options, hist *history.Live,
	silences *silencePoller, acks *acker, via func(name string) string, logger *slog.Logger) error {
	o := v.opts
	o.Logger = logger
	o.Watch = func() sshview.Subscription { return srv.Watch() }
	o.UI = ui.Options{
		Theme:   opts.theme,
		ASCII:   opts.asciiSet && opts.ascii,
		Archive: hist.View,
		Via:     via,
		Mark:    func(name string) notify.Mark { return silences.quiet.Mark(name, time.Now()) },
		// Operators only: sshview turns them off for the others.
		Silence:   func(x history.Silence) error { return silences.set(ctx, x) },
		Unsilence: func(names ...string) (int, error) { return silences.unset(ctx, names...) },
		Acked:     acks.Acked,
		// Operators only, as their SSH user (sshview sets who); the streams see it at once.
		Ack: func(name string, a track.Ack) error {
			_, err := acks.Ack(ctx, name, a)
			if err == nil {
				srv.MarksChanged()
			}
			return err
		},
		Unack: func(name string) error {
			removed, err := acks.Unack(ctx, name)
			if removed {
				srv.MarksChanged()
			}
			return err
		},
	}
	s, err := sshview.New(o)
	if err != nil {
		v.ln.Close()
		return err
	}
	logger.Info("ssh viewers", "listen", v.ln.Addr().String(), "viewers", len(o.Viewers),
		"operators", len(o.Operators), "max_sessions", s.MaxSessions(), "host_key", v.hostKey,
		"host_key_fingerprint", gossh.FingerprintSHA256(o.HostKey.PublicKey()))
	return s.Serve(ctx, v.ln)
}
