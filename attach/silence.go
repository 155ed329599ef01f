package attach

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/uptty/uptty/history"
)

// Silence asks the server to silence a service or a group until x.Until, for the m key
// (ui.Options.Silence): the server's clock starts the silence, so it is sent as a duration. A
// group is named through one of its services, as the API addresses silences by service. The
// new mark comes back with the snapshot the server then sends every stream.
func (c *Client) Silence(x history.Silence) error {
	svc, group, err := c.silenceTarget(x.Kind, x.Name)
	if err != nil {
		return err
	}
	secs := math.Ceil(x.Until.Sub(c.Now()).Seconds())
	if secs < 1 {
		return errors.New("that silence has already ended")
	}
	body, _ := json.Marshal(struct {
		For    string `json:"for"`
		Reason string `json:"reason,omitempty"`
		Group  bool   `json:"group,omitempty"`
	}{fmt.Sprintf("%.0fs", secs), x.Reason, group})
	_, err = c.silenceRequest(http.MethodPost, svc, false, body)
	return err
}

// Unsilence asks the server to end the silences of the names given (services, or groups), for
// the m key on a silenced row (ui.Options.Unsilence). It returns how many the server removed.
func (c *Client) Unsilence(names ...string) (int, error) {
	total := 0
	for _, name := range names {
		c.mu.Lock()
		_, isService := c.known[name]
		c.mu.Unlock()
		kind := history.SilenceGroup
		if isService {
			kind = history.SilenceService
		}
		svc, group, err := c.silenceTarget(kind, name)
		if err != nil {
			return total, err
		}
		n, err := c.silenceRequest(http.MethodDelete, svc, group, nil)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// silenceTarget is the service a silence of kind on name is addressed through, and whether it
// is its group's.
func (c *Client) silenceTarget(kind, name string) (svc string, group bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kind == history.SilenceService {
		if _, ok := c.known[name]; !ok {
			return "", false, fmt.Errorf("the server has no service named %q", name)
		}
		return name, false, nil
	}
	for _, n := range c.names {
		if c.groups[n] == name {
			return n, true, nil
		}
	}
	return "", false, fmt.Errorf("the server has no group named %q", name)
}

// silenceRequest posts or deletes a service's (or its group's) silence and returns how many
// silences the server says it removed. A refusal reads as the server gave it, without the
// request line: the footer has one line for it.
func (c *Client) silenceRequest(method, svc string, group bool, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := servicePath(svc, "silence")
	if group {
		path += "?group=true"
	}
	resp, err := c.doBody(ctx, method, path, body)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) {
			return 0, fmt.Errorf("%s: %s", se.Status, se.Msg)
		}
		return 0, err
	}
	defer resp.Body.Close()
	var doc struct {
		Removed int `json:"removed"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&doc)
	return doc.Removed, nil
}
