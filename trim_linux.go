package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// trimAfter is how long after start uptty drops its executable's pages from its page tables
// (see trimText): by then the start-up code has run, and the first round of checks has begun.
const trimAfter = 30 * time.Second

func init() { time.AfterFunc(trimAfter, trimText) }

// trimText drops the pages of the executable's read-only mappings (code, read-only data) from
// the process's page tables. They are most of uptty's resident memory at start-up and no use
// after it: every package's init touches its code, and the kernel maps 64 KB around each
// page touched, so that 21 MB of the 35 MB binary are resident after a second with one
// service. Pages still in use fault back in from the page cache (about 15 MB a minute later at
// 1,000 services); the rest can be reclaimed. Only read-only private mappings of the file
// are touched, which no one has written to, so nothing but the mapping is lost.
func trimText() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-00f7e000 r-xp 00000000 fd:00 1234 /usr/bin/uptty
		fields := strings.Fields(sc.Text())
		if len(fields) != 6 || fields[5] != exe || len(fields[1]) != 4 || fields[1][1] != '-' || fields[1][3] != 'p' {
			continue
		}
		lo, hi, _ := strings.Cut(fields[0], "-")
		from, err1 := strconv.ParseUint(lo, 16, 64)
		to, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || to <= from {
			continue
		}
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, uintptr(from), uintptr(to-from), syscall.MADV_DONTNEED)
	}
}
