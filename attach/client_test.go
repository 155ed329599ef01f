package attach

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

const waitLimit = 20 * time.Second

func svcJSON(name, state string) string {
	return fmt.Sprintf(`{"name":%q,"group":"","url":"http://x","state":%q,"latency_ms":12.5,"error":"","since":null,"outage":null,"uptime":1}`, name, state)
}

// fakeServer speaks the event stream: a snapshot of the services in snap, then whatever is sent
// on events, until the stream is dropped with drop.
type fakeServer struct {
	mu      sync.Mutex
	snap    []string // service objects
	events  chan string
	drop    chan struct{}
	posts   chan string
	streams chan struct{} // a value per stream opened
}

func (f *fakeServer) doc() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := `{"checked_at":"2026-12-01T00:00:00Z","services":[`
	for i, x := range f.snap {
		if i > 0 {
			s += ","
		}
		s += x
	}
	return s + `],"summary":{"up":0,"degraded":0,"down":0}}`
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodPost:
		f.posts <- r.URL.Path
		w.WriteHeader(http.StatusAccepted)
	case r.URL.Path == "/api/v1/status":
		fmt.Fprint(w, f.doc())
	case r.URL.Path == "/api/v1/events":
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: snapshot\ndata: %s\n\n", f.doc())
		w.(http.Flusher).Flush()
		f.streams <- struct{}{}
		for {
			select {
			case ev := <-f.events:
				fmt.Fprintf(w, ": heartbeat\n\nevent: service\ndata: %s\n\n", ev)
				w.(http.Flusher).Flush()
			case <-f.drop:
				return
			case <-r.Context().Done():
				return
			}
		}
	}
}

// TestClient: the first status, a service event through Next, pause on the server, a dropped
// link reported and a reconnection that brings a new service list.
func TestClient(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
	f := &fakeServer{snap: []string{svcJSON("a", "up")}, events: make(chan string), drop: make(chan struct{}),
		posts: make(chan string, 1), streams: make(chan struct{}, 4)}
	srv := httptest.NewServer(f)
	defer srv.Close()

	if _, err := New(srv.URL, Options{}); err != nil {
		t.Fatal(err)
	}
	noToken, _ := New(srv.URL, Options{})
	if _, _, err := noToken.Initial(t.Context()); err == nil {
		t.Errorf("Initial without the token: no error")
	}

	type link struct {
		down  bool
		since time.Time
	}
	links := make(chan link, 4)
	lists := make(chan []config.Service, 4)
	c, err := New(srv.URL[len("http://"):], Options{Token: "tok",
		OnLink:     func(down bool, since time.Time, _ map[string]track.Status) { links <- link{down, since} },
		OnServices: func(s []config.Service, _ map[string]track.Status) { lists <- s },
	})
	if err != nil {
		t.Fatal(err)
	}
	svcs, st, err := c.Initial(t.Context())
	if err != nil || len(svcs) != 1 || svcs[0].Name != "a" || st["a"].State != track.Up {
		t.Fatalf("Initial() = %v, %v, %v; want a UP", svcs, st, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	next := func() map[string]track.Status {
		t.Helper()
		ctx, stop := context.WithTimeout(t.Context(), waitLimit)
		defer stop()
		got, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		return got
	}
	<-f.streams
	next() // the stream's snapshot
	f.events <- svcJSON("a", "down")
	if a := next()["a"]; a.State != track.Down || a.Spark.Len() != 1 {
		t.Errorf("after a service event: %+v, want a DOWN with one sample", a)
	}
	c.Pause("a")
	if p := <-f.posts; p != "/api/v1/services/a/pause" {
		t.Errorf("Pause posted %s", p)
	}

	f.mu.Lock()
	f.snap = []string{svcJSON("a", "up"), svcJSON("b", "up")}
	f.mu.Unlock()
	f.drop <- struct{}{}
	select {
	case l := <-links:
		if !l.down || l.since.IsZero() {
			t.Errorf("link after the drop = %+v, want down with a time", l)
		}
	case <-time.After(waitLimit):
		t.Fatal("no OnLink after the stream dropped")
	}
	select {
	case <-f.streams: // the reconnection, 1s later
	case <-time.After(waitLimit):
		t.Fatal("no reconnection")
	}
	select {
	case l := <-lists:
		if len(l) != 2 || l[1].Name != "b" {
			t.Errorf("OnServices after the reconnection = %v, want a and b", l)
		}
	case <-time.After(waitLimit):
		t.Fatal("no OnServices after the reconnection")
	}
	select {
	case l := <-links:
		if l.down {
			t.Errorf("link after the reconnection = %+v, want up", l)
		}
	case <-time.After(waitLimit):
		t.Fatal("no OnLink after the reconnection")
	}
}

// TestMarks: the MAINT and SILENCED marks of the server's documents are the attached screen's,
// and a snapshot without them ends them.
func TestMarks(t *testing.T) {
	c, err := New("http://127.0.0.1:1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	silenced := `{"name":"a","state":"down","silenced_until":"2026-12-01T02:00:00Z"}`
	maint := `{"name":"b","state":"down","maintenance":true}`
	if _, ok := c.dispatch("snapshot", []byte(`{"services":[`+silenced+`,`+maint+`,{"name":"c","state":"up"}]}`)); !ok {
		t.Fatal("snapshot not understood")
	}
	until := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	for name, want := range map[string]notify.Mark{"a": {SilencedUntil: until}, "b": {Maintenance: true}, "c": {}} {
		if got := c.Mark(name); !got.SilencedUntil.Equal(want.SilencedUntil) || got.Maintenance != want.Maintenance {
			t.Errorf("Mark(%s) = %+v, want %+v", name, got, want)
		}
	}
	c.dispatch("service", []byte(`{"name":"c","state":"down","silenced_until":"2026-12-01T02:00:00Z"}`))
	if got := c.Mark("c"); !got.SilencedUntil.Equal(until) {
		t.Errorf("Mark(c) after a service event = %+v, want silenced until %v", got, until)
	}
	c.dispatch("snapshot", []byte(`{"services":[{"name":"a","state":"down"},{"name":"b","state":"down"},{"name":"c","state":"down"}]}`))
	for _, name := range []string{"a", "b", "c"} {
		if got := c.Mark(name); got.Quiet() {
			t.Errorf("Mark(%s) after a snapshot without marks = %+v, want none", name, got)
		}
	}
}

// TestUnauthorized: a 401 says which server refused, and to pass a token when none was sent,
// and that it was refused when one was.
func TestUnauthorized(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	defer srv.Close()
	for _, tt := range []struct{ token, want string }{
		{"", "the server wants a token"},
		{"wrong", "the server refused the token"},
	} {
		c, err := New(srv.URL, Options{Token: tt.token})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Initial(t.Context()); err == nil || !strings.Contains(err.Error(), tt.want) ||
			!strings.HasPrefix(err.Error(), srv.URL+": ") {
			t.Errorf("Initial with token %q: error = %v, want it to begin %s: and say %q", tt.token, err, srv.URL, tt.want)
		}
	}
}

// TestAcks: the ack of an outage going on comes from the server's documents (not that of an
// ended one); Ack and Unack ask the server, with the note and who, and the token.
func TestAcks(t *testing.T) {
	type call struct{ method, path, body, auth string }
	calls := make(chan call, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		calls <- call{r.Method, r.URL.EscapedPath(), string(b), r.Header.Get("Authorization")}
		if r.URL.Path == "/api/v1/services/Gone/ack" {
			http.Error(w, `{"error": "no outage going on to acknowledge"}`, http.StatusConflict)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, Options{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	open := `{"name":"a","state":"down","outage":{"start":"2026-12-01T01:00:00Z","end":null,
		"ack":{"by":"alice","at":"2026-12-01T01:05:00Z","note":"on it"}}}`
	ended := `{"name":"b","state":"up","outage":{"start":"2026-12-01T01:00:00Z","end":"2026-12-01T01:10:00Z",
		"ack":{"by":"bob","at":"2026-12-01T01:05:00Z","note":""}}}`
	if _, ok := c.dispatch("snapshot", []byte(`{"services":[`+open+`,`+ended+`]}`)); !ok {
		t.Fatal("snapshot not understood")
	}
	a, ok := c.Acked("a")
	start := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	if !ok || a.By != "alice" || a.Note != "on it" || !a.Start.Equal(start) || !a.At.Equal(start.Add(5*time.Minute)) {
		t.Errorf("Acked(a) = %+v, %v; want alice's of the outage at %v", a, ok, start)
	}
	if a, ok := c.Acked("b"); ok {
		t.Errorf("Acked(b) = %+v, want none: its outage has ended", a)
	}
	c.dispatch("service", []byte(`{"name":"a","state":"down","outage":{"start":"2026-12-01T01:00:00Z","end":null,"ack":null}}`))
	if a, ok := c.Acked("a"); ok {
		t.Errorf("Acked(a) after an event without it = %+v, want none", a)
	}

	if err := c.Ack("Checkout API", track.Ack{By: "carol", Note: "db"}); err != nil {
		t.Fatal(err)
	}
	if got := <-calls; got.method != "POST" || got.path != "/api/v1/services/Checkout%20API/ack" ||
		got.body != `{"note":"db","by":"carol"}` || got.auth != "Bearer tok" {
		t.Errorf("Ack sent %+v", got)
	}
	if err := c.Unack("Checkout API"); err != nil {
		t.Fatal(err)
	}
	if got := <-calls; got.method != "DELETE" || got.path != "/api/v1/services/Checkout%20API/ack" {
		t.Errorf("Unack sent %+v", got)
	}
	if err := c.Ack("Gone", track.Ack{By: "carol"}); err == nil || !strings.Contains(err.Error(), "no outage going on") {
		t.Errorf("Ack(Gone) = %v, want the server's 409 and why", err)
	}
}

// TestPastedURL: a URL of one of the server's endpoints, pasted from the docs or a browser,
// attaches to that server; a path before the API's (a proxy's prefix) is kept.
func TestPastedURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:9870":                              "http://127.0.0.1:9870",
		"http://127.0.0.1:9870/":                      "http://127.0.0.1:9870",
		"http://127.0.0.1:9870/api/v1/events":         "http://127.0.0.1:9870",
		"http://127.0.0.1:9870/api/v1/status?x=1#top": "http://127.0.0.1:9870",
		"https://jump:9870/healthz":                   "https://jump:9870",
		"http://jump/uptty/api/v1/incidents?since=7d": "http://jump/uptty",
		"http://jump/uptty/metrics":                   "http://jump/uptty",
		"http://jump/uptty/":                          "http://jump/uptty",
		"http://jump/api/v1":                          "http://jump",
	} {
		c, err := New(in, Options{})
		if err != nil {
			t.Errorf("New(%q) = %v", in, err)
			continue
		}
		if got := c.URL(); got != want {
			t.Errorf("New(%q).URL() = %q, want %q", in, got, want)
		}
	}
}
