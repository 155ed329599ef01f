package attach

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestServiceNamesInPaths: a service's name is one path segment of the API whatever it holds.
// A name of "." or ".." went out as a dot segment, which HTTP servers (Go's ServeMux as much as
// a proxy) clean away: p, a and the detail view's history on such a row got "404 page not
// found" from a server that has the service.
func TestServiceNamesInPaths(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	mux := http.NewServeMux()
	record := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.PathValue("name"))
		mu.Unlock()
		w.Write([]byte(`{}`))
	}
	for _, pattern := range []string{"POST /api/v1/services/{name}/pause", "POST /api/v1/services/{name}/ack",
		"POST /api/v1/services/{name}/silence", "GET /api/v1/services/{name}/history"} {
		mux.HandleFunc(pattern, record)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := New(srv.URL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"..", ".", "a/b", "50% off?#x", "결제"} {
		got = nil
		if err := c.SetPaused(name, true); err != nil {
			t.Errorf("SetPaused(%q) = %v", name, err)
		}
		if err := c.Ack(name, track.Ack{By: "alice"}); err != nil {
			t.Errorf("Ack(%q) = %v", name, err)
		}
		if _, err := c.silenceRequest(http.MethodPost, name, false, []byte(`{"for":"1h"}`)); err != nil {
			t.Errorf("silence %q = %v", name, err)
		}
		c.Archive().RecentIncidents(time.Now().Add(-time.Hour), name, 1)
		mu.Lock()
		if len(got) != 4 || got[0] != name || got[1] != name || got[2] != name || got[3] != name {
			t.Errorf("the server read the name %q as %q, want it four times", name, got)
		}
		mu.Unlock()
	}
}
