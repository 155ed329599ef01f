package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/text"
)

// Built-in defaults outside the timing keys.
const (
	defaultConcurrency = 1000
	maxConcurrency     = 100000
	defaultRetention   = 90 * day
)

// Parse validates a config and applies its defaults. filename names the file in messages and
// anchors a relative history path; getenv expands ${VAR} references and finds $HOME and
// $XDG_STATE_HOME (nil means an empty environment); kinds are the probe kinds services may use
// (probe.Kinds()). On error the config is nil and the error
// joins one *Error per problem, sorted by position, one per line.
func Parse(data []byte, filename string, getenv func(string) (string, bool), kinds []KindSpec) (*Config, error) {
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	name := filename
	if name == "" {
		name = "config"
	}
	l := &loader{file: name, dir: filepath.Dir(filename), getenv: getenv, kinds: newKindSet(kinds),
		serviceNames: map[string]bool{}, groupNames: map[string]bool{}, alertNames: map[string]bool{}}
	env := referenced(data, getenv)
	root, err := decode(data, name)
	if err != nil {
		return nil, hideAll(err, env)
	}
	cfg := l.config(root)
	env = append(env, l.env...)
	if err := joinErrors(l.errs); err != nil {
		return nil, hideAll(err, env) // labels' values too: a message may come from anywhere
	}
	// A value only labels use is no secret; one a header, a URL… uses as well stays one, and
	// is masked in the label too.
	env = slices.DeleteFunc(env, func(v string) bool {
		return slices.Contains(l.shown, v) && !slices.Contains(l.env, v)
	})
	cfg.Path = filename
	secrets(cfg, env)
	for _, m := range cfg.Modules {
		m.env = env
	}
	return cfg, nil
}

func topKeys() []string {
	return []string{"defaults", "services", "history", "concurrency", "alerts", "maintenance", "location", "modules", "probe_targets"}
}

// topHint points at the right place for a key written at the top level.
func (l *loader) topHint(key string) string {
	switch {
	case slices.Contains(timingKeys(), key):
		return "did you mean defaults." + key + "?"
	case slices.Contains(l.kinds.serviceKeys, key):
		return key + " belongs to a service, in the services list"
	}
	return ""
}

// defaultsHint explains that the other service keys are not defaults.
func (l *loader) defaultsHint(key string) string {
	if slices.Contains(l.kinds.serviceKeys, key) || slices.Contains(l.kinds.expectKeys, key) {
		return key + " cannot be a default; set it on each service"
	}
	return ""
}

// config reads the document's root mapping.
func (l *loader) config(root *yaml.Node) *Config {
	cfg := &Config{
		Concurrency: defaultConcurrency,
		History:     History{Path: DefaultHistoryPath(l.getenv), Retention: defaultRetention},
	}
	if isNull(root) {
		l.errs = append(l.errs, &Error{File: l.file, Line: 1, Column: 1, Msg: "the file is empty; it needs a services list"})
		return cfg
	}
	f, ok := l.fields(root, "", "a mapping with a services list", topKeys(), l.topHint)
	if !ok {
		return cfg
	}
	defs := builtinTiming()
	if fl, ok := f["defaults"]; ok {
		df, _ := l.fields(fl.val, fl.path, "a mapping", timingKeys(), l.defaultsHint)
		l.timing(df, &defs, false)
		l.checkTiming(defs.resolved(), fl.key, fl.path)
	}
	if fl, ok := f["concurrency"]; ok {
		if n, ok := l.integer(fl.val, fl.path, 1, maxConcurrency); ok {
			cfg.Concurrency = n
		}
	}
	if fl, ok := f["history"]; ok {
		l.history(fl, &cfg.History)
	}
	if fl, ok := f["location"]; ok {
		cfg.Location, _ = l.label(fl, true)
	}
	if fl, ok := f["alerts"]; ok {
		cfg.Alerts = l.alerts(fl)
	}
	var refs []serviceRefs
	if fl, ok := f["services"]; ok {
		cfg.Services, refs = l.services(fl, defs)
	} else {
		l.errorf(root, "", "missing services: list what to check, each with a name and a url")
	}
	if fl, ok := f["modules"]; ok {
		cfg.Modules = l.modules(fl, defs)
	}
	if fl, ok := f["probe_targets"]; ok {
		cfg.ProbeTargets = l.probeTargets(fl)
	}
	var windows []windowRefs
	if fl, ok := f["maintenance"]; ok {
		cfg.Maintenance, windows = l.maintenance(fl)
	}
	l.links(cfg, refs, windows)
	return cfg
}

// services reads the services list and checks that names are unique. It returns the names
// each service points at, in the same order.
func (l *loader) services(fl field, defs timing) ([]Service, []serviceRefs) {
	if isNull(fl.val) {
		l.errorf(fl.val, fl.path, "no services: list at least one")
		return nil, nil
	}
	items, ok := l.list(fl.val, fl.path, "a list of services (each item starts with -)")
	if !ok {
		return nil, nil
	}
	if len(items) == 0 {
		l.errorf(fl.val, fl.path, "empty list: add at least one service")
		return nil, nil
	}
	if len(items) > MaxServices {
		l.errorf(fl.val, fl.path, "%d services; uptty watches at most %d from one config", len(items), MaxServices)
		return nil, nil
	}
	out := make([]Service, 0, len(items))
	read, nameNodes, refs := l.readServices(items, fl.path, defs)
	firstPath := make(map[string]string, len(items))
	firstNode := make(map[string]*yaml.Node, len(items))
	for i := range items {
		p := index(fl.path, i)
		s, nameNode := read[i], nameNodes[i]
		if w := text.Width(s.Name); nameNode != nil && w > MaxLabelCells {
			l.errorf(nameNode, join(p, "name"), "%d cells wide; a name may take at most %d", w, MaxLabelCells)
			nameNode = nil
		}
		if nameNode != nil {
			if prev, dup := firstNode[s.Name]; dup {
				l.errorf(nameNode, join(p, "name"), "duplicate name %s: %s (line %d) has it too",
					quote(s.Name), firstPath[s.Name], prev.Line)
			} else {
				firstNode[s.Name], firstPath[s.Name] = nameNode, p
			}
		}
		out = append(out, s)
	}
	return out, refs
}

// parallelServices is how many services each CPU must have to read before the list is split
// between CPUs: below it, starting the goroutines costs more than it saves.
const parallelServices = 256

// readServices reads every item of the services list (see service), each returned at its
// index. A long list is read on every CPU, each reading a stretch of it with a loader of its
// own (10,000 services take tens of milliseconds on the way to the first frame); what they
// found is then merged in list order, so that the config is the one a single reader makes.
// When any stretch has a problem, the whole list is read again by l alone: every message,
// and the order and wording of "did you mean" suggestions, stay exactly as before.
func (l *loader) readServices(items []*yaml.Node, path string, defs timing) ([]Service, []*yaml.Node, []serviceRefs) {
	n := len(items)
	svcs, names, refs := make([]Service, n), make([]*yaml.Node, n), make([]serviceRefs, n)
	read := func(r *loader, lo, hi int) {
		for i := lo; i < hi; i++ {
			svcs[i], names[i], refs[i] = r.service(items[i], index(path, i), defs)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), n/parallelServices)
	if workers < 2 {
		read(l, 0, n)
		return svcs, names, refs
	}
	// The caller's getenv need not be safe for concurrent use.
	var envMu sync.Mutex
	getenv := func(name string) (string, bool) {
		envMu.Lock()
		defer envMu.Unlock()
		return l.getenv(name)
	}
	parts := make([]*loader, workers)
	var wg sync.WaitGroup
	for w := range workers {
		r := &loader{file: l.file, dir: l.dir, getenv: getenv, kinds: l.kinds,
			serviceNames: map[string]bool{}, groupNames: map[string]bool{}, alertNames: map[string]bool{}}
		parts[w] = r
		wg.Go(func() { read(r, w*n/workers, (w+1)*n/workers) })
	}
	wg.Wait()
	for _, r := range parts {
		if len(r.errs) > 0 || r.suggested > 0 {
			clear(svcs)
			read(l, 0, n)
			return svcs, names, refs
		}
	}
	for _, r := range parts {
		l.env = append(l.env, r.env...)
		l.shown = append(l.shown, r.shown...)
		maps.Copy(l.serviceNames, r.serviceNames)
		maps.Copy(l.groupNames, r.groupNames)
	}
	return svcs, names, refs
}

// history reads the history section over its defaults.
func (l *loader) history(fl field, h *History) {
	h.Set = true
	f, _ := l.fields(fl.val, fl.path, "a mapping", []string{"path", "retention", "raw"}, nil)
	if p, ok := f["path"]; ok {
		if raw, ok := l.text(p.val, p.path, `a file path (or "" to keep history in memory)`); ok {
			path, problem := resolvePath(raw, l.dir, l.getenv)
			if problem != "" {
				l.errorf(p.val, p.path, "%s", problem)
			} else {
				h.Path = path
			}
		}
	}
	if r, ok := f["retention"]; ok {
		if d, ok := l.duration(r.val, r.path, true); ok {
			h.Retention = d
		}
	}
	if r, ok := f["raw"]; ok {
		if d, ok := l.duration(r.val, r.path, true); ok {
			if d > h.Retention {
				l.errorf(r.val, r.path, "raw results are kept at most as long as the retention (%s); write %s or less",
					formatDuration(h.Retention), formatDuration(h.Retention))
			} else {
				h.Raw = d
			}
		}
	}
}

// Identity names the config file at path one way only: its absolute path, symbolic links
// resolved, so that ./uptty.yaml and the same file named otherwise agree (the screen's saved
// state is kept by it, and the history's lock file names its writer's config by it); "" for
// none, a config made in memory (the demo).
func Identity(path string) string {
	if path == "" {
		return ""
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return path
}

// Find returns the config file to use: explicit (the --config flag) if given, else
// $UPTTY_CONFIG, else ./uptty.yaml, else $XDG_CONFIG_HOME/uptty/config.yaml (by default
// ~/.config/uptty/config.yaml). found is false when there is none, and the caller starts the
// demo. A file named by the flag or $UPTTY_CONFIG must be readable: that is an error, never
// a silent fallback. So is a candidate that exists but cannot be read.
func Find(explicit string, getenv func(string) (string, bool)) (path string, found bool, err error) {
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	if explicit != "" {
		if err := readable(explicit); err != nil {
			return "", false, err
		}
		return explicit, true, nil
	}
	if p, ok := getenv("UPTTY_CONFIG"); ok && p != "" {
		p, err := ExpandHome(p, getenv)
		if err != nil {
			return "", false, fmt.Errorf("$UPTTY_CONFIG: %w", err)
		}
		if err := readable(p); err != nil {
			return "", false, fmt.Errorf("$UPTTY_CONFIG: %w", err)
		}
		return p, true, nil
	}
	candidates := []string{"uptty.yaml"}
	if dir, ok := getenv("XDG_CONFIG_HOME"); ok && dir != "" {
		candidates = append(candidates, filepath.Join(dir, "uptty", "config.yaml"))
	} else if home, ok := getenv("HOME"); ok && home != "" {
		candidates = append(candidates, filepath.Join(home, ".config", "uptty", "config.yaml"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := readable(c); err != nil {
			return "", false, err
		}
		return c, true, nil
	}
	return "", false, nil
}

// readable checks that path is a file that can be opened for reading.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fileError(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fileError(path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("config %s: is a directory", path)
	}
	return nil
}

// fileError says which config file could not be read, without repeating the path twice.
func fileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("config %s: %w", path, err)
}
