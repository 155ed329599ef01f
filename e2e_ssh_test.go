package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// sshKeyPair writes a new ed25519 key as OpenSSH reads it (mode 0600) to dir/name, and
// returns the private key's path and the authorized_keys line.
func sshKeyPair(t *testing.T, dir, name string) (path, authorized string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, name)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return path, string(gossh.MarshalAuthorizedKey(signer.PublicKey()))
}

// sshArgs is OpenSSH logging in to 127.0.0.1:port with key and nothing else: no agent, no
// user config, no known_hosts.
func sshArgs(key, port string, more ...string) []string {
	return append([]string{"/usr/bin/ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR", "-i", key, "-p", port}, more...)
}

// TestSSHViewerEndToEnd: the real OpenSSH client, in tmux, logs in to `uptty serve --ssh` with
// a listed key and gets the board; the viewer's p does nothing; q ends the session and the
// server keeps running; an unlisted key and a password are refused.
func TestSSHViewerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if !sshClient(t) {
		t.Skip("no /usr/bin/ssh")
	}
	bin := buildBinary(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
history: {path: ""}
defaults: {interval: 1s, timeout: 1s}
services:
  - {name: Checkout, group: payments, url: "%s/checkout"}
  - {name: Search, url: "%s/search"}
`, up.URL, up.URL))
	dir := t.TempDir()
	viewerKey, viewerLine := sshKeyPair(t, dir, "viewer")
	strangerKey, _ := sshKeyPair(t, dir, "stranger")
	authorized := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorized, []byte("# the on-call team\n"+viewerLine), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sshAddr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(sshAddr)

	state := t.TempDir()
	cmd := exec.Command(bin, "serve", "-c", cfg, "--listen", "127.0.0.1:0", "--log-format", "json",
		"--ssh", sshAddr, "--authorized-keys", authorized)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_STATE_HOME="+state)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs, done := readLogs(stderr)
	exited := make(chan struct{})
	go func() { <-done; cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGKILL); <-exited })
	serving := logs.waitFor(t, "the start", msgIs("serving"))
	logs.waitFor(t, "the ssh listener", msgIs("ssh viewers"))
	api := "http://" + serving["listen"].(string)

	if fi, err := os.Stat(filepath.Join(state, "uptty", "ssh_host_ed25519_key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("host key in the state directory = %v, %v; want mode 0600", fi, err)
	}

	s := startTmux(t, 100, 16, nil, sshArgs(viewerKey, port, "-tt", "127.0.0.1")...)
	row := func(name, want string) func(string) bool {
		return func(screen string) bool { return strings.Contains(lineWith(screen, name), want) }
	}
	s.waitFor("Checkout UP", 30*time.Second, row("Checkout", "UP"))
	s.waitFor("Search UP", 30*time.Second, row("Search", "UP"))

	// The cursor is on the first service: a viewer's p must not pause it. Keys are handled in
	// order, so once the help is up the p has been.
	s.tmux("send-keys", "-t", s.name, "p", "?")
	screen := s.waitFor("the help", 10*time.Second, func(screen string) bool { return strings.Contains(screen, "move up / scroll up") })
	if strings.Contains(screen, "pause / resume") {
		t.Errorf("a read-only viewer's help offers p:\n%s", screen)
	}
	// ? again, not Escape: an escape byte followed at once by q would read as alt+q.
	s.tmux("send-keys", "-t", s.name, "?")
	s.waitFor("the board again", 10*time.Second, row("Checkout", "UP"))
	res, err := http.Get(api + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(body), `"state":"paused"`) {
		t.Errorf("a read-only viewer's p paused a service: %s", body)
	}
	if strings.Contains(logs.String(), "pause requested") {
		t.Errorf("a read-only viewer's p reached the monitor; logs:\n%s", logs.String())
	}

	s.tmux("send-keys", "-t", s.name, "q")
	if code := s.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("ssh exit status after q = %s, want 0", code)
	}
	logs.waitFor(t, "the viewer leaving", msgIs("ssh viewer left"))
	select {
	case <-exited:
		t.Fatalf("uptty serve ended when the viewer quit; logs:\n%s", logs.String())
	default:
	}
	if res, err := http.Get(api + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("GET /healthz after the viewer quit = %v, %v; want 200", res, err)
	} else {
		res.Body.Close()
	}
	again := startTmux(t, 100, 16, nil, sshArgs(viewerKey, port, "-tt", "127.0.0.1")...)
	again.waitFor("the board for a second viewer", 30*time.Second, row("Checkout", "UP"))
	again.tmux("send-keys", "-t", again.name, "q")
	if code := again.exitStatus(10 * time.Second); code != "0" {
		t.Errorf("second ssh exit status after q = %s, want 0", code)
	}

	for _, tt := range []struct {
		name string
		args []string
	}{
		{"unlisted key", sshArgs(strangerKey, port, "-o", "BatchMode=yes", "-tt", "127.0.0.1")},
		{"password", sshArgs(strangerKey, port, "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
			"-o", "PreferredAuthentications=password,keyboard-interactive", "-tt", "127.0.0.1")},
	} {
		out, err := exec.Command(tt.args[0], tt.args[1:]...).CombinedOutput()
		if code := exitCode(err); code != 255 || !strings.Contains(string(out), "Permission denied (publickey)") {
			t.Errorf("%s: ssh = exit %d, %q; want 255, Permission denied (publickey)", tt.name, code, out)
		}
	}
	logs.waitFor(t, "the refusal", msgIs("ssh key refused"))

	// SIGTERM with a viewer on: the session ends and serve exits 0 with history saved.
	last := startTmux(t, 100, 16, nil, sshArgs(viewerKey, port, "-tt", "127.0.0.1")...)
	last.waitFor("the board for a third viewer", 30*time.Second, row("Checkout", "UP"))
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("uptty serve still running 30s after SIGTERM with a viewer on; logs:\n%s", logs.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("uptty serve exit status after SIGTERM = %d, want 0; logs:\n%s", code, logs.String())
	}
	last.exitStatus(10 * time.Second) // the viewer's ssh ended too
	logs.waitFor(t, "the stop", msgIs("stopped"))
}

// sshClient reports whether the OpenSSH client is installed; on CI (.ci/run installs it) its
// absence fails the test.
func sshClient(t *testing.T) bool {
	t.Helper()
	if _, err := os.Stat("/usr/bin/ssh"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the OpenSSH client is not installed; .ci/run installs it")
		}
		return false
	}
	return true
}

// exitCode is a finished command's exit status.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	return -1
}

// TestServeLogCleansNetworkText: what a stranger sends before logging in (the SSH user name)
// reaches serve's log cleaned: no C1 control (U+009B is CSI to many terminals), no bidi override
// (it makes a log line read differently from what it is), in the JSON log too, whose encoder
// escapes only the C0 controls.
func TestServeLogCleansNetworkText(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	cfg := writeConfig(t, "history: {path: \"\"}\nservices:\n  - {name: api, url: \"tcp://"+reloadClosed(t)+"\"}\n")
	dir := t.TempDir()
	_, viewerLine := sshKeyPair(t, dir, "viewer")
	authorized := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorized, []byte(viewerLine), 0o600); err != nil {
		t.Fatal(err)
	}
	sshAddr := freeLoopbackAddr(t)
	srv := startServeLogs(t, bin, cfg, "127.0.0.1:0", "--ssh", sshAddr, "--authorized-keys", authorized)
	srv.logs.waitFor(t, "the ssh listener", msgIs("ssh viewers"))
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(priv)
	user := "eve\u009b2J\u202enimda\x1b]0;pwned\x07"
	c, err := gossh.Dial("tcp", sshAddr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err == nil {
		c.Close()
		t.Fatal("a stranger's key logged in")
	}
	m := srv.logs.waitFor(t, "the refused key", msgIs("ssh key refused"))
	if got := m["user"]; got != "evenimda" {
		t.Errorf("logged user %q, want it cleaned: %q", got, "evenimda")
	}
	if raw := srv.logs.String(); strings.ContainsAny(raw, "\u009b\u202e\x1b") {
		t.Errorf("the log holds control characters from the network:\n%q", raw)
	}
}
