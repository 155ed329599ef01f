package attach

import (
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
