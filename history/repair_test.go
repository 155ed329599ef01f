package history

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// TestCloseSuperseded: a file from an uptty that left an outage open beside its successor (a
// service removed and brought back by reloads during an outage) reads right once opened: the
// older outage ends where the next began, only the newest can be open, its ack is the one
// restored, and other services' outages are left as they were.
func TestCloseSuperseded(t *testing.T) {
	clk := newClock(t0.Add(4 * time.Hour))
	s, path := openTest(t, Options{Now: clk.Now})
	started := func(service string, at time.Duration) {
		s.RecordEvent(service, "", track.Event{Kind: track.OutageStarted, At: t0.Add(at), Outage: track.Outage{Start: t0.Add(at), Cause: "refused"}})
	}
	started("db", 0) // left open by the old bug
	started("db", time.Hour)
	s.RecordEvent("db", "", track.Event{Kind: track.OutageEnded, At: t0.Add(2 * time.Hour),
		Outage: track.Outage{Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour), Cause: "refused"}})
	started("db", 3*time.Hour) // going on
	started("web", 30*time.Minute)
	flush(t, s)
	ctx := context.Background()
	for _, at := range []time.Duration{0, 3 * time.Hour} {
		if err := s.SetAck(ctx, "db", track.Ack{Start: t0.Add(at), By: fmt.Sprint("ack of ", at), At: t0.Add(at + time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	r, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, err := r.Incidents(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range list {
		end := "open"
		if in.End != nil {
			end = in.End.Sub(t0).String()
		}
		got = append(got, fmt.Sprintf("%s %v-%s", in.Service, in.Start.Sub(t0), end))
	}
	want := "db 3h0m0s-open\ndb 1h0m0s-2h0m0s\nweb 30m0s-open\ndb 0s-1h0m0s"
	if strings.Join(got, "\n") != want {
		t.Errorf("incidents after the repair:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	acks, err := r.OpenAcks()
	if err != nil {
		t.Fatal(err)
	}
	if a := acks["db"]; !a.Start.Equal(t0.Add(3 * time.Hour)) {
		t.Errorf("db's open ack after the repair = %+v, want the one of the outage going on", a)
	}
}
