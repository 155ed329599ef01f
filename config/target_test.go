package config_test

import (
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		in, scheme, problem string
	}{
		{"https://api.example.com/healthz", "https", ""},
		{"HTTP://api.example.com:8080", "http", ""},
		{"http://[::1]:8080/", "http", ""},
		{"tcp://db.example.com:5432", "tcp", ""},
		{"tcp://db.example.com:5432/", "tcp", ""},
		{"tls://mail.example.com:465", "tls", ""},
		{"dns:example.com", "dns", ""},
		{"dns:///example.com?type=AAAA", "dns", ""},
		{"icmp://router.example.com", "icmp", ""},
		{"grpc://g.example.com:50051", "grpc", ""},
		{"grpcs://g.example.com:443/pkg.Svc", "grpc" + "s", ""},
		{"ws://feed.example.com/s", "ws", ""},
		{"wss://feed.example.com", "wss", ""},
		{"example.com", "", "no scheme: write e.g. https://host/path or tcp://host:port"},
		{"localhost:8080", "", "no scheme: write e.g. https://host/path or tcp://host:port"},
		{"gopher://x", "", "unknown scheme \"gopher\"; supported: http, https, tcp, tls, dns, icmp, grpc, grpcs, ws, wss"},
		{"tcp://db.example.com", "tcp", "missing port: write tcp://host:port"},
		{"tcp://user@db.example.com:1", "tcp", "user info is not used: write tcp://host:port"},
		{"icmp://r.example.com#x", "icmp", "a fragment is not used: write icmp://host"},
		{"http://x.example.com:/", "http", `empty port after "x.example.com:"`},
		{"http:x", "http", "missing host: write http://host/path"},
		{"http://a\x00b", "http", "invalid URL: net/url: invalid control character in URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			scheme, problem := config.CheckURL(probe.Kinds(), tt.in)
			if scheme != tt.scheme || problem != tt.problem {
				t.Errorf("checkURL(%q) = %q, %q; want %q, %q", tt.in, scheme, problem, tt.scheme, tt.problem)
			}
		})
	}
}
