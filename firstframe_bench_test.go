//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkFirstFrame10000 runs the built binary on 10,000 services (loopback, checked every
// 10 s) with a history file that holds 20 results of each, on a 120x40 pseudo-terminal that
// answers the cursor position query (answering) or no query at all (silent), and reports the
// time from starting the process to the first frame (the header drawn): the issue's
// first-frame figure; and the CPU time the process had used by then (user and system, from
// /proc, in 10 ms ticks), which a loaded machine changes less. Run with -benchtime=3x.
func BenchmarkFirstFrame10000(b *testing.B) {
	dir, cfgPath, _ := startupFixture(b, 10_000)
	bin := filepath.Join(dir, "uptty")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	home := b.TempDir()
	env := []string{"TERM=xterm-256color", "HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "PATH=" + os.Getenv("PATH")}
	for _, answer := range []bool{true, false} {
		name := "answering"
		if !answer {
			name = "silent"
		}
		b.Run(name, func(b *testing.B) {
			var total, cpu time.Duration
			for b.Loop() {
				took, used := firstFrameOf(b, env, answer, bin, "-c", cfgPath)
				total += took
				cpu += used
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-first-frame")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms-first-frame")
		})
	}
}

// firstFrameOf starts argv on a 120x40 pseudo-terminal that answers cursor position queries
// when answer is set, returns how long the first frame took and the CPU time the process had
// used by then, then quits it with q.
func firstFrameOf(b *testing.B, env []string, answer bool, argv ...string) (time.Duration, time.Duration) {
	ctl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		b.Skipf("no pseudo-terminals here: %v", err)
	}
	defer ctl.Close()
	fd := int(ctl.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		b.Fatal(err)
	}
	pts, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		b.Fatal(err)
	}
	term, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", pts), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer term.Close()
	unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 120})
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, term
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	type frame struct{ took, cpu time.Duration }
	framed := make(chan frame, 1)
	go func() {
		var screen []byte
		buf := make([]byte, 64<<10)
		answered, sent := 0, false
		for {
			k, err := ctl.Read(buf)
			if err != nil {
				return
			}
			screen = append(screen, buf[:k]...)
			for ; answer && bytes.Count(screen, []byte("\x1b[6n")) > answered; answered++ {
				ctl.Write([]byte("\x1b[1;1R"))
			}
			if !sent && bytes.Contains(screen, []byte("STATE")) {
				framed <- frame{time.Since(start), processCPU(cmd.Process.Pid)}
				sent = true
				screen = nil
			}
		}
	}()
	var f frame
	select {
	case f = <-framed:
	case err := <-exited:
		b.Fatalf("uptty exited before drawing: %v", err)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		b.Fatal("no first frame within 30s")
	}
	b.StopTimer()
	defer b.StartTimer()
	ctl.Write([]byte("q"))
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
	return f.took, f.cpu
}

// processCPU returns the user and system CPU time process pid has used (from /proc/PID/stat, in
// clock ticks of 10 ms), 0 when it cannot be read.
func processCPU(pid int) time.Duration {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	i := bytes.LastIndexByte(st, ')')
	if err != nil || i < 0 {
		return 0
	}
	f := strings.Fields(string(st[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
