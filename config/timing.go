package config

import (
	"math"
	"time"

	"gopkg.in/yaml.v3"
)

// The built-in timing defaults. The timeout and retry interval defaults are capped by the
// interval, so that `interval: 5s` alone is valid.
const (
	defaultInterval      = 30 * time.Second
	defaultTimeout       = 10 * time.Second
	defaultRetryInterval = 5 * time.Second
	defaultFailures      = 2
	defaultSuccesses     = 1
)

// setting is one timing value and where it came from.
type setting[T any] struct {
	v    T
	node *yaml.Node // nil for a built-in default
	path string
	svc  bool // set on the service itself, not under defaults
	// bad says the key is written but wrong: its error is reported where it is written, and
	// comparing it with the other keys would judge them against a value nobody wrote (a
	// timeout "above interval 30s (the default)" under "interval: 0s").
	bad bool
}

// timing is the six keys shared by defaults and services.
type timing struct {
	interval, timeout, retry, slow setting[time.Duration]
	failures, successes            setting[int]
}

func timingKeys() []string {
	return []string{"interval", "timeout", "retry_interval", "failure_threshold", "success_threshold", "slow"}
}

func builtinTiming() timing {
	return timing{
		interval:  setting[time.Duration]{v: defaultInterval},
		failures:  setting[int]{v: defaultFailures},
		successes: setting[int]{v: defaultSuccesses},
	}
}

// timing reads the timing keys of a defaults section or a service over t.
func (l *loader) timing(f map[string]field, t *timing, svc bool) {
	dur := func(key string, s *setting[time.Duration], positive bool) {
		if fl, ok := f[key]; ok {
			*s = setting[time.Duration]{v: s.v, node: fl.val, path: fl.path, svc: svc, bad: true}
			if d, ok := l.duration(fl.val, fl.path, positive); ok {
				if least := minimum(key); d > 0 && d < least {
					l.errorf(fl.val, fl.path, "must be at least %s (uptty's limit), got %s", formatDuration(least), formatDuration(d))
					return
				}
				s.v, s.bad = d, false
			}
		}
	}
	count := func(key string, s *setting[int]) {
		if fl, ok := f[key]; ok {
			if n, ok := l.integer(fl.val, fl.path, 1, math.MaxInt32); ok {
				*s = setting[int]{v: n, node: fl.val, path: fl.path, svc: svc}
			}
		}
	}
	dur("interval", &t.interval, true)
	dur("timeout", &t.timeout, true)
	dur("retry_interval", &t.retry, true)
	dur("slow", &t.slow, false)
	count("failure_threshold", &t.failures)
	count("success_threshold", &t.successes)
}

// minimum is the shortest value uptty accepts for a timing key: a shorter interval or
// timeout only burns CPU and floods history without telling anything more.
func minimum(key string) time.Duration {
	switch key {
	case "interval":
		return MinInterval
	case "timeout":
		return MinTimeout
	}
	return 0
}

// resolved fills in the timeout and retry interval defaults, which depend on the interval.
func (t timing) resolved() timing {
	if t.timeout.node == nil {
		t.timeout.v = min(defaultTimeout, t.interval.v)
	}
	if t.retry.node == nil {
		t.retry.v = min(defaultRetryInterval, t.interval.v)
	}
	return t
}

// checkTiming reports timing values that contradict each other; at is the service (or the
// defaults section) they belong to.
func (l *loader) checkTiming(t timing, at *yaml.Node, path string) {
	l.order(t.timeout, t.interval, "timeout", "interval", false, t.interval, at, path)
	l.order(t.retry, t.interval, "retry_interval", "interval", false, t.interval, at, path)
	if t.slow.v > 0 {
		l.order(t.slow, t.timeout, "slow", "timeout", true, t.interval, at, path)
	}
}

// order reports small above big (or not below it, if strict) on the key that causes it: one the
// service sets, else the service's interval (when it capped a default), else one set under
// defaults, else the service itself. A clash within defaults is thus reported once, at defaults.
func (l *loader) order(small, big setting[time.Duration], smallKey, bigKey string, strict bool,
	interval setting[time.Duration], at *yaml.Node, path string) {
	if small.v < big.v || (!strict && small.v == big.v) || small.bad || big.bad || interval.bad && (small.node == nil || big.node == nil) {
		return
	}
	verb, back := "above", "below"
	if strict {
		verb, back = "not below", "not above"
	}
	s, b := formatDuration(small.v), formatDuration(big.v)
	// What to write instead. Raising a strict bound (slow's timeout) is not offered: a default
	// timeout is capped by the interval, so it may not be the user's to raise.
	fix := ": set " + smallKey + " to " + b + " or less, or " + bigKey + " to " + s + " or more"
	if strict {
		fix = ": set " + smallKey + " below " + b
	}
	atSmall := func() {
		l.errorf(small.node, small.path, "%s %s is %s %s %s%s%s", smallKey, s, verb, bigKey, b, origin(big, small), fix)
	}
	atBig := func() {
		l.errorf(big.node, big.path, "%s %s is %s %s %s%s%s", bigKey, b, back, smallKey, s, origin(small, big), fix)
	}
	switch {
	case small.svc:
		atSmall()
	case big.svc:
		atBig()
	case interval.svc && (small.node == nil || big.node == nil):
		l.errorf(interval.node, interval.path, "%s %s%s is %s %s %s%s%s",
			smallKey, s, origin(small, interval), verb, bigKey, b, origin(big, interval), fix)
	case small.node != nil:
		atSmall()
	case big.node != nil:
		atBig()
	default:
		l.errorf(at, path, "%s %s is %s %s %s%s", smallKey, s, verb, bigKey, b, fix)
	}
}

// origin says where a value came from, when that is not where the message is.
func origin(s, here setting[time.Duration]) string {
	switch {
	case s.node == nil:
		return " (the default)"
	case s.svc == here.svc:
		return ""
	case !s.svc:
		return " (from defaults)"
	}
	return ""
}

// apply copies resolved timing onto a service.
func (t timing) apply(s *Service) {
	s.Interval = t.interval.v
	s.Timeout = t.timeout.v
	s.RetryInterval = t.retry.v
	s.Slow = t.slow.v
	s.FailureThreshold = t.failures.v
	s.SuccessThreshold = t.successes.v
}
