package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	root := t.TempDir()
	write := func(p string) string {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("services: []\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	explicit := write("explicit.yaml")
	fromEnv := write("env.yaml")
	xdg := write("xdg/uptty/config.yaml")
	home := write("home/.config/uptty/config.yaml")
	write("withlocal/uptty.yaml")
	if err := os.MkdirAll(filepath.Join(root, "dirlocal", "uptty.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		cwd      string
		explicit string
		env      map[string]string
		want     string
		found    bool
		err      string
	}{
		{"explicit wins", "withlocal", explicit, map[string]string{"UPTTY_CONFIG": fromEnv}, explicit, true, ""},
		{"explicit missing is an error", "withlocal", root + "/nope.yaml", nil, "", false, "nope.yaml: no such file or directory"},
		{"explicit directory is an error", "empty", root, nil, "", false, "is a directory"},
		{"env before local", "withlocal", "", map[string]string{"UPTTY_CONFIG": fromEnv}, fromEnv, true, ""},
		{"env missing is an error", "withlocal", "", map[string]string{"UPTTY_CONFIG": root + "/gone.yaml"}, "", false, "$UPTTY_CONFIG: config " + root + "/gone.yaml: no such file"},
		{"local before xdg", "withlocal", "", map[string]string{"XDG_CONFIG_HOME": root + "/xdg"}, "uptty.yaml", true, ""},
		{"local directory is an error", "dirlocal", "", nil, "", false, "config uptty.yaml: is a directory"},
		{"xdg", "empty", "", map[string]string{"XDG_CONFIG_HOME": root + "/xdg", "HOME": root + "/home"}, xdg, true, ""},
		{"home", "empty", "", map[string]string{"HOME": root + "/home"}, home, true, ""},
		{"xdg set but empty of config", "empty", "", map[string]string{"XDG_CONFIG_HOME": root + "/empty", "HOME": root + "/home"}, "", false, ""},
		{"nothing", "empty", "", nil, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(filepath.Join(root, tt.cwd))
			getenv := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			got, found, err := Find(tt.explicit, getenv)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("Find(%q) = %q, %v, %v; want error containing %q", tt.explicit, got, found, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want || found != tt.found {
				t.Errorf("Find(%q) = %q, %v, %v; want %q, %v", tt.explicit, got, found, err, tt.want, tt.found)
			}
		})
	}
}
