//go:build unix

package probe

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

func commandTestChecker(tb testing.TB, timeout time.Duration, argv ...string) *commandChecker {
	tb.Helper()
	c, err := newCommandChecker(config.Service{Kind: KindCommand, Command: argv, Timeout: timeout})
	if err != nil {
		tb.Fatalf("newCommandChecker(%q) = %v, want nil error", argv, err)
	}
	return c.(*commandChecker)
}

func TestCommandCheck(t *testing.T) {
	noGoroutineLeaks(t)
	noExec := filepath.Join(t.TempDir(), "not-executable")
	if err := os.WriteFile(noExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		argv   []string
		wantOK bool
		reason string
		facts  map[string]string
	}{
		{name: "true", argv: []string{"true"}, wantOK: true, facts: map[string]string{"exit code": "0"}},
		{name: "false", argv: []string{"false"}, reason: "exit status 1", facts: map[string]string{"exit code": "1"}},
		{name: "silent exit 3", argv: []string{"sh", "-c", "exit 3"}, reason: "exit status 3"},
		{name: "first non-empty line of stderr", argv: []string{"sh", "-c",
			`printf '\n   \n\033[2J\n\033[31mdisk full\033[0m on  /var\nsecond line\n' >&2; exit 1`},
			reason: "disk full on /var", facts: map[string]string{"exit code": "1", "output": "disk full on /var"}},
		{name: "stdout and stderr in order", argv: []string{"sh", "-c", `echo out; echo err >&2; exit 1`},
			reason: "out"},
		{name: "escape sequences are cleaned", argv: []string{"sh", "-c",
			`printf '\033]0;pwned\007\033[1;31mERROR\033[0m:\a bad\tthing\r\n'; exit 1`},
			reason: "ERROR: bad thing"},
		{name: "output of a passing command is a fact", argv: []string{"sh", "-c", "echo all good"},
			wantOK: true, facts: map[string]string{"output": "all good"}},
		{name: "arguments reach the program as they are", argv: []string{"printf", "%s|", "a  b", "$HOME", ";", "*"},
			wantOK: true, facts: map[string]string{"output": "a b|$HOME|;|*|"}},
		{name: "missing program", argv: []string{"uptty-no-such-program", "--secret=x"},
			reason: "command not found: uptty-no-such-program"},
		{name: "missing path", argv: []string{"/nonexistent/uptty-check"},
			reason: "command not found: /nonexistent/uptty-check"},
		{name: "not executable", argv: []string{noExec}, reason: "permission denied: " + text.CleanText(noExec, quotedMax)},
		{name: "killed by a signal", argv: []string{"sh", "-c", "kill -SEGV $$"}, reason: "killed by SIGSEGV",
			facts: map[string]string{"exit code": "SIGSEGV"}},
		{name: "blank lines past 64 KiB are not read", argv: []string{"sh", "-c", `yes '' | head -c 100000; echo late; exit 4`},
			reason: "exit status 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := commandTestChecker(t, 5*time.Second, tt.argv...)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			r := c.Check(ctx)
			if r.OK != tt.wantOK || r.Reason != tt.reason {
				t.Errorf("Check() = OK %v, reason %q; want %v, %q", r.OK, r.Reason, tt.wantOK, tt.reason)
			}
			for label, want := range tt.facts {
				if got := factOf(r.Facts, label); got != want {
					t.Errorf("Check() fact %q = %q, want %q (facts %v)", label, got, want, r.Facts)
				}
			}
			if r.Latency <= 0 {
				t.Errorf("Check().Latency = %v, want > 0", r.Latency)
			}
		})
	}
}

func TestCommandCheckHugeOutput(t *testing.T) {
	noGoroutineLeaks(t)
	tests := []struct {
		name   string
		script string
		reason string
	}{
		// 20 MB through the pipe: the command must not block on it, and the reason is its first line.
		{name: "many lines", script: `yes 'line of output' | head -c 20000000; exit 2`, reason: "line of output"},
		{name: "one endless line", script: `head -c 1000000 /dev/zero | tr '\0' x; exit 2`,
			reason: strings.Repeat("x", reasonMax-1) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := commandTestChecker(t, 10*time.Second, "sh", "-c", tt.script)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			r := c.Check(ctx)
			if r.OK || r.Reason != tt.reason {
				t.Errorf("Check() = OK %v, reason %q; want false, %q", r.OK, r.Reason, tt.reason)
			}
			if w := ansi.StringWidth(r.Reason); w > reasonMax {
				t.Errorf("Check().Reason is %d cells wide, want at most %d", w, reasonMax)
			}
		})
	}
}

func TestReadHead(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	for _, n := range []int{0, 10, maxOutput, len(big)} {
		got := readHead(strings.NewReader(big[:n]), maxOutput)
		if want := min(n, maxOutput); len(got) != want || string(got) != big[:want] {
			t.Errorf("readHead(%d bytes) = %d bytes, want the first %d", n, len(got), want)
		}
	}
}

// TestCommandCheckTimeoutKillsGroup runs a shell that ignores SIGTERM, starts a child that
// ignores it too and waits: at the timeout both must die, and the check must return.
func TestCommandCheckTimeoutKillsGroup(t *testing.T) {
	noGoroutineLeaks(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	script := `trap '' TERM; sleep 1000 & echo $! > "$1"; echo started; wait; wait`
	timeout := time.Second
	c := commandTestChecker(t, timeout, "sh", "-c", script, "sh", pidFile)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	start := time.Now()
	r := c.Check(ctx)
	if elapsed, limit := time.Since(start), timeout+5*time.Second; elapsed > limit {
		t.Errorf("Check() took %v, want at most %v", elapsed, limit)
	}
	if r.OK || r.Reason != "timeout after 1s" {
		t.Errorf("Check() = OK %v, reason %q; want false, %q", r.OK, r.Reason, "timeout after 1s")
	}
	assertGone(t, readPID(t, pidFile))
}

// TestCommandCheckReapsLeftovers runs a command that passes at once but leaves a child running
// with its output pipe open: the check must not wait for it, and the child must not outlive it.
func TestCommandCheckReapsLeftovers(t *testing.T) {
	noGoroutineLeaks(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	c := commandTestChecker(t, 10*time.Second, "sh", "-c", `sleep 1000 & echo $! > "$1"; echo ok`, "sh", pidFile)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	r := c.Check(ctx)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Check() took %v, want it to return when the command exits", elapsed)
	}
	if !r.OK || factOf(r.Facts, "output") != "ok" {
		t.Errorf("Check() = OK %v, reason %q, output %q; want true, \"\", \"ok\"", r.OK, r.Reason, factOf(r.Facts, "output"))
	}
	assertGone(t, readPID(t, pidFile))
}

// TestCommandCheckEscapee runs a command whose child leaves the process group (setsid) and keeps
// the output pipe open: the check cannot kill it, but must not wait for it either.
func TestCommandCheckEscapee(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid program")
	}
	noGoroutineLeaks(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	c := commandTestChecker(t, 10*time.Second, "sh", "-c", `setsid sleep 1000 & echo $! > "$1"; echo ok; exit 1`, "sh", pidFile)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	r := c.Check(ctx)
	elapsed := time.Since(start)
	pid := readPID(t, pidFile)
	_ = syscall.Kill(pid, syscall.SIGKILL) // it escaped the check; the test cleans up after it
	if elapsed > 5*time.Second {
		t.Errorf("Check() took %v, want it to return soon after the command exits", elapsed)
	}
	if r.OK || r.Reason != "ok" {
		t.Errorf("Check() = OK %v, reason %q; want false, %q", r.OK, r.Reason, "ok")
	}
	assertGone(t, pid)
}

func TestCommandCheckCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c := commandTestChecker(t, time.Second, "sleep", "1000")
	if r := c.Check(ctx); r.OK || r.Reason != "canceled" {
		t.Errorf("Check() = OK %v, reason %q; want false, %q", r.OK, r.Reason, "canceled")
	}
}

func TestNewCommandChecker(t *testing.T) {
	for _, argv := range [][]string{nil, {}, {""}} {
		if _, err := newCommandChecker(config.Service{Kind: KindCommand, Command: argv}); err == nil {
			t.Errorf("newCommandChecker(%q) = nil error, want one", argv)
		}
	}
}

func BenchmarkCommandCheck(b *testing.B) {
	c := commandTestChecker(b, 5*time.Second, "true")
	benchChecks(b, c)
}

// readPID reads the process id a test command wrote to path.
func readPID(tb testing.TB, path string) int {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("reading the child's pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		tb.Fatalf("child pid = %q, want a process id", b)
	}
	return pid
}
