package probe

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
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
