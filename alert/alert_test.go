package alert

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var (
	seoul  = time.FixedZone("KST", 9*3600)
	tStart = time.Date(2026, 12, 1, 21, 47, 2, 0, seoul)
	tEnd   = time.Date(2026, 12, 2, 0, 8, 11, 0, seoul)
)

// downAlert is a DOWN alert for service, as the monitor would build it.
func downAlert(service string) Alert {
	return Alert{
		ID: NewID(service, EventDown, tStart), Event: EventDown, Service: service, Group: "payments",
		State: "DOWN", Reason: "status 503, want 200-399", Start: tStart,
		Duration: 30 * time.Second, At: tStart.Add(30 * time.Second),
	}
}

// upAlert is the recovery that ends downAlert(service).
func upAlert(service string) Alert {
	end := tEnd
	return Alert{
		ID: NewID(service, EventUp, tStart), Event: EventUp, Service: service, Group: "payments",
		State: "UP", Reason: "status 503, want 200-399", Start: tStart, End: &end,
		Duration: tEnd.Sub(tStart), At: tEnd,
	}
}

// shortUp is a recovery measured at 2.3s whose times, written to the second, are 3s apart:
// the alert must say 3s, as `uptty incidents` and the API say of the same outage.
func shortUp() Alert {
	start := tStart.Add(800 * time.Millisecond)
	end := start.Add(2300 * time.Millisecond)
	return Alert{
		ID: NewID("Login", EventUp, start), Event: EventUp, Service: "Login",
		State: "UP", Reason: "connection refused", Start: start, End: &end,
		Duration: end.Sub(start), At: end,
	}
}

func TestNewID(t *testing.T) {
	id := NewID("Checkout API", EventDown, tStart)
	if len(id) != 24 {
		t.Errorf("len(NewID) = %d, want 24", len(id))
	}
	// The same outage read back from a store in another zone, without its nanoseconds.
	again := NewID("Checkout API", EventDown, time.Unix(tStart.Unix(), 0).UTC())
	if again != id {
		t.Errorf("NewID after a round trip = %s, want %s", again, id)
	}
	for _, other := range []string{
		NewID("Checkout API", EventUp, tStart),
		NewID("Checkout API ", EventDown, tStart),
		NewID("Checkout API", EventDown, tStart.Add(time.Second)),
		RepeatID(id, 1),
	} {
		if other == id {
			t.Errorf("NewID collides for a different alert: %s", other)
		}
	}
}

func TestSummary(t *testing.T) {
	long := upAlert("DB")
	long.Start = tStart.Add(-48 * time.Hour)
	long.Duration = tEnd.Sub(long.Start)
	deps := downAlert("Core router")
	deps.Dependents = []string{"a", "b", "c", "d", "e", "f", "g"}
	deg := downAlert("Shop")
	deg.Event, deg.State, deg.Reason = EventDegraded, "DEGRADED", "certificate expires in 5d"
	hostile := downAlert("Evil\x1b]0;pwned\aAPI")
	hostile.Reason = "bad\u009b31mred\x9c\x07"
	maint := downAlert("X")
	maint.Maintenance = true
	for _, tc := range []struct {
		name string
		a    Alert
		loc  *time.Location
		want string
	}{
		{"down", downAlert("Checkout API"), nil, "Checkout API is DOWN since 21:47:02: status 503, want 200-399"},
		{"up", upAlert("Checkout API"), nil, "Checkout API is UP after 2h21m (down 21:47:02 → 00:08:11)"},
		{"up in UTC", upAlert("Checkout API"), time.UTC, "Checkout API is UP after 2h21m (down 12:47:02 → 15:08:11)"},
		{"up within seconds", shortUp(), nil, "Login is UP after 3s (down 21:47:02 → 21:47:05)"},
		{"over a day", long, nil, "DB is UP after 2d02h (down Nov 29 21:47:02 → Dec 2 00:08:11)"},
		{"degraded", deg, nil, "Shop is DEGRADED since 21:47:02: certificate expires in 5d"},
		{"dependents", deps, nil, "Core router is DOWN since 21:47:02: status 503, want 200-399 (affects a, b, c, d, e, +2 more)"},
		{"maintenance", maint, nil, "X is DOWN since 21:47:02: status 503, want 200-399 [maintenance]"},
		{"hostile", hostile, nil, "EvilAPI is DOWN since 21:47:02: badred\uFFFD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Summary(tc.loc); got != tc.want {
				t.Errorf("Summary() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMarshalJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Alert
		want string
	}{
		{"down", downAlert("Checkout API"), `{"id":"` + NewID("Checkout API", EventDown, tStart) +
			`","event":"down","service":"Checkout API","group":"payments","state":"DOWN",` +
			`"reason":"status 503, want 200-399","start":"2026-12-01T21:47:02+09:00","end":null,` +
			`"duration_s":30,"at":"2026-12-01T21:47:32+09:00"}`},
		{"up", upAlert("Checkout API"), `{"id":"` + NewID("Checkout API", EventUp, tStart) +
			`","event":"up","service":"Checkout API","group":"payments","state":"UP",` +
			`"reason":"status 503, want 200-399","start":"2026-12-01T21:47:02+09:00",` +
			`"end":"2026-12-02T00:08:11+09:00","duration_s":8469,"at":"2026-12-02T00:08:11+09:00"}`},
		{"up within seconds", shortUp(), `{"id":"` + shortUp().ID +
			`","event":"up","service":"Login","group":"","state":"UP",` +
			`"reason":"connection refused","start":"2026-12-01T21:47:02+09:00",` +
			`"end":"2026-12-01T21:47:05+09:00","duration_s":3,"at":"2026-12-01T21:47:05+09:00"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.a)
			if err != nil || string(got) != tc.want {
				t.Errorf("json.Marshal = %s, %v, want %s", got, err, tc.want)
			}
		})
	}
	extra := downAlert("A")
	extra.Link, extra.Dependents, extra.Maintenance = "https://x.test/a", []string{"B"}, true
	got, _ := json.Marshal(extra)
	if !strings.HasSuffix(string(got), `,"link":"https://x.test/a","dependents":["B"],"maintenance":true}`) {
		t.Errorf("json.Marshal with extras = %s, want link, dependents and maintenance at the end", got)
	}
}
