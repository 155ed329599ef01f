package track

import "time"

// Ack is the acknowledgement of an outage: someone is on it. It belongs to the outage that
// began at Start: it ends with that outage, and the next one begins without one.
type Ack struct {
	// Start is the start of the outage acknowledged; zero asks for the outage going on.
	Start time.Time
	// By is who acknowledged it: a login name ($USER, the SSH user, or what an API client
	// said).
	By string
	// At is when.
	At time.Time
	// Note is optional: what the person is doing about it.
	Note string
}

// Of reports whether the ack is for outage o: the same start, to the second, since the API
// writes times to the second.
func (a Ack) Of(o Outage) bool {
	return !a.Start.IsZero() && a.Start.Truncate(time.Second).Equal(o.Start.Truncate(time.Second))
}
