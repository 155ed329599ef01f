package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// FuzzParse checks that Parse never panics, that an error is a list of positioned messages, and
// that a nil error means a config that keeps every promise the loader makes.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "../config.example.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("services:\n  - name: a\n    url: http://u:${API_TOKEN}/x@h/\n    interval: ${LONG_SECRET}\n"))
	f.Add([]byte("services:\n  - name: ${ESC_SECRET}\n    url: dns:${API_TOKEN}..x\n    method: \"a ${LONG_SECRET}\"\n"))
	f.Add([]byte("alerts:\n  - {name: t, type: webhook, url: \"http://u:${API_TOKEN}@h/\"}\nservices:\n  - {name: a, url: \"tcp://h:1\", depends_on: [b], alerts: [t]}\n  - {name: b, url: \"tcp://h:1\", depends_on: [a]}\nmaintenance:\n  - {name: m, every: \"fri-mon 23:30\", for: 7d, timezone: Europe/Berlin}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data, "fuzz.yaml", testEnv, probe.Kinds())
		if err != nil {
			// No value that came from the environment is ever printed, nor its start.
			for _, name := range []string{"API_TOKEN", "LONG_SECRET", "ESC_SECRET"} {
				v, _ := testEnv(name)
				if !strings.Contains(string(data), "${"+name+"}") {
					continue
				}
				if msg := err.Error(); strings.Contains(msg, v) || strings.Contains(msg, "s3cret-") {
					t.Fatalf("Parse() error %q shows the value of %s", msg, name)
				}
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\x1b\x07\x00") {
				t.Fatalf("Parse() error %q holds a control character", msg)
			}
			if cfg != nil {
				t.Fatalf("Parse() returned a config with error %v", err)
			}
			errs := config.Errors(err)
			if len(errs) == 0 {
				t.Fatalf("Parse() error %q holds no *Error", err)
			}
			for i, e := range errs {
				if e.File != "fuzz.yaml" || e.Msg == "" || strings.ContainsAny(e.Error(), "\n\r") {
					t.Fatalf("Parse() error %q: want one line naming fuzz.yaml", e)
				}
				if i > 0 && (e.Line < errs[i-1].Line || e.Line == errs[i-1].Line && e.Column < errs[i-1].Column) {
					t.Fatalf("Parse() errors %q then %q: want them sorted by position", errs[i-1], e)
				}
			}
			return
		}
		if problem := invalid(cfg); problem != "" {
			t.Fatalf("Parse() accepted a config where %s", problem)
		}
	})
}

// invalid returns what is wrong with a config Parse accepted, or "".
func invalid(cfg *config.Config) string {
	switch {
	case len(cfg.Services) == 0:
		return "there are no services"
	case cfg.Concurrency < 1:
		return "concurrency is below 1"
	case cfg.History.Retention <= 0:
		return "retention is not positive"
	}
	names := map[string]bool{}
	for _, s := range cfg.Services {
		switch {
		case names[s.Name]:
			return "a name is repeated"
		case config.LabelProblem(s.Name) != "":
			return "a name " + config.LabelProblem(s.Name)
		case s.Group != "" && config.LabelProblem(s.Group) != "":
			return "a group " + config.LabelProblem(s.Group)
		case (s.URL == "") == (len(s.Command) == 0):
			return "a service has not exactly one of url and command"
		case s.Kind == "":
			return "a service has no kind"
		case s.Kind == probe.KindCommand && s.Command[0] == "":
			return "a command has no program"
		case s.Interval <= 0 || s.Timeout <= 0 || s.RetryInterval <= 0 || s.Slow < 0:
			return "a duration is out of range"
		case s.Timeout > s.Interval || s.RetryInterval > s.Interval:
			return "a timeout or retry interval is above the interval"
		case s.Slow > 0 && s.Slow >= s.Timeout:
			return "slow is not below the timeout"
		case s.FailureThreshold < 1 || s.SuccessThreshold < 1:
			return "a threshold is below 1"
		case s.Secrets == nil:
			return "a service has no secrets list"
		}
		if s.URL != "" {
			if _, problem := config.CheckURL(probe.Kinds(), s.URL); problem != "" {
				return "a url is invalid: " + problem
			}
		}
		// New checks what the kinds' options promise (methods, counts, loss ratios...).
		if _, err := probe.New(s); err != nil {
			return "a service builds no checker: " + err.Error()
		}
		switch o := s.Options.(type) {
		case probe.HTTPOptions:
			if o.Method == "" || strings.ToUpper(o.Method) != o.Method {
				return "a method is invalid"
			}
			for _, code := range o.Expect.Status {
				if code < 100 || code > 599 {
					return "a status is out of range"
				}
			}
		case probe.ICMPOptions:
			if o.Count < 1 || o.Count > 100 || o.MaxLoss < 0 || o.MaxLoss > 1 {
				return "an icmp count or max_loss is out of range"
			}
		}
		names[s.Name] = true
	}
	return invalidLinks(cfg, names)
}

// invalidLinks returns what is wrong with the alerts, maintenance windows and dependencies of
// a config Parse accepted, or "".
func invalidLinks(cfg *config.Config, services map[string]bool) string {
	alerts := map[string]bool{}
	for _, a := range cfg.Alerts {
		switch {
		case alerts[a.Name] || config.LabelProblem(a.Name) != "":
			return "an alert name is repeated or invalid"
		case !slices.Contains([]string{config.SenderWebhook, config.SenderCommand, config.SenderAlertmanager, config.SenderTerminal}, a.Type):
			return "an alert type is unknown"
		case (a.Type == config.SenderWebhook || a.Type == config.SenderAlertmanager) &&
			!strings.HasPrefix(strings.ToLower(a.URL), "http://") && !strings.HasPrefix(strings.ToLower(a.URL), "https://"):
			return "an alert posts to a URL that is not http(s)"
		case (a.Type == config.SenderWebhook) != (a.Format != ""):
			return "an alert has a format for another type than webhook, or a webhook none"
		case a.Type == config.SenderCommand && (len(a.Command) == 0 || a.Command[0] == ""):
			return "a command alert has no program"
		case len(a.On) == 0 || a.Repeat < 0 || a.Timeout <= 0 || a.GiveUpAfter < a.Timeout || a.Secrets == nil:
			return "an alert's events, durations or secrets are out of range"
		}
		alerts[a.Name] = true
	}
	groups := map[string]bool{}
	index := map[string]int{}
	for i, s := range cfg.Services {
		groups[s.Group] = true
		index[s.Name] = i
		for _, d := range s.DependsOn {
			if !services[d] || d == s.Name {
				return "a service depends on itself or on no service"
			}
		}
		for _, a := range s.Alerts {
			if !alerts[a] {
				return "a service sends to an alert that does not exist"
			}
		}
	}
	// Depth first, colouring each service: a grey one reached again closes a cycle.
	colour := make([]int, len(cfg.Services))
	var visit func(i int) bool
	visit = func(i int) bool {
		colour[i] = 1
		for _, d := range cfg.Services[i].DependsOn {
			j := index[d]
			if colour[j] == 1 || colour[j] == 0 && visit(j) {
				return true
			}
		}
		colour[i] = 2
		return false
	}
	for i := range cfg.Services {
		if colour[i] == 0 && visit(i) {
			return "services depend on each other in a cycle"
		}
	}
	for _, m := range cfg.Maintenance {
		for _, s := range m.Services {
			if !services[s] {
				return "a window covers a service that does not exist"
			}
		}
		for _, g := range m.Groups {
			if !groups[g] {
				return "a window covers a group that does not exist"
			}
		}
		if m.Every == "" && !m.End.After(m.Start) {
			return "a one-off window does not end after it starts"
		}
		if m.Every != "" && (m.For <= 0 || m.For > 7*24*time.Hour || m.Location == nil || !m.Start.IsZero()) {
			return "a recurring window has a bad length or zone, or a start"
		}
		// Active must answer for any time without trouble.
		m.Active(time.Now())
		m.Active(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC))
	}
	return ""
}
