package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	xterm "github.com/charmbracelet/x/term"

	"github.com/uptty/uptty/attach"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/promsrc"
	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui"
)

// runAttachProm is `uptty attach prometheus+http://HOST:PORT`: the live screen over the
// probe_* series Prometheus holds, polled every few seconds. It checks nothing itself, and
// nothing on it can be paused or silenced.
func runAttachProm(opts options, stderr io.Writer, getenv func(string) (string, bool)) int {
	token, err := serveToken(opts.serve.tokenFile, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	var httpClient *http.Client
	if opts.serve.ca != "" {
		roots, err := attach.LoadCA(opts.serve.ca)
		if err != nil {
			fmt.Fprintln(stderr, "uptty: attach:", err)
			return exitUsage
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
		httpClient = &http.Client{Transport: tr}
	}
	ctx, cancel := attachContext()
	defer cancel()
	var program *tea.Program
	var ready sync.WaitGroup // program is set
	ready.Add(1)
	client, err := promsrc.New(opts.attachURL, promsrc.Options{
		Selector: opts.selector,
		Token:    token,
		HTTP:     httpClient,
		OnServices: func(services []config.Service, fresh map[string]track.Status) {
			ready.Wait()
			program.Send(ui.Reloaded{Services: services, Status: fresh, Quiet: true})
		},
		OnLink: func(down bool, since time.Time, note string, status map[string]track.Status) {
			ready.Wait()
			program.Send(ui.LinkMsg{Down: down, Since: since, Status: status, Note: note})
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "uptty: attach:", err)
		return exitUsage
	}
	services, statuses, err := client.Initial(ctx)
	if err != nil {
		ready.Done()
		if why := attach.NetReason(err); why != "" {
			fmt.Fprintf(stderr, "uptty: attach: %s: %s; is Prometheus running there? (check the address and port)\n", client.URL(), why)
			return exitUsage
		}
		fmt.Fprintln(stderr, "uptty: attach:", strings.TrimSpace(err.Error()))
		return exitUsage
	}
	if !xterm.IsTerminal(os.Stdout.Fd()) {
		ready.Done()
		fmt.Fprintln(stderr, "uptty: attach needs a terminal; for scripts ask Prometheus's /api/v1/query")
		return exitUsage
	}
	if dumbTerminal(getenv) {
		ready.Done()
		fmt.Fprintln(stderr, dumbScreenMessage("attach", "ask Prometheus's /api/v1/query"))
		return exitUsage
	}
	log.SetOutput(io.Discard) // as the live monitor: nothing may scribble over the screen
	hint := "Prometheus " + strings.TrimPrefix(client.URL(), "prometheus+")
	if opts.selector != "" {
		hint += " " + client.Selector()
	}
	model := ui.New(services, statuses, client, ui.Options{
		Hint:          hint + " (PENDING and PAUSED from uptty serve's series only: blackbox has no thresholds)",
		Theme:         opts.theme,
		AmbiguousWide: ui.AmbiguousWideFromEnv(func(k string) string { v, _ := getenv(k); return v }),
		Ctx:           ctx,
		Archive:       client.Archive(),
		ASCII:         asciiScreen(opts, getenv),
		Wall:          opts.wall,
		WallPage:      opts.wallPage,
		ReadOnly:      true,
	})
	return runAttached(ctx, cancel, model, opts, &program, &ready, client.Run, stderr)
}
