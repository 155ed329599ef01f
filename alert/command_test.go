package alert

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain lets the test binary stand in for the programs a command sender runs:
// "alert-helper MODE ARGS..." runs a helper instead of the tests.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "alert-helper" {
		helper(os.Args[2], os.Args[3:])
		return
	}
	goleak.VerifyTestMain(m)
}

// helper is the program a test runs; each mode misbehaves in one way.
func helper(mode string, args []string) {
	switch mode {
	case "record": // write stdin and the UPTTY_ environment to args[0]
		in, _ := io.ReadAll(os.Stdin)
		env := map[string]string{}
		for _, kv := range os.Environ() {
			if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "UPTTY_") {
				env[k] = v
			}
		}
		b, _ := json.Marshal(map[string]any{"stdin": string(in), "env": env})
		_ = os.WriteFile(args[0], b, 0o600)
	case "fail":
		fmt.Fprint(os.Stderr, "\n  boom: \x1b[31mno route\x1b[0m\nsecond line\n")
		os.Exit(3)
	case "flood": // 64 MB on stdout, then success
		chunk := []byte(strings.Repeat("flood\n", 1<<14))
		for range (64 << 20) / len(chunk) {
			if _, err := os.Stdout.Write(chunk); err != nil {
				os.Exit(1)
			}
		}
	case "hang": // hold a connection to args[0] open, with a child doing the same, forever
		child := exec.Command(os.Args[0], "alert-helper", "hold", args[0])
		child.Stdout = os.Stdout
		if err := child.Start(); err != nil {
			os.Exit(2)
		}
		helper("hold", args)
	case "sleep": // never finish
		select {}
	case "hold":
		c, err := net.Dial("tcp", args[0])
		if err != nil {
			os.Exit(2)
		}
		_, _ = c.Write([]byte("x"))
		select {}
	}
	os.Exit(0)
}

func helperArgv(mode string, args ...string) []string {
	return append([]string{os.Args[0], "alert-helper", mode}, args...)
}

func TestCommandEnvAndStdin(t *testing.T) {
	out := filepath.Join(t.TempDir(), "got.json")
	c := &Command{ID: "hook", Argv: helperArgv("record", out), Location: "eu-west"}
	a := upAlert("Checkout API")
	if err := c.Send(context.Background(), a); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Stdin string
		Env   map[string]string
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(a)
	want = append(want[:len(want)-1], `,"location":"eu-west"}`...)
	if got.Stdin != string(want) {
		t.Errorf("stdin = %s, want %s", got.Stdin, want)
	}
	for k, v := range map[string]string{
		"UPTTY_ALERT_ID": a.ID, "UPTTY_EVENT": "up", "UPTTY_SERVICE": "Checkout API",
		"UPTTY_GROUP": "payments", "UPTTY_STATE": "UP", "UPTTY_REASON": "status 503, want 200-399",
		"UPTTY_START": "2026-12-01T21:47:02+09:00", "UPTTY_END": "2026-12-02T00:08:11+09:00",
		"UPTTY_DURATION_S": "8469", "UPTTY_SUMMARY": a.Text(), "UPTTY_LOCATION": "eu-west",
	} {
		if got.Env[k] != v {
			t.Errorf("$%s = %q, want %q", k, got.Env[k], v)
		}
	}
}

func TestCommandFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		argv []string
		want string
	}{
		{"exit status", helperArgv("fail"), "command: exit status 3: boom: no route"},
		{"not found", []string{"/nonexistent/uptty-hook", "--token=T0KEN"}, "command: not found: /nonexistent/uptty-hook"},
		{"no program", nil, "command: no program"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Command{ID: "hook", Argv: tc.argv}
			if msg := errText(c.Send(context.Background(), downAlert("A"))); msg != tc.want {
				t.Errorf("Send = %q, want %q", msg, tc.want)
			}
		})
	}
}

// TestCommandFlood checks that 64 MB of output neither grows memory nor blocks the program.
func TestCommandFlood(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c := &Command{ID: "hook", Argv: helperArgv("flood"), Timeout: time.Minute}
	if err := c.Send(context.Background(), downAlert("A")); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("running a command that writes 64 MB allocated %d MB, want under 16", grew>>20)
	}
}

// TestCommandHang checks that when a send ends the program and the child it started are killed.
func TestCommandHang(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process groups are a unix thing; on windows only the program itself is killed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	conns := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	// The program and its child are killed together when the send ends, here by the caller's
	// cancel once both hold a connection: a timeout could fire before a loaded machine has
	// started them, and there would be nothing left to kill (TestCommandTimeout has the timeout).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &Command{ID: "hook", Argv: helperArgv("hang", l.Addr().String()), Timeout: time.Minute}
	sent := make(chan error, 1)
	go func() { sent <- c.Send(ctx, downAlert("A")) }()
	var held [2]net.Conn
	for i := range held {
		select {
		case held[i] = <-conns:
		case err := <-sent:
			t.Fatalf("Send = %v before process %d connected", err, i+1)
		case <-time.After(time.Minute):
			t.Fatalf("process %d never connected", i+1)
		}
	}
	cancel()
	select {
	case err := <-sent:
		if msg := errText(err); msg != "command: canceled" {
			t.Errorf("Send = %q, want %q", msg, "command: canceled")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Send did not return after its context was canceled")
	}
	// Each process held a connection; the kernel closes it when the process dies.
	for i, conn := range held {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadAll(bufio.NewReader(conn)); err != nil {
			t.Errorf("process %d still holds its connection: %v", i+1, err)
		}
		conn.Close()
	}
}

// TestCommandTimeout: a program that never ends is killed at the timeout, and the error says so.
func TestCommandTimeout(t *testing.T) {
	c := &Command{ID: "hook", Argv: helperArgv("sleep"), Timeout: 300 * time.Millisecond}
	start := time.Now()
	err := c.Send(context.Background(), downAlert("A"))
	if msg := errText(err); msg != "command: timeout after 300ms" {
		t.Errorf("Send = %q, want %q", msg, "command: timeout after 300ms")
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("Send took %v, want about the 300ms timeout", took)
	}
}

// TestCommandEnvDuration: $UPTTY_DURATION_S agrees with $UPTTY_START and $UPTTY_END, as the
// JSON on stdin does.
func TestCommandEnvDuration(t *testing.T) {
	env := commandEnv(shortUp(), "")
	if !slices.Contains(env, "UPTTY_DURATION_S=3") {
		t.Errorf("commandEnv(2.3s outage over 3 written seconds) = %q, want UPTTY_DURATION_S=3", env)
	}
}
