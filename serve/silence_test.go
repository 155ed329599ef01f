package serve

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
)

// doBody is do with a JSON body.
func (f *fixture) doBody(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// quietOptions wires a Quiet to the fixture's history as serve_cmd does, with Broken in a
// maintenance window.
func quietOptions(token string) func(*Options) {
	return func(o *Options) {
		now := time.Now()
		o.Quiet = notify.NewQuiet(o.Services, []config.Maintenance{{Name: "m", Services: []string{"Broken"},
			Start: now.Add(-time.Hour), End: now.Add(time.Hour)}})
		h, q := o.History, o.Quiet
		o.Refresh = func() {
			list, _ := h.Silences(time.Now())
			var out []notify.Silence
			for _, x := range list {
				out = append(out, notify.Silence{Group: x.Kind == history.SilenceGroup, Name: x.Name, Until: x.Until, Reason: x.Reason})
			}
			q.SetSilences(out)
		}
		o.Token = token
	}
}

// statusMarks reads the status and returns each service's silenced_until (or "") and
// maintenance.
func statusMarks(t *testing.T, f *fixture, token string) map[string]string {
	t.Helper()
	code, body := f.do(t, "GET", "/api/v1/status", token)
	if code != http.StatusOK {
		t.Fatalf("GET status = %d %s", code, body)
	}
	var doc struct {
		Services []struct {
			Name          string
			Maintenance   *bool   `json:"maintenance"`
			SilencedUntil *string `json:"silenced_until"`
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range doc.Services {
		v := ""
		if s.SilencedUntil != nil {
			v = "silenced"
		}
		if s.Maintenance != nil && *s.Maintenance {
			v += "maint"
		}
		out[s.Name] = v
	}
	return out
}

// TestSilenceAPI: POST and DELETE /api/v1/services/{name}/silence set and end a silence (of
// the service or its group) that the status then shows, with the same auth as every endpoint;
// bad requests are refused with why.
func TestSilenceAPI(t *testing.T) {
	up, down := newTarget(t), newTarget(t)
	const token = "s3cret-token"
	f := start(t, twoServices(up.URL, down.URL), quietOptions(token))
	if got := statusMarks(t, f, token); got["Checkout API"] != "" || got["Broken"] != "maint" {
		t.Errorf("marks before = %v, want Broken in maintenance only", got)
	}
	before := time.Now()
	code, body := f.doBody(t, "POST", "/api/v1/services/Checkout%20API/silence", token, `{"for": "2h", "reason": "deploy"}`)
	var doc struct{ Service, Kind, Name, Until, Reason string }
	if err := json.Unmarshal([]byte(body), &doc); code != http.StatusOK || err != nil {
		t.Fatalf("POST silence = %d %s", code, body)
	}
	until, err := time.Parse(time.RFC3339, doc.Until)
	if err != nil || doc.Kind != "service" || doc.Name != "Checkout API" || doc.Reason != "deploy" ||
		until.Before(before.Add(2*time.Hour-time.Second)) || until.After(time.Now().Add(2*time.Hour)) {
		t.Errorf("POST silence = %s, want Checkout API for 2h", body)
	}
	if got := statusMarks(t, f, token); got["Checkout API"] != "silenced" {
		t.Errorf("marks after silence = %v, want Checkout API silenced", got)
	}
	if code, body := f.doBody(t, "DELETE", "/api/v1/services/Checkout%20API/silence", token, ""); code != http.StatusOK || !strings.Contains(body, `"removed":1`) {
		t.Errorf("DELETE silence = %d %s, want 200 and one removed", code, body)
	}
	if got := statusMarks(t, f, token); got["Checkout API"] != "" {
		t.Errorf("marks after unsilence = %v, want Checkout API not silenced", got)
	}
	if code, body := f.doBody(t, "POST", "/api/v1/services/Checkout%20API/silence", token, `{"for": "30m", "group": true}`); code != http.StatusOK || !strings.Contains(body, `"name":"payments"`) {
		t.Errorf("POST group silence = %d %s, want payments silenced", code, body)
	}
	if got := statusMarks(t, f, token); got["Checkout API"] != "silenced" {
		t.Errorf("marks after group silence = %v, want Checkout API silenced", got)
	}
	if code, body := f.doBody(t, "DELETE", "/api/v1/services/Checkout%20API/silence?group=true", token, ""); code != http.StatusOK || !strings.Contains(body, `"removed":1`) {
		t.Errorf("DELETE group silence = %d %s", code, body)
	}
	// A reason is kept and answered as it will be shown: without its control sequences.
	code, body = f.doBody(t, "POST", "/api/v1/services/Checkout%20API/silence", token, `{"for": "1h", "reason": "\u001b]0;pwned\u0007deploy\u001b[2J"}`)
	if code != http.StatusOK || strings.Contains(body, `\u001b`) || strings.Contains(body, `\u0007`) || !strings.Contains(body, "deploy") {
		t.Errorf("POST silence with escapes in its reason = %d %s, want 200 and the reason cleaned", code, body)
	}
	if code, body := f.doBody(t, "DELETE", "/api/v1/services/Checkout%20API/silence", token, ""); code != http.StatusOK || !strings.Contains(body, `"removed":1`) {
		t.Errorf("DELETE silence = %d %s, want 200 and one removed", code, body)
	}

	for _, tc := range []struct {
		method, path, token, body string
		code                      int
		says                      string
	}{
		{"POST", "/api/v1/services/Checkout%20API/silence", "", `{"for": "2h"}`, http.StatusUnauthorized, "unauthorized"},
		{"DELETE", "/api/v1/services/Checkout%20API/silence", "wrong", ``, http.StatusUnauthorized, "unauthorized"},
		{"POST", "/api/v1/services/Nope/silence", token, `{"for": "2h"}`, http.StatusNotFound, "no service named"},
		{"POST", "/api/v1/services/Checkout%20API/silence", token, `{"for": "soon"}`, http.StatusBadRequest, `for \"soon\"`},
		{"POST", "/api/v1/services/Checkout%20API/silence", token, `{"for": "-1h"}`, http.StatusBadRequest, "want a duration"},
		{"POST", "/api/v1/services/Checkout%20API/silence", token, `{"for": "2h", "until": "x"}`, http.StatusBadRequest, "unknown field"},
		{"POST", "/api/v1/services/Checkout%20API/silence", token, `not json`, http.StatusBadRequest, "body: want"},
		{"POST", "/api/v1/services/Broken/silence", token, `{"for": "2h", "group": true}`, http.StatusBadRequest, "has no group"},
		{"GET", "/api/v1/services/Broken/silence", token, ``, http.StatusMethodNotAllowed, ""},
	} {
		code, body := f.doBody(t, tc.method, tc.path, tc.token, tc.body)
		if code != tc.code || !strings.Contains(body, tc.says) {
			t.Errorf("%s %s %s = %d %s, want %d saying %q", tc.method, tc.path, tc.body, code, body, tc.code, tc.says)
		}
	}
	if got := statusMarks(t, f, token); got["Checkout API"] != "" {
		t.Errorf("marks after refused requests = %v, want none", got)
	}
}

// TestSilenceStream: a silence set through the API reaches the event stream as a fresh
// snapshot that carries it.
func TestSilenceStream(t *testing.T) {
	up, down := newTarget(t), newTarget(t)
	f := start(t, twoServices(up.URL, down.URL), quietOptions(""))
	s := f.openStream(t, "")
	if first := s.next("the first snapshot", func(event) bool { return true }); first.Name != "snapshot" {
		t.Fatalf("first event = %q, want snapshot", first.Name)
	}
	if code, body := f.doBody(t, "POST", "/api/v1/services/Checkout%20API/silence", "", `{"for": "1h"}`); code != http.StatusOK {
		t.Fatalf("POST silence = %d %s", code, body)
	}
	s.next("a snapshot with the silence", func(ev event) bool {
		return ev.Name == "snapshot" && strings.Contains(ev.Data, `"name":"Checkout API"`) && strings.Contains(ev.Data, `"silenced_until":`)
	})
}
