package monitor

import (
	"time"

	"github.com/uptty/uptty/track"
)

// reconfig is a Reconfigure waiting for the scheduler.
type reconfig struct {
	targets []Target
	saved   map[string]track.Saved // what new names start from (ReconfigureSaved)
	done    chan struct{}
}

// Reconfigure makes targets the monitored services, as a reload of the config does, without
// stopping anything else. A service whose name stays keeps its tracker (state, outage,
// sparkline, pause); its new checker and settings take over from its next check, and a
// changed interval moves that check no later than one new interval from now. A kept service
// keeps its slot of its interval (its phase); a new one, or one whose interval changed, takes
// the free slot nearest the hash of its name. A new name starts UNKNOWN and is checked at once,
// or, when the reload adds many, within the second or two of a start-up round (see
// scheduler.firstRound). A removed name stops: a check of it in flight is discarded, and it is gone from Snapshot,
// Next and Detail.
//
// It is safe from any goroutine and returns at once; the scheduler goroutine applies it
// shortly after (or when Run starts), and then closes the returned channel. A Reconfigure
// queued after Run has returned is never applied.
func (m *Monitor) Reconfigure(targets []Target) <-chan struct{} {
	return m.ReconfigureSaved(targets, nil)
}

// ReconfigureSaved is Reconfigure, with a new name found in saved starting from it, as
// Options.Restore starts a service at a restart: a reload that brings a name back (a block
// deleted, saved, undone, saved) resumes the outage it was in, rather than starting a second.
func (m *Monitor) ReconfigureSaved(targets []Target, saved map[string]track.Saved) <-chan struct{} {
	r := reconfig{targets: targets, saved: saved, done: make(chan struct{})}
	m.mu.Lock()
	m.reconfig = append(m.reconfig, r)
	m.mu.Unlock()
	m.poke()
	return r.done
}

// reconfigure applies the queued Reconfigures, in order. It runs in the scheduler goroutine and
// does no I/O: the monitor's lock is held only while the tables change.
func (s *scheduler) reconfigure(now time.Time) {
	m := s.m
	m.mu.Lock()
	queued := m.reconfig
	m.reconfig = nil
	if len(queued) == 0 {
		m.mu.Unlock()
		return
	}
	for _, r := range queued {
		s.replace(r.targets, r.saved, now)
	}
	m.mu.Unlock()
	for _, r := range queued {
		close(r.done)
	}
}

// replace makes targets the monitored services, new names starting from saved; m.mu must be
// held.
func (s *scheduler) replace(targets []Target, saved map[string]track.Saved, now time.Time) {
	m := s.m
	keep := make(map[string]int, len(targets))
	for _, t := range targets {
		keep[t.Service.Name] = -1
	}
	// Removed names first: their ids become holes and their results are discarded.
	for name, id := range m.index {
		if _, ok := keep[name]; ok {
			continue
		}
		sv := &s.svcs[id]
		sv.gone = true
		sv.gen++
		s.queue.remove(id)
		m.trackers[id] = nil
		if m.isDirty[id] {
			m.isDirty[id] = false
			m.dirty = deleteID(m.dirty, id)
		}
		delete(m.index, name)
	}
	// New services and those whose interval changed get a slot of their interval, among the
	// services that keep theirs; a changed retry alone keeps the slot.
	var placed, added, moved []int
	for _, t := range targets {
		id, ok := m.index[t.Service.Name]
		if !ok {
			id = s.add(t, saved, now)
			placed = append(placed, id)
			added = append(added, id)
			continue
		}
		m.targets[id] = t
		m.trackers[id].SetPolicy(policyOf(t.Service))
		sv := &s.svcs[id]
		interval, _, retry := cadence(t.Service)
		sv.retry = retry
		if interval == sv.interval {
			continue
		}
		sv.interval = interval
		placed = append(placed, id)
		moved = append(moved, id)
	}
	s.place(placed, now)
	s.setAhead()
	s.firstRound(added, now)
	for _, id := range added {
		s.keepPause(id)
	}
	for _, id := range moved {
		sv := &s.svcs[id]
		if sv.paused || sv.inFlight || s.queue.pos[id] < 0 {
			continue // finish schedules it on the new grid
		}
		// A longer interval applies after the check already due; a shorter one brings the
		// next check to its new slot, within one new interval.
		if due := s.queue.items[s.queue.pos[id]].due; sv.phase.Before(due) {
			s.queue.set(id, sv.phase)
		}
	}
}

// add starts monitoring t, new, under a new id: UNKNOWN, or from saved; m.mu must be held. It
// returns the id; the caller places it on its interval and schedules its first check.
func (s *scheduler) add(t Target, saved map[string]track.Saved, now time.Time) int {
	m := s.m
	id := len(m.targets)
	m.targets = append(m.targets, t)
	m.trackers = append(m.trackers, track.NewTracker(policyOf(t.Service)))
	if st, ok := saved[t.Service.Name]; ok {
		m.trackers[id].Restore(st, now)
	}
	m.isDirty = append(m.isDirty, false)
	m.index[t.Service.Name] = id
	interval, _, retry := cadence(t.Service)
	s.svcs = append(s.svcs, svcState{phase: now, interval: interval, retry: retry})
	s.queue.grow(id + 1)
	m.markDirty(id, true) // viewers learn of it before its first result
	return id
}

// grow makes room for ids up to n-1.
func (s *schedule) grow(n int) {
	for len(s.pos) < n {
		s.pos = append(s.pos, -1)
	}
}

// deleteID removes id from ids, keeping the order.
func deleteID(ids []int, id int) []int {
	for k, x := range ids {
		if x == id {
			return append(ids[:k], ids[k+1:]...)
		}
	}
	return ids
}
