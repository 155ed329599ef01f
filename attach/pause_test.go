package attach

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/serve"
	"github.com/uptty/uptty/track"
)

// TestSetPaused: p on an attached screen pauses and resumes on a real server, and the state
// comes back on the stream; a server that refuses (no token, a wrong one, a read-only proxy,
// an unknown service) says why in a line the footer can show, as m's refusals do.
func TestSetPaused(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
	addr := realServer(t, func(o *serve.Options) { o.Token = "tok" })
	c := runClient(t, "http://"+addr, Options{Token: "tok"})
	// state waits until the stream brings db in a state that is (or is not) PAUSED.
	state := func(what string, paused bool) {
		t.Helper()
		nctx, ncancel := context.WithTimeout(t.Context(), waitLimit)
		defer ncancel()
		for {
			got, err := c.Next(nctx)
			if err != nil {
				t.Fatalf("%s: Next: %v", what, err)
			}
			if s, ok := got["db"]; ok && (s.State == track.Paused) == paused && s.State != track.Unknown {
				return
			}
		}
	}
	if err := c.SetPaused("db", true); err != nil {
		t.Fatalf("SetPaused(db, true) = %v", err)
	}
	state("pause db", true)
	if err := c.SetPaused("db", false); err != nil {
		t.Fatalf("SetPaused(db, false) = %v", err)
	}
	state("resume db", false)

	forbid := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "read-only: this proxy lets viewers look, not act", http.StatusForbidden)
	}))
	defer forbid.Close()
	for _, tc := range []struct {
		name, url, token, service string
		want                      string
	}{
		{"no token", "http://" + addr, "", "db", "401 Unauthorized: the server wants a token: pass --token-file FILE or set UPTTY_TOKEN"},
		{"wrong token", "http://" + addr, "nope", "db", "401 Unauthorized: the server refused the token (from --token-file or UPTTY_TOKEN)"},
		{"read-only proxy", forbid.URL, "", "db", "403 Forbidden: read-only: this proxy lets viewers look, not act"},
		{"unknown service", "http://" + addr, "tok", "gone", `404 Not Found: no service named "gone"`},
	} {
		bad, _ := New(tc.url, Options{Token: tc.token})
		for _, pause := range []bool{true, false} {
			if err := bad.SetPaused(tc.service, pause); err == nil || err.Error() != tc.want {
				t.Errorf("%s: SetPaused(%s, %v) = %v, want %q", tc.name, tc.service, pause, err, tc.want)
			}
		}
		bad.opts.HTTP.CloseIdleConnections()
	}
}
