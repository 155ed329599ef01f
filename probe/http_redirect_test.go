package probe

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/uptty/uptty/config"
)

// headerLog keeps the request header of every request a server saw, by path.
type headerLog struct {
	mu   sync.Mutex
	seen map[string]http.Header
}

func (l *headerLog) record(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]http.Header{}
	}
	l.seen[r.URL.Path] = r.Header.Clone()
}

func (l *headerLog) get(path string) (http.Header, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.seen[path]
	return h, ok
}

// TestHTTPRedirectKeepsSecrets: the config's header values are secrets (the contract: they never
// appear in output), and so are the URL's query values. A redirect to another host, which the
// monitored site's owner may not control (an open redirect, a login page, a CDN), got every
// header but Authorization and Cookie (http.Client strips those two only): an X-API-Key went
// with it, and the Referer carried the first URL, ?token= and all. To another host a check
// now sends none of the config's headers, nor from https to http, and to any host no Referer;
// a redirect within the host (or to a subdomain of it, as http.Client has it for
// Authorization) keeps the headers.
func TestHTTPRedirectKeepsSecrets(t *testing.T) {
	var other headerLog
	away := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.record(r)
	}))
	t.Cleanup(away.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(away.URL, "http://"))
	elsewhere := "http://localhost:" + port + "/landed" // another host name, the same listener

	var own headerLog
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, elsewhere, http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			own.record(r)
		}
	}))
	t.Cleanup(home.Close)

	// An https service redirected to plain http on the same host name.
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, home.URL+"/landed", http.StatusFound)
	}))
	t.Cleanup(secure.Close)

	for _, p := range httpPaths {
		for _, tt := range []struct {
			base, path string
			log        *headerLog
			wantKeys   bool
		}{
			{home.URL, "/away", &other, false},
			{home.URL, "/here", &own, true},
			{secure.URL, "/downgrade", &own, false},
		} {
			t.Run(p.name+tt.path, func(t *testing.T) {
				own.mu.Lock()
				own.seen = nil
				own.mu.Unlock()
				svc := httpService(tt.base + tt.path + "?token=s3cr3t-token")
				httpOptions(&svc).Insecure = true // the TLS server's test certificate
				httpOptions(&svc).Headers = []config.Header{
					{Name: "X-API-Key", Value: "s3cr3t-key"},
					{Name: "Authorization", Value: "Bearer s3cr3t-bearer"},
				}
				res := httpRun(t, svc, httpOn(p.transportOnly, nil))
				if !res.OK {
					t.Fatalf("Check(%s) = %q, want up", tt.path, res.Reason)
				}
				got, ok := tt.log.get("/landed")
				if !ok {
					t.Fatalf("Check(%s): the redirect's target saw no request", tt.path)
				}
				if ref := got.Get("Referer"); ref != "" {
					t.Errorf("Check(%s): Referer = %q, want none", tt.path, ref)
				}
				for _, name := range []string{"X-Api-Key", "Authorization"} {
					if has := got.Get(name) != ""; has != tt.wantKeys {
						t.Errorf("Check(%s): %s sent to the redirect's target = %v, want %v", tt.path, name, has, tt.wantKeys)
					}
				}
				if ua := got.Get("User-Agent"); ua != "uptty" {
					t.Errorf("Check(%s): User-Agent = %q, want uptty", tt.path, ua)
				}
			})
		}
	}
}
