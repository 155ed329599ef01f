package attach

import "time"

// skewFloor is the least difference between the server's clock and this machine's that the
// client corrects for: the status document's checked_at is written to the second.
const skewFloor = 2 * time.Second

// Now is the server's clock as this machine reads it: Options.Now moved by how far the two
// clocks were apart at the last snapshot, when 2 s or more. Every time the server sends (an
// outage's start, a silence's end) is on its clock, so the screen counts from this one: a
// laptop three minutes behind the server showed a 30 s outage as "DOWN 0s" for minutes (and
// one ahead as minutes long), and a silence's time left three minutes long.
func (c *Client) Now() time.Time {
	return c.opts.Now().Add(c.Skew())
}

// Skew is how far the server's clock runs ahead of Options.Now (0 under 2 s), for the screen's
// ticks (ui.Options.Skew).
func (c *Client) Skew() time.Duration { return time.Duration(c.skew.Load()) }

// heardClock takes the server's clock from a status document's checked_at, its now when it
// wrote the document, and arrived, when the document began to arrive by Options.Now (zero:
// now). Written to the second, checked_at is on average half a second behind the clock it was
// read from. Counting from the document's first bytes leaves out the time a slow link takes
// over the rest of it (seconds for thousands of services), which would read as skew.
func (c *Client) heardClock(checkedAt string, arrived time.Time) {
	at, err := time.Parse(time.RFC3339, checkedAt)
	if err != nil {
		return // an older or a foreign server: no correction
	}
	if arrived.IsZero() {
		arrived = c.opts.Now()
	}
	skew := at.Add(500 * time.Millisecond).Sub(arrived)
	if skew.Abs() < skewFloor {
		skew = 0
	}
	c.skew.Store(int64(skew))
}
