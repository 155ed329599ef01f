package probe

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/uptty/uptty/config"
)

// KindTCP is the kind of tcp://host:port services. It has no options.
const KindTCP config.Kind = "tcp"

var tcpKind = kind{
	spec: config.KindSpec{Kind: KindTCP, Schemes: []string{"tcp"}, Parse: func(*config.Options) any { return nil }},
	new:  func(svc config.Service) (Checker, error) { return asChecker(newTCPChecker(svc)) },
}

// tcpChecker passes when a TCP connection to its address is established.
type tcpChecker struct {
	addr    string // host:port
	timeout time.Duration
	dialer  net.Dialer
}

func newTCPChecker(svc config.Service) (*tcpChecker, error) {
	u, err := url.Parse(svc.URL)
	if err != nil {
		// url.Parse's message repeats the URL, which may hold an expanded secret.
		return nil, fmt.Errorf("tcp: bad url")
	}
	if u.Scheme != "tcp" || u.Hostname() == "" || u.Port() == "" {
		return nil, fmt.Errorf("tcp: url must be tcp://host:port")
	}
	return &tcpChecker{
		addr:    u.Host,
		timeout: svc.Timeout,
		// The connection is closed at once: keep-alive probes would only cost a syscall.
		dialer: net.Dialer{KeepAlive: -1},
	}, nil
}

// Check connects and closes at once. Latency is the time to an established connection: name
// resolution and the connect, as Phases split them, timed at their edges (see
// phaseRecorder.dialLatency); a check that failed is timed from Start.
func (c *tcpChecker) Check(ctx context.Context) Result {
	res := Result{Start: time.Now()}
	rec := newPhaseRecorder(res.Start)
	conn, err := c.dialer.DialContext(rec.withTrace(ctx), "tcp", c.addr)
	res.Latency = time.Since(res.Start)
	if err == nil {
		rec.handshakeRTT(handshakeRTT(conn))
		if d, ok := rec.dialLatency(); ok {
			res.Latency = max(d, 1)
		}
	}
	res.Phases = rec.phases()
	if err != nil {
		res.Reason = checkErrReason(ctx, err, c.timeout)
		return res
	}
	res.Facts = []Fact{{Label: "address", Value: conn.RemoteAddr().String()}}
	conn.Close()
	res.OK = true
	return res
}
