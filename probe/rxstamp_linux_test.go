package probe

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/uptty/uptty/config"
)

// TestHTTPReceiveTime checks that on Linux the wait for the answer ends when the kernel received
// it, as the connection reports, not when the hook ran.
func TestHTTPReceiveTime(t *testing.T) {
	checkerLeakCheck(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-time.After(5 * time.Millisecond) // the handler's own pace, so the answer comes later than the request
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	tr := newTransport(5*time.Second, false)
	t.Cleanup(tr.CloseIdleConnections)
	rec := newPhaseRecorder(time.Now())
	req, err := http.NewRequestWithContext(rec.withTrace(context.Background()), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("Do() = %v, want a response", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != "ok" {
		t.Errorf("body = %q, %v; want ok, nil (read through the timestamping connection)", body, err)
	}
	rec.mu.Lock()
	rx, wait := rec.rx, rec.firstByte
	rec.mu.Unlock()
	if rx.IsZero() {
		t.Fatal("no receive time recorded, want the kernel's")
	}
	if !wait[1].Equal(rx) {
		t.Errorf("wait ended at %v, want at the receive time %v", wait[1], rx)
	}
	if d := wait[1].Sub(wait[0]); d < 5*time.Millisecond || d > 5*time.Second {
		t.Errorf("wait = %v, want the handler's 5ms and a little", d)
	}
}

// TestHTTPReceiveTimeHeld checks, on both paths, over HTTP/1.1, TLS and HTTP/2, that a reader
// kept from the answer once it has arrived (here for 500 ms, as a busy machine keeps a thread
// from a CPU) does not lengthen the latency: the wait ends when the kernel received the answer,
// and it starts when the request went to the kernel, so it holds the handler's own pace and
// little else.
func TestHTTPReceiveTimeHeld(t *testing.T) {
	checkerLeakCheck(t)
	const (
		pace = 5 * time.Millisecond
		held = 500 * time.Millisecond
	)
	for _, proto := range []string{"http", "https", "h2"} {
		for _, path := range httpPaths {
			t.Run(proto+"/"+path.name, func(t *testing.T) {
				answered := make(chan struct{})
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					<-time.After(pace) // the handler's own pace, which the latency keeps
					close(answered)
					w.Header().Set("Content-Length", "2")
					io.WriteString(w, "ok")
					w.(http.Flusher).Flush()
					// The connection stays open until the check closes it: a FIN arriving while the
					// reader is held would give the kernel's receive time its own arrival (the
					// kernel keeps one time per queued buffer, the latest's).
					<-r.Context().Done()
				}))
				if proto == "http" {
					srv.Start()
				} else {
					srv.EnableHTTP2 = proto == "h2"
					srv.StartTLS()
				}
				t.Cleanup(srv.Close)
				addr := srv.Listener.Addr().String()
				holdReader(t, addr, answered, held)

				svc := httpService(srv.URL)
				httpOptions(&svc).Insecure = true
				start := time.Now()
				res := httpRun(t, svc, httpOn(path.transportOnly, nil))
				wall := time.Since(start)
				if !res.OK {
					t.Fatalf("Check() = %q, want OK", res.Reason)
				}
				if wall < held {
					t.Fatalf("Check() took %v, want at least the %v the reader was held (the hold never ran)", wall, held)
				}
				// The connect and the handshake are in the latency too, and slow on a loaded machine
				// under -race: what is checked is that the hold is not.
				if res.Latency < pace || wall-res.Latency < held/2 {
					t.Errorf("Latency = %v of a check of %v, want the handler's %v and more, not the %v the reader was held", res.Latency, wall, pace, held)
				}
				for _, p := range res.Phases {
					if p.Name == PhaseFirstByte && (p.Duration < pace || p.Duration >= held/2) {
						t.Errorf("phase %s = %v, want the handler's %v and a little", p.Name, p.Duration, pace)
					}
				}
			})
		}
	}
}

// TestDNSReceiveTimeHeld checks that a DNS check over UDP whose reader is kept from the answer
// once it has arrived (500 ms) reports the wait for the answer by the kernel's clocks: the
// server's own pace and little else.
func TestDNSReceiveTimeHeld(t *testing.T) {
	noGoroutineLeaks(t)
	const (
		pace = 5 * time.Millisecond
		held = 500 * time.Millisecond
	)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.ListenPacket = %v, want nil", err)
	}
	answered := make(chan struct{})
	var answer sync.Once
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		<-time.After(pace) // the server's own pace, which the latency keeps
		answer.Do(func() { close(answered) })
		m := new(dns.Msg)
		m.SetReply(req)
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("dns.Server.ActivateAndServe = %v, want it serving", err)
	}
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})
	addr := pc.LocalAddr().String()
	holdReader(t, addr, answered, held)

	url := "dns://" + addr + "/a.test"
	c := mustDNSChecker(t, config.Service{URL: url, Timeout: 5 * time.Second})
	start := time.Now()
	res := c.Check(t.Context())
	wall := time.Since(start)
	if !res.OK {
		t.Fatalf("Check(%q) = %q, want OK", url, res.Reason)
	}
	if wall < held {
		t.Fatalf("Check(%q) took %v, want at least the %v the reader was held (the hold never ran)", url, wall, held)
	}
	if res.Latency < pace || res.Latency >= held/2 || wall-res.Latency < held/2 {
		t.Errorf("Check(%q) latency = %v of a check of %v, want the server's %v and a little, not the %v the reader was held", url, res.Latency, wall, pace, held)
	}
}

// holdReader keeps the reader of a connection to addr from running for held, once, at its first
// read after answered is closed (the answer has arrived): what a busy machine does to it.
func holdReader(t *testing.T, addr string, answered <-chan struct{}, held time.Duration) {
	var once sync.Once
	hold := func(remote net.Addr) {
		if remote.String() != addr {
			return
		}
		select {
		case <-answered:
			once.Do(func() { <-time.After(held) })
		default:
		}
	}
	rxTestDelay.Store(&hold)
	t.Cleanup(func() { rxTestDelay.Store(nil) })
}
