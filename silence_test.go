package main

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
)

// TestSilencePoller: a silence written to the history by someone else is heeded at the next
// poll, and not before; one that ends is dropped at the poll after its end. Under synctest's
// clock, so no test waits two real seconds.
func TestSilencePoller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist, err := history.OpenLive("", 0, []history.Service{{Name: "api"}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer hist.Close()
		q := notify.NewQuiet([]config.Service{{Name: "api"}}, nil)
		p := newSilencePoller(hist, q)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.run(ctx, silencePollEvery)
		}()
		defer func() { cancel(); <-done }()

		start := time.Now()
		if err := hist.Store.SetSilence(ctx, history.Silence{Kind: history.SilenceService, Name: "api", Until: start.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if m := q.Mark("api", time.Now()); m.Quiet() {
			t.Errorf("Mark before a poll = %+v, want none", m)
		}
		time.Sleep(silencePollEvery)
		synctest.Wait()
		if m := q.Mark("api", time.Now()); !m.SilencedUntil.Equal(start.Add(time.Minute).Truncate(time.Millisecond)) {
			t.Errorf("Mark after a poll = %+v, want silenced until %v", m, start.Add(time.Minute))
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if m := q.Mark("api", time.Now()); m.Quiet() {
			t.Errorf("Mark after the end = %+v, want none", m)
		}
	})
}
