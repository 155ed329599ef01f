package monitor

import (
	"cmp"
	"context"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// schedule is a min-heap of services ordered by when their next check is due. It keeps each
// service's position in the heap so that pausing a service can take it out and resuming can move
// it to the front in O(log n), where container/heap would need a search or stale entries.
// Ties go to the lower id so that services due together start in config order.
type schedule struct {
	items []slot
	pos   []int // pos[id] is id's index in items, or -1 when id is not scheduled
}

// slot is one scheduled check.
type slot struct {
	due time.Time
	id  int
}

// newSchedule returns an empty schedule for ids 0..n-1.
func newSchedule(n int) *schedule {
	s := &schedule{items: make([]slot, 0, n), pos: make([]int, n)}
	for i := range s.pos {
		s.pos[i] = -1
	}
	return s
}

// peek returns the earliest slot; ok is false when nothing is scheduled.
func (s *schedule) peek() (next slot, ok bool) {
	if len(s.items) == 0 {
		return slot{}, false
	}
	return s.items[0], true
}

// pop removes and returns the earliest slot. It must not be called on an empty schedule.
func (s *schedule) pop() slot {
	top := s.items[0]
	s.removeAt(0)
	return top
}

// set schedules id at due, moving it if it is already scheduled.
func (s *schedule) set(id int, due time.Time) {
	if i := s.pos[id]; i >= 0 {
		s.items[i].due = due
		if !s.up(i) {
			s.down(i)
		}
		return
	}
	s.items = append(s.items, slot{due: due, id: id})
	s.pos[id] = len(s.items) - 1
	s.up(len(s.items) - 1)
}

// remove unschedules id; it reports whether id was scheduled.
func (s *schedule) remove(id int) bool {
	i := s.pos[id]
	if i < 0 {
		return false
	}
	s.removeAt(i)
	return true
}

func (s *schedule) removeAt(i int) {
	last := len(s.items) - 1
	s.pos[s.items[i].id] = -1
	if i != last {
		s.items[i] = s.items[last]
		s.pos[s.items[i].id] = i
	}
	s.items = s.items[:last]
	if i != last && !s.up(i) {
		s.down(i)
	}
}

func (s *schedule) less(i, j int) bool {
	a, b := &s.items[i], &s.items[j]
	if a.due.Equal(b.due) {
		return a.id < b.id
	}
	return a.due.Before(b.due)
}

func (s *schedule) swap(i, j int) {
	s.items[i], s.items[j] = s.items[j], s.items[i]
	s.pos[s.items[i].id] = i
	s.pos[s.items[j].id] = j
}

// up moves item i towards the root; it reports whether it moved.
func (s *schedule) up(i int) bool {
	moved := false
	for i > 0 {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			break
		}
		s.swap(i, parent)
		i = parent
		moved = true
	}
	return moved
}

// down moves item i towards the leaves.
func (s *schedule) down(i int) {
	n := len(s.items)
	for {
		least := i
		if l := 2*i + 1; l < n && s.less(l, least) {
			least = l
		}
		if r := 2*i + 2; r < n && s.less(r, least) {
			least = r
		}
		if least == i {
			return
		}
		s.swap(i, least)
		i = least
	}
}

// scheduler is the state of one Run. Only the goroutine running loop touches it; the check
// goroutines share nothing with it but the slots and the results (results, poke, wakeAt).
type scheduler struct {
	m     *Monitor
	wg    sync.WaitGroup // the workers
	slots slots          // shared with the workers
	idle  idleWorkers    // workers waiting for a check
	queue *schedule
	svcs  []svcState
	cmds  []command
	batch []outcome
	evs   [][]track.Event
	buf   track.Check // the slices checkOf reuses
	pace  catchUp
	// gaps is twice the mean gap between the services' checks (setAhead), and ahead the
	// widest of their start-ahead windows: how far startDue looks past a due check.
	gaps, ahead time.Duration

	// Finished checks wait in results for the scheduler's next wake-up, rather than each
	// waking it: a wake-up (a thread woken, the Go scheduler run) costs about as much as the
	// rest of what the scheduler does for a check, and with many services the scheduler wakes
	// every few milliseconds anyway to start the next. A check whose result would wait longer
	// than resultDelay (steadyDelay for one that cannot change its service's standing, see
	// job.steady) pokes it (poke, cap 1). wakeAt is when the scheduler's timer fires next,
	// in ns since t0 (0 while it runs: it looks at results before it sleeps again; MaxInt64
	// with nothing scheduled).
	resultsMu sync.Mutex
	results   []outcome
	poke      chan struct{}
	wakeAt    atomic.Int64
	t0        time.Time
}

// resultDelay is how long a finished check may wait to be seen by the scheduler before the
// check wakes it: below what anyone could tell (the screen takes batches 200 ms apart, history
// commits every 100 ms, and a result's times are the check's own).
const resultDelay = 50 * time.Millisecond

// steadyWait is how long a steady result finished at now may wait for the scheduler: up to
// steadyDelay, and no longer than the monitor holds changes for a batch anyway (minBatch, its
// MinBatchInterval: none, none held), but not past the batch of looks due lookLead before the wall clock's next second
// (see Next), and no longer than any result from then to the second, when screens draw and
// serve's streams send (200 ms before it) what the monitor has: a steady result seen later
// would show a second later than it did.
func steadyWait(now time.Time, minBatch time.Duration) time.Duration {
	into := now.Sub(now.Truncate(time.Second))
	if into >= time.Second-lookLead {
		return resultDelay
	}
	return max(resultDelay, min(steadyDelay, minBatch, time.Second-lookLead-into))
}

// steadyDelay is how long a steady result (a pass of a service that is UP, without a warning
// and not slow: it moves no state and no outage) may wait for the scheduler's next wake-up.
// Such a result changes how its row looks, which a screen shows at its clock's next second,
// and history, which commits once a second: at 100 services every 10 s the scheduler wakes
// every ~90 ms to start a check, and a result that waited for that wake-up instead of poking
// saved a wake-up of the scheduler per check (README "Session 11"). It waits no later than the
// batch of looks before the next second (steadyWait), so that it shows when it did. A result
// that may change standing (a failure, a recovery, a warning, a slow pass) still waits at most
// resultDelay.
const steadyDelay = 200 * time.Millisecond

// svcState is the scheduler's view of one service.
type svcState struct {
	// phase anchors the grid phase + k*interval on which passing checks are due, so that
	// check durations and late starts never make the schedule drift.
	phase           time.Time
	interval, retry time.Duration
	// offset is the grid's from the Unix epoch, in [0, interval): the service's slot; width is
	// the slot width of its interval when it was placed, and retries fall half a slot after
	// the grid (retryDue).
	offset int64
	width  time.Duration
	// retrying says that its next check is on its retries' grid: its last check failed.
	retrying bool
	// gen counts pauses; a result from an earlier gen was in flight across a pause.
	gen      uint32
	inFlight bool
	paused   bool
	gone     bool // a reload removed it: nothing more is started or recorded for it
}

// outcome is a finished check on its way back to the scheduler.
type outcome struct {
	id  int
	gen uint32
	due time.Time
	r   probe.Result
}

func newScheduler(m *Monitor) *scheduler {
	n := len(m.targets)
	s := &scheduler{
		m:     m,
		slots: make(slots, m.slots),
		queue: newSchedule(n),
		svcs:  make([]svcState, n),
		poke:  make(chan struct{}, 1),
		t0:    time.Now(),
	}
	// The first checks spread over a second, or over as long as startRate needs for them all
	// (2s for 10,000), but never over more than a service's interval: every row has a state
	// within seconds without thousands of services connecting in the same millisecond or a
	// start-up round that starves the machine; after them, each service keeps to its own slot
	// of its interval (see place), which spreads the steady state evenly.
	t0 := time.Now()
	ids := make([]int, n)
	for i, t := range m.targets {
		sv := &s.svcs[i]
		sv.interval, _, sv.retry = cadence(t.Service)
		ids[i] = i
	}
	s.firstRound(ids, t0)
	s.place(ids, t0)
	s.setAhead()
	m.mu.Lock()
	for i := range ids {
		s.keepPause(i)
	}
	m.mu.Unlock()
	return s
}

// keepPause leaves id unscheduled if history restored it PAUSED, as the user left it before a
// restart; its place on the interval is kept for its Resume. m.mu must be held.
func (s *scheduler) keepPause(id int) {
	if s.m.trackers[id].State() == track.Paused {
		s.svcs[id].paused = true
		s.queue.remove(id)
	}
}

// startRate bounds the checks started per second in a first round, beyond its first second:
// 5,000 a second is what a few hundred HTTP checks in flight cost this kind of machine without
// queueing on its CPU, and 10,000 services still all have a state after 2 seconds.
const startRate = 5000

// firstRound schedules the first checks of ids, new services, from t0 on: in their order,
// evenly over a second or over as long as startRate needs for them all, but over no more than
// a service's interval. The start and a reload that adds services both use it, so that 1,000
// services added at once are not 1,000 connections in the same millisecond.
func (s *scheduler) firstRound(ids []int, t0 time.Time) {
	n := len(ids)
	round := max(time.Second, time.Duration(n)*time.Second/startRate)
	for k, id := range ids {
		spread := min(round, s.svcs[id].interval)
		s.queue.set(id, t0.Add(time.Duration(int64(k)*int64(spread)/int64(n))))
	}
}

// place gives each service of ids a slot on its interval, and its grid from now on; the
// services not in ids keep theirs. Services with the same interval share it out in slots of
// interval/n (n of them, the kept ones included): a kept service holds the slot nearest its
// phase, and each placed one takes the free slot nearest the hash of its name (slotOffsets).
// Random phases bunch (1,000 hashed phases in 100 bins put ~20 in the fullest, twice the
// mean); slots make the stream even, and nearest-to-hash keeps them stable: the same config
// gives the same phases at every start, whatever the order of its services, and a reload moves
// no kept service. It runs in the scheduler goroutine (or before it starts).
func (s *scheduler) place(ids []int, now time.Time) {
	if len(ids) == 0 {
		return
	}
	type group struct {
		kept  []int64
		ids   []int
		names []string
	}
	groups := map[time.Duration]*group{}
	placing := make(map[int]bool, len(ids))
	for _, id := range ids {
		placing[id] = true
		iv := s.svcs[id].interval
		g := groups[iv]
		if g == nil {
			g = &group{}
			groups[iv] = g
		}
		g.ids = append(g.ids, id)
		g.names = append(g.names, s.m.targets[id].Service.Name)
	}
	for _, id := range s.m.index {
		if sv := &s.svcs[id]; !placing[id] && !sv.gone {
			if g := groups[sv.interval]; g != nil {
				g.kept = append(g.kept, sv.offset)
			}
		}
	}
	for iv, g := range groups {
		offsets, width := slotOffsets(iv, g.kept, g.names)
		for k, id := range g.ids {
			sv := &s.svcs[id]
			sv.offset, sv.width = offsets[k], width
			sv.phase = gridAt(sv.offset, iv, now)
		}
	}
}

// slotOffsets shares an interval out among the services named names and those already at the
// offsets kept: n slots of interval/n (n counting both), on a grid offset from the Unix epoch
// by a hash of the interval, so that the grids of two intervals do not line up. Each kept
// offset holds the slot nearest it; then each name, in the order of its hash (not of the
// config), takes the free slot nearest its hash, probing later and earlier in turn. The kept
// services hold at most len(kept) slots, so one is free for every name. With nothing kept, the
// names take the slots in the order of their hashes instead (see below). It returns the names'
// offsets, in [0, interval), and the slot width.
func slotOffsets(interval time.Duration, kept []int64, names []string) (offsets []int64, width time.Duration) {
	offsets = make([]int64, len(names))
	iv := int64(interval)
	if iv <= 0 || len(names) == 0 {
		return offsets, interval
	}
	n := int(min(int64(len(kept)+len(names)), iv))
	w := iv / int64(n)
	base := int64(hash64(interval.String()) % uint64(w))
	index := func(offset int64) int {
		k := int((((offset-base)%iv+iv)%iv + w/2) / w)
		if k >= n {
			k = 0 // nearer the first slot, across the wrap
		}
		return k
	}
	taken := make([]bool, n)
	for _, o := range kept {
		taken[index(o)] = true
	}
	order := make([]int, len(names))
	hashed := make([]int64, len(names))
	for k, name := range names {
		order[k] = k
		hashed[k] = hashOffset(name, interval)
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(hashed[a], hashed[b]); c != 0 {
			return c
		}
		return strings.Compare(names[a], names[b])
	})
	if len(kept) == 0 {
		// Nothing kept (a start): the names in hash order onto the slots in order, turned
		// so that the median one is at its hash. This moves each about as little as an even
		// spread allows (the farthest by about √n slots, where probing for the nearest free
		// slot sends the last few across the interval), and one service more or less moves
		// the others by about a slot, not a cascade.
		shift := make([]int64, len(order))
		for rank, k := range order {
			shift[rank] = (((hashed[k]-base)%iv+iv)%iv+w/2)/w - int64(rank)
		}
		slices.Sort(shift)
		r := shift[len(shift)/2]
		for rank, k := range order {
			offsets[k] = (base + ((int64(rank)+r)%int64(n)+int64(n))%int64(n)*w) % iv
		}
		return offsets, time.Duration(w)
	}
	for _, k := range order {
		at := index(hashed[k])
		free := -1
		for step := 0; step < 2*n; step++ {
			d := (step + 1) / 2
			if step%2 == 0 {
				d = -d
			}
			if j := ((at+d)%n + n) % n; !taken[j] {
				free = j
				break
			}
		}
		if free < 0 {
			offsets[k] = hashed[k] // only when kept services fill every slot: n ≥ interval in ns
			continue
		}
		taken[free] = true
		offsets[k] = (base + int64(free)*w) % iv
	}
	return offsets, time.Duration(w)
}

// hashOffset is where the hash of name falls on a grid of interval from the Unix epoch: the
// phase a service would have on its own, and the one its slot is nearest.
func hashOffset(name string, interval time.Duration) int64 {
	return int64(hash64(name) % uint64(interval))
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// gridAt returns the first point at or after now of the grid of interval offset from the Unix
// epoch by offset. The grid is the wall clock's, so that a restart keeps every service's
// phase; the result carries now's monotonic reading, so a wall-clock step later does not move
// it.
func gridAt(offset int64, interval time.Duration, now time.Time) time.Time {
	if interval <= 0 {
		return now
	}
	iv := int64(interval)
	// How far now is past its last grid point, in [0, interval).
	past := ((now.UnixNano()-offset)%iv + iv) % iv
	if past == 0 {
		return now
	}
	return now.Add(time.Duration(iv - past))
}

// loop runs the schedule until ctx is done; every check it starts gets ctx.
func (s *scheduler) loop(ctx context.Context) {
	s.reconfigure(time.Now())
	s.apply()
	timer := newAlarm()
	defer timer.Close()
	// armed is when the alarm is set to fire, zero when it is not: a wake-up for a result
	// leaves the next check where it was, and the alarm needs no new setting (a system call).
	var armed time.Time
	for {
		now := time.Now()
		s.finish(now)
		s.startDue(ctx, now)
		wakeAt := int64(math.MaxInt64)
		if next, ok := s.queue.peek(); ok {
			at := s.pace.wakeAt(next.due)
			d := at.Sub(now)
			if !at.Equal(armed) || d <= 0 {
				timer.Reset(d)
				armed = at
			}
			wakeAt = int64(now.Sub(s.t0) + max(d, 0))
		} else if !armed.IsZero() {
			timer.Stop()
			armed = time.Time{}
		}
		// Published before looking at the results: a check that finishes after the look
		// sees when the scheduler will wake, and pokes it if that is too late.
		s.wakeAt.Store(wakeAt)
		if s.pending() {
			s.wakeAt.Store(0)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
			armed = time.Time{}
		case <-s.poke:
		case <-s.m.wake:
			s.reconfigure(time.Now())
			s.apply()
		}
		s.wakeAt.Store(0)
	}
}

// pending reports whether finished checks wait for the scheduler.
func (s *scheduler) pending() bool {
	s.resultsMu.Lock()
	defer s.resultsMu.Unlock()
	return len(s.results) > 0
}

// startDue starts a check for every service due by now, as fast as catching up allows (see
// catchUp), and, when one was, for up to maxAhead more due within their start-ahead window of
// now (see Options.StartAhead and setAhead).
func (s *scheduler) startDue(ctx context.Context, now time.Time) {
	if next, ok := s.queue.peek(); !ok || next.due.After(now) || s.pace.startAt(next.due).After(now) {
		return
	}
	// Checks in the window that may not start so early (a shorter interval's, whose window is
	// narrower) are taken out of the queue while the scheduler looks past them, and put back.
	var passed [maxAhead + 1]slot
	skipped := 0
	defer func() {
		for _, p := range passed[:skipped] {
			s.queue.set(p.id, p.due)
		}
	}()
	until, ahead := now.Add(s.ahead), 0
	for {
		next, ok := s.queue.peek()
		if !ok || next.due.After(until) {
			return
		}
		if next.due.After(now) {
			if ahead == maxAhead {
				return
			}
			if next.due.Sub(now) > s.aheadOf(&s.svcs[next.id]) {
				if skipped == len(passed) {
					return
				}
				passed[skipped] = s.queue.pop()
				skipped++
				continue
			}
			ahead++
		} else if s.pace.startAt(next.due).After(now) {
			return
		}
		s.pace.started(next.due, now)
		s.queue.pop()
		sv := &s.svcs[next.id]
		sv.inFlight = true
		j := job{id: next.id, gen: sv.gen, due: next.due, t: s.m.targets[next.id],
			steady: s.m.trackers[next.id].State() == track.Up}
		if w := s.idle.pop(); w != nil {
			w <- j
		} else {
			s.wg.Add(1)
			go s.worker(ctx, j)
		}
	}
}

// catchUp paces the checks the scheduler starts late. When the process was off the CPU (a
// loaded machine), every check that came due meanwhile is due at once on its wake-up; started
// together they reach their servers, and this machine's CPU, in one burst, which queues and
// inflates the latencies measured in it (at 10,000 services every 10 s under load, 122 ms late
// made 238 requests in 100 ms against a mean of 110). Instead the late checks start at
// catchUpRate times the rate they came due at, whatever made that rate (intervals, retries, a
// start-up round, a reload), with catchUpBurst's worth of them at once: the stream the targets
// see stays within about twice its mean. No check is later than the stall made the first one:
// each after it gains on its due time (a stall of L is caught up within L/(catchUpRate-1));
// what a check waits here is part of the lateness it reports, and none of its latency, which
// is timed at the socket. Checks started ahead of their time with a due one (startAhead) are
// not held: they are not late.
//
// It is a generic cell rate algorithm whose increment is the gap between due times: virtual is
// where the checks started so far would be had each waited its share of the gap before it.
// Credit for a wake-up later than asked (the machine is still loaded) is kept up to
// catchUpBurst, so the catch-up keeps its rate when wake-ups come a few milliseconds late.
type catchUp struct {
	virtual time.Time
	lastDue time.Time
}

const (
	// catchUpRate and catchUpBurst bound the checks started in 100 ms to catchUpRate × (100 ms
	// + catchUpBurst) of what came due per 100 ms: 1.6 × 1.2 = 1.92 times the mean.
	catchUpRate  = 1.6
	catchUpBurst = 20 * time.Millisecond
	// catchUpPause is how long past the moment the next late check may start the scheduler
	// sleeps, so that it wakes for a group of them rather than for each (each wake-up costs
	// about what a check does here).
	catchUpPause = catchUpBurst / 4
)

// wakeAt is when the scheduler should wake for a check due at due: its due time, or a pause
// after the moment catching up lets it start.
func (c *catchUp) wakeAt(due time.Time) time.Time {
	if at := c.startAt(due); at.After(due) {
		return at.Add(catchUpPause)
	}
	return due
}

// startAt is the earliest a check due at due may start when it is late.
func (c *catchUp) startAt(due time.Time) time.Time {
	if c.lastDue.IsZero() || !due.After(c.lastDue) {
		return due // nothing started yet, or due with the last one: no gap to keep
	}
	paced := c.virtual.Add(c.gap(due) - catchUpBurst)
	if paced.After(due) {
		return paced
	}
	return due
}

// started records the start at now of a check due at due.
func (c *catchUp) started(due, now time.Time) {
	if c.lastDue.IsZero() {
		c.virtual, c.lastDue = now, due
		return
	}
	v := now
	if due.After(c.lastDue) {
		if paced := c.virtual.Add(c.gap(due)); paced.After(v) {
			v = paced
		}
		c.lastDue = due
	} else if c.virtual.After(v) {
		v = c.virtual
	}
	c.virtual = v
}

// gap is the share of the time between the last due time and due that a late check waits.
func (c *catchUp) gap(due time.Time) time.Duration {
	return time.Duration(float64(due.Sub(c.lastDue)) / catchUpRate)
}

// setAhead works out, as the services are placed, how far ahead of their due time checks may
// start with a due one (aheadOf): twice the mean gap between the services' checks, and the
// widest window of any service, for startDue's look past a due check.
func (s *scheduler) setAhead() {
	s.gaps, s.ahead = 0, 0
	if s.m.startAhead <= 0 {
		return
	}
	rate := 0.0 // checks a second, at the services' intervals
	for i := range s.svcs {
		if sv := &s.svcs[i]; !sv.gone && sv.interval > 0 {
			rate += float64(time.Second) / float64(sv.interval)
		}
	}
	s.gaps = time.Duration(math.MaxInt64)
	if rate > 0 {
		s.gaps = time.Duration(aheadGaps * float64(time.Second) / rate)
	}
	for i := range s.svcs {
		if sv := &s.svcs[i]; !sv.gone {
			s.ahead = max(s.ahead, s.aheadOn(sv.interval), s.aheadOn(sv.retry))
		}
	}
}

// aheadOf is how far ahead of its due time sv's next check may start with a due one: the
// monitor's startAhead, and where checks are sparser than that holds in groups, up to twice
// their mean gap (200 ms at 100 services every 10 s, where 20 ms grouped one check in five),
// but never more than a fiftieth of the interval of the grid the check is on: the service's
// interval, or its retry interval while it fails. A wake-up of the process costs about what a
// check does on a small VM, at any rate; a check that starts up to 2% of its interval early
// keeps its slot, and its next is due a whole interval after that slot (nextDue).
func (s *scheduler) aheadOf(sv *svcState) time.Duration {
	if sv.retrying {
		return s.aheadOn(sv.retry)
	}
	return s.aheadOn(sv.interval)
}

// aheadOn is the start-ahead window of a check on a grid of interval every.
func (s *scheduler) aheadOn(every time.Duration) time.Duration {
	if s.m.startAhead <= 0 {
		return 0
	}
	return max(s.m.startAhead, min(s.gaps, every/aheadShare))
}

const (
	// aheadGaps is how many mean gaps between checks the start-ahead window spans where it is
	// wider than the monitor's startAhead: about two more checks for each that is due.
	aheadGaps = 2
	// aheadShare bounds that window to a fraction of a service's interval: 1/50, 2%.
	aheadShare = 50
)

// maxAhead bounds the checks started ahead of their time with one that was due: at 10,000
// services every 10 s, 20 ms holds 20 checks, which would reach their servers together and
// queue there, and the start-up round's rate limit would give way to bursts. Groups of up to 4
// keep most of the saving: on the load farm at 10,000, groups of up to 8 took another 9% off
// the CPU per check but put 0.25-0.35 ms on the latency error's p50 (README "The load farm").
const maxAhead = 3

// job is one check for a worker to run.
type job struct {
	id  int
	gen uint32
	due time.Time
	t   Target
	// steady says the service was UP when its check started: a pass without a warning, within
	// its slow threshold, will change neither its state nor an outage (see steadyResult).
	steady bool
}

// steadyResult says whether r, the result of j, leaves its service's standing as it was, so
// that the scheduler may see it at its next wake-up (steadyDelay) rather than at once.
func (j *job) steadyResult(r *probe.Result) bool {
	return j.steady && r.OK && r.Warning == "" && (j.t.Service.Slow <= 0 || r.Latency <= j.t.Service.Slow)
}

// workerIdle is how long a worker waits for another check before it ends: long enough to be
// there for the next check at any steady rate worth pooling for, short enough that the workers a
// burst of hung checks needed do not stay. At most maxIdleWorkers wait at a time; a worker
// finding that many waiting ends at once, so that the thousands a start-up round or a burst of
// hung targets needed never hold their stacks (8-32 KB each) after it: 64 are more than the
// checks in flight at 10,000 services every 10 s (~20 at 20 ms each), and past them a check
// starts a goroutine as it would have without the pool.
const (
	workerIdle     = 30 * time.Second
	maxIdleWorkers = 64
)

// idleWorkers are the workers waiting for a check, each by the channel it takes its next job
// from (capacity 1: the scheduler never waits to hand one over). The newest waiting takes the
// next check, so that the workers the steady state needs (as many as its checks in flight at
// once) keep working and those beyond them wait undisturbed until workerIdle ends them. A pool
// that handed each check to the longest waiting worker, as an unbuffered channel's receivers
// are served, kept every worker a burst had left: at 1,000 services every 10 s each of 64 got a
// check every 0.6 s and none ever waited 30 s (60 goroutines where 35 do).
type idleWorkers struct {
	mu      sync.Mutex
	waiting []chan job // oldest first
}

// push adds w as the newest waiting worker; false if maxIdleWorkers already wait.
func (p *idleWorkers) push(w chan job) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.waiting) >= maxIdleWorkers {
		return false
	}
	p.waiting = append(p.waiting, w)
	return true
}

// pop takes the newest waiting worker, nil if none waits.
func (p *idleWorkers) pop() chan job {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.waiting)
	if n == 0 {
		return nil
	}
	w := p.waiting[n-1]
	p.waiting[n-1] = nil
	p.waiting = p.waiting[:n-1]
	return w
}

// remove takes w out of the waiting workers; false if it was not there: pop took it, and a job
// is on its way to it.
func (p *idleWorkers) remove(w chan job) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, v := range p.waiting { // the oldest are the ones that time out
		if v == w {
			n := copy(p.waiting[i:], p.waiting[i+1:])
			p.waiting[i+n] = nil
			p.waiting = p.waiting[:i+n]
			return true
		}
	}
	return false
}

// worker runs j, then whatever check the scheduler hands it next, until it has waited workerIdle
// for one or ctx is done. Checks run on workers rather than each in a goroutine of its own, so
// that a check starts on a stack already grown to what checks need: a new goroutine's stack
// grows (and is copied) a few times in every check. The workers are the scheduler's: Run waits
// for them all (s.wg) once ctx is done.
func (s *scheduler) worker(ctx context.Context, j job) {
	defer s.wg.Done()
	next := make(chan job, 1)
	var idle *time.Timer
	for {
		s.check(ctx, j)
		if !s.idle.push(next) {
			return
		}
		if idle == nil {
			idle = time.NewTimer(workerIdle)
			defer idle.Stop()
		} else {
			idle.Reset(workerIdle)
		}
		select {
		case j = <-next:
			continue
		case <-idle.C:
		case <-ctx.Done():
		}
		if s.idle.remove(next) {
			return
		}
		j = <-next // handed a check as it timed out: run it (at once, if ctx is done)
	}
}

// check waits for a slot, checks j's target, and hands the result to the scheduler. It reads
// nothing of the scheduler's but j and what it shares with the check goroutines: a reload may
// replace the targets meanwhile.
func (s *scheduler) check(ctx context.Context, j job) {
	id, gen, due, t := j.id, j.gen, j.due, j.t
	if !s.slots.acquire(ctx) {
		return
	}
	r := runCheck(ctx, t)
	s.slots.release()
	if s.m.trace != nil {
		s.m.trace(id, due, r.Start)
	}
	if s.m.lateness != nil {
		s.m.lateness(max(r.Start.Sub(due), 0))
	}
	if ctx.Err() != nil {
		return
	}
	s.resultsMu.Lock()
	s.results = append(s.results, outcome{id: id, gen: gen, due: due, r: r})
	s.resultsMu.Unlock()
	// After the append: a scheduler that published its wake-up time before it saw the
	// results (see loop) either saw this one or has its time read here.
	wait := resultDelay
	if j.steadyResult(&r) {
		wait = steadyWait(time.Now(), s.m.minBatch)
	}
	if time.Duration(s.wakeAt.Load())-time.Since(s.t0) > wait {
		select {
		case s.poke <- struct{}{}:
		default:
		}
	}
}

// finish feeds the finished checks to the trackers and schedules each service's next check.
func (s *scheduler) finish(now time.Time) {
	s.resultsMu.Lock()
	s.batch, s.results = s.results, s.batch[:0]
	s.resultsMu.Unlock()
	if len(s.batch) == 0 {
		return
	}
	m := s.m
	s.evs = s.evs[:0]
	m.mu.Lock()
	for _, o := range s.batch {
		sv := &s.svcs[o.id]
		sv.inFlight = false
		if o.gen != sv.gen {
			// In flight across a pause or a removal: its result is stale. Resume has asked for
			// a check at once.
			if !sv.paused && !sv.gone {
				s.queue.set(o.id, now)
			}
			s.evs = append(s.evs, nil)
			continue
		}
		evs := m.trackers[o.id].Observe(checkOf(&o.r, &s.buf))
		s.evs = append(s.evs, evs)
		m.markDirty(o.id, len(evs) > 0)
		sv.retrying = !o.r.OK
		s.queue.set(o.id, sv.nextDue(o.due, o.r, now))
	}
	m.mu.Unlock()
	if m.onResult == nil {
		return
	}
	for k, o := range s.batch {
		if o.gen == s.svcs[o.id].gen {
			r := &o.r
			c := track.Check{Start: r.Start, Latency: r.Latency, OK: r.OK, Reason: r.Reason, Warning: r.Warning}
			m.onResult(m.targets[o.id].Service.Name, c, s.evs[k])
		}
	}
}

// nextDue is when to check again after r, due at due and finished by now: on the next grid
// point after a pass, about a retry interval after the check's due time after a failure
// (retryDue). A check started ahead of its time (StartAhead) can be over before it is due, a
// fast target's always: the next grid point is then the one after due, not due again.
func (sv *svcState) nextDue(due time.Time, r probe.Result, now time.Time) time.Time {
	if !r.OK {
		return sv.retryDue(due, now)
	}
	if due.After(now) {
		now = due
	}
	if now.Before(sv.phase) {
		return sv.phase
	}
	return sv.phase.Add((now.Sub(sv.phase)/sv.interval + 1) * sv.interval)
}

// retryDue is when to check again after a failed check due at due, finished by now: the point
// nearest due+retry of a grid of retry anchored half a slot after the service's own, and after
// now. The retries of failing services make a second stream: anchored on the slots, not on
// when each failed check happened to start, it stays as even as the first and does not drift
// (a start a little late each time would move it a little more each time, and the start-up
// round's failures would stay bunched in its second or two for good); half a slot puts each
// retry between two other services' checks, not on one of them. After a pass on the grid,
// with a retry that divides the interval, that is due+retry plus half a slot; after a check
// off the grid (the start-up round, a new or resumed service) it is within retry/2 of
// due+retry.
func (sv *svcState) retryDue(due, now time.Time) time.Time {
	if sv.retry <= 0 {
		return due.Add(sv.retry)
	}
	anchor := sv.phase.Add(sv.width / 2)
	target := due.Add(sv.retry)
	k := target.Sub(anchor) / sv.retry
	if target.Before(anchor) {
		k-- // round towards minus infinity
	}
	at := anchor.Add(k * sv.retry) // at or before target, within retry of it
	if target.Sub(at) > sv.retry/2 {
		at = at.Add(sv.retry)
	}
	for !at.After(now) {
		at = at.Add(sv.retry)
	}
	return at
}

// apply carries out queued Pause and Resume commands.
func (s *scheduler) apply() {
	s.cmds = s.m.takeCommands(s.cmds)
	if len(s.cmds) == 0 {
		return
	}
	m := s.m
	now := time.Now()
	type record struct {
		id  int
		evs []track.Event
	}
	var recs []record
	m.mu.Lock()
	for _, c := range s.cmds {
		id, ok := m.index[c.name]
		if !ok {
			continue
		}
		sv := &s.svcs[id]
		if c.pause == sv.paused {
			continue
		}
		sv.paused = c.pause
		var evs []track.Event
		if c.pause {
			sv.gen++
			s.queue.remove(id)
			evs = m.trackers[id].Pause(now)
		} else {
			evs = m.trackers[id].Resume(now)
			if !sv.inFlight {
				s.queue.set(id, now)
			}
		}
		m.markDirty(id, true)
		recs = append(recs, record{id, evs})
	}
	m.mu.Unlock()
	if m.onResult != nil {
		for _, r := range recs {
			m.onResult(m.targets[r.id].Service.Name, track.Check{}, r.evs)
		}
	}
}
