package probe

import (
	"context"
	"crypto/tls"
	"net/http/httptrace"
	"sync"
	"time"
)

// The names of the Phases that checkers report, in the order they happen.
const (
	PhaseRedirects = "redirects"  // HTTP: every response before the last one
	PhaseDNS       = "dns"        // name resolution
	PhaseConnect   = "connect"    // TCP connection
	PhaseTLS       = "tls"        // TLS handshake
	PhaseFirstByte = "first byte" // from the request handed to the socket (or the connection, if it never was) to the first response byte received
)

// phaseRecorder times the steps of one check through an httptrace.ClientTrace, which net.Dialer
// honours too. Hooks may run on other goroutines (dials race for dual-stack hosts, the response
// is read on the transport's), and even after the check gave up, hence the mutex.
type phaseRecorder struct {
	mu       sync.Mutex
	start    time.Time
	requests int
	lastReq  time.Time // when the last request of a redirect chain began
	// Each step's start and end; an end that is zero means the step never finished.
	dns, connect, tls, firstByte [2]time.Time
	tlsErr                       error // the TLS handshake's error, if it failed
	connects                     int   // connects the last request's dial started
	// rx is when the kernel received the data of the connection's latest read, where the
	// connection can tell (stampConn); zero otherwise.
	rx time.Time
	// wrote is when the latest write of the wait for the answer began (the clock read just
	// before the write call), where the connection can tell (stampConn); zero otherwise.
	wrote time.Time
}

// recorderKey is the context key under which a check's phaseRecorder reaches its connection.
type recorderKey struct{}

func newPhaseRecorder(start time.Time) *phaseRecorder { return &phaseRecorder{start: start} }

func (p *phaseRecorder) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:  func(string) { p.newRequest() },
		DNSStart: func(httptrace.DNSStartInfo) { p.begin(&p.dns, false) },
		DNSDone:  func(httptrace.DNSDoneInfo) { p.end(&p.dns) },
		// Dual-stack dials start several connects: the step runs from the first start to the
		// last end.
		ConnectStart:      func(string, string) { p.connectStart() },
		ConnectDone:       func(string, string, error) { p.end(&p.connect) },
		TLSHandshakeStart: func() { p.begin(&p.tls, false) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			p.end(&p.tls)
			p.mu.Lock()
			p.tlsErr = err
			p.mu.Unlock()
		},
		GotConn: func(httptrace.GotConnInfo) { p.begin(&p.firstByte, false) },
		// The wait for the answer starts when the request was handed to the socket, not when
		// the transport's goroutines got round to writing it.
		WroteRequest:         func(httptrace.WroteRequestInfo) { p.requestWritten() },
		GotFirstResponseByte: func() { p.endFirstByte() },
	}
}

// newRequest starts over for the next request of a redirect chain: the steps describe the last
// request, and the time before it is the redirects step.
func (p *phaseRecorder) newRequest() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	p.lastReq = time.Now()
	p.dns, p.connect, p.tls, p.firstByte = [2]time.Time{}, [2]time.Time{}, [2]time.Time{}, [2]time.Time{}
	p.tlsErr = nil
	p.connects = 0
	p.rx, p.wrote = time.Time{}, time.Time{}
}

// connectStart begins the connect step, or goes on with it: dual-stack dials start several
// connects, and the step runs from the first start to the last end.
func (p *phaseRecorder) connectStart() {
	p.begin(&p.connect, true)
	p.mu.Lock()
	p.connects++
	p.mu.Unlock()
}

// handshakeRTT shortens the connect step to rtt, the kernel's measure of the TCP handshake
// (from the SYN sent to the SYN-ACK received), when the step was one connect that has ended
// and took longer by the clock: the rest is the wait for the dialling goroutine to be woken
// and given a CPU once the connection was up, which on a busy machine is often milliseconds.
func (p *phaseRecorder) handshakeRTT(rtt time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	se := &p.connect
	if p.connects != 1 || se[0].IsZero() || se[1].IsZero() || rtt <= 0 || rtt >= se[1].Sub(se[0]) {
		return
	}
	se[0] = se[1].Add(-rtt)
}

func (p *phaseRecorder) begin(step *[2]time.Time, keepFirst bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if keepFirst && !step[0].IsZero() {
		return
	}
	step[0], step[1] = time.Now(), time.Time{}
	if step == &p.firstByte {
		p.wrote = time.Time{}
	}
}

// writing records that a write to the connection is about to be made at at. The latest one
// while the wait for the answer runs, when the request has been written, is the one that
// completed the request: for a request that fits one write (any GET), the one that carried its
// first byte. The latest rather than the first, because HTTP/2's connection also writes
// frames of its own (a SETTINGS acknowledgement) beside the request's.
func (p *phaseRecorder) writing(at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.firstByte[0].IsZero() && p.firstByte[1].IsZero() {
		p.wrote = at
	}
}

// requestWritten starts the wait for the answer when the write that completed the request
// began, where the connection told (writing), and otherwise now, as the last write has
// returned. A wait that has ended (a server may answer before it has read the whole request) or
// never began is left alone. The clock read before the write is read while the thread runs, so
// it is the moment the kernel took the request, give or take the write call itself; a clock
// read after the write returns comes late by however long the thread was preempted on its way
// out of the call (the write wakes the server's thread, which on loopback may take this CPU).
func (p *phaseRecorder) requestWritten() {
	p.mu.Lock()
	defer p.mu.Unlock()
	step := &p.firstByte
	if step[0].IsZero() || !step[1].IsZero() {
		return
	}
	if w := p.wrote; !w.IsZero() && !w.Before(step[0]) {
		step[0] = w
		return
	}
	step[0] = time.Now()
}

func (p *phaseRecorder) end(step *[2]time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !step[0].IsZero() {
		step[1] = time.Now()
	}
}

// received records that the kernel received the data of a read at at.
func (p *phaseRecorder) received(at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rx = at
}

// endFirstByte ends the wait for the answer. The read that brought the first response byte is
// the latest one, so when the connection told when its data arrived, the wait ends then: the
// time until this hook runs is the program waiting for a CPU, not the network. A receive time
// outside the wait is not trusted (see arrival).
func (p *phaseRecorder) endFirstByte() {
	p.mu.Lock()
	defer p.mu.Unlock()
	step := &p.firstByte
	if step[0].IsZero() {
		return
	}
	now := time.Now()
	step[1] = now
	if !p.rx.IsZero() {
		step[1], _ = arrival(step[0], now, now.Round(0), p.rx)
	}
}

// handshakeErr returns the TLS handshake's error if the last request's handshake failed.
func (p *phaseRecorder) handshakeErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tlsErr
}

// phases returns the steps that began, in order. A step still running when the check ended
// (a hung handshake) lasts until now, which shows where the time went.
func (p *phaseRecorder) phases() []Phase {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	out := make([]Phase, 0, 5)
	if p.requests > 1 {
		out = append(out, Phase{Name: PhaseRedirects, Duration: p.lastReq.Sub(p.start)})
	}
	steps := [...]struct {
		name string
		se   [2]time.Time
	}{{PhaseDNS, p.dns}, {PhaseConnect, p.connect}, {PhaseTLS, p.tls}, {PhaseFirstByte, p.firstByte}}
	for _, s := range steps {
		if s.se[0].IsZero() {
			continue
		}
		end := s.se[1]
		if end.IsZero() {
			end = now
		}
		out = append(out, Phase{Name: s.name, Duration: end.Sub(s.se[0])})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// latency is the time the network took for a request that got an answer: any redirects, then
// the last request's DNS, connect, TLS and wait from the request handed to the kernel to the
// first response byte, each timed by the hook at its edge (or the kernel's clocks: see
// requestWritten and endFirstByte). What lies between the steps (the transport handing
// the connection from its dialing goroutine to the writing one, the check's goroutine waking
// once the response has been parsed) is the program's own scheduling, which on a busy machine
// can take longer than the network: it is not counted. ok is false when the answer never came.
func (p *phaseRecorder) latency() (d time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.firstByte[1].IsZero() {
		return 0, false
	}
	if p.requests > 1 {
		d = p.lastReq.Sub(p.start)
	}
	for _, se := range [...][2]time.Time{p.dns, p.connect, p.tls, p.firstByte} {
		if !se[0].IsZero() && !se[1].IsZero() {
			d += se[1].Sub(se[0])
		}
	}
	return d, true
}

// dialLatency is the time the network took to connect: the DNS lookup and the connect step (the
// kernel's handshake round trip where handshakeRTT shortened it), each timed at its edges, the
// program's own time between them not counted. ok is false when no connect ended.
func (p *phaseRecorder) dialLatency() (d time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.connect[0].IsZero() || p.connect[1].IsZero() {
		return 0, false
	}
	for _, se := range [...][2]time.Time{p.dns, p.connect} {
		if !se[0].IsZero() && !se[1].IsZero() {
			d += se[1].Sub(se[0])
		}
	}
	return d, true
}

// withTrace returns ctx carrying p's hooks.
func (p *phaseRecorder) withTrace(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(context.WithValue(ctx, recorderKey{}, p), p.trace())
}

// dialTrace has the hooks a dial calls (net.Dialer honours them): the DNS lookup and the
// connects, as trace times them.
func (p *phaseRecorder) dialTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		DNSStart:     func(httptrace.DNSStartInfo) { p.begin(&p.dns, false) },
		DNSDone:      func(httptrace.DNSDoneInfo) { p.end(&p.dns) },
		ConnectStart: func(string, string) { p.connectStart() },
		ConnectDone:  func(string, string, error) { p.end(&p.connect) },
	}
}
