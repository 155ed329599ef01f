package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/uptty/uptty/monitor"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// fakeAcker keeps acks of the outages the monitor shows going on, as the engine does.
type fakeAcker struct {
	mon  *monitor.Monitor
	mu   sync.Mutex
	acks map[string]track.Ack
}

func (k *fakeAcker) Ack(_ context.Context, name string, a track.Ack) (track.Ack, error) {
	st := k.mon.Snapshot()[name]
	o, open := st.OpenOutage()
	if !open {
		return track.Ack{}, notify.ErrNoOutage
	}
	a.Start = o.Start
	k.mu.Lock()
	defer k.mu.Unlock()
	k.acks[name] = a
	return a, nil
}

func (k *fakeAcker) Unack(_ context.Context, name string) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.acks[name]
	delete(k.acks, name)
	return ok, nil
}

func (k *fakeAcker) Acked(name string) (track.Ack, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	a, ok := k.acks[name]
	return a, ok
}

// statusAcks reads the status and returns each service's outage ack as "by: note", "" when
// it has none (null).
func statusAcks(t *testing.T, f *fixture, token string) map[string]string {
	t.Helper()
	code, body := f.do(t, "GET", "/api/v1/status", token)
	if code != http.StatusOK {
		t.Fatalf("GET status = %d %s", code, body)
	}
	var doc struct {
		Services []struct {
			Name   string
			Outage *struct {
				Ack *struct{ By, At, Note string } `json:"ack"`
			} `json:"outage"`
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range doc.Services {
		if s.Outage != nil && s.Outage.Ack != nil {
			if s.Outage.Ack.At == "" {
				t.Errorf("%s's ack has no time: %s", s.Name, body)
			}
			out[s.Name] = s.Outage.Ack.By + ": " + s.Outage.Ack.Note
		}
	}
	if strings.Count(body, `"outage":{`) != strings.Count(body, `"ack":`) {
		t.Errorf("an outage without its ack field (null or an ack): %s", body)
	}
	return out
}

// TestAckAPI: POST /api/v1/services/{name}/ack acknowledges a DOWN service's outage (409 for
// one that has none), the status and a fresh snapshot on the event stream carry it, DELETE
// removes it; the token is needed as for every endpoint, and bad requests say why.
func TestAckAPI(t *testing.T) {
	up, down := newTarget(t), newTarget(t)
	down.down.Store(true)
	const token = "s3cret-token"
	var acker *fakeAcker
	f := start(t, twoServices(up.URL, down.URL), func(o *Options) {
		acker = &fakeAcker{mon: o.Monitor, acks: map[string]track.Ack{}}
		o.Acks, o.Token = acker, token
	})
	s := f.openStream(t, token)
	s.next("Broken down", func(ev event) bool {
		return serviceIs("Broken", "down")(ev) || snapshotWith("down", "Broken")(ev)
	})
	for _, tc := range []struct {
		method, path, token, body string
		code                      int
		want                      string
	}{
		{"POST", "/api/v1/services/Broken/ack", "", `{}`, http.StatusUnauthorized, "unauthorized"},
		{"POST", "/api/v1/services/Nope/ack", token, `{}`, http.StatusNotFound, `no service named \"Nope\"`},
		{"POST", "/api/v1/services/Broken/ack", token, `{"notes": 1}`, http.StatusBadRequest, "body: want"},
		{"POST", "/api/v1/services/Checkout%20API/ack", token, `{"note": "x"}`, http.StatusConflict, "no outage going on"},
	} {
		if code, body := f.doBody(t, tc.method, tc.path, tc.token, tc.body); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s = %d %s, want %d and %q", tc.method, tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	code, body := f.doBody(t, "POST", "/api/v1/services/Broken/ack", token, `{"note": "failing over", "by": "alice"}`)
	if code != http.StatusOK || !strings.Contains(body, `"ack":{"by":"alice","at":"`) || !strings.Contains(body, `"note":"failing over"`) {
		t.Fatalf("POST ack = %d %s, want alice's ack", code, body)
	}
	s.next("a snapshot with the ack", func(ev event) bool {
		return ev.Name == "snapshot" && strings.Contains(ev.Data, `"ack":{"by":"alice"`)
	})
	if got := statusAcks(t, f, token); len(got) != 1 || got["Broken"] != "alice: failing over" {
		t.Errorf("status acks = %v, want Broken's by alice", got)
	}
	// Without a body, and without by: the API's own name.
	if code, body := f.doBody(t, "POST", "/api/v1/services/Broken/ack", token, ""); code != http.StatusOK || !strings.Contains(body, `"by":"api"`) {
		t.Errorf("POST ack without a body = %d %s, want an ack by api", code, body)
	}
	if code, body := f.doBody(t, "DELETE", "/api/v1/services/Broken/ack", token, ""); code != http.StatusOK || !strings.Contains(body, `"removed":true`) {
		t.Errorf("DELETE ack = %d %s, want removed", code, body)
	}
	if got := statusAcks(t, f, token); len(got) != 0 {
		t.Errorf("status acks after DELETE = %v, want none", got)
	}
	if code, body := f.doBody(t, "DELETE", "/api/v1/services/Broken/ack", token, ""); code != http.StatusOK || !strings.Contains(body, `"removed":false`) {
		t.Errorf("DELETE ack again = %d %s, want removed false", code, body)
	}
	if !strings.Contains(f.logs.String(), "acknowledged") {
		t.Errorf("log does not say the ack:\n%s", f.logs.String())
	}
}
