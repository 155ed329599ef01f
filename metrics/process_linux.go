package metrics

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// userHZ is the unit of /proc's CPU times: USER_HZ, 100 on every Linux Go runs on.
const userHZ = 100

// bootTime is when the system booted, in Unix seconds (/proc/stat's btime), read once.
var bootTime = sync.OnceValue(func() float64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return n
		}
	}
	return 0
})

// readProcess reads the process's figures from /proc, as Prometheus's procfs does.
func (s *scrape) readProcess() {
	f := &s.process
	if data, err := os.ReadFile("/proc/self/stat"); err == nil {
		// The fields after the command's name, which is in parentheses and may hold spaces:
		// state (the 3rd field), …, utime (14th), stime, …, starttime (22nd), vsize, rss.
		if i := bytes.LastIndexByte(data, ')'); i >= 0 {
			fields := strings.Fields(string(data[i+1:]))
			num := func(field int) float64 {
				if field-3 >= len(fields) {
					return 0
				}
				v, _ := strconv.ParseFloat(fields[field-3], 64)
				return v
			}
			if len(fields) > 24-3 {
				f.set(procCPU, (num(14)+num(15))/userHZ)
				f.set(procVirtual, num(23))
				f.set(procResident, num(24)*float64(os.Getpagesize()))
				if boot := bootTime(); boot > 0 {
					f.set(procStart, boot+num(22)/userHZ)
				}
			}
		}
	}
	if dir, err := os.Open("/proc/self/fd"); err == nil {
		names, err := dir.Readdirnames(-1)
		dir.Close()
		if err == nil {
			f.set(procOpenFDs, float64(len(names)))
		}
	}
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil {
		f.set(procMaxFDs, float64(lim.Cur))
	}
	if unix.Getrlimit(unix.RLIMIT_AS, &lim) == nil {
		f.set(procVirtualMax, float64(lim.Cur))
	}
	if in, out, ok := netOctets(); ok {
		f.set(procNetIn, in)
		f.set(procNetOut, out)
	}
}

// netOctets are the bytes received and sent over the network, IpExt's InOctets and OutOctets
// in /proc/self/net/netstat (its network namespace's, as procfs reads them).
func netOctets() (in, out float64, ok bool) {
	data, err := os.ReadFile("/proc/self/net/netstat")
	if err != nil {
		return 0, 0, false
	}
	var names []string
	for line := range strings.Lines(string(data)) {
		rest, isIP := strings.CutPrefix(line, "IpExt:")
		if !isIP {
			continue
		}
		if names == nil {
			names = strings.Fields(rest)
			continue
		}
		for i, v := range strings.Fields(rest) {
			if i >= len(names) {
				break
			}
			switch names[i] {
			case "InOctets":
				in, _ = strconv.ParseFloat(v, 64)
				ok = true
			case "OutOctets":
				out, _ = strconv.ParseFloat(v, 64)
			}
		}
		break
	}
	return in, out, ok
}
