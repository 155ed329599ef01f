package track

import (
	"context"
	"testing"
	"testing/synctest"
)

// TestChanges: Put merges by name (the later status wins), Next hands everything over once and
// then waits for the next Put, Clear drops what was not taken, and Next gives up with ctx.
func TestChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewChanges()
		c.Put(map[string]Status{"api": {State: Pending}, "db": {State: Up}})
		c.Put(map[string]Status{"api": {State: Down}})
		got, err := c.Next(t.Context())
		if err != nil || len(got) != 2 || got["api"].State != Down || got["db"].State != Up {
			t.Fatalf("Next() = %v, %v; want api DOWN and db UP", got, err)
		}
		taken := make(chan map[string]Status)
		go func() {
			st, _ := c.Next(t.Context())
			taken <- st
		}()
		synctest.Wait() // the reader waits: nothing changed since it took the last batch
		c.Put(map[string]Status{"db": {State: Down}})
		if st := <-taken; len(st) != 1 || st["db"].State != Down {
			t.Errorf("Next() after a Put = %v, want db DOWN only", st)
		}
		c.Put(map[string]Status{"api": {State: Up}})
		c.Clear()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if st, err := c.Next(ctx); err == nil {
			t.Errorf("Next() after Clear with ctx done = %v, nil; want ctx's error", st)
		}
	})
}
