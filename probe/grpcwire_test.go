package probe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

// h2cServer serves handler over plaintext HTTP/2 on 127.0.0.1 until the test ends: a server
// that speaks HTTP/2 as gRPC does without being grpc-go, to answer what grpc-go's server never
// would.
func h2cServer(tb testing.TB, handler http.HandlerFunc) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("net.Listen = %v, want nil", err)
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: handler, Protocols: &protocols}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	tb.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// grpcAnswer answers a call with status and message in the trailers, and a SERVING response
// when status is 0.
func grpcAnswer(status, message string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		if status == "0" {
			_, _ = w.Write([]byte{0, 0, 0, 0, 2, 0x08, 0x01})
		}
		w.Header().Set("Grpc-Status", status)
		w.Header().Set("Grpc-Message", message)
	}
}

func TestGRPCWireAnswers(t *testing.T) {
	noGoroutineLeaks(t)
	var gotTimeout, gotPath, gotType string
	recording := h2cServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotTimeout, gotPath, gotType = r.Header.Get("Grpc-Timeout"), r.URL.Path, r.Header.Get("Content-Type")
		grpcAnswer("0", "")(w, r)
	})
	tests := []struct {
		name    string
		handler http.HandlerFunc
		reason  string
	}{
		{"status in trailers", grpcAnswer("7", "not for you: 100%25"), "permission denied: not for you: 100%"},
		{"trailers-only", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/grpc")
			w.Header().Set("Grpc-Status", "14")
			w.Header().Set("Grpc-Message", "draining")
		}, "unavailable: draining"},
		{"HTTP 404 without a status", http.NotFound, "unimplemented: no health service"},
		{"HTTP 503 without a status", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}, "unavailable: unexpected HTTP status code received from server: 503 (Service Unavailable)"},
		{"no trailers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/grpc")
		}, "internal: server closed the stream without sending trailers"},
		{"OK without a message", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/grpc")
			w.Header().Set("Trailer", "Grpc-Status")
			w.Header().Set("Grpc-Status", "0")
		}, "internal: response without a message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := h2cServer(t, tt.handler)
			c := mustGRPCChecker(t, config.Service{URL: "grpc://" + addr, Timeout: 10 * time.Second}, nil)
			r := c.Check(t.Context())
			if r.OK || r.Reason != tt.reason {
				t.Errorf("Check = %v %q, want false %q", r.OK, r.Reason, tt.reason)
			}
		})
	}

	c := mustGRPCChecker(t, config.Service{URL: "grpc://" + recording + "/up.svc", Timeout: 10 * time.Second}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if r := c.Check(ctx); !r.OK || factOf(r.Facts, "status") != "SERVING" {
		t.Errorf("Check = %v %q status %q, want true SERVING", r.OK, r.Reason, factOf(r.Facts, "status"))
	}
	if gotPath != "/grpc.health.v1.Health/Check" || gotType != "application/grpc" {
		t.Errorf("request to %q as %q, want /grpc.health.v1.Health/Check as application/grpc", gotPath, gotType)
	}
	if gotTimeout == "" || gotTimeout[len(gotTimeout)-1] != 'm' {
		t.Errorf("grpc-timeout %q, want milliseconds left of the check's 10s", gotTimeout)
	}
}

func TestGRPCSWithoutHTTP2(t *testing.T) {
	noGoroutineLeaks(t)
	ca := newTestCA(t, "uptty grpc test CA")
	addr := serveTLS(t, ca.loopbackLeaf(t)) // no ALPN: an HTTPS/1.1 or other TLS server
	c := mustGRPCChecker(t, config.Service{URL: "grpcs://" + addr, Timeout: 10 * time.Second}, ca.pool)
	r := c.Check(t.Context())
	if want := "server did not offer HTTP/2 (ALPN h2): not a gRPC port"; r.OK || r.Reason != want {
		t.Errorf("Check = %v %q, want false %q", r.OK, r.Reason, want)
	}
}

func TestHealthResponse(t *testing.T) {
	tests := []struct {
		msg  []byte
		want string // the status's name, or "error"
	}{
		{nil, "UNKNOWN"},
		{[]byte{0x08, 0x01}, "SERVING"},
		{[]byte{0x08, 0x02}, "NOT_SERVING"},
		{[]byte{0x08, 0x03}, "SERVICE_UNKNOWN"},
		{[]byte{0x08, 0x09}, "9"},
		// fields a newer proto may add, of each wire type, around the status
		{[]byte{0x12, 0x02, 'h', 'i', 0x08, 0x01, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4, 0x20, 0x96, 0x01}, "SERVING"},
		{[]byte{0x08}, "error"},
		{[]byte{0x12, 0x05, 'h'}, "error"},
		{[]byte{0x19, 1, 2}, "error"},
		{[]byte{0x0b}, "error"}, // group start: not in health.proto
	}
	for _, tt := range tests {
		st, err := healthResponse(tt.msg)
		got := st.String()
		if err != nil {
			got = "error"
		}
		if got != tt.want {
			t.Errorf("healthResponse(% x) = %v %v, want %s", tt.msg, st, err, tt.want)
		}
	}
}

func TestHealthRequest(t *testing.T) {
	if got, want := healthRequest(""), []byte{0, 0, 0, 0, 0}; string(got) != string(want) {
		t.Errorf("healthRequest(\"\") = % x, want % x", got, want)
	}
	if got, want := healthRequest("up.svc"), []byte{0, 0, 0, 0, 8, 0x0a, 6, 'u', 'p', '.', 's', 'v', 'c'}; string(got) != string(want) {
		t.Errorf("healthRequest(\"up.svc\") = % x, want % x", got, want)
	}
}

func TestGRPCTimeout(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "1m",
		1500 * time.Microsecond: "1m",
		10 * time.Second:        "10000m",
		30 * time.Hour:          "108000S",
		-time.Second:            "1m",
	} {
		if got := grpcTimeout(d); got != want {
			t.Errorf("grpcTimeout(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestUnframe(t *testing.T) {
	for _, body := range [][]byte{{0, 0, 0}, {1, 0, 0, 0, 0}, {0, 0, 0, 0, 3, 1}} {
		if _, err := unframe(body); err == nil {
			t.Errorf("unframe(% x) = nil error, want one", body)
		}
	}
	var st *grpcStatus
	if _, err := healthResponse([]byte{0x08}); !errors.As(err, &st) || st.code != grpcInternal {
		t.Errorf("healthResponse(truncated) error %v, want an internal status", err)
	}
}
