package history

import (
	"context"
	"testing"
	"time"
)

// TestOpQueue: the queue takes ops up to its limit and drops the one beyond it; a put waits for
// the room the writer's take makes; a take of fewer than are queued leaves the rest ready for
// the next; and once emptied, an array grown beyond keptQueue by a burst is let go.
func TestOpQueue(t *testing.T) {
	q := newOpQueue(2 * keptQueue)
	for i := range 2 * keptQueue {
		if _, ok := q.add(op{at: int64(i)}); !ok {
			t.Fatalf("add %d of a queue of %d = not queued", i, 2*keptQueue)
		}
	}
	if n, ok := q.add(op{}); ok || n != 2*keptQueue {
		t.Fatalf("add to a full queue = %d, %v; want %d, false", n, ok, 2*keptQueue)
	}
	put := make(chan error, 1)
	go func() { put <- q.put(context.Background(), op{at: -1}) }()
	select {
	case <-q.ready:
	default:
		t.Fatal("ops queued, and no ready signal for the writer")
	}
	batch := q.take(nil, keptQueue)
	if len(batch) != keptQueue || batch[0].at != 0 || batch[keptQueue-1].at != keptQueue-1 {
		t.Fatalf("take of %d = %d ops from %d, want %d from 0, oldest first", keptQueue, len(batch), batch[0].at, keptQueue)
	}
	select {
	case err := <-put:
		if err != nil {
			t.Fatalf("put once the writer took ops = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("put still waiting 5 s after the writer took ops")
	}
	select {
	case <-q.ready:
	default:
		t.Fatal("ops left after a take, and no ready signal for the writer")
	}
	batch = q.take(batch[:0], 3*keptQueue)
	if len(batch) != keptQueue+1 || batch[0].at != keptQueue || batch[keptQueue].at != -1 {
		t.Fatalf("second take = %d ops from %d to %d, want %d from %d to -1", len(batch), batch[0].at, batch[len(batch)-1].at, keptQueue+1, keptQueue)
	}
	if q.ops != nil {
		t.Errorf("emptied queue holds an array of %d ops, want none above %d", cap(q.ops), keptQueue)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q.limit = 0
	if err := q.put(ctx, op{}); err != context.Canceled {
		t.Errorf("put to a full queue with ctx done = %v, want %v", err, context.Canceled)
	}
}
