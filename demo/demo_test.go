package demo

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestInOutage(t *testing.T) {
	tests := []struct {
		elapsed time.Duration
		want    bool
	}{
		{0, false},
		{OutageAfter - time.Millisecond, false},
		{OutageAfter, true},
		{OutageAfter + OutageFor - time.Millisecond, true},
		{OutageAfter + OutageFor, false},
		{OutageAfter + OutageEvery, true},
		{OutageAfter + OutageEvery + OutageFor, false},
	}
	for _, tt := range tests {
		if got := inOutage(tt.elapsed); got != tt.want {
			t.Errorf("inOutage(%v) = %v, want %v", tt.elapsed, got, tt.want)
		}
	}
}

func TestDemoServesItsServices(t *testing.T) {
	defer goleak.VerifyNone(t)
	d, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	names := map[string]bool{}
	for _, svc := range d.Config.Services {
		if names[svc.Name] {
			t.Errorf("duplicate demo service %q", svc.Name)
		}
		names[svc.Name] = true
		if !strings.Contains(svc.URL, "127.0.0.1:") {
			t.Errorf("demo service %q targets %q, want a loopback address", svc.Name, svc.URL)
		}
		if svc.Timeout > svc.Interval || svc.RetryInterval > svc.Interval {
			t.Errorf("demo service %q: timeout %v / retry %v above interval %v", svc.Name, svc.Timeout, svc.RetryInterval, svc.Interval)
		}
	}
	if !names["결제 게이트웨이"] {
		t.Error("demo lacks its Korean-named service")
	}

	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, svc := range d.Config.Services {
		if !strings.HasPrefix(svc.URL, "http://") {
			conn, err := net.DialTimeout("tcp", strings.TrimPrefix(svc.URL, "tcp://"), 3*time.Second)
			if err != nil {
				t.Errorf("%s: %v", svc.Name, err)
				continue
			}
			conn.Close()
			continue
		}
		resp, err := client.Get(svc.URL)
		if err != nil {
			t.Errorf("%s: %v", svc.Name, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Within the first seconds no scripted outage is on, so everything answers.
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "ok") {
			t.Errorf("%s: status %d body %q, want 200 ok", svc.Name, resp.StatusCode, body)
		}
	}
}
