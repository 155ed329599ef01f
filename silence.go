package main

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/quietsys"
	"github.com/uptty/uptty/wallclock"
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
	// onChange, if set, is called after a read that changed the silences in force, with those
	// in force before (nil at the first read) and now.
	onChange func(before, after []notify.Silence)

	// mu makes reads one at a time (the ticker's, and a write's own), in order.
	mu   sync.Mutex
	last []notify.Silence
	// What the last read saw of the file, and when it read: the ticker's poll skips the query
	// while the file is as it was, no silence read has ended, and the read is recent.
	seen     fileStamp
	seenOK   bool
	readAt   time.Time
	nextEnds time.Time // the earliest end of the silences last read; zero for none
}

// silenceRecheck is how long the poll may go without a query though the file looks the same:
// a silence written by an uptty from before the file's time was moved for it (below), or a
// time set within the file system's timestamp granularity, is read within it.
const silenceRecheck = time.Minute

// fileStamp is what stat says of the history file itself, not its WAL: this uptty's own
// commits go to the WAL (each second while results come), and the file is written only by a
// checkpoint, now and then; a silence written from another process (`uptty silence`,
// history.SetSilenceAt) moves the file's modification time once it is committed. The WAL's
// stamp, which every commit moves, had the poll query every 2 s while checks came: 250 us of
// SQLite each time, and its file locks, system calls the runtime sees, woke its monitor thread
// (README "Benchmarks", session 12).
type fileStamp struct {
	size int64
	mod  time.Time
}

// stamp stats the history's file; ok is false for a history in memory, or one stat cannot
// read, which is then queried every time.
func (p *silencePoller) stamp() (stamp fileStamp, ok bool) {
	if p.hist == nil || p.hist.Store == nil || p.hist.Store.Path() == "" {
		return stamp, false
	}
	// Without telling the runtime, which would wake its monitor thread (package quietsys).
	st, err := quietsys.Stat(p.hist.Store.Path())
	if err != nil {
		return stamp, false
	}
	return fileStamp{size: st.Size, mod: st.Mod}, true
}

func newSilencePoller(hist *history.Live, quiet *notify.Quiet) *silencePoller {
	return &silencePoller{hist: hist, quiet: quiet, now: time.Now, polled: make(chan struct{}, 1)}
}

// poll reads the silences once; a failed read keeps the ones known, which a moment of a busy
// file must not end.
func (p *silencePoller) poll() { p.read(false) }

// read is poll; lazy skips the query when the file did not change since the last read (see
// fileStamp), no silence of that read has ended since, and that read is recent.
func (p *silencePoller) read(lazy bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.now()
	stamp, stamped := p.stamp()
	if lazy && stamped && p.seenOK && stamp == p.seen && at.Sub(p.readAt) < silenceRecheck &&
		(p.nextEnds.IsZero() || at.Before(p.nextEnds)) {
		p.signal()
		return
	}
	list, err := p.hist.Silences(at)
	if err != nil {
		return
	}
	p.seen, p.seenOK, p.readAt, p.nextEnds = stamp, stamped, at, time.Time{}
	for _, x := range list {
		if p.nextEnds.IsZero() || x.Until.Before(p.nextEnds) {
			p.nextEnds = x.Until
		}
	}
	now := silencesOf(list)
	p.quiet.SetSilences(now)
	if !sameSilences(p.last, now) {
		before := p.last
		p.last = now
		if p.onChange != nil {
			p.onChange(before, now)
		}
	}
	p.signal()
}

// signal tells a test waiting on polled that a poll is done.
func (p *silencePoller) signal() {
	select {
	case p.polled <- struct{}{}:
	default:
	}
}

// run polls every interval until ctx is done, on the wall clock's multiples of every: at whole
// seconds the screen's clock wakes the process anyway, and a poll that shares its wake-up
// costs a query, not another wake-up of the whole runtime (what an idle monitor pays for).
func (p *silencePoller) run(ctx context.Context, every time.Duration) {
	t := wallclock.NewTicker(every)
	defer t.Stop()
	for {
		if _, ok := t.Wait(ctx); !ok {
			return
		}
		p.read(true)
	}
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

// logSilences logs the silences after has that before had not, and those before had that
// after has not (ended, by unsilence or by their time): set from another shell, they would
// otherwise leave a log where an outage paged nobody with no word why, nor from when it pages.
func logSilences(logger *slog.Logger, before, after []notify.Silence) {
	same := func(x notify.Silence) func(notify.Silence) bool {
		return func(y notify.Silence) bool { return x.Group == y.Group && x.Name == y.Name }
	}
	kind := func(x notify.Silence) string {
		if x.Group {
			return "group"
		}
		return "service"
	}
	for _, x := range after {
		if i := slices.IndexFunc(before, same(x)); i < 0 || !before[i].Until.Equal(x.Until) || before[i].Reason != x.Reason {
			logger.Info("silence in force", kind(x), x.Name, "until", x.Until.Format(time.RFC3339), "reason", x.Reason)
		}
	}
	for _, x := range before {
		if !slices.ContainsFunc(after, same(x)) {
			logger.Info("silence over", kind(x), x.Name)
		}
	}
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
