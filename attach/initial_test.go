package attach

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestInitialSlowLink: a status document that arrives slowly but steadily, longer in all than
// the wait for an answer, starts the screen; one that stops arriving is said to have stopped.
// Over a slow link (an SSH tunnel, a congested VPN) the first document of a few hundred
// services took more than 10 s and attach failed with "not an uptty serve status document:
// context deadline exceeded".
func TestInitialSlowLink(t *testing.T) {
	const wait = 400 * time.Millisecond
	doc := `{"checked_at":"` + time.Now().UTC().Format(time.RFC3339) + `","services":[` +
		strings.Repeat(`{"name":"x","state":"up"},`, 20) + `{"name":"a","state":"up"}]}`
	gone := make(chan struct{})
	t.Cleanup(func() { close(gone) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := len(doc) / 20
		for i := 0; i < len(doc); i += chunk {
			if strings.HasPrefix(r.URL.Path, "/stall/") && i > len(doc)/2 {
				select { // stops sending, until the client gives up or the test ends
				case <-r.Context().Done():
				case <-gone:
				}
				return
			}
			w.Write([]byte(doc[i:min(i+chunk, len(doc))]))
			w.(http.Flusher).Flush()
			select { // a slow link: 20 chunks, 100ms apart, 2s in all
			case <-time.After(100 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(srv.Close)

	c, err := New(srv.URL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.initialWait = wait
	if _, st, err := c.Initial(t.Context()); err != nil || st["a"].State.String() != "UP" {
		t.Errorf("Initial over a slow link = %v, %v; want a UP", st["a"], err)
	}

	c, _ = New(srv.URL+"/stall", Options{})
	c.initialWait = wait
	_, _, err = c.Initial(t.Context())
	if err == nil || !strings.Contains(err.Error(), "the status document stopped arriving (nothing for 400ms)") {
		t.Errorf("Initial of a document that stops = %v, want it said to have stopped arriving", err)
	}
}
