package alert

import (
	"encoding/json"
	"time"
)

// Decode reads an alert back from its generic JSON body (MarshalJSON), as an outbox keeps it:
// after a restart a pending alert is sent again as it was, with the same id. Times come back to
// the second, as they were written.
func Decode(data []byte) (Alert, error) {
	var b body
	if err := json.Unmarshal(data, &b); err != nil {
		return Alert{}, err
	}
	a := Alert{
		ID: b.ID, Event: b.Event, Service: b.Service, Group: b.Group, State: b.State, Reason: b.Reason,
		Duration: time.Duration(b.DurationS) * time.Second, Link: b.Link, Dependents: b.Dependents,
		Maintenance: b.Maintenance,
	}
	var err error
	parse := func(s string) time.Time {
		if s == "" || err != nil {
			return time.Time{}
		}
		var t time.Time
		t, err = time.Parse(time.RFC3339, s)
		return t
	}
	a.Start, a.At = parse(b.Start), parse(b.At)
	if b.End != nil {
		end := parse(*b.End)
		a.End = &end
	}
	if err != nil {
		return Alert{}, err
	}
	return a, nil
}
