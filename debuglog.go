package main

import (
	"io"
	"log/slog"
	"os"
	"runtime"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
)

// openDebugLog opens the --debug-log file, appending, readable by its owner only; with no
// path the logger discards everything. What it logs names services and states, never a URL,
// a header or a command line, which may carry secrets.
func openDebugLog(path string) (*slog.Logger, io.Closer, error) {
	if path == "" {
		return slog.New(slog.DiscardHandler), io.NopCloser(nil), nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	// An existing file keeps its mode on open: a log of what uptty monitors is nobody else's.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, nil, err
	}
	log := slog.New(cleanHandler{slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})})
	log.Info("debug log started", "version", buildVersion(), "pid", os.Getpid(), "go", runtime.Version(),
		"os", runtime.GOOS+"/"+runtime.GOARCH)
	return log, f, nil
}

// logConfig logs what the live monitor loaded: where from and how many services of each kind.
func logConfig(log *slog.Logger, cfg *config.Config, isDemo bool) {
	kinds := map[string]int{}
	for _, svc := range cfg.Services {
		kinds[string(svc.Kind)]++
	}
	attrs := []any{"path", cfg.Path, "demo", isDemo, "services", len(cfg.Services), "concurrency", cfg.Concurrency}
	for kind, n := range kinds {
		attrs = append(attrs, "kind."+kind, n)
	}
	log.Info("config loaded", attrs...)
}

// loggingRecorder wraps the history's recorder so that every state change, and every change in
// whether the history is being saved, is logged too. It runs on the scheduler goroutine.
func loggingRecorder(log *slog.Logger, hist *history.Live,
	record func(string, track.Check, []track.Event)) func(string, track.Check, []track.Event) {
	saving := ""
	return func(name string, c track.Check, events []track.Event) {
		record(name, c, events)
		for _, e := range events {
			if e.Kind == track.StateChanged {
				log.Info("state change", "service", name, "from", e.From.String(), "to", e.To.String(),
					"reason", e.Reason)
			}
		}
		problem := ""
		if err := hist.Store.Err(); err != nil {
			problem = err.Error()
		}
		if problem != saving {
			if problem != "" {
				log.Warn("history problem", "error", problem)
			} else {
				log.Info("history saving again")
			}
			saving = problem
		}
	}
}

// logMsg logs the UI messages worth knowing about afterwards: terminal size changes.
func logMsg(log *slog.Logger, msg tea.Msg) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		log.Info("terminal size", "width", ws.Width, "height", ws.Height)
	}
}
