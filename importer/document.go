package importer

import (
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// defaults are the timing keys the converted file sets for every service: the source's own
// defaults, so that a service that did not set one keeps the source's behaviour.
type defaults struct {
	Interval, Timeout, RetryInterval time.Duration
	FailureThreshold                 int
	Comment                          string
	// Shared is added to Comment when keys the source has no default for are filled in with
	// what every service shares.
	Shared string
}

// document is a converted config before it is written.
type document struct {
	Source   string // "Gatus config" or "Uptime Kuma backup"
	Command  string // "gatus" or "kuma"
	File     string
	Defaults defaults
	Services []*service
	Lost     []Note // for the file as a whole
	Empty    string // when no service is left, says so at the top
}

// finish checks every service against uptty's loader, turning one it rejects into a commented
// out entry, gives duplicate names a unique one, writes the file and gathers the notes.
func (d *document) finish() Result {
	d.uniqueNames()
	d.compact()
	for _, s := range d.Services {
		if s.Skip == "" {
			if msg := d.validate(s); msg != "" {
				s.Skip = "uptty rejects it: " + msg
			}
		}
	}
	var res Result
	for _, n := range d.Lost {
		n.Text = "not carried over: " + n.Text
		res.Notes = append(res.Notes, n)
	}
	for _, s := range d.Services {
		if s.Renamed != "" {
			res.Notes = append(res.Notes, Note{File: d.File, Line: s.Line, Service: s.Name, Text: s.Renamed})
		}
		for _, l := range s.Lost {
			res.Notes = append(res.Notes, Note{File: d.File, Line: s.Line, Service: s.Name, Text: "not carried over: " + l})
		}
		if s.Skip != "" {
			res.Skipped++
			res.Notes = append(res.Notes, Note{File: d.File, Line: s.Line, Service: s.Name,
				Text: "written commented out: " + s.Skip})
		} else {
			res.Services++
		}
	}
	if res.Services == 0 {
		// Still written, so that the commented-out entries can be taken up by hand, but uptty
		// will not load a config without services, and says so.
		d.Empty = "No service could be converted: uncomment or add one before loading the config."
		res.Notes = append(res.Notes, Note{File: d.File, Text: d.Empty})
	}
	res.YAML = d.render(d.Services)
	return res
}

// uniqueNames renames services whose name is taken: uptty names are unique, where Gatus only
// needs group and name together to be.
func (d *document) uniqueNames() {
	taken := map[string]bool{}
	for _, s := range d.Services {
		if s.Name == "" {
			s.Name = "unnamed"
			s.Info = append(s.Info, "the source entry had no name")
		}
		name := s.Name
		if taken[name] && s.Group != "" {
			name = s.Name + " (" + s.Group + ")"
		}
		for i := 2; taken[name]; i++ {
			name = s.Name + " " + strconv.Itoa(i)
		}
		if name != s.Name {
			s.Renamed = "renamed from " + strconv.Quote(s.Name) + ": uptty names must be unique"
			s.Info = append(s.Info, s.Renamed)
			s.Name = name
		}
		taken[name] = true
	}
}

// compact moves the timing most services share into defaults, so that each service lists only
// where it differs. A key becomes a default only when every service sets it: one that does not
// must keep uptty's own default.
func (d *document) compact() {
	var live []*service
	for _, s := range d.Services {
		if s.Skip == "" {
			live = append(live, s)
		}
	}
	df := &d.Defaults
	durations := []struct {
		def *time.Duration
		get func(*service) *time.Duration
	}{
		{&df.Interval, func(s *service) *time.Duration { return &s.Interval }},
		{&df.Timeout, func(s *service) *time.Duration { return &s.Timeout }},
		{&df.RetryInterval, func(s *service) *time.Duration { return &s.RetryInterval }},
	}
	filled := false
	for _, f := range durations {
		if *f.def == 0 {
			*f.def = mode(live, func(s *service) time.Duration { return *f.get(s) })
			filled = filled || *f.def != 0
		}
	}
	if df.FailureThreshold == 0 {
		df.FailureThreshold = mode(live, func(s *service) int { return s.FailureThreshold })
		filled = filled || df.FailureThreshold != 0
	}
	if filled && df.Shared != "" {
		df.Comment += " " + df.Shared
	}
	// The defaults must hold together on their own: uptty checks them as a block.
	if df.Interval == 0 || df.Timeout > df.Interval {
		df.Timeout = 0
	}
	if df.Interval == 0 || df.RetryInterval > df.Interval {
		df.RetryInterval = 0
	}
	for _, s := range d.Services {
		for _, f := range durations {
			if v := f.get(s); *v == *f.def {
				*v = 0
			}
		}
		if s.FailureThreshold == df.FailureThreshold {
			s.FailureThreshold = 0
		}
	}
}

// mode is the most common value of get over services, the first seen on a tie; zero when a
// service has none.
func mode[T comparable](services []*service, get func(*service) T) T {
	var zero T
	count := map[T]int{}
	var best T
	for _, s := range services {
		v := get(s)
		if v == zero {
			return zero
		}
		count[v]++
		if count[v] > count[best] {
			best = v
		}
	}
	return best
}

// envProbe stands for every ${VAR} while a service is checked: the user sets the real values.
func envProbe(string) (string, bool) { return "1234", true }

// validate loads s alone, with the file's defaults, and returns the loader's complaints.
func (d *document) validate(s *service) string {
	one := *s
	one.Info, one.Lost = nil, nil
	data := d.render([]*service{&one})
	_, err := config.Parse(data, "converted.yaml", envProbe, probe.Kinds())
	if err == nil {
		return ""
	}
	var msgs []string
	for _, e := range config.Errors(err) {
		m := e.Msg
		if p := strings.TrimPrefix(e.Path, "services[0]."); p != e.Path {
			m = p + ": " + m
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		msgs = append(msgs, err.Error())
	}
	return strings.Join(msgs, "; ")
}
