// Package packaging holds the release packaging's files (nfpm.yaml, the systemd unit, the
// maintainer scripts) and checks that the two configs that build packages agree.
package packaging

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
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
	// Every file either names must exist, so that neither fails only at release time; those
	// that generate.sh writes to build/, TestGenerated checks.
	for _, c := range nfpm.Contents {
		if generated(c.Src) {
			continue
		}
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

// generated says whether src is one of generate.sh's files (build/ in the configs).
func generated(src string) bool { return strings.HasPrefix(src, "build/") }

// archiveFile is an entry of goreleaser's archives files: a path, or src, dst and strip_parent.
type archiveFile struct {
	Src         string `yaml:"src"`
	Dst         string `yaml:"dst"`
	StripParent bool   `yaml:"strip_parent"`
}

func (f *archiveFile) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		f.Src = n.Value
		return nil
	}
	type plain archiveFile
	return n.Decode((*plain)(f))
}

// TestGenerated runs generate.sh, as the release's before hook and .ci/package do, and checks
// that it writes every file the packages, the archives and the Homebrew formula name, and man
// pages that are reproducible: gzipped with no name or time, dated $SOURCE_DATE_EPOCH.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	var nfpm nfpmFields
	decode(t, "nfpm.yaml", &nfpm)
	var gr struct {
		Archives []struct {
			Files []archiveFile `yaml:"files"`
		} `yaml:"archives"`
		Brews []struct {
			Install string `yaml:"install"`
		} `yaml:"brews"`
	}
	decode(t, filepath.Join("..", ".goreleaser.yaml"), &gr)
	if len(gr.Archives) != 1 || len(gr.Brews) != 1 {
		t.Fatalf(".goreleaser.yaml has %d archives and %d brews, want 1 each", len(gr.Archives), len(gr.Brews))
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "uptty")
	// As the root package's tests build it, so that it is a link from the build cache.
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "build")
	gen := exec.Command("sh", "packaging/generate.sh", bin, out)
	gen.Dir = ".."
	gen.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1798761600") // 2027-01-01
	if b, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("generate.sh: %v\n%s", err, b)
	}
	glob := func(src string) []string {
		m, err := filepath.Glob(filepath.Join(out, strings.TrimPrefix(src, "build/")))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	for _, c := range nfpm.Contents {
		if generated(c.Src) && len(glob(c.Src)) == 0 {
			t.Errorf("nfpm.yaml: generate.sh wrote nothing for %s (%s)", c.Src, c.Dst)
		}
	}
	// The archive's paths, as goreleaser lays them out, for the formula's install lines.
	var archived []string
	for _, f := range gr.Archives[0].Files {
		if !generated(f.Src) {
			if _, err := os.Stat(filepath.Join("..", f.Src)); err != nil {
				t.Errorf("archives files: %v", err)
			}
			continue
		}
		m := glob(f.Src)
		if len(m) == 0 {
			t.Errorf("archives files: generate.sh wrote nothing for %s", f.Src)
		}
		if !f.StripParent || f.Dst == "" {
			t.Errorf("archives files: %s: want a dst and strip_parent", f.Src)
		}
		for _, p := range m {
			archived = append(archived, path.Join(f.Dst, filepath.Base(p)))
		}
	}
	quoted := regexp.MustCompile(`"((?:manpages|completions)/[^"]+)"`)
	names := quoted.FindAllStringSubmatch(gr.Brews[0].Install, -1)
	if len(names) < 4 {
		t.Errorf("brews install names %d man page and completion files, want 4 or more:\n%s", len(names), gr.Brews[0].Install)
	}
	for _, n := range names {
		if !slices.ContainsFunc(archived, func(a string) bool { ok, _ := path.Match(n[1], a); return ok }) {
			t.Errorf("brews install: %s is in no archive (archived: %v)", n[1], archived)
		}
	}

	pages := glob("build/man/*.1.gz")
	if !slices.Contains(pages, filepath.Join(out, "man", "uptty.1.gz")) {
		t.Errorf("man pages %v, want uptty.1.gz among them", pages)
	}
	for _, p := range pages {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		page, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if zr.Name != "" || !zr.ModTime.IsZero() {
			t.Errorf("%s: gzip header name %q, time %v, want neither (gzip -n)", p, zr.Name, zr.ModTime)
		}
		if !strings.Contains(string(page), `.TH "UPTTY`) || !strings.Contains(string(page), `"Jan 2027"`) {
			t.Errorf("%s: want a .TH line dated Jan 2027 ($SOURCE_DATE_EPOCH), got:\n%.300s", p, page)
		}
	}
}

// TestStarterWithAToken: the service the packages' starter config monitors is up on a server
// that has a token, as /etc/default/uptty says to set one before listening off loopback. The
// stand-in answers as uptty serve does then: 401 to a request without the token, /healthz
// included.
func TestStarterWithAToken(t *testing.T) {
	const token = "token-for-the-test"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="uptty"`)
			http.Error(w, "unauthorized: send Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "ok\n")
	}))
	defer srv.Close()
	b, err := os.ReadFile("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.ReplaceAll(string(b), "127.0.0.1:9870", srv.Listener.Addr().String()))
	env := map[string]string{"UPTTY_TOKEN": token, "HOME": t.TempDir()}
	cfg, err := config.Parse(b, "config.yaml", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range cfg.Services {
		c, err := probe.New(svc)
		if err != nil {
			t.Fatal(err)
		}
		if r := probe.Run(t.Context(), c, svc); !r.OK {
			t.Errorf("the starter's %q on a server with a token: %s; want it up", svc.Name, r.Reason)
		}
	}
}
