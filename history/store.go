package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/quietsys"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// Defaults for Options.
const (
	defaultRetention = 90 * 24 * time.Hour
	defaultRaw       = 48 * time.Hour
	defaultQueueSize = 4096
	// defaultInterval is assumed for a service that was never registered.
	defaultInterval = time.Minute
	// rollupEvery is how often the writer rolls up old results; the first rollup waits as long
	// as rollupDelay, so that startup is not slowed by it.
	rollupEvery = time.Hour
	rollupDelay = time.Minute
	// flushEvery is how often the hourly aggregates kept in memory are added to the file: they
	// lag the raw results by at most that much (an hour that ended is written at once).
	flushEvery = time.Minute
	// commitDelay is how long the writer waits for more writes to commit with the first of a
	// batch, unless batchFull of them come sooner: what a kill -9 can lose beyond the queue
	// (SIGTERM, q and a panic commit it). A commit is a wake-up of the writer and a few pages
	// appended to the WAL whether it holds one result or a thousand: at 100 services every
	// 10 s (10 results a second) a 100 ms wait made a commit of one result per check, and a
	// second's wait makes one commit a second (README "The load farm").
	commitDelay = time.Second
	// commitSlack is how long past commitDelay the writer waits for a write to end its batch's
	// wait: the first write queued once commitDelay is over wakes it (see Store.enqueue), on
	// the wake-up that write came with, so that at a few results a second or more the commit
	// takes no wake-up of its own (a timer's was two of one thread and one of the runtime's
	// monitor thread on this kind of machine, README "Session 11"). Only when no write comes
	// within it does the writer's own timer end the wait: what a kill -9 can lose then.
	commitSlack = 250 * time.Millisecond
	// batchFull is the batch worth committing without waiting longer, so that at 1,000
	// results a second or more the writer commits about as often as a 100 ms wait had it
	// (BenchmarkWriterPaced at 10,000 a second: 15-18 commits a second against 9-10, the CPU
	// per result unchanged), and the queue never fills while it waits.
	batchFull = 1000
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Retention sets how long history keeps detail (default 90 days): per-minute aggregates
	// are kept for a third of it, but at least twice Raw. Hourly aggregates are kept for good,
	// so nothing is dropped without a summary.
	Retention time.Duration
	// Raw is how long raw check results are kept before they are rolled up into per-minute
	// aggregates (default 48 hours, at most Retention): at 1,000 services checked every
	// second, each day of raw results takes about 2 GB.
	Raw time.Duration
	// Now is the clock for rollups, the end of coverage at Close and the duration of open
	// incidents (default time.Now).
	Now func() time.Time
	// QueueSize bounds the writes waiting to be committed (default 4096). When the queue is
	// full, writes are dropped and counted, never waited for.
	QueueSize int
	// ReadOnly opens an existing history for queries only (uptty incidents, or a second uptty
	// while another one writes): no lock is taken, nothing is written, Record* do nothing and
	// Flush and Rollup return ErrClosed.
	ReadOnly bool
	// Serving is, for uptty serve, the URL of its API: written in the lock file, so that a
	// second uptty that finds the file in use can point its user at uptty attach URL.
	Serving string
	// Attach is, for uptty serve, the whole command that attaches to it when the URL alone
	// does not (a CA, the token's file or variable; never a token), written after Serving
	// for the second uptty's hint; "" for uptty attach URL.
	Attach string
	// Config names the config file of the uptty that opens the history (one way only: its
	// absolute path, links resolved), written in the lock file, so that a second uptty can tell
	// whether the one writing the file watches the same services with the same senders
	// (Live.HolderConfig).
	Config string
	// MustWrite makes OpenLive refuse a file it cannot create or write, as it refuses one that
	// is not a history, rather than keep the session in memory: uptty serve runs unattended,
	// where a hint nobody reads would let a whole run's history go at the next restart. A
	// file in use by another uptty is still kept in memory and said.
	MustWrite bool

	rollupChunk int // tests: raw results rolled up per transaction (default rollupChunk)
}

// Store is a history database and the goroutine that writes to it. Its methods are safe for
// concurrent use.
type Store struct {
	path string // absolute; "" in memory
	opts Options
	now  func() time.Time

	rw *sql.DB // the writer's single connection; nil when read-only
	ro *sql.DB // connections for queries
	// live is each service's newest coverage run as committed, for the readers of this
	// process: its row is lengthened once a minute (saveRuns), and an outage begun since
	// would read as no time down.
	live    liveRuns
	unlock  func() error
	closing func() // says in the lock file that Close has begun
	session int64

	mu       sync.RWMutex
	closed   bool
	services map[string]serviceInfo

	queue *opQueue // nil when read-only
	// hurry (cap 1) ends the writer's wait for more writes to join a batch: a request waits
	// for an answer, or the queue is filling up (see writer.gather).
	hurry chan struct{}
	// gathering is how many writes the writer holds while it waits for more to join them:
	// with those queued, they make the batch that ends its wait (batchFull).
	gathering atomic.Int64
	// commitAt is when the batch the writer holds may be committed, as time since epoch (0
	// when it holds none, or a write has poked it already): the first write queued after it
	// ends the wait (commitSlack).
	commitAt atomic.Int64
	epoch    time.Time
	stop     chan struct{}
	done     chan struct{}

	written, dropped, failed atomic.Uint64
	commits                  atomic.Uint64 // transactions of results and events, for benchmarks
	errMu                    sync.Mutex
	writeErr                 error  // the last commit's error; nil once a commit succeeds
	droppedBefore            uint64 // dropped as of the start of the last good commit
	unsaved                  unsaved
	opened                   os.FileInfo // the file as opened, to tell that it is gone (gone)
	lookedAt                 time.Time   // when gone last looked at the path
	goneErr                  error       // what gone found then
}

// unsaved is the time history was not saved: the stretch going on, if any, and the ones that
// ended, for Unsaved to tell at exit. Guarded by errMu.
type unsaved struct {
	since     time.Time // the first failed commit of the stretch going on; zero while saving
	cause     string    // why, in a few words
	total     time.Duration
	stretches int
	resumed   time.Time // when the last stretch ended
	lastCause string
}

type serviceInfo struct {
	group    string
	interval time.Duration
}

// Stats counts what happened to the writes a Store was given.
type Stats struct {
	Written uint64 // committed
	Dropped uint64 // not queued: the queue was full
	Failed  uint64 // queued but lost to a failed commit
}

// Open opens the history at path, creating the file and its directory if need be; "" keeps
// history in memory. It fails, with an error naming the path, when the file is in use by
// another uptty (ErrInUse), is not an uptty history (ErrNotHistory, the file left untouched),
// comes from a newer uptty (ErrNewerSchema), or cannot be written. Close releases it.
func Open(path string, opts Options) (*Store, error) {
	if opts.Retention <= 0 {
		opts.Retention = defaultRetention
	}
	if opts.Raw <= 0 {
		opts.Raw = defaultRaw
	}
	opts.Raw = min(opts.Raw, opts.Retention)
	if opts.QueueSize <= 0 {
		opts.QueueSize = defaultQueueSize
	}
	if opts.rollupChunk <= 0 {
		opts.rollupChunk = rollupChunk
	}
	s := &Store{opts: opts, now: opts.Now, services: map[string]serviceInfo{}}
	if s.now == nil {
		s.now = time.Now
	}
	ctx := context.Background()
	var err error
	switch {
	case path == "" && opts.ReadOnly:
		return nil, errors.New("history: an in-memory history cannot be opened read-only")
	case path == "":
		err = s.openMemory(ctx)
	default:
		if s.path, err = filepath.Abs(path); err != nil {
			return nil, fmt.Errorf("history file %s: %w", path, err)
		}
		if opts.ReadOnly {
			err = s.openReadOnly(ctx)
		} else {
			err = s.openFile(ctx)
		}
	}
	if err != nil {
		s.release()
		return nil, err
	}
	if !opts.ReadOnly {
		s.queue = newOpQueue(opts.QueueSize)
		s.hurry = make(chan struct{}, 1)
		s.epoch = time.Now()
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		w := newWriter(s)
		go w.run()
	}
	return s, nil
}

// Path returns the absolute path of the history file, "" when it is in memory.
func (s *Store) Path() string { return s.path }

// Register tells the store a service's group and check interval. The interval bounds how long
// one result covers (see the package doc); a service never registered is taken to be checked
// every minute. Register may be called at any time, again when the config changes.
func (s *Store) Register(service, group string, interval time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.services[service] = serviceInfo{group: group, interval: interval}
}

// RecordResult queues one check result of service. It never blocks: when the queue is full
// the result is dropped and counted (see Err and Stats). A zero Check (what a monitor reports
// along with the events of a pause) is ignored.
func (s *Store) RecordResult(service string, r track.Check) {
	if r.Start.IsZero() {
		return
	}
	s.enqueue(resultOp(service, r))
}

// resultOp is the write of one check's result.
func resultOp(service string, r track.Check) op {
	reason := r.Reason
	if r.OK {
		reason = r.Warning
	}
	return op{kind: opResult, service: service, at: r.Start.UnixMilli(),
		latency: r.Latency.Microseconds(), ok: r.OK, reason: reason}
}

// Record queues a check's result together with the events it caused, so that they are
// committed, or dropped when the queue is full, together: a state change never lands without
// its outage boundary. r may be zero, for pause and resume, which have events but no result.
// It never blocks, like RecordResult.
func (s *Store) Record(service, group string, r track.Check, events []track.Event) {
	s.record(service, group, true, r, events)
}

// record is Record; without hasGroup, the group is the one the service was registered with.
func (s *Store) record(service, group string, hasGroup bool, r track.Check, events []track.Event) {
	s.recordWith(service, group, hasGroup, r, events, Extra{})
}

// Stopped queues the end of service's coverage at `at`: a reload removed it from the config,
// and nothing checks it from then on. It never blocks, like RecordResult.
func (s *Store) Stopped(service string, at time.Time) {
	s.enqueue(op{kind: opStopped, service: service, at: at.UnixMilli()})
}

// RecordEvent queues a state change or an outage boundary of service, which belongs to group.
// It never blocks, like RecordResult.
func (s *Store) RecordEvent(service, group string, e track.Event) {
	s.enqueue(op{kind: opEvent, service: service, group: group, hasGroup: true, more: &opMore{event: &e}})
}

func (s *Store) enqueue(o op) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed || s.queue == nil {
		return
	}
	info, known := s.services[o.service]
	if !o.hasGroup {
		o.group, o.hasGroup = info.group, known
	}
	o.span = 2 * defaultInterval
	if info.interval > 0 {
		o.span = 2 * info.interval
	}
	n, ok := s.queue.add(o)
	if !ok {
		s.dropped.Add(1)
		return
	}
	// The writer sleeps through its batch's wait: wake it once a batch is worth committing,
	// and before the queue is full.
	if n+int(s.gathering.Load()) >= batchFull || n >= s.opts.QueueSize/2 {
		s.poke()
		return
	}
	if at := s.commitAt.Load(); at != 0 && time.Since(s.epoch) >= time.Duration(at) && s.commitAt.CompareAndSwap(at, 0) {
		s.poke()
	}
}

// poke ends the writer's wait for more writes to join its batch, if it is waiting.
func (s *Store) poke() {
	select {
	case s.hurry <- struct{}{}:
	default:
	}
}

// Flush waits until every write queued before it is committed, or ctx is done. It returns the
// last commit's error if that commit failed (the writes are then lost, and counted in Stats).
func (s *Store) Flush(ctx context.Context) error {
	return s.request(ctx, op{kind: opFlush})
}

// Rollup rolls up the raw results older than Options.Raw as of now into per-minute
// aggregates, and deletes the per-minute aggregates older than minuteKeep (their hours are
// kept); it packs the raw results of the hours before the last one, and the hourly
// aggregates of the days before Options.Raw (see pack.go). The writer does it every hour by
// itself; Rollup is for tests and tools.
func (s *Store) Rollup(now time.Time) error {
	return s.request(context.Background(), op{kind: opRollup, more: &opMore{now: now}})
}

// minuteKeep is how long per-minute aggregates are kept: a third of the retention, at least
// twice the raw results' time.
func (o Options) minuteKeep() time.Duration {
	return max(o.Retention/3, 2*o.Raw)
}

// request hands o to the writer, waiting for room in the queue, and waits for its answer.
func (s *Store) request(ctx context.Context, o op) error {
	if o.more == nil {
		o.more = &opMore{}
	}
	o.more.done = make(chan error, 1)
	s.mu.RLock()
	if s.closed || s.queue == nil {
		s.mu.RUnlock()
		return ErrClosed
	}
	// Close waits for the read lock to be released, and the writer keeps draining the queue
	// until then, so this cannot wait forever.
	if err := s.queue.put(ctx, o); err != nil {
		s.mu.RUnlock()
		return err
	}
	s.mu.RUnlock()
	s.poke()
	select {
	case err := <-o.more.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Err reports that history is not being saved: the error of the last commit if it failed (disk
// full, read-only file...), or writes dropped because the queue was full since the last good
// commit began. It is nil when history is healthy.
func (s *Store) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.writeErr != nil {
		return s.writeErr
	}
	if err := s.gone(); err != nil {
		return err
	}
	if n := s.dropped.Load() - s.droppedBefore; n > 0 {
		return fileErr(s.path, fmt.Sprintf("is not keeping up: %d writes dropped because the queue was full", n), nil, nil)
	}
	return nil
}

// goneEvery is how often Err looks at the history file's path: often enough for a health
// check, rarely enough that a screen asking every second costs next to nothing.
const goneEvery = 5 * time.Second

// gone reports that the history file was deleted or replaced since it was opened (its
// directory removed, say): the commits still succeed, into a file nothing will read again,
// so only a look at the path tells. It looks at most once per goneEvery; errMu is held.
func (s *Store) gone() error {
	if s.opened == nil {
		return nil
	}
	if now := s.now(); s.lookedAt.IsZero() || now.Sub(s.lookedAt) >= goneEvery || now.Before(s.lookedAt) {
		s.lookedAt = now
		s.goneErr = nil
		// Without telling the runtime: a screen asks every second, and its monitor thread
		// would wake for it (see package quietsys).
		if same, err := quietsys.SameFile(s.path, s.opened); err != nil || !same {
			s.goneErr = fileErr(s.path, "was deleted or replaced since uptty opened it, so history is not being saved: restart uptty", nil, nil)
		}
	}
	return s.goneErr
}

// Unsaved says how long history was not saved because its commits failed, once they succeed
// again: "history: not saved for 9s (disk full), resumed at 21:47:02". It is "" when every
// commit succeeded; a stretch going on is told by Err and Close instead. Results of such a
// stretch are lost, and the UI's mark of it is gone once saving resumes, so the monitor says
// it at exit.
func (s *Store) Unsaved() string {
	s.errMu.Lock()
	u := s.unsaved
	s.errMu.Unlock()
	switch {
	case u.stretches == 0:
		return ""
	case u.stretches == 1:
		return fmt.Sprintf("history: not saved for %s (%s), resumed at %s",
			text.FormatDuration(u.total), u.lastCause, u.resumed.Format(time.TimeOnly))
	}
	return fmt.Sprintf("history: not saved for %s in %d stretches (last: %s), last resumed at %s",
		text.FormatDuration(u.total), u.stretches, u.lastCause, u.resumed.Format(time.TimeOnly))
}

// Stats returns how many writes were committed, dropped and lost so far.
func (s *Store) Stats() Stats {
	return Stats{Written: s.written.Load(), Dropped: s.dropped.Load(), Failed: s.failed.Load()}
}

// Close commits what is queued, ends the session (coverage stops now) and closes the file. It
// returns the last commit's error, if any.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	s.mu.Unlock()
	if s.closing != nil {
		s.closing()
	}
	var err error
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.errMu.Lock()
		err = s.writeErr
		if err == nil {
			// Looked at now, not as of the last look: a file deleted since went on taking
			// commits, and "saved" would be a lie.
			s.lookedAt = time.Time{}
			err = s.gone()
		}
		s.errMu.Unlock()
	}
	return errors.Join(err, s.release())
}

// release closes the databases and the lock, whichever are open.
func (s *Store) release() error {
	var errs []error
	for _, db := range []*sql.DB{s.ro, s.rw} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	if s.unlock != nil {
		errs = append(errs, s.unlock())
	}
	return errors.Join(errs...)
}
