package alert

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptty/uptty/text"
)

const (
	// maxCommandOutput bounds how much of a command's output is kept (for the failure reason);
	// the rest is read and dropped, so a flood never grows memory nor blocks the program.
	maxCommandOutput = 4 << 10
	// pipeGrace is how long Wait waits for the output pipe after the program is gone; only a
	// descendant that left its process group can hold the pipe open that long.
	pipeGrace = 500 * time.Millisecond
)

// Command runs a program (no shell) for each alert, with the alert in UPTTY_* environment
// variables and as the generic JSON body on stdin. Exit status 0 is success. At the timeout the
// program's whole process group is killed.
type Command struct {
	// ID names the sender (the config's alerts[].name).
	ID string
	// Argv is the program and its arguments.
	Argv []string
	// Timeout bounds one run; 0 is 10s.
	Timeout time.Duration
	// Location, when set (the config's location:), is the body's "location" and
	// $UPTTY_LOCATION.
	Location string
}

// Name returns the sender's name.
func (c *Command) Name() string { return c.ID }

// Send runs the program once.
func (c *Command) Send(ctx context.Context, a Alert) error {
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return &sendError{msg: "command: no program"}
	}
	payload, err := a.genericBody(c.Location)
	if err != nil {
		return &sendError{msg: "command: " + text.CleanText(err.Error(), reasonMax)}
	}
	timeout := orDefault(c.Timeout)
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(actx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = append(os.Environ(), commandEnv(a, c.Location)...)
	cmd.Stdin = bytes.NewReader(payload)
	out := &headBuffer{max: maxCommandOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = pipeGrace
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return &sendError{msg: "command: " + startReason(c.Argv[0], err)}
	}
	err = cmd.Wait()
	// Whatever the program left running in its group goes with it.
	killGroup(cmd)
	switch {
	case actx.Err() != nil:
		return failure("command", ctx, actx, actx.Err(), timeout)
	case err == nil:
		return nil
	}
	msg := "command: " + text.CleanText(err.Error(), reasonMax)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		msg = "command: " + ee.ProcessState.String()
	}
	if line := firstLine(out.String()); line != "" {
		msg += ": " + line
	}
	return &sendError{msg: msg}
}

// commandEnv is the alert as environment variables.
func commandEnv(a Alert, location string) []string {
	end := ""
	if a.End != nil {
		end = a.End.Format(time.RFC3339)
	}
	return []string{
		"UPTTY_ALERT_ID=" + a.ID,
		"UPTTY_EVENT=" + string(a.Event),
		"UPTTY_SERVICE=" + a.Service,
		"UPTTY_GROUP=" + a.Group,
		"UPTTY_STATE=" + a.State,
		"UPTTY_REASON=" + a.Reason,
		"UPTTY_START=" + a.Start.Format(time.RFC3339),
		"UPTTY_END=" + end,
		"UPTTY_DURATION_S=" + strconv.FormatInt(int64(a.writtenDuration()/time.Second), 10),
		"UPTTY_AT=" + a.At.Format(time.RFC3339),
		"UPTTY_LINK=" + a.Link,
		"UPTTY_SUMMARY=" + a.Text(),
		"UPTTY_LOCATION=" + text.CleanText(location, 0),
	}
}

// startReason says why a program could not start, naming it but none of its arguments, which
// may hold secrets.
func startReason(prog string, err error) string {
	name := text.CleanText(prog, 60)
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return "not found: " + name
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: " + name
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	return text.CleanText("cannot run "+name+": "+err.Error(), reasonMax)
}

// firstLine is the first non-blank line of out, cleaned and bounded.
func firstLine(out string) string {
	for line := range strings.SplitSeq(out, "\n") {
		if l := text.CleanText(line, 80); l != "" {
			return l
		}
	}
	return ""
}

// headBuffer keeps the first max bytes written to it and counts the rest without keeping them.
type headBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
	n   int64
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n += int64(len(p))
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.buf)
}
