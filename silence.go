package main

import (
	"context"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
)

// silencePollEvery is how often a running uptty reads the silences from the history file:
// `uptty silence` in another shell writes them there, and the table is a handful of rows.
const silencePollEvery = 2 * time.Second

// silencePoller keeps a notify.Quiet's silences in step with the history's silence table.
type silencePoller struct {
	hist  *history.Live
	quiet *notify.Quiet
	now   func() time.Time
	// polled is signalled after each read (without waiting for anyone): tests wait on it
	// rather than on the clock.
	polled chan struct{}
	// onChange, if set, is called after a read that changed the silences in force.
	onChange func()

	// mu makes reads one at a time (the ticker's, and a write's own), in order.
	mu   sync.Mutex
	last []notify.Silence
}

func newSilencePoller(hist *history.Live, quiet *notify.Quiet) *silencePoller {
	return &silencePoller{hist: hist, quiet: quiet, now: time.Now, polled: make(chan struct{}, 1)}
}

// poll reads the silences once; a failed read keeps the ones known, which a moment of a busy
// file must not end.
func (p *silencePoller) poll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	list, err := p.hist.Silences(p.now())
	if err != nil {
		return
	}
	now := silencesOf(list)
	p.quiet.SetSilences(now)
	if !sameSilences(p.last, now) {
		p.last = now
		if p.onChange != nil {
			p.onChange()
		}
	}
	select {
	case p.polled <- struct{}{}:
	default:
	}
}

// run polls every interval until ctx is done, on the wall clock's multiples of every: at whole
// seconds the screen's clock wakes the process anyway, and a poll that shares its wake-up
// costs a query, not another wake-up of the whole runtime (what an idle monitor pays for).
func (p *silencePoller) run(ctx context.Context, every time.Duration) {
	t := time.NewTimer(untilNext(time.Now(), every))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.poll()
			t.Reset(untilNext(time.Now(), every))
		}
	}
}

// untilNext is the time from now to the wall clock's next multiple of every.
func untilNext(now time.Time, every time.Duration) time.Duration {
	return now.Truncate(every).Add(every).Sub(now)
}

// set stores a silence and applies it at once, without waiting for the next poll.
func (p *silencePoller) set(ctx context.Context, x history.Silence) error {
	if err := p.hist.SetSilence(ctx, x); err != nil {
		return err
	}
	p.poll()
	return nil
}

// unset removes the silences named by names, and applies that at once.
func (p *silencePoller) unset(ctx context.Context, names ...string) (int, error) {
	total := 0
	for _, name := range names {
		n, err := p.hist.Unsilence(ctx, name)
		if err != nil {
			return total, err
		}
		total += n
	}
	p.poll()
	return total, nil
}

// sameSilences reports whether a and b are the same silences.
func sameSilences(a, b []notify.Silence) bool {
	return slices.EqualFunc(a, b, func(x, y notify.Silence) bool {
		return x.Group == y.Group && x.Name == y.Name && x.Until.Equal(y.Until) && x.Reason == y.Reason
	})
}

// silencesOf is history's silences as the notify engine takes them.
func silencesOf(list []history.Silence) []notify.Silence {
	out := make([]notify.Silence, len(list))
	for i, x := range list {
		out[i] = notify.Silence{Group: x.Kind == history.SilenceGroup, Name: x.Name, Until: x.Until, Reason: x.Reason}
	}
	return out
}

// checkQuiet is the maintenance windows and silences `uptty check` marks services with: the
// silences from the history file, when there is one to read.
func checkQuiet(cfg *config.Config, now time.Time) *notify.Quiet {
	q := notify.NewQuiet(cfg.Services, cfg.Maintenance)
	if path := cfg.History.Path; path != "" {
		if _, err := os.Stat(path); err == nil {
			// Unreadable silences leave the marks out; the check itself is what matters here.
			if list, err := history.SilencesAt(path, now); err == nil {
				q.SetSilences(silencesOf(list))
			}
		}
	}
	return q
}
