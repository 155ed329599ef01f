package history

import (
	"context"
	"sync"
)

// opQueue is the writer's queue: the writes and requests waiting for it, oldest first. It holds
// what is waiting and no more, where a channel of Options.QueueSize ops was allocated whole
// (4,096 and one per service: 0.45 MB at 1,000 services) and, being a ring that goes round,
// was all resident and scanned by every collection, though a second's worth of results is all
// it ever holds in a steady state.
type opQueue struct {
	mu    sync.Mutex
	ops   []op
	limit int           // ops beyond it are not queued (Options.QueueSize)
	ready chan struct{} // cap 1: there are ops for the writer
	room  chan struct{} // cap 1: the writer took ops, so put may find room
}

// keptQueue is the capacity the queue keeps once the writer has taken everything: a second of
// results at 1,000 a second. A longer queue (a slow commit, a burst) is let go when emptied.
const keptQueue = 1024

func newOpQueue(limit int) *opQueue {
	return &opQueue{limit: limit, ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

// add queues o unless the queue is full, and returns how many ops it holds then.
func (q *opQueue) add(o op) (n int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.ops) >= q.limit {
		return len(q.ops), false
	}
	q.ops = append(q.ops, o)
	if len(q.ops) == 1 {
		signal(q.ready)
	}
	return len(q.ops), true
}

// put queues o, waiting for room while the queue is full, until ctx is done.
func (q *opQueue) put(ctx context.Context, o op) error {
	for {
		if n, ok := q.add(o); ok {
			if n < q.limit {
				signal(q.room) // another put may be waiting for the room this one found
			}
			return nil
		}
		select {
		case <-q.room:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// take appends up to most queued ops to batch, oldest first.
func (q *opQueue) take(batch []op, most int) []op {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := min(most, len(q.ops))
	if k == 0 {
		return batch
	}
	batch = append(batch, q.ops[:k]...)
	rest := copy(q.ops, q.ops[k:])
	clear(q.ops[rest:]) // no strings or requests kept alive by the array
	q.ops = q.ops[:rest]
	switch {
	case rest > 0:
		signal(q.ready) // what this take left
	case cap(q.ops) > keptQueue:
		q.ops = nil
	}
	signal(q.room)
	return batch
}

// len returns how many ops are queued.
func (q *opQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ops)
}

// signal makes a receive from c (cap 1) succeed, if one will not already.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
