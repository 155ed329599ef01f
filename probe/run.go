package probe

import (
	"context"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

// factMax is the widest a Fact's value may be, in cells: the DNS answers fact lists up to five
// answers of up to 100 cells each.
const factMax = 600

// Run runs one check of svc with its checker c; every check goes through it, the monitor's and
// `uptty check`'s alike. It bounds the check by svc.Timeout, takes Start (and Latency, if the
// checker left it zero) from its own stopwatch, and hands back a result whose every text has
// had svc's secrets masked and then been cleaned for a terminal (see Clean).
func Run(ctx context.Context, c Checker, svc config.Service) Result {
	start := time.Now()
	if svc.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, svc.Timeout)
		defer cancel()
	}
	r := c.Check(ctx)
	if r.Start.IsZero() {
		r.Start = start
	}
	if r.Latency <= 0 {
		r.Latency = time.Since(start)
	}
	return Clean(r, svc.Secrets)
}

// Clean masks every secret in r's texts (Reason, Warning, the labels and values of Facts, the
// names of Phases) and then cleans them with text.CleanText: masking first, so that a secret cut
// in two by the width limit cannot leave a prefix showing. It copies Facts and Phases rather
// than write into the checker's slices.
func Clean(r Result, secrets *text.Secrets) Result {
	clean := func(s string, limit int) string { return text.CleanText(secrets.Mask(s), limit) }
	r.Reason = clean(r.Reason, reasonMax)
	r.Warning = clean(r.Warning, reasonMax)
	if r.Facts != nil {
		facts := make([]Fact, len(r.Facts))
		for i, f := range r.Facts {
			facts[i] = Fact{Label: clean(f.Label, quotedMax), Value: clean(f.Value, factMax)}
		}
		r.Facts = facts
	}
	if r.Phases != nil {
		phases := make([]Phase, len(r.Phases))
		for i, p := range r.Phases {
			phases[i] = Phase{Name: clean(p.Name, quotedMax), Duration: p.Duration}
		}
		r.Phases = phases
	}
	return r
}
