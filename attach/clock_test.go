package attach

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestServerClock: an attached screen counts on the server's clock, which every time the server
// sends is on. With this machine's clock three minutes behind the server's, a 30 s outage read
// "DOWN 0s" for minutes, and three minutes ahead, minutes long. A difference under 2 s (the
// resolution of checked_at) is left alone.
func TestServerClock(t *testing.T) {
	addr := realServer(t, nil)
	for _, tt := range []struct {
		behind    time.Duration // how far this machine's clock is behind the server's
		corrected bool
	}{
		{3 * time.Minute, true},
		{-3 * time.Minute, true},
		{time.Hour, true},
		{time.Second, false},
		{0, false},
	} {
		c, err := New("http://"+addr, Options{Now: func() time.Time { return time.Now().Add(-tt.behind) }})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Initial(t.Context()); err != nil {
			t.Fatalf("Initial = %v", err)
		}
		off := c.Now().Sub(time.Now())
		switch {
		case tt.corrected && off.Abs() > time.Second:
			t.Errorf("clock %v behind: Now() is %v off the server's clock, want within 1s", tt.behind, off)
		case !tt.corrected && c.Skew() != 0:
			t.Errorf("clock %v behind: Skew() = %v, want 0 (under the floor)", tt.behind, c.Skew())
		}
	}
}

// TestServerClockSlowLink: a status document that takes seconds to arrive (thousands of
// services over a slow link) is no skew: the clocks are compared from its first bytes. Counted
// from its end, ten seconds on the wire read as the server's clock ten seconds behind.
func TestServerClockSlowLink(t *testing.T) {
	var wire atomic.Int64       // how long the rest of the document took, on this machine's clock
	read := make(chan struct{}) // the client has read the clock, once the document began to arrive
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc := `{"checked_at":"` + time.Now().UTC().Format(time.RFC3339) + `","services":[{"name":"a","state":"up"}]}`
		w.Write([]byte(doc[:len(doc)/2]))
		w.(http.Flusher).Flush()
		select {
		case <-read:
		case <-time.After(2 * time.Second): // a client that reads its clock only at the end
		}
		wire.Store(int64(10 * time.Second))
		w.Write([]byte(doc[len(doc)/2:]))
	}))
	t.Cleanup(srv.Close)
	now := func() time.Time {
		once.Do(func() { close(read) })
		return time.Now().Add(time.Duration(wire.Load()))
	}
	c, err := New(srv.URL, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Initial(t.Context()); err != nil {
		t.Fatalf("Initial = %v", err)
	}
	if c.Skew() != 0 {
		t.Errorf("Skew() after a document 10s on the wire = %v, want 0", c.Skew())
	}
}
