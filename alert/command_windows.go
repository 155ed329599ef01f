//go:build windows

package alert

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the program in a new process group, so that a console interrupt aimed at
// uptty does not reach it; at the timeout exec kills the program itself.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// killGroup has nothing to do on Windows: there is no process group to kill, and a job object
// is more machinery than one alert hook is worth.
func killGroup(*exec.Cmd) {}
