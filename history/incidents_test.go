package history

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

func TestIncidents(t *testing.T) {
	s, _ := openTest(t, Options{Now: newClock(t0.Add(4 * time.Hour)).Now})
	event := func(service, group string, kind track.EventKind, start, end time.Duration, cause string) {
		o := track.Outage{Start: t0.Add(start), Cause: cause}
		at := start
		if end > 0 {
			o.End, at = t0.Add(end), end
		}
		s.RecordEvent(service, group, track.Event{Kind: kind, At: t0.Add(at), Outage: o})
	}
	event("c", "", track.OutageStarted, 10*time.Minute, 0, "refused")
	event("c", "", track.OutageEnded, 10*time.Minute, 20*time.Minute, "refused")
	event("b", "web", track.OutageEnded, 50*time.Minute, 55*time.Minute, "began before history")
	event("a", "payments", track.OutageStarted, time.Hour, 0, "status 503, want 200-399")
	event("a", "payments", track.OutageEnded, time.Hour, 70*time.Minute, "status 503, want 200-399")
	event("b", "web", track.OutageStarted, 2*time.Hour, 0, "timeout after 3s")
	event("b", "web", track.OutageStarted, 2*time.Hour, 0, "timeout after 3s") // twice: kept once
	event("b", "web", track.OutageEnded, 2*time.Hour, 150*time.Minute, "timeout after 3s")
	event("a", "payments", track.OutageStarted, 3*time.Hour, 0, "connection refused")
	flush(t, s)

	tests := []struct {
		since   time.Duration // from t0; -1 for the zero time
		service string
		want    []string
	}{
		{-1, "", []string{"a payments 3h0m0s-open 1h0m0s", "b web 2h0m0s-2h30m0s 30m0s", "a payments 1h0m0s-1h10m0s 10m0s",
			"b web 50m0s-55m0s 5m0s", "c  10m0s-20m0s 10m0s"}},
		{65 * time.Minute, "", []string{"a payments 3h0m0s-open 1h0m0s", "b web 2h0m0s-2h30m0s 30m0s", "a payments 1h0m0s-1h10m0s 10m0s"}},
		{4 * time.Hour, "", []string{"a payments 3h0m0s-open 1h0m0s"}},
		{-1, "b", []string{"b web 2h0m0s-2h30m0s 30m0s", "b web 50m0s-55m0s 5m0s"}},
		{-1, "nobody", nil},
	}
	for _, tt := range tests {
		since := time.Time{}
		if tt.since >= 0 {
			since = t0.Add(tt.since)
		}
		list, err := s.Incidents(since, tt.service)
		if err != nil {
			t.Fatalf("Incidents(%v, %q) = %v", tt.since, tt.service, err)
		}
		var got []string
		for _, in := range list {
			end := "open"
			if in.End != nil {
				end = in.End.Sub(t0).String()
			}
			got = append(got, fmt.Sprintf("%s %s %v-%s %v", in.Service, in.Group, in.Start.Sub(t0), end, in.Duration))
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("Incidents(%v, %q) =\n%s\nwant\n%s", tt.since, tt.service, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestIncidentJSON(t *testing.T) {
	start := time.Date(2026, 5, 5, 21, 47, 2, 900e6, time.FixedZone("KST", 9*3600))
	end := start.Add(2*time.Hour + 21*time.Minute + 8*time.Second + 300*time.Millisecond) // 00:08:11.2
	tests := []struct {
		name string
		in   Incident
		want string
	}{
		{"ended", Incident{Service: "Checkout API", Group: "payments", Start: start, End: &end, Duration: end.Sub(start),
			Cause: "status 503, want 200-399"},
			`{"service":"Checkout API","group":"payments","start":"2026-05-05T21:47:02+09:00",` +
				`"end":"2026-05-06T00:08:11+09:00","duration_s":8469,"cause":"status 503, want 200-399","ack":null}`},
		{"open", Incident{Service: "db", Start: start, Duration: 90 * time.Second, Cause: "refused"},
			`{"service":"db","group":"","start":"2026-05-05T21:47:02+09:00","end":null,"duration_s":90,"cause":"refused","ack":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got, want any
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			json.Unmarshal(b, &got)
			json.Unmarshal([]byte(tt.want), &want)
			// Times are written in the local zone: compare them as instants.
			g, w := got.(map[string]any), want.(map[string]any)
			for _, k := range []string{"start", "end"} {
				if g[k] == nil || w[k] == nil {
					continue
				}
				gt, err1 := time.Parse(time.RFC3339, g[k].(string))
				wt, err2 := time.Parse(time.RFC3339, w[k].(string))
				if err1 != nil || err2 != nil || !gt.Equal(wt) {
					t.Errorf("json %s = %v, want %v", k, g[k], w[k])
				}
				g[k], w[k] = "", ""
			}
			if fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("json.Marshal(%s) = %s, want %s", tt.name, b, tt.want)
			}
		})
	}
}

func TestRecentIncidents(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "h.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Now().Add(-time.Hour)
	for k := range 30 {
		start := t0.Add(time.Duration(k) * time.Minute)
		o := track.Outage{Start: start, End: start.Add(20 * time.Second), Cause: fmt.Sprint("flap ", k)}
		s.RecordEvent("API", "core", track.Event{Kind: track.OutageStarted, At: start, Outage: track.Outage{Start: start, Cause: o.Cause}})
		s.RecordEvent("API", "core", track.Event{Kind: track.OutageEnded, At: o.End, Outage: o})
	}
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		limit, wantLen, wantTotal int
		wantFirst                 string
	}{
		{limit: 20, wantLen: 20, wantTotal: 30, wantFirst: "flap 29"},
		{limit: 50, wantLen: 30, wantTotal: 30, wantFirst: "flap 29"},
	}
	for _, tt := range tests {
		list, total, err := s.RecentIncidents(time.Time{}, "API", tt.limit)
		if err != nil || len(list) != tt.wantLen || total != tt.wantTotal || list[0].Cause != tt.wantFirst {
			t.Errorf("RecentIncidents(limit %d) = %d listed, %d in all, first %q, %v; want %d, %d, %q",
				tt.limit, len(list), total, list[0].Cause, err, tt.wantLen, tt.wantTotal, tt.wantFirst)
		}
	}
}
