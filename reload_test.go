package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// reloadListen accepts TCP connections on 127.0.0.1 until the test ends.
func reloadListen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// reloadClosed is a loopback address nothing listens on.
func reloadClosed(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitMonitor waits for cond, asked again at every batch of changes of mon, for at most 20s (a
// loaded machine, -race).
func waitMonitor(t *testing.T, mon *monitor.Monitor, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for !cond() {
		if _, err := mon.Next(ctx); err != nil {
			t.Fatalf("waited 20s for %s", what)
		}
	}
}

// waitReload waits for the next reload's outcome.
func waitReload(t *testing.T, outcomes <-chan error) error {
	t.Helper()
	return waitReloadThat(t, outcomes, func(error) bool { return true })
}

// waitReloadThat waits for a reload whose outcome done accepts, passing over others: on a
// loaded machine one save can reach the watcher as two bursts, and so two reloads.
func waitReloadThat(t *testing.T, outcomes <-chan error, done func(error) bool) error {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case err := <-outcomes:
			if done(err) {
				return err
			}
		case <-deadline:
			t.Fatal("waited 20s for a reload")
			return nil
		}
	}
}

// replaceFile writes body to path as editors do: a new file renamed over the old one.
func replaceFile(t *testing.T, path, body string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".uptty.yaml.swp")
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// reloadRig is a monitor with an in-memory history on a config file, as uptty runs one, for a
// reloader to reload; it stops, and its goroutines (ctx's, in wg) with it, when the test ends.
type reloadRig struct {
	path   string
	getenv func(string) (string, bool)
	mon    *monitor.Monitor
	hist   *history.Live
	ctx    context.Context
	wg     *sync.WaitGroup
}

// startReloadRig writes body as the config and starts the monitor on it.
func startReloadRig(t *testing.T, body string) *reloadRig {
	t.Helper()
	r := &reloadRig{path: writeConfig(t, body), getenv: envFrom(nil), wg: new(sync.WaitGroup)}
	data, err := config.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, r.path, r.getenv, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.hist, err = history.OpenLive("", 0, historyServices(cfg.Services), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.hist.Close() }) // cleanups run last first: after the goroutines end
	r.mon = monitor.NewMonitor(targets, monitor.Options{OnResult: r.hist.Record})
	ctx, cancel := context.WithCancel(t.Context())
	r.ctx = ctx
	t.Cleanup(r.wg.Wait)
	t.Cleanup(cancel)
	r.wg.Go(func() { _ = r.mon.Run(ctx) })
	return r
}

// TestReloadOnFileChange: the config replaced on disk (rename over it) adds and removes services,
// and the one that stays keeps its outage; an invalid file changes nothing and says why.
func TestReloadOnFileChange(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) }) // first registered, last run
	up, dead := reloadListen(t), reloadClosed(t)
	head := "defaults: {interval: 1s, timeout: 1s, retry_interval: 100ms, failure_threshold: 1}\nservices:\n"
	r := startReloadRig(t, head+fmt.Sprintf("  - {name: db, url: \"tcp://%s\"}\n  - {name: old, url: \"tcp://%s\"}\n", dead, up))
	path, getenv, mon, hist, ctx, wg := r.path, r.getenv, r.mon, r.hist, r.ctx, r.wg

	outcomes := make(chan error, 16)
	rl := &reloader{path: path, getenv: getenv, mon: mon, hist: hist}
	wg.Go(func() {
		_ = watchConfig(ctx, path, func() {
			_, err := rl.reload(ctx)
			outcomes <- err
		})
	})

	// The watcher starts on its own goroutine: until it has reported a save, a save could come
	// before it watches. The same config saved again reloads nothing that matters.
	first := head + fmt.Sprintf("  - {name: db, url: \"tcp://%s\"}\n  - {name: old, url: \"tcp://%s\"}\n", dead, up)
	for watching := false; !watching; {
		replaceFile(t, path, first)
		select {
		case err := <-outcomes:
			if err != nil {
				t.Fatalf("reload of the same config: %v", err)
			}
			watching = true
		case <-time.After(time.Second):
		case <-ctx.Done():
			t.Fatal("ended before the watcher reported a save")
		}
	}
	drain := func() {
		for {
			select {
			case <-outcomes:
			default:
				return
			}
		}
	}

	var outage track.Outage
	waitMonitor(t, mon, "db DOWN", func() bool {
		st := mon.Snapshot()["db"]
		var open bool
		outage, open = st.OpenOutage()
		return open
	})
	drain()
	replaceFile(t, path, head+fmt.Sprintf("  - {name: db, url: \"tcp://%s\"}\n  - {name: new, url: \"tcp://%s\"}\n", dead, up))
	if err := waitReloadThat(t, outcomes, func(err error) bool {
		_, ok := mon.Snapshot()["new"]
		return err != nil || ok
	}); err != nil {
		t.Fatalf("reload: %v", err)
	}
	snap := mon.Snapshot()
	if _, ok := snap["old"]; ok {
		t.Errorf("old is still monitored after its removal")
	}
	db := snap["db"]
	if o, open := db.OpenOutage(); !open || !o.Start.Equal(outage.Start) {
		t.Errorf("db's outage after the reload starts %v (open %v), want %v: kept", o.Start, open, outage.Start)
	}
	waitMonitor(t, mon, "new UP", func() bool { return mon.Snapshot()["new"].State == track.Up })

	replaceFile(t, path, "services: [\n")
	if err := waitReloadThat(t, outcomes, func(err error) bool { return err != nil }); err == nil || !strings.Contains(err.Error(), filepath.Base(path)) {
		t.Errorf("reload of an invalid file = %v, want an error naming the file", err)
	}
	snap = mon.Snapshot()
	if _, ok := snap["new"]; !ok || len(snap) != 2 {
		t.Errorf("after a failed reload the services are %v, want db and new as before", snap)
	}
}

// BenchmarkReload is a whole reload of a 1,000-service config: read, parse, a checker each,
// history told, and the monitor's scheduler applying it.
func BenchmarkReload(b *testing.B) {
	var body strings.Builder
	body.WriteString("history: {path: \"\"}\ndefaults: {interval: 1h, timeout: 1s}\nservices:\n")
	for i := range 1000 {
		fmt.Fprintf(&body, "  - {name: s%04d, group: g%d, url: \"http://127.0.0.1:9/%d\"}\n", i, i%10, i)
	}
	path := filepath.Join(b.TempDir(), "uptty.yaml")
	if err := os.WriteFile(path, []byte(body.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	getenv := envFrom(nil)
	hist, err := history.OpenLive("", 0, nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer hist.Close()
	mon := monitor.NewMonitor(nil, monitor.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = mon.Run(ctx) }()
	defer func() { cancel(); <-done }()
	rl := &reloader{path: path, getenv: getenv, mon: mon, hist: hist}
	if _, err := rl.reload(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := rl.reload(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWatchConfigMap: a config reached through symbolic links, updated as Kubernetes updates a
// ConfigMap (a new directory, and a link to it renamed over the old link), is seen to change.
func TestWatchConfigMap(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"v1", "v2"} {
		if err := os.Mkdir(filepath.Join(dir, v), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, v, "uptty.yaml"), []byte("services: []\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink("v1", filepath.Join(dir, "..data")))
	must(os.Symlink(filepath.Join("..data", "uptty.yaml"), filepath.Join(dir, "uptty.yaml")))
	changed := make(chan struct{}, 4)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		close(ready)
		done <- watchConfig(ctx, filepath.Join(dir, "uptty.yaml"), func() { changed <- struct{}{} })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watchConfig = %v", err)
		}
	}()
	<-ready
	// The watch may not be in place yet when the swap happens: swap until it is seen.
	deadline := time.After(20 * time.Second)
	for _, v := range slices.Repeat([]string{"v2", "v1"}, 100) {
		must(os.Symlink(v, filepath.Join(dir, "..data_tmp")))
		must(os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
		select {
		case <-changed:
			return
		case <-time.After(time.Second):
		case <-deadline:
			t.Fatal("no change seen in 20s")
		}
	}
	t.Fatal("no change seen")
}

// TestReloadBringsBackAnOutage: a service removed by a reload and brought back by the next (a
// block deleted, saved, undone, saved) resumes the outage it was in, from history, as after a
// restart: one outage, not a second one beside the first left open for good, and no second DOWN.
func TestReloadBringsBackAnOutage(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
	up, dead := reloadListen(t), reloadClosed(t)
	head := "defaults: {interval: 1s, timeout: 1s, retry_interval: 100ms, failure_threshold: 1}\nservices:\n"
	both := head + fmt.Sprintf("  - {name: db, url: \"tcp://%s\"}\n  - {name: web, url: \"tcp://%s\"}\n", dead, up)
	r := startReloadRig(t, both)
	path, getenv, mon, hist, ctx := r.path, r.getenv, r.mon, r.hist, r.ctx
	rl := &reloader{path: path, getenv: getenv, mon: mon, hist: hist}

	var outage track.Outage
	waitMonitor(t, mon, "db DOWN", func() bool {
		db := mon.Snapshot()["db"]
		var open bool
		outage, open = db.OpenOutage()
		return open && db.State == track.Down
	})
	if err := hist.Store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	replaceFile(t, path, head+fmt.Sprintf("  - {name: web, url: \"tcp://%s\"}\n", up))
	if _, err := rl.reload(ctx); err != nil {
		t.Fatal(err)
	}
	replaceFile(t, path, both)
	if _, err := rl.reload(ctx); err != nil {
		t.Fatal(err)
	}
	db := mon.Snapshot()["db"]
	// History keeps instants to the millisecond.
	if o, open := db.OpenOutage(); db.State != track.Down || !open || o.Start.Sub(outage.Start).Abs() >= time.Millisecond {
		t.Errorf("db brought back: %v, outage from %v (open %v); want DOWN, its outage from %v going on",
			db.State, o.Start, open, outage.Start)
	}
}

// TestWatchConfigDirRecreated: the config's directory removed and made again (a deploy that
// replaces it, a checkout) is watched again: saving the file there still reloads.
func TestWatchConfigDirRecreated(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "conf")
	path := filepath.Join(conf, "uptty.yaml")
	write := func() {
		t.Helper()
		if err := os.MkdirAll(conf, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("services: []\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write()
	changed := make(chan struct{}, 16)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- watchConfig(ctx, path, func() { changed <- struct{}{} }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watchConfig = %v", err)
		}
	}()
	// The watch may not be in place yet when the file is written: write until it is seen.
	seen := func(what string, again func()) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			again()
			select {
			case <-changed:
				return
			case <-time.After(time.Second):
			case <-deadline:
				t.Fatalf("no change seen in 20s after %s", what)
			}
		}
	}
	seen("a write", write)
	if err := os.RemoveAll(conf); err != nil {
		t.Fatal(err)
	}
	seen("the directory's removal", func() {})
	for len(changed) > 0 {
		<-changed
	}
	seen("the directory made again", write)
}

// TestRestartKeys: a reload that changes history or concurrency names them, since they keep
// their first value until a restart, and so does one that changes where a sender delivers (its
// URL, headers, format, command, timeout) or removes one (what it has queued is still retried);
// one that changes services, or a sender's rules (on, repeat: they reload), names nothing.
func TestRestartKeys(t *testing.T) {
	started := &config.Config{Concurrency: 64, History: config.History{Path: "/var/lib/uptty/history.db", Retention: 90 * 24 * time.Hour},
		Alerts: []config.Alert{{Name: "team", Type: config.SenderWebhook, URL: "http://hooks/a", Headers: []config.Header{{Name: "X", Value: "1"}}},
			{Name: "pager", Type: config.SenderCommand, Command: []string{"page", "-v"}}}}
	alert := func(i int, edit func(a *config.Alert)) func(c *config.Config) {
		return func(c *config.Config) {
			c.Alerts = slices.Clone(c.Alerts)
			a := c.Alerts[i]
			a.Headers, a.Command = slices.Clone(a.Headers), slices.Clone(a.Command)
			edit(&a)
			c.Alerts[i] = a
		}
	}
	rl := &reloader{started: started}
	for _, tc := range []struct {
		name string
		edit func(c *config.Config)
		want string
	}{
		{"services only", func(c *config.Config) { c.Services = []config.Service{{Name: "new"}} }, ""},
		{"an explicit history section with the same values", func(c *config.Config) { c.History.Set = true }, ""},
		{"history path", func(c *config.Config) { c.History.Path = "/tmp/other.db" }, "history"},
		{"retention", func(c *config.Config) { c.History.Retention = time.Hour }, "history"},
		{"both", func(c *config.Config) { c.History.Raw = time.Hour; c.Concurrency = 8 }, "history,concurrency"},
		{"a sender's rules", alert(0, func(a *config.Alert) { a.On = []string{"down"}; a.Repeat = time.Hour }), ""},
		{"a webhook's URL", alert(0, func(a *config.Alert) { a.URL = "http://hooks/b" }), "alerts.team"},
		{"a header", alert(0, func(a *config.Alert) { a.Headers[0].Value = "2" }), "alerts.team"},
		{"a command", alert(1, func(a *config.Alert) { a.Command[1] = "-q" }), "alerts.pager"},
		{"a timeout", alert(1, func(a *config.Alert) { a.Timeout = time.Second }), "alerts.pager"},
		{"a sender removed", func(c *config.Config) { c.Alerts = c.Alerts[1:] }, "alerts.team"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := *started
			tc.edit(&next)
			if got := strings.Join(rl.restartKeys(&next), ","); got != tc.want {
				t.Errorf("restartKeys = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestReloadCoalesced: a SIGHUP right after saving the config reloads it, and the watcher's
// trigger for that same save, which comes a debounce later, finds nothing new: one change,
// one reload, and a refused file says so once. A later change counts as changed.
func TestReloadCoalesced(t *testing.T) {
	up := reloadListen(t)
	head := "defaults: {interval: 1h, timeout: 1s}\nservices:\n"
	r := startReloadRig(t, head+fmt.Sprintf("  - {name: a, url: \"tcp://%s\"}\n", up))
	rl := &reloader{path: r.path, getenv: r.getenv, mon: r.mon, hist: r.hist}
	if !rl.fileChanged() {
		t.Errorf("fileChanged() before any reload = false, want true")
	}
	replaceFile(t, r.path, head+fmt.Sprintf("  - {name: b, url: \"tcp://%s\"}\n", up))
	if !rl.fileChanged() {
		t.Errorf("fileChanged() after a save = false, want true")
	}
	if _, err := rl.reload(r.ctx); err != nil { // the SIGHUP
		t.Fatal(err)
	}
	if rl.fileChanged() {
		t.Errorf("fileChanged() after the SIGHUP's reload of that save = true, want false: it would reload twice")
	}
	replaceFile(t, r.path, "services: [\n")
	if _, err := rl.reload(r.ctx); err == nil {
		t.Fatal("reload of an invalid file = nil, want an error")
	}
	if rl.fileChanged() {
		t.Errorf("fileChanged() after the SIGHUP's reload refused the save = true, want false: it would fail twice")
	}
	good := head + fmt.Sprintf("  - {name: c, url: \"tcp://%s\"}\n", up)
	replaceFile(t, r.path, good)
	if !rl.fileChanged() {
		t.Errorf("fileChanged() after a second save = false, want true")
	}
	if _, err := rl.reload(r.ctx); err != nil {
		t.Fatal(err)
	}
	// Gone, then back as it was: the reload that found it gone failed, so the file back
	// must be reloaded, or "reload failed" would stand for a file that is fine.
	if err := os.Remove(r.path); err != nil {
		t.Fatal(err)
	}
	if _, err := rl.reload(r.ctx); err == nil {
		t.Fatal("reload of a missing file = nil, want an error")
	}
	replaceFile(t, r.path, good)
	if !rl.fileChanged() {
		t.Errorf("fileChanged() after the file came back as it was = false, want true")
	}
}

// TestRenamedSenders: a sender is renamed when a new name delivers exactly as one name gone,
// and neither has a rival; anything else is a sender removed and one added.
func TestRenamedSenders(t *testing.T) {
	hook := func(name, url string) config.Alert { return config.Alert{Name: name, Type: "webhook", URL: url} }
	a, b := hook("team", "http://hooks/a"), hook("ops", "http://hooks/b")
	for _, tc := range []struct {
		name     string
		was, now []config.Alert
		want     string
	}{
		{"unchanged", []config.Alert{a, b}, []config.Alert{a, b}, "map[]"},
		{"renamed", []config.Alert{a, b}, []config.Alert{hook("pager", a.URL), b}, "map[pager:team]"},
		{"renamed and moved", []config.Alert{a}, []config.Alert{hook("pager", "http://hooks/c")}, "map[]"},
		{"two new alike", []config.Alert{a}, []config.Alert{hook("p1", a.URL), hook("p2", a.URL)}, "map[]"},
		{"two gone alike", []config.Alert{a, hook("t2", a.URL)}, []config.Alert{hook("pager", a.URL)}, "map[]"},
		{"copied, the old kept", []config.Alert{a}, []config.Alert{a, hook("pager", a.URL)}, "map[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(renamedSenders(tc.was, tc.now)); got != tc.want {
				t.Errorf("renamedSenders = %s, want %s", got, tc.want)
			}
		})
	}
}
