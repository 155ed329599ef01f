package config_test

import (
	"strings"
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// TestLabelsFromEnvironment: ${VAR} in a label (the location, a name, a group) is shown as it
// is, so that one file can run in several places (location: ${UPTTY_LOCATION}), short values
// included; a value that a header, a URL's query or password, a body or a command also uses is
// still a secret everywhere, the label included.
func TestLabelsFromEnvironment(t *testing.T) {
	const yaml = `location: ${LOC}
services:
  - name: Search ${SITE}
    group: ${TEAM}
    url: http://127.0.0.1/health?token=${TOKEN}
  - name: Login ${TOKEN}
    url: https://user:${PASS}@127.0.0.1/
    body: ${BODY}
  - name: Job
    command: [check, "${ARG}"]
`
	env := map[string]string{"LOC": "eu", "SITE": "fra-1", "TEAM": "search-team", "TOKEN": "s3cret-token",
		"PASS": "s3cret-pass", "BODY": "s3cret-body", "ARG": "s3cret-arg"}
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Location != "eu" || cfg.Services[0].Name != "Search fra-1" || cfg.Services[0].Group != "search-team" {
		t.Errorf("location, name, group = %q, %q, %q; want eu, Search fra-1, search-team",
			cfg.Location, cfg.Services[0].Name, cfg.Services[0].Group)
	}
	for _, tt := range []struct{ in, want string }{
		{"Search fra-1 in search-team", "Search fra-1 in search-team"},
		{"Login s3cret-token", "Login •••"},
		{"s3cret-pass s3cret-body s3cret-arg", "••• ••• •••"},
	} {
		for _, s := range []interface{ Mask(string) string }{cfg.Secrets, cfg.Services[0].Secrets, cfg.Services[2].Secrets} {
			if got := s.Mask(tt.in); got != tt.want {
				t.Errorf("Secrets.Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
	// A label's value is still masked in a message, which may come from any part of the file.
	_, err = config.Parse([]byte("location: ${TEAM}\nservices:\n  - {name: a, url: \"http://x/${TEAM}\", nope: 1}\n"), "uptty.yaml",
		func(k string) (string, bool) { v, ok := env[k]; return v, ok }, probe.Kinds())
	if err == nil || strings.Contains(err.Error(), "search-team") {
		t.Errorf("Parse error = %v; want one that does not show search-team", err)
	}
}
