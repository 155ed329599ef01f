package main

import (
	"bufio"
	"io"
	"math"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestYardstick: the latency error is reckoned against the target's own time, from the
// kernel's receipt of the request to the answer's write, and the handler's clock is kept
// beside it. The farm took 5 ms to get round to the request and 0.5 ms after its handler's
// clock stopped to write the answer; uptty reports 25.6 ms for a 20 ms handler: +0.1 ms of its
// own, +5.6 against the handler's clock. Where the kernel sent the answer 2 ms into a slow
// write call, the target's time runs to then. A request without the kernel's stamp falls back
// to the handler's clock and is counted.
func TestYardstick(t *testing.T) {
	o := options{n: 2, interval: 10 * time.Second, duration: 30 * time.Second}
	t0 := time.Unix(1_800_000_000, 0)
	steady, stop := t0.Add(10*time.Second), t0.Add(30*time.Second)
	ms := int64(time.Millisecond)
	var recs []record
	var results []result
	for k := range 2 {
		at := t0.Add(time.Duration(12+10*k) * time.Second).UnixNano()
		rx := at + ms/10
		start := rx + 5*ms
		x := record{svc: 0, start: start, dur: 20 * ms, rx: rx, wrote: start + 20*ms + ms/2, wroteEnd: start + 20*ms + ms/2 + ms/20}
		latency := int64(25_600)
		if k == 1 {
			// Preempted in its write call: the kernel sent the answer 2 ms into it, and uptty's
			// wait ended then.
			x.wroteEnd, x.tx = x.wrote+3*ms, x.wrote+2*ms
			latency += 2000
		}
		recs = append(recs, x)
		results = append(results, result{svc: 0, at: at / ms, latency: latency, ok: true})
	}
	at := t0.Add(15 * time.Second).UnixNano()
	recs = append(recs, record{svc: 1, start: at + ms, dur: 20 * ms}) // no stamps
	results = append(results, result{svc: 1, at: at / ms, latency: 21_000, ok: true})

	r := report(&farm{o: o}, o, recs, results, t0, steady, stop)
	if r.Matched != 3 || r.Unstamped != 1 {
		t.Fatalf("matched %d, unstamped %d; want 3, 1", r.Matched, r.Unstamped)
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 0.001 }
	if !near(r.ErrP50MS, 0.1) || !near(r.ErrMaxMS, 1) {
		t.Errorf("latency error p50 %.3f, max %.3f ms; want 0.1 (stamped), 1 (unstamped, by the handler's clock)", r.ErrP50MS, r.ErrMaxMS)
	}
	if !near(r.HandlerErrP50MS, 5.6) {
		t.Errorf("latency error against the handler's clock p50 %.3f ms, want 5.6", r.HandlerErrP50MS)
	}
	if !near(r.ReadDelayMeanMS, 5) || !near(r.FlushDelayMeanMS, 0.5) || !near(r.WriteCallMeanMS, 1.525) {
		t.Errorf("farm's delays: read %.3f, flush %.3f, write call %.3f ms; want 5, 0.5, 1.525", r.ReadDelayMeanMS, r.FlushDelayMeanMS, r.WriteCallMeanMS)
	}
	if r.NoTxStamp != 1 || !near(r.TxInCallMaxMS, 2) {
		t.Errorf("without a transmit time %d, sent into the write call max %.3f ms; want 1, 2", r.NoTxStamp, r.TxInCallMaxMS)
	}
}

// TestStamps: on a real farm, a request that reached the socket before the farm accepted it
// is timed from its arrival, not from the handler's entry: the record's receive time lies
// within the client's write, and the answer's write after the handler's clock stopped.
func TestStamps(t *testing.T) {
	o := options{n: 1, delay: time.Millisecond, ports: 1}
	f := &farm{o: o, floorRecs: map[int]record{}}
	ln, err := listenStamped("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	waitStamping(t, ln)
	f.srv = &http.Server{Handler: f, ConnContext: withConn}
	f.srv.SetKeepAlivesEnabled(false)
	f.lns = []net.Listener{ln}
	defer f.srv.Close()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	before := time.Now()
	if _, err := c.Write([]byte("GET /s/00000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	// The farm is slow to read: it starts serving 20 ms after the request arrived.
	const late = 20 * time.Millisecond
	<-time.After(late)
	go f.srv.Serve(ln)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The farm closes the connection once the handler has returned, its record made.
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatal(err)
	}

	recs := f.snapshot()
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	x := recs[0]
	if x.rx < before.UnixNano() || x.rx > after.UnixNano() {
		t.Errorf("receive time %v, want within the client's write [%v, %v]", time.Unix(0, x.rx), before, after)
	}
	if x.start-x.rx < int64(late) {
		t.Errorf("handler entered %v after the request arrived, want at least %v", time.Duration(x.start-x.rx), late)
	}
	if x.wrote < x.start+x.dur || x.wroteEnd < x.wrote {
		t.Errorf("answer written at +%v to +%v of the handler's entry, want after its clock stopped (+%v)",
			time.Duration(x.wrote-x.start), time.Duration(x.wroteEnd-x.start), time.Duration(x.dur))
	}
	if x.tx < x.wrote || x.tx > x.wroteEnd {
		t.Errorf("answer sent at %v, want within its write call [%v, %v]", time.Unix(0, x.tx), time.Unix(0, x.wrote), time.Unix(0, x.wroteEnd))
	}
	own, stamped := x.own()
	if !stamped || own != x.tx-x.rx || own < x.dur+int64(late) {
		t.Errorf("own time %v (stamped %v), want the handler's %v and the %v before it", time.Duration(own), stamped, time.Duration(x.dur), late)
	}
}

// waitStamping returns once ln's connections get the kernel's receive times: the kernel turns
// stamping on a moment after the first socket asks for it (a deferred work item), and the test
// writes its request at once.
func waitStamping(t *testing.T, ln net.Listener) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("x"))
		var b [1]byte
		s.SetReadDeadline(deadline)
		_, err = s.Read(b[:])
		c.Close()
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if sc, ok := s.(*stampedConn); !ok {
			t.Fatalf("accepted %T, want *stampedConn", s)
		} else if !sc.rx.IsZero() {
			return
		}
	}
	t.Fatal("no receive time from the kernel within 5 s")
}
