package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	return ""
}
