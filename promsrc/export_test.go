package promsrc

// UptimeFrom is the series the last uptime came from: the recording rule's name, or the
// raw query.
func (c *Client) UptimeFrom() string {
	s, _ := c.uptimeFrom.Load().(string)
	return s
}
