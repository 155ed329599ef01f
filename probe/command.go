package probe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

const (
	// maxOutput bounds how much of a command's combined output is kept; the rest is read and
	// dropped so that a chatty command never blocks on a full pipe.
	maxOutput = 64 << 10
	// outputGrace is how long to wait for the output pipe to close after the command's process
	// group is gone; only a descendant that left the group can hold it open longer.
	outputGrace = 100 * time.Millisecond
)

// KindCommand is the kind of command services, which the `command` key picks. It has no
// options: the command is the target, in Service.Command.
const KindCommand config.Kind = "command"

var commandKind = kind{
	spec: config.KindSpec{Kind: KindCommand, Parse: func(*config.Options) any { return nil }},
	new:  newCommandChecker,
}

// commandChecker runs a program without a shell; the check passes when it exits with status 0.
type commandChecker struct {
	argv    []string
	timeout time.Duration
}

// newCommandChecker builds the checker for a command service.
func newCommandChecker(svc config.Service) (Checker, error) {
	if len(svc.Command) == 0 || svc.Command[0] == "" {
		return nil, errors.New("command: want [program, args...]")
	}
	return &commandChecker{argv: svc.Command, timeout: svc.Timeout}, nil
}

// Check runs the command in its own process group (a job object on Windows). When ctx is done
// the whole group is killed, so that children that ignore SIGTERM (or were started in the
// background) die with it; once the command has exited, whatever it left running in its group
// is killed too, so checks never leak processes.
func (c *commandChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	if ctx.Err() != nil {
		res.Reason = c.doneReason(ctx)
		return res
	}
	// One pipe for stdout and stderr keeps their lines in the order they were written.
	pr, pw, err := os.Pipe()
	if err != nil {
		res.Reason = "cannot run: " + text.CleanText(err.Error(), reasonMax)
		return res
	}
	defer pr.Close()
	cmd := exec.Command(c.argv[0], c.argv[1:]...)
	cmd.Stdout, cmd.Stderr = pw, pw
	group, err := startGroup(cmd)
	pw.Close()
	if err != nil {
		res.Latency = time.Since(res.Start)
		res.Reason = startReason(c.argv[0], err)
		return res
	}
	defer group.release()
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		group.kill()
		close(killed)
	})
	out := make(chan []byte, 1)
	go func() { out <- readHead(pr, maxOutput) }()

	_ = cmd.Wait() // the exit status is in cmd.ProcessState
	res.Latency = time.Since(res.Start)
	timedOut := !stop()
	if timedOut {
		<-killed
	}
	// The leader is reaped, but while any member of its group lives the group id cannot be
	// reused, so this reaches only what the command left behind.
	group.kill()
	_ = pr.SetReadDeadline(time.Now().Add(outputGrace))
	line := firstLine(<-out, reasonMax)

	status := cmd.ProcessState
	res.Facts = append(res.Facts, Fact{Label: "exit code", Value: exitCode(status)})
	if line != "" {
		res.Facts = append(res.Facts, Fact{Label: "output", Value: line})
	}
	switch {
	case status.Success():
		res.OK = true
	case timedOut && killedByGroup(status):
		res.Reason = c.doneReason(ctx)
	case line != "":
		res.Reason = line
	default:
		res.Reason = exitText(status)
	}
	return res
}

// doneReason says why a check stopped when ctx is done: "timeout after 2s" or "canceled".
func (c *commandChecker) doneReason(ctx context.Context) string {
	return checkErrReason(ctx, ctx.Err(), c.timeout)
}

// startReason says why a program could not be started, naming it but none of its arguments,
// which may hold secrets.
func startReason(prog string, err error) string {
	name := text.CleanText(prog, quotedMax)
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return "command not found: " + name
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: " + name
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	return text.CleanText("cannot run "+prog+": "+err.Error(), reasonMax)
}

// readHead reads r to its end or first error, keeping at most max bytes.
func readHead(r io.Reader, max int) []byte {
	var head []byte
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		if keep := min(n, max-len(head)); keep > 0 {
			head = append(head, buf[:keep]...)
		}
		if err != nil {
			return head
		}
	}
}

// firstLine returns the first line of out that is not empty once cleaned of control and escape
// sequences, capped to max cells.
func firstLine(out []byte, max int) string {
	for len(out) > 0 {
		line := out
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			line, out = out[:i], out[i+1:]
		} else {
			out = nil
		}
		if s := text.CleanText(string(line), max); s != "" {
			return s
		}
	}
	return ""
}
