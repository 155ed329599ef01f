package probe

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// jobKilledCode is the exit status TerminateJobObject gives the processes it ends; it tells a
// command killed at its timeout from one that failed by itself.
const jobKilledCode = 0xC0DE0009

// procGroup is the job object a command and every process it starts belong to. Windows has
// no process groups; a job reaches grandchildren too, and dies with its last handle.
type procGroup windows.Handle

// startGroup starts cmd suspended, puts it in a new job that kills its members when closed,
// and only then lets it run, so that no child it starts can escape the job.
func startGroup(cmd *exec.Cmd) (procGroup, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, os.NewSyscallError("CreateJobObject", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{
			LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
		},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, os.NewSyscallError("SetInformationJobObject", err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_SUSPENDED}
	if err := cmd.Start(); err != nil {
		windows.CloseHandle(job)
		return 0, err
	}
	if err := joinAndResume(job, uint32(cmd.Process.Pid)); err != nil {
		// The suspended process never ran: end it and reap it before saying why.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		windows.CloseHandle(job)
		return 0, err
	}
	return procGroup(job), nil
}

// joinAndResume assigns process pid to job and resumes its threads.
func joinAndResume(job windows.Handle, pid uint32) error {
	proc, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, pid)
	if err != nil {
		return os.NewSyscallError("OpenProcess", err)
	}
	defer windows.CloseHandle(proc)
	if err := windows.AssignProcessToJobObject(job, proc); err != nil {
		return os.NewSyscallError("AssignProcessToJobObject", err)
	}
	// os/exec keeps the main thread's handle to itself: find the process's threads instead.
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return os.NewSyscallError("CreateToolhelp32Snapshot", err)
	}
	defer windows.CloseHandle(snap)
	entry := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := false
	for err = windows.Thread32First(snap, &entry); err == nil; err = windows.Thread32Next(snap, &entry) {
		if entry.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, entry.ThreadID)
		if err != nil {
			return os.NewSyscallError("OpenThread", err)
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return os.NewSyscallError("ResumeThread", err)
		}
		resumed = true
	}
	if !resumed {
		return errors.New("no thread to resume")
	}
	return nil
}

// kill ends every process in the job; the job may already be empty.
func (g procGroup) kill() { _ = windows.TerminateJobObject(windows.Handle(g), jobKilledCode) }

// release closes the job, which kills whatever is still in it.
func (g procGroup) release() { _ = windows.CloseHandle(windows.Handle(g)) }

// killedByGroup reports whether the process was ended by kill.
func killedByGroup(ps *os.ProcessState) bool { return uint32(ps.ExitCode()) == jobKilledCode }

// exitText describes how a process ended: "exit status 3".
func exitText(ps *os.ProcessState) string { return "exit status " + exitCode(ps) }

// exitCode is the exit code fact: "3", or 0xC0000005 for a status that reads as an NTSTATUS.
func exitCode(ps *os.ProcessState) string {
	code := uint32(ps.ExitCode())
	if code >= 0xC0000000 {
		return fmt.Sprintf("0x%08X", code)
	}
	return strconv.Itoa(int(code))
}
