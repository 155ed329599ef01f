package attach

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/internal/rawhttp"
	"github.com/uptty/uptty/text"
)

// hostile is text a server (or whatever answers at the address) could send to take over the
// attached terminal: a title, a clear screen, a colour, an 8-bit CSI and a bidi override.
const hostile = "x\u001b]0;PWNED\u0007\u001b[2J\u001b[31m\u009b2J\u202ey"

// TestHostileServer: no text from the server's documents reaches the screen with a control
// character in it, in the first status, a service event, an ack or the detail view's outages.
func TestHostileServer(t *testing.T) {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	svc := `{"name":` + q("evil"+hostile) + `,"group":` + q("g"+hostile) + `,"url":` + q("http://x/"+hostile) +
		`,"state":"down","latency_ms":1,"error":` + q("err"+hostile) + `,"since":null,` +
		`"outage":{"start":"2026-12-01T00:00:00Z","end":null,"duration_s":5,` +
		`"ack":{"by":` + q("mallory"+hostile) + `,"at":"2026-12-01T00:00:01Z","note":` + q("note"+hostile) + `}},"uptime":0}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/status":
			fmt.Fprint(w, `{"checked_at":"2026-12-01T00:00:00Z","services":[`+svc+`]}`)
		case strings.HasSuffix(r.URL.Path, "/history"):
			fmt.Fprint(w, `{"window_s":3600,"outages":[{"service":`+q("evil"+hostile)+`,"group":`+q("g"+hostile)+
				`,"start":"2026-12-01T00:00:00Z","end":null,"duration_s":5,"cause":`+q("cause"+hostile)+`}],"outages_total":1}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	clean := func(what, s string) {
		t.Helper()
		if v := text.Violation(s, 0); v != "" {
			t.Errorf("%s = %q: %s", what, s, v)
		}
	}
	svcs, st, err := c.Initial(t.Context())
	if err != nil || len(svcs) != 1 {
		t.Fatalf("Initial() = %v, %v; want one service", svcs, err)
	}
	name := svcs[0].Name
	clean("name", name)
	clean("group", svcs[0].Group)
	clean("url", svcs[0].URL)
	clean("reason", st[name].Reason)
	a, ok := c.Acked(name)
	if !ok {
		t.Fatalf("Acked(%q): no ack", name)
	}
	clean("ack by", a.By)
	clean("ack note", a.Note)

	event := strings.Replace(svc, q("err"+hostile), q("later"+hostile), 1)
	if _, ok := c.dispatch("service", []byte(event)); !ok {
		t.Fatal("the service event was not understood")
	}
	c.mu.Lock()
	reason := c.known[name].Reason
	c.mu.Unlock()
	if !strings.HasPrefix(reason, "later") {
		t.Errorf("reason after the service event = %q, want the event's", reason)
	}
	clean("reason after a service event", reason)

	incs, _, err := c.Archive().RecentIncidents(time.Now().Add(-time.Hour), name, 20)
	if err != nil || len(incs) != 1 {
		t.Fatalf("RecentIncidents = %v, %v; want one", incs, err)
	}
	clean("outage service", incs[0].Service)
	clean("outage group", incs[0].Group)
	clean("outage cause", incs[0].Cause)
}

// TestHostileStatusLine: a server's status line is text from the network too. `uptty attach`
// prints the refusal on the terminal it was started from, and the footer says a refused pause:
// neither may carry the server's escape sequences.
func TestHostileStatusLine(t *testing.T) {
	addr := rawhttp.Serve(t, "HTTP/1.1 503 "+hostile+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	c, err := New("http://"+addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Initial(t.Context())
	if err == nil {
		t.Fatal("Initial() = nil error, want the 503")
	}
	if v := text.Violation(err.Error(), 0); v != "" || !strings.Contains(err.Error(), "503") {
		t.Errorf("Initial() error = %q: %s; want the 503 without control characters", err, v)
	}
}

// TestHostileCertificateNames: the names a server's certificate gives are the server's words
// too, said when they do not match the address attached to.
func TestHostileCertificateNames(t *testing.T) {
	ca := newTestCAFor(t, false, "x\u001b]0;PWNED\u0007\u001b[2J.example")
	pair, err := tls.LoadX509KeyPair(ca.certFile, ca.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	defer srv.Close()
	c, err := New(srv.URL, Options{RootCAs: ca.pool})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Initial(t.Context())
	if err == nil || !strings.Contains(err.Error(), "not valid for") {
		t.Fatalf("Initial() error = %v, want the certificate's names refused", err)
	}
	if v := text.Violation(err.Error(), 0); v != "" {
		t.Errorf("Initial() error = %q: %s", err, v)
	}
}
