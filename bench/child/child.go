// Package child runs the helper process of a benchmark: the test binary itself again, told by
// an environment variable to be a target server or a crowd of viewers until its standard input
// closes, so that what the helper costs is not in the benchmark's own CPU figures.
package child

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Proc is a running helper process.
type Proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

// Start runs this test binary again with args and env (KEY=VALUE) added to the environment.
// Its standard error is this process's; its output is read a line at a time (Line, Lines). It
// is stopped at the end of tb if Stop was not called before.
func Start(tb testing.TB, env string, args ...string) *Proc {
	tb.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), env)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &Proc{cmd: cmd, stdin: stdin, lines: make(chan string, 64)}
	go func() {
		defer close(p.lines)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			p.lines <- s.Text()
		}
	}()
	tb.Cleanup(p.Stop)
	return p
}

// Line is the helper's next line of output; tb fails if none comes within d.
func (p *Proc) Line(tb testing.TB, d time.Duration) string {
	tb.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			tb.Fatal("the helper process ended without a word")
		}
		return l
	case <-time.After(d):
		tb.Fatalf("the helper process said nothing in %v", d)
	}
	return ""
}

// Lines is the rest of the helper's output, closed when it exits.
func (p *Proc) Lines() <-chan string { return p.lines }

// Stop closes the helper's standard input, which tells it to exit, and waits for it. A helper
// that writes more than a few dozen lines needs its Lines read meanwhile, or it blocks on the
// pipe. Stop may be called more than once.
func (p *Proc) Stop() {
	if p.stdin == nil {
		return
	}
	p.stdin.Close()
	p.stdin = nil
	_ = p.cmd.Wait()
}
