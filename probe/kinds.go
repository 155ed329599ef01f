package probe

import (
	"fmt"
	"strings"

	"github.com/uptty/uptty/config"
)

// kind is one probe kind: what the config loader needs to know of it, and how to build its
// checker. Each kind file declares one; a new kind is a new file and a line in kinds.
type kind struct {
	spec config.KindSpec
	new  func(svc config.Service) (Checker, error)
}

// kinds are the probe kinds, in the order messages list their schemes and keys.
var kinds = []kind{
	httpKind,
	tcpKind,
	tlsKind,
	dnsKind,
	icmpKind,
	grpcKind,
	wsKind,
	commandKind,
}

// Kinds returns what the config loader needs to know of every probe kind, for config.Parse.
func Kinds() []config.KindSpec {
	out := make([]config.KindSpec, len(kinds))
	for i, k := range kinds {
		out[i] = k.spec
	}
	return out
}

// New returns the Checker for svc's kind. It fails only on a service the config loader should
// have rejected or on a kind without a checker. The checker does not enforce svc.Timeout: Run
// bounds each check with a context deadline, and the checker only uses the timeout to word the
// reason ("timeout after 2s").
func New(svc config.Service) (Checker, error) {
	for _, k := range kinds {
		if k.spec.Kind == svc.Kind {
			c, err := k.new(svc)
			if err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	return nil, fmt.Errorf("no probe for %q services", svc.Kind)
}

// optionsOf returns svc's options as the kind's type T. A service built in code without options
// gets what the kind's Parse gives a service that sets none of its keys.
func optionsOf[T any](svc config.Service, defaults func(scheme string) T) (T, error) {
	switch o := svc.Options.(type) {
	case nil:
		return defaults(schemeOf(svc.URL)), nil
	case T:
		return o, nil
	case *T:
		return *o, nil
	}
	var zero T
	return zero, fmt.Errorf("%s: options are %T, want %T", svc.Kind, svc.Options, zero)
}

// schemeOf returns a URL's scheme in lower case, or "".
func schemeOf(raw string) string {
	scheme, _, found := strings.Cut(raw, ":")
	if !found {
		return ""
	}
	return strings.ToLower(scheme)
}

// asChecker passes on a constructor's result, making sure that a failed one is a nil Checker
// rather than an interface holding a nil pointer.
func asChecker[C Checker](c C, err error) (Checker, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}
