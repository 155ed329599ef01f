package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	xterm "github.com/charmbracelet/x/term"

	"github.com/uptty/uptty/attach"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui"
)

// runAttach is `uptty attach URL`: the live screen on a server's event stream. It checks
// nothing and keeps no history itself; pausing asks the server.
func runAttach(opts options, stderr io.Writer, getenv func(string) (string, bool)) int {
	if strings.HasPrefix(opts.attachURL, "prometheus+") {
		return runAttachProm(opts, stderr, getenv)
	}
	token, err := serveToken(opts.serve.tokenFile, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	var roots *x509.CertPool
	if opts.serve.ca != "" {
		if roots, err = attach.LoadCA(opts.serve.ca); err != nil {
			fmt.Fprintln(stderr, "uptty: attach:", err)
			return exitUsage
		}
	}
	setProcs(nil, getenv) // it checks nothing itself
	ctx, cancel := attachContext()
	defer cancel()
	var program *tea.Program
	var ready sync.WaitGroup // program is set
	ready.Add(1)
	client, err := attach.New(opts.attachURL, attach.Options{
		Token:   token,
		RootCAs: roots,
		OnServices: func(services []config.Service, fresh map[string]track.Status) {
			ready.Wait()
			program.Send(ui.Reloaded{Services: services, Status: fresh, Quiet: true})
		},
		OnLink: func(down bool, since time.Time, status map[string]track.Status) {
			ready.Wait()
			program.Send(ui.LinkMsg{Down: down, Since: since, Status: status})
		},
		OnReload: func(at time.Time, err error) {
			ready.Wait()
			program.Send(ui.ReloadNote{At: at, Err: err})
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "uptty: attach:", err)
		return exitUsage
	}
	services, statuses, err := client.Initial(ctx)
	if err != nil {
		ready.Done()
		fmt.Fprintln(stderr, "uptty: attach:", strings.TrimSpace(err.Error()))
		return exitUsage
	}
	if !xterm.IsTerminal(os.Stdout.Fd()) {
		ready.Done()
		fmt.Fprintln(stderr, "uptty: attach needs a terminal; for scripts read the server's /api/v1/status")
		return exitUsage
	}
	if dumbTerminal(getenv) {
		ready.Done()
		fmt.Fprintln(stderr, dumbScreenMessage("attach", "read the server's /api/v1/status (curl "+client.URL()+"/api/v1/status)"))
		return exitUsage
	}
	log.SetOutput(io.Discard) // as the live monitor: nothing may scribble over the screen
	model := ui.New(services, statuses, client, ui.Options{
		Hint:          "attached to " + client.URL(),
		Now:           client.Now, // the server's clock, which its times are on
		Skew:          client.Skew,
		Theme:         opts.theme,
		AmbiguousWide: ui.AmbiguousWideFromEnv(func(k string) string { v, _ := getenv(k); return v }),
		Ctx:           ctx,
		Archive:       client.Archive(),
		Mark:          client.Mark,
		Silence:       client.Silence,
		Unsilence:     client.Unsilence,
		Acked:         client.Acked,
		Ack:           client.Ack,
		Unack:         client.Unack,
		SetPaused:     client.SetPaused,
		User:          loginName(getenv),
		ASCII:         asciiScreen(opts, getenv),
		Wall:          opts.wall,
		WallPage:      opts.wallPage,
	})
	return runAttached(ctx, cancel, model, opts, &program, &ready, client.Run, stderr)
}

// attachContext is an attached screen's context: it ends on SIGTERM, and on a SIGHUP that finds
// the terminal gone (an ssh link dropped, a tmux pane killed). A SIGHUP while the terminal is
// there (pkill -HUP uptty, meant for a server's reload) changes nothing, as on the live
// monitor: an attached screen has no config of its own to reload.
func attachContext() (context.Context, context.CancelFunc) {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if hungUp() {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// runAttached runs an attached screen until the user quits, with feed (the client's loop that
// sends the program what the server or Prometheus says) beside it. It sets *program and
// releases ready before feed starts, so the client's callbacks can send to the program.
func runAttached(ctx context.Context, cancel context.CancelFunc, model tea.Model, opts options, program **tea.Program,
	ready *sync.WaitGroup, feed func(context.Context) error, stderr io.Writer) int {
	var closeScreen func()
	*program, closeScreen = newScreenProgram(ctx, model, opts.mouse)
	ready.Done()
	var wg sync.WaitGroup
	wg.Go(func() { _ = feed(ctx) })
	_, err := (*program).Run()
	closeScreen()
	cancel()
	wg.Wait()
	if xterm.IsTerminal(os.Stdout.Fd()) {
		fmt.Fprint(os.Stdout, "\x1b]2;\x07") // the window title back to the terminal's own
	}
	switch {
	case err == nil, errors.Is(err, tea.ErrInterrupted), errors.Is(err, tea.ErrProgramKilled):
		return exitOK
	}
	fmt.Fprintln(stderr, "uptty:", strings.TrimSpace(err.Error()))
	return exitFailed
}
