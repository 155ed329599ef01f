package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	xterm "github.com/charmbracelet/x/term"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui"
)

// tuiReloads turns the reload signals and the config file changing into ReloadRequests for the
// UI, which reloads through its Options.Reload (rl's), one at a time, and shows the outcome;
// rl is nil when there is no file to watch (the demo). The file's change is asked for only when
// its bytes differ from what the last reload read (see fileChanged): a SIGHUP right after a
// save has reloaded it already. A SIGHUP that finds the terminal gone is a hang-up, not a
// reload: it stops the program as q does, so that history is committed. It returns when ctx is
// done.
func tuiReloads(ctx context.Context, cancel context.CancelFunc, hup <-chan os.Signal, program *tea.Program,
	rl *reloader, dlog *slog.Logger) {
	if rl != nil {
		var watch sync.WaitGroup
		defer watch.Wait()
		watch.Go(func() {
			err := watchConfig(ctx, rl.path, func() {
				if rl.fileChanged() {
					program.Send(ui.ReloadRequest{})
				}
			})
			if err != nil {
				dlog.Warn("config file not watched", "error", err.Error())
			}
		})
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if hungUp() {
				dlog.Info("terminal hung up")
				cancel()
				return
			}
			if rl != nil {
				program.Send(ui.ReloadRequest{})
			}
		}
	}
}

// tuiReload is the live monitor's ui.ReloadFunc: it applies the config to the monitor and
// history (rl), and to the alert engine, whose senders stay those it started with: a sender
// added to the config is logged and waits for a restart.
func tuiReload(rl *reloader, alerts *liveAlerts, started map[string]bool, tty io.Writer, tmux bool,
	dlog *slog.Logger) ui.ReloadFunc {
	rl.apply = func(cfg *config.Config, back broughtBack) {
		set, _ := buildSenders(cfg, tty, tmux) // a bad sender was refused by config.Parse already
		alerts.reconfigure(cfg, set, started, rl.started, back, dlog.Warn)
	}
	return func(ctx context.Context) ([]config.Service, map[string]track.Status, error) {
		cfg, err := rl.reload(ctx)
		if err != nil {
			dlog.Warn("reload failed") // the error may quote the config: the screen shows it
			return nil, nil, err
		}
		dlog.Info("config reloaded", "services", len(cfg.Services))
		if keys := rl.restartNews(cfg); len(keys) > 0 {
			dlog.Warn("changed settings apply after a restart", "keys", strings.Join(keys, ","))
		}
		return cfg.Services, rl.mon.Snapshot(), nil
	}
}

// ruleNames are the names of the senders' rules.
func ruleNames(rules []notify.Rule) map[string]bool {
	out := make(map[string]bool, len(rules))
	for _, r := range rules {
		out[r.Name] = true
	}
	return out
}

// hungUp says that a SIGHUP is a hang-up, not a reload: the terminal the screen was on is gone
// (an ssh link dropped, a tmux pane killed). One sent while it is there (pkill -HUP uptty) is not.
func hungUp() bool { return !xterm.IsTerminal(os.Stdout.Fd()) }
