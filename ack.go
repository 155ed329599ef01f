package main

import (
	"context"
	"os/user"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// acker acknowledges outages for every screen and the API of one monitor: the engine first
// (which knows the outage going on, and stops its reminders), then the history, where the ack
// is kept with its outage for a restart and `uptty incidents`.
type acker struct {
	engine *notify.Engine
	hist   *history.Live
}

// Ack acknowledges the outage of the service named name (a.Start, when set, is the outage
// the person saw), and returns the ack as kept. A history that cannot keep it undoes it.
func (k *acker) Ack(ctx context.Context, name string, a track.Ack) (track.Ack, error) {
	prev, had := k.engine.Acked(name)
	a, err := k.engine.Ack(name, a)
	if err != nil {
		return a, err
	}
	if err := k.hist.SetAck(ctx, name, a); err != nil {
		if had {
			k.engine.Ack(name, prev)
		} else {
			k.engine.Unack(name)
		}
		return track.Ack{}, err
	}
	return a, nil
}

// Unack removes the ack of the service's outage; it reports whether there was one.
func (k *acker) Unack(ctx context.Context, name string) (bool, error) {
	a, ok := k.engine.Unack(name)
	if !ok {
		return false, nil
	}
	return true, k.hist.Unack(ctx, name, a.Start)
}

// Acked is the ack of the service's outage going on, if any.
func (k *acker) Acked(name string) (track.Ack, bool) { return k.engine.Acked(name) }

// loginName is who acknowledges from this terminal: $USER (USERNAME on Windows), else the
// account's name, else "unknown".
func loginName(getenv func(string) (string, bool)) string {
	for _, k := range []string{"USER", "LOGNAME", "USERNAME"} {
		if v, ok := getenv(k); ok && v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}
