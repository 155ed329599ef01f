package config_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/text"
)

func TestServiceSecrets(t *testing.T) {
	const yaml = `services:
  - name: A
    url: http://127.0.0.1/${API_TOKEN}/health?k=v
    headers:
      Authorization: Bearer tok-header-1
      X-Short: abcd
    expect:
      body_contains: ${API_TOKEN}
  - name: B
    url: https://alice:pa%2Fss-word@127.0.0.1/
  - name: C
    command: [echo, "${API_TOKEN}"]
`
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("alice:pa/ss-word"))
	tests := []struct {
		svc     int
		in      string
		want    string
		display string
	}{
		{0, "got s3cret-token and tok-header-1", "got ••• and •••", "http://127.0.0.1/•••/health?k=•••"},
		{0, "x-short=abcd", "x-short=•••", ""},
		{1, "echo pa/ss-word " + basic, "echo ••• •••", "https://127.0.0.1/"},
		{1, "pa%2Fss-word", "•••", ""},
		{2, "printed s3cret-token", "printed •••", ""},
		// The file's ${VAR} values are every service's secrets; header values are not.
		{2, "tok-header-1", "tok-header-1", ""},
	}
	for _, tt := range tests {
		s := cfg.Services[tt.svc]
		if s.Secrets == nil {
			t.Fatalf("service %s has nil Secrets", s.Name)
		}
		if got := s.Secrets.Mask(tt.in); got != tt.want {
			t.Errorf("%s: Secrets.Mask(%q) = %q, want %q", s.Name, tt.in, got, tt.want)
		}
		if got := s.DisplayURL(); tt.display != "" && got != tt.display {
			t.Errorf("%s: DisplayURL() = %q, want %q", s.Name, got, tt.display)
		}
		if got := cfg.Secrets.Mask(tt.in); strings.Contains(got, "s3cret") || strings.Contains(got, "pa/ss") {
			t.Errorf("Config.Secrets.Mask(%q) = %q, shows a secret", tt.in, got)
		}
	}
}

func TestNamesCleaned(t *testing.T) {
	cfg, err := config.Parse([]byte("services:\n  - name: \"a  b\"\n    url: tcp://127.0.0.1:1\n"), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Services[0].Name; got != "a b" || text.Violation(got, 0) != "" {
		t.Errorf("Name = %q, want %q", got, "a b")
	}
}
