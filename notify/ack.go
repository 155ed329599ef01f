package notify

import (
	"errors"

	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// ErrNoOutage is what Ack returns for a service that has no outage going on.
var ErrNoOutage = errors.New("no outage going on to acknowledge")

// ErrOutageChanged is what Ack returns when the outage asked for has ended (another may have
// begun since): what the person saw is not what is going on.
var ErrOutageChanged = errors.New("that outage has ended")

// maxAckBy and maxAckNote bound what an ack keeps: a login name, and a line.
const (
	maxAckBy   = 64
	maxAckNote = 200
)

// Ack acknowledges the outage of the service named name: its reminders stop (its recovery is
// still sent), and the screen and the API show who is on it. a.Start names the outage the
// person saw; zero takes the one going on. It replaces an ack already there, and returns the
// ack as kept (Start set, texts cleaned).
func (e *Engine) Ack(name string, a track.Ack) (track.Ack, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.services[name]
	if s == nil || !s.down() {
		return track.Ack{}, ErrNoOutage
	}
	if a.Start.IsZero() {
		a.Start = s.open.outage.Start
	} else if !a.Of(s.open.outage) {
		return track.Ack{}, ErrOutageChanged
	}
	a.Start = s.open.outage.Start
	a.By = text.CleanText(a.By, maxAckBy)
	if a.By == "" {
		a.By = "unknown"
	}
	a.Note = text.CleanText(a.Note, maxAckNote)
	if a.At.IsZero() {
		a.At = e.now()
	}
	s.open.ack = &a
	return a, nil
}

// Unack removes the ack of the service's outage and returns it; ok is false when there was
// none. Reminders start again from the next one due.
func (e *Engine) Unack(name string) (a track.Ack, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.services[name]
	if s == nil || !s.down() || s.open.ack == nil {
		return track.Ack{}, false
	}
	a, s.open.ack = *s.open.ack, nil
	return a, true
}

// Acked returns the ack of the outage of the service named name going on, if any.
func (e *Engine) Acked(name string) (track.Ack, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.services[name]; s != nil && s.down() && s.open.ack != nil {
		return *s.open.ack, true
	}
	return track.Ack{}, false
}
