//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The floor is what a client as plain as can be measures against the same targets in the same
// run: one fresh connection per request (net.Dial), a GET written by hand, and a read up to the
// first byte of the answer, timed as uptty times a check (the connect, then from the request
// written to the first response byte; see probe's phaseRecorder). Its latency error, computed
// as uptty's (less the handler's own time for the same request), is what the loopback, the
// kernel and this machine's load cost any client; uptty's figure is read against it.

// floorEnv, when set, turns this program into the floor's CPU child (floorChild).
const floorEnv = "UPTTY_FARM_FLOOR"

// floorSample is one request of the floor client.
type floorSample struct {
	seq       int
	connect   time.Duration // net.Dial
	firstByte time.Duration // from the request written to the first byte read
}

// floorRequest makes one request to addr for path on a fresh connection and times it.
func floorRequest(addr, path string) (connect, firstByte time.Duration, err error) {
	t0 := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	connect = time.Since(t0)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n"); err != nil {
		return 0, 0, err
	}
	wrote := time.Now()
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil {
		return 0, 0, err
	}
	firstByte = time.Since(wrote)
	_, err = io.Copy(io.Discard, c)
	return connect, firstByte, err
}

// floor probes the farm's answering endpoints from from to until at o.floorRate a second, each
// request in its own goroutine (a slow one never delays the next), walking the endpoints with a
// stride so that every listener and service takes its turn.
func (f *farm) floor(from, until time.Time) []floorSample {
	if f.o.floorRate <= 0 {
		return nil
	}
	time.Sleep(time.Until(from))
	var (
		mu  sync.Mutex
		out []floorSample
		wg  sync.WaitGroup
	)
	tick := time.NewTicker(time.Duration(float64(time.Second) / f.o.floorRate))
	defer tick.Stop()
	i, seq := 0, 0
	for now := range tick.C {
		if !now.Before(until) {
			break
		}
		for range f.o.n { // the next endpoint that answers
			if i = (i + 7919) % f.o.n; !f.hung(i) {
				break
			}
		}
		if f.hung(i) {
			break
		}
		seq++
		wg.Add(1)
		go func(i, seq int) {
			defer wg.Done()
			connect, first, err := floorRequest(f.addr(i), fmt.Sprintf("/f/%05d/%d", i, seq))
			if err != nil {
				return
			}
			mu.Lock()
			out = append(out, floorSample{seq: seq, connect: connect, firstByte: first})
			mu.Unlock()
		}(i, seq)
	}
	wg.Wait()
	return out
}

// floorFigures matches the floor's samples to the handler's times and puts their latency error
// in r.
func (f *farm) floorFigures(r *figures, samples []floorSample) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs, handlerErrs, readDelay []float64
	var connect time.Duration
	for _, s := range samples {
		x, ok := f.floorRecs[s.seq]
		if !ok {
			continue
		}
		own, stamped := x.own()
		errs = append(errs, float64(s.connect+s.firstByte-time.Duration(own))/1e6)
		handlerErrs = append(handlerErrs, float64(s.connect+s.firstByte-time.Duration(x.dur))/1e6)
		if stamped {
			readDelay = append(readDelay, float64(x.start-x.rx)/1e6)
		}
		connect += s.connect
	}
	r.FloorRequests = len(errs)
	r.FloorErrMeanMS, r.FloorErrP50MS, r.FloorErrP99MS, r.FloorErrMaxMS = stats(errs)
	r.FloorHandlerErrMeanMS, _, r.FloorHandlerErrP99MS, _ = stats(handlerErrs)
	_, _, r.FloorReadDelayP99MS, _ = stats(readDelay)
	if len(errs) > 0 {
		r.FloorConnectMS = float64(connect) / float64(len(errs)) / 1e6
	}
}

// floorReport is what the floor's CPU child writes on its standard output.
type floorReport struct {
	Requests int   `json:"requests"`
	CPUNanos int64 `json:"cpu_ns"`
}

// floorCPU runs n floor requests in a child process and returns its CPU per request in ms
// (getrusage of the child around the loop alone, not its start), or 0 when n is 0. With rate 0
// they go back to back, 32 at a time: the child's threads never sleep, which is the cheapest a
// request can be and not what uptty does. With a rate, they go evenly spread at rate a second,
// each in a goroutine of its own started by a timer loop, as uptty's scheduler starts its checks:
// each pays what waking a sleeping thread costs, as uptty's do, which makes it the floor to read
// uptty's CPU per check against.
func (f *farm) floorCPU(n int, rate float64) (float64, error) {
	if n <= 0 {
		return 0, nil
	}
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	var addrs []string
	for _, ln := range f.lns {
		addrs = append(addrs, ln.Addr().String())
	}
	var answering []string
	for i := range f.o.n {
		if !f.hung(i) {
			answering = append(answering, strconv.Itoa(i))
		}
	}
	if len(answering) == 0 {
		return 0, errors.New("no endpoint answers")
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d;%s;%s;%g", floorEnv, n, strings.Join(addrs, ","), strings.Join(answering, ","), rate))
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return 0, err
	}
	var rep floorReport
	if err := json.Unmarshal(b, &rep); err != nil {
		return 0, fmt.Errorf("%v: %q", err, b)
	}
	return float64(rep.CPUNanos) / float64(max(rep.Requests, 1)) / 1e6, nil
}

// floorChild is the floor's CPU child: v is "N;ADDR,ADDR…;SVC,SVC…;RATE". It makes N floor
// requests to /c/SVC, back to back 32 at a time when RATE is 0 (the handler's delay would make
// one at a time take N × 20 ms), else evenly spread at RATE a second, each in its own goroutine
// (floorPaced), and writes the CPU the loop took (getrusage, user + system) as a floorReport.
func floorChild(v string) {
	parts := strings.SplitN(v, ";", 4)
	if len(parts) < 3 {
		fmt.Fprintln(os.Stderr, "farm: bad", floorEnv)
		os.Exit(2)
	}
	n, _ := strconv.Atoi(parts[0])
	addrs := strings.Split(parts[1], ",")
	svcs := strings.Split(parts[2], ",")
	var rate float64
	if len(parts) == 4 {
		rate, _ = strconv.ParseFloat(parts[3], 64)
	}
	request := func(k int) bool {
		s := svcs[k%len(svcs)]
		i, _ := strconv.Atoi(s)
		_, _, err := floorRequest(addrs[i%len(addrs)], "/c/"+s)
		return err == nil
	}
	before := usage()
	var done int64
	if rate > 0 {
		done = floorPaced(n, rate, request)
	} else {
		done = floorBackToBack(n, request)
	}
	after := usage()
	json.NewEncoder(os.Stdout).Encode(floorReport{Requests: int(done), CPUNanos: after - before})
}

// usage is the CPU this process has used, user and system.
func usage() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// floorBackToBack makes n requests 32 at a time, each goroutine starting its next as soon as
// its last is answered, and returns how many succeeded.
func floorBackToBack(n int, request func(k int) bool) int64 {
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1)) - 1; k < n; k = int(next.Add(1)) - 1 {
				if request(k) {
					done.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return done.Load()
}

// floorPaced makes n requests at rate a second, the k-th due k/rate after the first (a timer
// reset to the next due time, as uptty's scheduler loop does, so a late wake-up does not move
// the ones after it), each in a goroutine of its own; it returns how many succeeded once all
// have ended.
func floorPaced(n int, rate float64, request func(k int) bool) int64 {
	var done atomic.Int64
	var wg sync.WaitGroup
	period := time.Duration(float64(time.Second) / rate)
	t0 := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for k := range n {
		<-timer.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			if request(k) {
				done.Add(1)
			}
		}()
		timer.Reset(time.Until(t0.Add(time.Duration(k+1) * period)))
	}
	wg.Wait()
	return done.Load()
}
