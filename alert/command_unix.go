//go:build unix

package alert

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the program in a process group of its own, and makes a cancel kill that
// whole group: a script's children (or a background job) must not outlive the timeout.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		killGroup(cmd)
		return nil
	}
}

// killGroup sends SIGKILL to the program's process group, which may be gone already.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
