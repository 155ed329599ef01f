package alert

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// request is what a receiver got.
type request struct {
	header http.Header
	body   []byte
}

// receiver starts a loopback server that records each request on the returned channel and
// answers with handle (nil: 200).
func receiver(t *testing.T, handle http.HandlerFunc) (*httptest.Server, <-chan request) {
	t.Helper()
	got := make(chan request, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- request{r.Header.Clone(), b}
		if handle != nil {
			handle(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// hanging returns a handler that answers only when the client goes away or the test ends.
func hanging(t *testing.T) http.HandlerFunc {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

func TestWebhookFormats(t *testing.T) {
	a := downAlert("Checkout API")
	a.Reason = "status 503 <b>&</b> @everyone"
	line := "Checkout API is DOWN since 21:47:02: status 503 <b>&</b> @everyone"
	for _, tc := range []struct {
		format Format
		ctype  string
		check  func(t *testing.T, body []byte, h http.Header)
	}{
		{FormatGeneric, "application/json", func(t *testing.T, body []byte, _ http.Header) {
			want, _ := json.Marshal(a)
			if string(body) != string(want) {
				t.Errorf("body = %s, want %s", body, want)
			}
		}},
		{FormatSlack, "application/json", func(t *testing.T, body []byte, _ http.Header) {
			var m struct{ Text string }
			_ = json.Unmarshal(body, &m)
			if want := "Checkout API is DOWN since 21:47:02: status 503 &lt;b&gt;&amp;&lt;/b&gt; @everyone"; m.Text != want {
				t.Errorf("text = %q, want %q", m.Text, want)
			}
		}},
		{FormatDiscord, "application/json", func(t *testing.T, body []byte, _ http.Header) {
			var m struct {
				Content         string
				AllowedMentions struct{ Parse []string } `json:"allowed_mentions"`
			}
			_ = json.Unmarshal(body, &m)
			if m.Content != line || m.AllowedMentions.Parse == nil || len(m.AllowedMentions.Parse) != 0 {
				t.Errorf("body = %s, want content %q and no mentions", body, line)
			}
		}},
		{FormatTeams, "application/json", func(t *testing.T, body []byte, _ http.Header) {
			var m struct {
				Type        string
				Attachments []struct {
					ContentType string
					Content     struct {
						Type string
						Body []struct{ Text string }
					}
				}
			}
			_ = json.Unmarshal(body, &m)
			if m.Type != "message" || len(m.Attachments) != 1 ||
				m.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" ||
				m.Attachments[0].Content.Type != "AdaptiveCard" || m.Attachments[0].Content.Body[0].Text != line {
				t.Errorf("body = %s, want a message with one Adaptive Card saying %q", body, line)
			}
		}},
		{FormatNtfy, "text/plain; charset=utf-8", func(t *testing.T, body []byte, h http.Header) {
			if string(body) != line || h.Get("Title") != "Checkout API is DOWN" || h.Get("Priority") != "high" {
				t.Errorf("body %q, title %q, priority %q: want %q, the service's state, high",
					body, h.Get("Title"), h.Get("Priority"), line)
			}
		}},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			srv, got := receiver(t, nil)
			w := &Webhook{ID: "hook", URL: srv.URL, Format: tc.format, Headers: map[string]string{"X-Token": "s3cret"}}
			if err := w.Send(context.Background(), a); err != nil {
				t.Fatalf("Send = %v, want nil", err)
			}
			r := <-got
			if r.header.Get("Content-Type") != tc.ctype || r.header.Get("X-Token") != "s3cret" {
				t.Errorf("headers %v: want Content-Type %q and X-Token", r.header, tc.ctype)
			}
			tc.check(t, r.body, r.header)
		})
	}
}

func TestWebhookFaults(t *testing.T) {
	a := downAlert("Checkout API")
	var redirects atomic.Int32
	for _, tc := range []struct {
		name    string
		handle  func(t *testing.T) http.HandlerFunc
		timeout time.Duration
		want    string // "" is success
		within  time.Duration
	}{
		{"500", func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }
		}, 10 * time.Second, "webhook: status 500", 15 * time.Second},
		// What the receiver says of its refusal is the only clue to a wrong channel or a
		// revoked hook; its echo of the URL's token is not repeated.
		{"400 saying why", func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(400)
				w.Write([]byte("invalid_token for /T0KEN-s3cret-path\x1b[2J\nsecond line"))
			}
		}, 10 * time.Second, "webhook: status 400: invalid_token for •••", 15 * time.Second},
		{"403 json", func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(403)
				w.Write([]byte(`{"message": "Invalid Webhook Token", "code": 50027}`))
			}
		}, 10 * time.Second, `webhook: status 403: {"message": "Invalid Webhook Token", "code": 50027}`, 15 * time.Second},
		{"500 gzip", func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(500)
				w.Write([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\xca\x48\xcd"))
			}
		}, 10 * time.Second, "webhook: status 500", 15 * time.Second},
		{"502 html", func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(502)
				w.Write([]byte("<html>\r\n<head><title>502 Bad Gateway</title></head>"))
			}
		}, 10 * time.Second, "webhook: status 502", 15 * time.Second},
		{"202", func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(202) }
		}, 10 * time.Second, "", 15 * time.Second},
		{"hang", hanging, 300 * time.Millisecond, "webhook: timeout after 300ms", 5 * time.Second},
		{"slow", func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				<-time.After(200 * time.Millisecond) // the receiver's own pace, not a wait in the test
				w.WriteHeader(200)
			}
		}, 5 * time.Second, "", 5 * time.Second},
		{"redirect forever", func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				redirects.Add(1)
				http.Redirect(w, r, r.URL.Path, http.StatusFound)
			}
		}, 10 * time.Second, "webhook: redirect (status 302) not followed", 15 * time.Second},
		{"10 MB and more", func(t *testing.T) http.HandlerFunc {
			hang := hanging(t)
			return func(w http.ResponseWriter, r *http.Request) {
				chunk := make([]byte, 1<<20)
				for range 10 {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
				w.(http.Flusher).Flush()
				hang(w, r) // and never end the body
			}
		}, 30 * time.Second, "", 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := receiver(t, tc.handle(t))
			w := &Webhook{ID: "hook", URL: srv.URL + "/T0KEN-s3cret-path", Timeout: tc.timeout}
			start := time.Now()
			err := w.Send(context.Background(), a)
			took := time.Since(start)
			if msg := errText(err); msg != tc.want {
				t.Errorf("Send = %q, want %q", msg, tc.want)
			}
			if took > tc.within {
				t.Errorf("Send took %v, want under %v", took, tc.within)
			}
			if len(got) != 1 {
				t.Errorf("receiver got %d requests, want 1", len(got))
			}
		})
	}
	if n := redirects.Load(); n != 1 {
		t.Errorf("redirect handler ran %d times, want 1", n)
	}
}

func TestWebhookUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/hooks/T0KEN"
	l.Close()
	w := &Webhook{ID: "hook", URL: url}
	err = w.Send(context.Background(), downAlert("A"))
	if msg := errText(err); msg != "webhook: connection refused" {
		t.Errorf("Send to a closed port = %q, want %q", msg, "webhook: connection refused")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if msg := errText(w.Send(ctx, downAlert("A"))); msg != "webhook: canceled" {
		t.Errorf("Send with a cancelled context = %q, want %q", msg, "webhook: canceled")
	}
	bad := &Webhook{ID: "hook", URL: "http://a b/T0KEN"}
	if msg := errText(bad.Send(context.Background(), downAlert("A"))); msg != "webhook: bad URL" {
		t.Errorf("Send to a bad URL = %q, want %q", msg, "webhook: bad URL")
	}
}

// errText is err's text, "" for nil; it fails on a reason that leaks the URL's token or
// spans lines.
func errText(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if strings.Contains(msg, "T0KEN") || strings.ContainsAny(msg, "\r\n") {
		panic(errors.New("reason leaks the URL or spans lines: " + msg))
	}
	return msg
}

// TestWebhookLocation: the generic body says where uptty runs (the config's location:), as the
// Alertmanager sender's label does, and leaves the key out when no location is set.
func TestWebhookLocation(t *testing.T) {
	for _, loc := range []string{"eu-west", ""} {
		srv, got := receiver(t, nil)
		w := &Webhook{ID: "hook", URL: srv.URL, Location: loc}
		if err := w.Send(context.Background(), downAlert("Checkout API")); err != nil {
			t.Fatalf("Send = %v, want nil", err)
		}
		var m map[string]any
		if err := json.Unmarshal((<-got).body, &m); err != nil {
			t.Fatal(err)
		}
		v, ok := m["location"]
		if loc == "" && ok || loc != "" && v != loc {
			t.Errorf("Location %q: body's location = %v (present %v), want %q, absent when empty", loc, v, ok, loc)
		}
		if m["service"] != "Checkout API" || m["event"] != "down" {
			t.Errorf("body = %v, want the contract's keys as before", m)
		}
	}
}

// TestWebhookChatLocation: a chat message says where uptty runs when the config sets location:,
// so that the alerts of two places about one outage read apart.
func TestWebhookChatLocation(t *testing.T) {
	a := downAlert("Checkout API")
	want := "[eu-west] Checkout API is DOWN since 21:47:02: " + a.Reason
	for _, f := range []Format{FormatSlack, FormatDiscord, FormatNtfy} {
		srv, got := receiver(t, nil)
		w := &Webhook{ID: "hook", URL: srv.URL, Format: f, Location: "eu-west"}
		if err := w.Send(context.Background(), a); err != nil {
			t.Fatalf("Send = %v, want nil", err)
		}
		if r := <-got; !strings.Contains(string(r.body), want) {
			t.Errorf("%s body = %s, want it to say %q", f, r.body, want)
		}
	}
}
