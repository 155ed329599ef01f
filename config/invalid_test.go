package config_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/text"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid-*.yaml.err from the current messages")

// testEnv is the environment every fixture sees.
func testEnv(key string) (string, bool) {
	v, ok := map[string]string{
		"API_TOKEN":   "s3cret-token",
		"HOME":        "/home/tester",
		"SHORT":       "ab",
		"LONG_SECRET": "s3cret-long-" + strings.Repeat("x", 70),
		"ESC_SECRET":  "s3cret-\x1b[31m-esc",
	}[key]
	return v, ok
}

// TestInvalid checks each testdata/invalid-*.yaml against the exact messages in its .err file.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.yaml")
	if err != nil || len(files) < 15 {
		t.Fatalf("Glob(testdata/invalid-*.yaml) = %d files, %v; want at least 15", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse(data, filepath.Base(file), testEnv, probe.Kinds())
			if err == nil {
				t.Fatalf("Parse(%s) = %+v, nil; want an error", file, cfg)
			}
			if cfg != nil {
				t.Errorf("Parse(%s) returned a config with its error", file)
			}
			for _, e := range config.Errors(err) {
				if strings.Contains(e.Error(), "s3cret") || strings.Contains(e.Error(), "Secret") {
					t.Errorf("message leaks a secret: %s", e)
				}
				if v := text.Violation(e.Error(), 0); v != "" && v != "untrimmed or doubled space" {
					t.Errorf("message %q: %s", e, v)
				}
			}
			if !errors.As(err, new(*config.Error)) {
				t.Errorf("Parse(%s) error %T holds no *Error", file, err)
			}
			got := err.Error() + "\n"
			if *update {
				if err := os.WriteFile(file+".err", []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file + ".err")
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Parse(%s) errors =\n%s\nwant\n%s", file, got, want)
			}
		})
	}
}
