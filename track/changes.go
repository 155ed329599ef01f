package track

import (
	"context"
	"sync"
)

// Changes holds the statuses that changed since a reader last took them, merged by service
// name: what a Source's Next hands the screen when its statuses arrive from elsewhere (a
// server's event stream, Prometheus). The zero value is not usable; use NewChanges.
type Changes struct {
	mu      sync.Mutex
	pending map[string]Status
	wake    chan struct{} // cap 1: pending became non-empty
}

// NewChanges returns an empty Changes.
func NewChanges() *Changes {
	return &Changes{pending: map[string]Status{}, wake: make(chan struct{}, 1)}
}

// Put merges st into what Next will return; a later status of a service replaces an earlier one.
func (c *Changes) Put(st map[string]Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, s := range st {
		c.pending[name] = s
	}
	if len(c.pending) > 0 {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// Clear drops what Next has not taken: the reader starts over from a fresh snapshot.
func (c *Changes) Clear() {
	c.mu.Lock()
	clear(c.pending)
	c.mu.Unlock()
}

// Next returns the statuses changed since the last call, blocking until there are some or ctx
// is done.
func (c *Changes) Next(ctx context.Context) (map[string]Status, error) {
	for {
		c.mu.Lock()
		if len(c.pending) > 0 {
			out := c.pending
			c.pending = map[string]Status{}
			c.mu.Unlock()
			return out, nil
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
