// Package packaging holds the release packaging's files (nfpm.yaml, the systemd unit, the
// maintainer scripts) and checks that the two configs that build packages agree.
package packaging

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// nfpmFields are the fields of an nfpm config that both files set, in nfpm's own spelling
// (goreleaser's nfpms: entries use the same names).
type nfpmFields struct {
	Section     string    `yaml:"section"`
	Priority    string    `yaml:"priority"`
	Maintainer  string    `yaml:"maintainer"`
	Description string    `yaml:"description"`
	Vendor      string    `yaml:"vendor"`
	Homepage    string    `yaml:"homepage"`
	License     string    `yaml:"license"`
	Contents    []content `yaml:"contents"`
	Scripts     scripts   `yaml:"scripts"`
	APK         struct {
		Scripts scripts `yaml:"scripts"`
	} `yaml:"apk"`
}

type content struct {
	Src      string `yaml:"src"`
	Dst      string `yaml:"dst"`
	Type     string `yaml:"type"`
	Expand   bool   `yaml:"expand"`
	FileInfo struct {
		Mode uint32 `yaml:"mode"`
	} `yaml:"file_info"`
}

type scripts struct {
	PreInstall  string `yaml:"preinstall"`
	PostInstall string `yaml:"postinstall"`
	PreRemove   string `yaml:"preremove"`
	PostRemove  string `yaml:"postremove"`
	PostUpgrade string `yaml:"postupgrade"`
}

func decode(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestGoreleaserMatchesNFPM keeps .goreleaser.yaml's packages what CI builds and installs
// from packaging/nfpm.yaml: goreleaser cannot include an nfpm file, so the two are written
// out twice. nfpm.yaml names the binary itself; goreleaser adds it from bindir.
func TestGoreleaserMatchesNFPM(t *testing.T) {
	var nfpm nfpmFields
	decode(t, "nfpm.yaml", &nfpm)
	var gr struct {
		NFPMs []struct {
			nfpmFields `yaml:",inline"`
			Bindir     string `yaml:"bindir"`
		} `yaml:"nfpms"`
	}
	decode(t, filepath.Join("..", ".goreleaser.yaml"), &gr)
	if len(gr.NFPMs) != 1 {
		t.Fatalf(".goreleaser.yaml has %d nfpms entries, want 1", len(gr.NFPMs))
	}
	var binary []content
	nfpm.Contents = slices.DeleteFunc(nfpm.Contents, func(c content) bool {
		if c.Dst == "/usr/bin/uptty" {
			binary = append(binary, c)
			return true
		}
		return false
	})
	if len(binary) != 1 || !binary[0].Expand {
		t.Errorf("nfpm.yaml: want one expanded entry for /usr/bin/uptty, got %+v", binary)
	}
	if got := gr.NFPMs[0].Bindir; got != "/usr/bin" {
		t.Errorf(".goreleaser.yaml nfpms bindir = %q, want /usr/bin", got)
	}
	if got, want := gr.NFPMs[0].nfpmFields, nfpm; !reflect.DeepEqual(got, want) {
		t.Errorf(".goreleaser.yaml nfpms =\n%+v\nwant, as packaging/nfpm.yaml,\n%+v", got, want)
	}
	// Every file either names must exist, so that neither fails only at release time.
	for _, c := range nfpm.Contents {
		if _, err := os.Stat(filepath.Join("..", c.Src)); err != nil {
			t.Errorf("contents: %v", err)
		}
	}
	for _, s := range []string{nfpm.Scripts.PostInstall, nfpm.Scripts.PreRemove, nfpm.Scripts.PostRemove, nfpm.APK.Scripts.PostUpgrade} {
		fi, err := os.Stat(filepath.Join("..", s))
		if err != nil {
			t.Errorf("scripts: %v", err)
		} else if fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("scripts: %s is not executable", s)
		}
	}
}

// TestConfigsAreValid loads the config the packages install and the container's health
// check config as uptty would.
func TestConfigsAreValid(t *testing.T) {
	env := map[string]string{"UPTTY_TOKEN": "token-for-the-test", "HOME": t.TempDir()}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, name := range []string{"config.yaml", "healthcheck.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := config.Parse(b, name, getenv, probe.Kinds()); err != nil {
			t.Errorf("config.Parse(%s) = %v", name, err)
		}
	}
}
