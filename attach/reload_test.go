package attach

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// reloadHeard is one OnReload call.
type reloadHeard struct {
	at  time.Time
	err error
}

// follow runs a client of the server at addr until the test ends and hands back what its
// OnReload hears.
func follow(t *testing.T, addr string) <-chan reloadHeard {
	t.Helper()
	heard := make(chan reloadHeard, 8)
	runClient(t, addr, Options{OnReload: func(at time.Time, err error) { heard <- reloadHeard{at, err} }})
	return heard
}

// runClient starts a client of the server at addr, takes its first snapshot and runs it until
// the test ends, when it stops and closes its idle connections.
func runClient(t *testing.T, addr string, opts Options) *Client {
	t.Helper()
	c, err := New(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Initial(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; c.opts.HTTP.CloseIdleConnections() })
	return c
}

// nextHeard is the next reload heard, failing after waitLimit.
func nextHeard(t *testing.T, heard <-chan reloadHeard, what string) reloadHeard {
	t.Helper()
	select {
	case h := <-heard:
		return h
	case <-time.After(waitLimit):
		t.Fatalf("no OnReload for %s within %v", what, waitLimit)
		return reloadHeard{}
	}
}

// TestReloadHeard: a client attached to a real server hears of its reloads as they end (a
// failure with its reason, then a good one), and a client that attaches while an error stands
// hears of it from its first snapshot; one that attaches after a good reload is not told of
// that one, only of the next.
func TestReloadHeard(t *testing.T) {
	addr, srv := realServe(t, "", nil)
	failedAt := time.Now().Truncate(time.Second)
	srv.Reloaded(failedAt, errors.New("t.yaml:3:5: services[0].interval: bad duration \x1b[2J"))

	heard := follow(t, addr)
	h := nextHeard(t, heard, "the error standing when it attached")
	if !h.at.Equal(failedAt) || h.err == nil || !strings.HasPrefix(h.err.Error(), "t.yaml:3:5: services[0].interval: bad duration") ||
		strings.ContainsRune(h.err.Error(), 0x1b) {
		t.Errorf("heard at attach: %v %v, want %v and the reason without its escape", h.at, h.err, failedAt)
	}

	goodAt := failedAt.Add(time.Second)
	srv.Reloaded(goodAt, nil)
	if h := nextHeard(t, heard, "the good reload"); !h.at.Equal(goodAt) || h.err != nil {
		t.Errorf("heard after the good reload: %v %v, want %v and no error", h.at, h.err, goodAt)
	}

	late := follow(t, addr)
	failedAgain := goodAt.Add(time.Second)
	srv.Reloaded(failedAgain, errors.New("t.yaml:1:1: not YAML"))
	for _, ch := range []<-chan reloadHeard{heard, late} {
		if h := nextHeard(t, ch, "the next failure"); !h.at.Equal(failedAgain) || h.err == nil || h.err.Error() != "t.yaml:1:1: not YAML" {
			t.Errorf("heard after the second failure: %v %v, want %v t.yaml:1:1: not YAML (not the good reload before it attached)", h.at, h.err, failedAgain)
		}
	}
}
