//go:build unix

package probe

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// procGroup is the process group a command leads, named by the command's pid.
type procGroup int

// startGroup starts cmd as the leader of a new process group.
func startGroup(cmd *exec.Cmd) (procGroup, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	return procGroup(cmd.Process.Pid), nil
}

// kill sends SIGKILL to every process in the group; the group may already be gone.
func (g procGroup) kill() { _ = syscall.Kill(-int(g), syscall.SIGKILL) }

// release has nothing to free: a process group is gone with its last member.
func (procGroup) release() {}

// killedByGroup reports whether the process died of the SIGKILL that kill sends.
func killedByGroup(ps *os.ProcessState) bool {
	ws := ps.Sys().(syscall.WaitStatus)
	return ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// exitText describes how a process ended: "exit status 3" or "killed by SIGSEGV".
func exitText(ps *os.ProcessState) string {
	ws := ps.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return "killed by " + signalName(ws.Signal())
	}
	return "exit status " + strconv.Itoa(ws.ExitStatus())
}

// exitCode is the exit code fact: "3", or the signal that ended the process.
func exitCode(ps *os.ProcessState) string {
	ws := ps.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return signalName(ws.Signal())
	}
	return strconv.Itoa(ws.ExitStatus())
}

// signalName is a signal's name, "SIGSEGV", or its number when it has none.
func signalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return "signal " + strconv.Itoa(int(sig))
}
