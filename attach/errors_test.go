package attach

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestInitialErrors: a server that cannot be used is one line saying what is wrong there and
// what to do, never Go's "Get …: dial tcp …: connect: …" nor a page of HTML.
func TestInitialErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	notUptty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<!DOCTYPE HTML>\n<html><body>\n<h1>Error response</h1>\n</body></html>\n"))
	}))
	defer notUptty.Close()
	stuck := make(chan struct{})
	hangs := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
	}))
	defer hangs.Close()
	defer close(stuck)

	tests := []struct {
		name, url string
		want      []string
	}{
		{"nothing listening", "http://" + closed, []string{"http://" + closed + ": connection refused", "uptty serve --listen " + closed}},
		{"another web server", notUptty.URL, []string{notUptty.URL + ": not an uptty serve", "404 Not Found to GET /api/v1/status", "check the address"}},
		// Behind a proxy's path: the message names the path asked for, not another.
		{"a path", notUptty.URL + "/uptty/", []string{notUptty.URL + "/uptty: not an uptty serve", "to GET /uptty/api/v1/status"}},
		{"no answer", hangs.URL, []string{hangs.URL + ": no answer within"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			_, _, err = c.Initial(ctx)
			if err == nil {
				t.Fatalf("Initial(%s) = nil error, want one", tt.url)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Initial(%s) error = %q, want it to say %q", tt.url, msg, w)
				}
			}
			for _, bad := range []string{"dial tcp", "Get \"", "\n", "<", "context deadline"} {
				if strings.Contains(msg, bad) {
					t.Errorf("Initial(%s) error = %q, has %q", tt.url, msg, bad)
				}
			}
		})
	}
}
