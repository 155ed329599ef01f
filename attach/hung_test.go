package attach

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestHungServerSince: a server that stops answering (SIGSTOP, a dead link without a reset)
// is found out only when the stream has been silent for the idle limit. The link was down from
// the last thing heard, not from that moment: "disconnected 9s" after 54 s of nothing, with
// the outage clocks run on 45 s past what was known, told the user the wrong story.
func TestHungServerSince(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc := `{"checked_at":"2026-12-01T00:00:00Z","services":[` + svcJSON("a", "up") + `]}`
		if r.URL.Path == "/api/v1/status" {
			fmt.Fprint(w, doc)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: snapshot\ndata: %s\n\n", doc)
		w.(http.Flusher).Flush()
		select { // then nothing, not even a heartbeat
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	downs := make(chan time.Time, 4)
	c, err := New(srv.URL, Options{OnLink: func(down bool, since time.Time, _ map[string]track.Status) {
		if down {
			downs <- since
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	c.idleLimit = 300 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	nctx, ncancel := context.WithTimeout(t.Context(), waitLimit)
	defer ncancel()
	if _, err := c.Next(nctx); err != nil {
		t.Fatalf("Next: %v", err)
	}
	heard := time.Now() // the snapshot was read before Next returned it
	select {
	case since := <-downs:
		if since.After(heard) {
			t.Errorf("link down since %s, %s after the snapshot, the last thing heard; want at most then",
				since.Format("15:04:05.000"), since.Sub(heard))
		}
	case <-time.After(waitLimit):
		t.Fatal("no OnLink after the stream went silent")
	}
}
