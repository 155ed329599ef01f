package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/text"
)

// fixtures are the configs written from the peers' documented formats, with their converter.
func fixtures(t *testing.T) map[string]func([]byte, string) (Result, error) {
	t.Helper()
	out := map[string]func([]byte, string) (Result, error){}
	for _, pattern := range []string{"testdata/gatus*.yaml", "testdata/kuma*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("no fixtures %s", pattern)
		}
		for _, f := range files {
			if strings.HasPrefix(filepath.Base(f), "gatus") {
				out[f] = Gatus
			} else {
				out[f] = Kuma
			}
		}
	}
	return out
}

// TestGolden compares each conversion and its notes with testdata/TestGolden/<fixture>/*.golden
// (go test ./importer -update rewrites them).
func TestGolden(t *testing.T) {
	for file, convert := range fixtures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			res := convertFile(t, file, convert)
			var notes bytes.Buffer
			for _, n := range res.Notes {
				notes.WriteString(n.String() + "\n")
			}
			kind := "gatus"
			if strings.HasPrefix(filepath.Base(file), "kuma") {
				kind = "kuma"
			}
			notes.WriteString(res.summary(kind) + "\n")
			t.Run("yaml", func(t *testing.T) { golden.RequireEqual(t, res.YAML) })
			t.Run("notes", func(t *testing.T) { golden.RequireEqual(t, notes.Bytes()) })
		})
	}
}

func convertFile(t *testing.T, file string, convert func([]byte, string) (Result, error)) Result {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert(data, file)
	if err != nil {
		t.Fatalf("converting %s: %v", file, err)
	}
	return res
}

// anyEnv sets every variable, as the user will before loading the converted config.
func anyEnv(name string) (string, bool) { return "value-of-" + strings.ToLower(name), true }

// TestOutputLoads loads every conversion with uptty's own loader: the result of an import
// must always be a valid config.
func TestOutputLoads(t *testing.T) {
	for file, convert := range fixtures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			res := convertFile(t, file, convert)
			cfg, err := config.Parse(res.YAML, "converted.yaml", anyEnv, probe.Kinds())
			if err != nil {
				t.Fatalf("config.Parse(import of %s) = %v, want no error; the config:\n%s", file, err, res.YAML)
			}
			if len(cfg.Services) != res.Services {
				t.Errorf("config.Parse(import of %s) has %d services, want %d", file, len(cfg.Services), res.Services)
			}
		})
	}
}

// TestGatusExampleSameURLs converts Gatus's own example config: every endpoint is carried
// over and checks the URL it checked in Gatus.
func TestGatusExampleSameURLs(t *testing.T) {
	res := convertFile(t, "testdata/gatus-example.yaml", Gatus)
	cfg, err := config.Parse(res.YAML, "converted.yaml", nil, probe.Kinds())
	if err != nil {
		t.Fatalf("config.Parse = %v", err)
	}
	got := map[string]string{}
	for _, s := range cfg.Services {
		got[s.Name] = s.URL
	}
	want := map[string]string{
		"front-end":               "https://twin.sh/health",
		"back-end":                "https://example.org/",
		"monitoring":              "https://example.org/",
		"nas":                     "https://example.org/",
		"example-dns-query":       "dns://8.8.8.8/example.com?type=A",
		"icmp-ping":               "icmp://example.org",
		"check-domain-expiration": "https://example.org/",
	}
	if len(got) != len(want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	for name, url := range want {
		if got[name] != url {
			t.Errorf("service %q url = %q, want %q", name, got[name], url)
		}
	}
}

// TestSecretsStayReferences checks that ${VAR} and $VAR in a Gatus config come out as ${VAR}:
// the import never writes a value it found in the environment.
func TestSecretsStayReferences(t *testing.T) {
	t.Setenv("API_TOKEN", "real-secret-token")
	res := convertFile(t, "testdata/gatus.yaml", Gatus)
	out := string(res.YAML)
	if strings.Contains(out, "real-secret-token") {
		t.Errorf("the import wrote the value of $API_TOKEN")
	}
	for _, ref := range []string{"Bearer ${API_TOKEN}", "X-Tenant: ${TENANT}", "https://${SHOP_HOST}/"} {
		if !strings.Contains(out, ref) {
			t.Errorf("import of gatus.yaml lacks %q", ref)
		}
	}
}

// TestCommentedOut checks that what cannot be converted is in the output as comments only.
func TestCommentedOut(t *testing.T) {
	res := convertFile(t, "testdata/kuma.json", Kuma)
	cfg, err := config.Parse(res.YAML, "converted.yaml", anyEnv, probe.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.Services {
		if s.Name == "Nightly backup" || s.Name == "Redis container" {
			t.Errorf("service %q is live, want it commented out", s.Name)
		}
	}
	for _, want := range []string{"  # - name: Nightly backup\n", "  # not converted: push monitor"} {
		if !strings.Contains(string(res.YAML), want) {
			t.Errorf("import of kuma.json lacks %q", want)
		}
	}
}

// TestInvalid feeds input that is not of the kind: each error names the file and position.
func TestInvalid(t *testing.T) {
	tests := []struct {
		file string
		want string // a regular expression the whole error must match
	}{
		{"gatus-unknown-top.yaml", `^testdata/invalid/gatus-unknown-top.yaml:6:1: unknown key "alerts": not a Gatus config key \(want .*alerting.*\)$`},
		{"gatus-unknown-endpoint-key.yaml", `^testdata/invalid/gatus-unknown-endpoint-key.yaml:4:5: endpoints\[0\]: unknown key "condition" \(Gatus knows .*conditions.*\)\n` +
			`testdata/invalid/gatus-unknown-endpoint-key.yaml:9:7: endpoints\[1\].client: unknown key "timout" \(Gatus knows .*timeout.*\)$`},
		{"gatus-not-yaml.yaml", `^testdata/invalid/gatus-not-yaml.yaml:3:4: url: invalid YAML: did not find expected '-' indicator \(check this line's indentation against the lines above\)$`},
		{"gatus-no-endpoints.yaml", `^testdata/invalid/gatus-no-endpoints.yaml:1:1: no endpoints: not a Gatus config$`},
		{"kuma-truncated.json", `^testdata/invalid/kuma-truncated.json:8:24: the JSON ends early: the file is cut short$`},
		{"kuma-version-2.json", `^testdata/invalid/kuma-version-2.json:2:16: a backup of Uptime Kuma "2.0.0-beta.2": uptty reads the JSON export of Uptime Kuma 1.x \(1.6 to 1.23\)$`},
		{"kuma-no-version.json", `^testdata/invalid/kuma-no-version.json:1:1: no version: not an Uptime Kuma backup`},
		{"kuma-not-a-list.json", `^testdata/invalid/kuma-not-a-list.json:4:20: want a list$`},
		{"kuma-bad-json.json", `^testdata/invalid/kuma-bad-json.json:4:49: not valid JSON: invalid character '}' looking for beginning of object key string$`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := "testdata/invalid/" + tt.file
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			convert := Gatus
			if strings.HasPrefix(tt.file, "kuma") {
				convert = Kuma
			}
			_, err = convert(data, path)
			if err == nil || !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Errorf("convert(%s) = %v, want an error matching %s", tt.file, err, tt.want)
			}
		})
	}
}

// TestRun runs the whole command as `uptty import` will.
func TestRun(t *testing.T) {
	tests := []struct {
		kind, file string
		code       int
		stdout     string // a text stdout must contain; "" wants it empty
		stderr     string
	}{
		{"gatus", "testdata/gatus-example.yaml", 0, "  - name: front-end\n", "uptty import gatus: 7 services converted; 4 notes above"},
		{"kuma", "testdata/kuma.json", 0, "  - name: Checkout API\n", "written commented out: push monitor"},
		{"kuma", "testdata/gatus-example.yaml", 2, "", "testdata/gatus-example.yaml:1:1: not valid JSON"},
		// The other kind of file: the command that reads it is named.
		{"kuma", "testdata/gatus.yaml", 2, "", "uptty: import: testdata/gatus.yaml looks like a Gatus config; try: uptty import gatus testdata/gatus.yaml\n"},
		{"gatus", "testdata/kuma.json", 2, "", "uptty: import: testdata/kuma.json looks like an Uptime Kuma backup; try: uptty import kuma testdata/kuma.json\n"},
		{"gatus", "testdata/no-such-file.yaml", 2, "", "uptty: import: open testdata/no-such-file.yaml: no such file or directory"},
		{"nagios", "testdata/gatus.yaml", 2, "", `unknown source "nagios": want gatus or kuma`},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(tt.kind, tt.file, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("Run(%s, %s) = %d, want %d (stderr %q)", tt.kind, tt.file, code, tt.code, stderr.String())
			}
			if tt.stdout == "" && stdout.Len() > 0 || !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("Run(%s, %s) stdout = %q, want it to contain %q", tt.kind, tt.file, stdout.String(), tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("Run(%s, %s) stderr = %q, want it to contain %q", tt.kind, tt.file, stderr.String(), tt.stderr)
			}
		})
	}
}

// TestScalar writes awkward texts and reads them back with YAML.
func TestScalar(t *testing.T) {
	for _, s := range []string{"plain", "", "true", "1", "1.0", "null", "~", "a: b", "# c", "- x", "{a}",
		`{"id": "x"}`, "it's", "tab\there", "two\nlines", " lead", "trail ", "${VAR}", "ünï 결제", "\x00",
		"*alias", "&anchor", "!tag", "@at", "`tick", "%pct", "'q'", `"dq"`, "key:", "?", "|", ">"} {
		doc := "v: " + scalar(s) + "\n"
		var back struct{ V string }
		if err := yamlUnmarshal([]byte(doc), &back); err != nil || back.V != s {
			t.Errorf("scalar(%q) = %s, reads back as %q (%v)", s, scalar(s), back.V, err)
		}
	}
}

// TestWriteText writes bodies over several lines as literal blocks that read back the same.
func TestWriteText(t *testing.T) {
	for _, s := range []string{"one\ntwo", "one\ntwo\n", "one\n\ntwo\n\n", "  indented\nfirst", "a\n  b\n"} {
		var b strings.Builder
		writeText(&b, "", "body", s)
		var back struct{ Body string }
		if err := yamlUnmarshal([]byte(b.String()), &back); err != nil || back.Body != s {
			t.Errorf("writeText(%q) = %q, reads back as %q (%v)", s, b.String(), back.Body, err)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"48h", "2d"}, {"240h", "10d"}, {"25h", "25h"}, {"1h30m", "1h30m"}, {"5m", "5m"},
		{"90s", "1m30s"}, {"150ms", "150ms"}, {"1m36s", "1m36s"}, {"2h0m5s", "2h0m5s"},
	}
	for _, tt := range tests {
		d, err := config.ParseDuration(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := duration(d); got != tt.want {
			t.Errorf("duration(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func yamlUnmarshal(data []byte, v any) error { return yaml.Unmarshal(data, v) }

// TestMergeKeysDoNotExplode merges an alias that merges itself twice, forty levels deep: read
// naively that is 2^40 mappings.
func TestMergeKeysDoNotExplode(t *testing.T) {
	var b strings.Builder
	b.WriteString("x0: &a0\n  interval: 30s\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "x%d: &a%d\n  <<: [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	b.WriteString("endpoints:\n  - <<: *a39\n    name: x\n    url: https://x.example/\n    conditions: ['[STATUS] == 200']\n")
	res, err := Gatus([]byte(b.String()), "merge.yaml")
	if err != nil || !strings.Contains(string(res.YAML), "    interval: 30s\n") {
		t.Errorf("Gatus(deep merges) = %v, %s, want the endpoint with interval 30s", err, res.YAML)
	}
}

// TestReadmeExample converts the Gatus endpoint of README's "Coming from Gatus / Uptime Kuma"
// and finds what the README says the import writes, so that the two never drift apart.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)A Gatus endpoint:\n\n```yaml\n(.*?)```\n\nand what `uptty import gatus` writes for it[^\n]*\n\n```yaml\n(.*?)```").
		FindSubmatch(readme)
	if blocks == nil {
		t.Fatal("README has no Gatus example followed by its conversion")
	}
	res, err := Gatus(blocks[1], "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(res.YAML, blocks[2]) {
		t.Errorf("Gatus(README's example) =\n%s\nwant it to end with README's\n%s", res.YAML, blocks[2])
	}
}

// TestNothingConverted still writes the commented-out entries, and says the config needs one.
func TestNothingConverted(t *testing.T) {
	in := "endpoints:\n  - name: ssh\n    url: ssh://bastion.example.com:22\n    conditions: ['[CONNECTED] == true']\n"
	res, err := Gatus([]byte(in), "ssh.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := "No service could be converted: uncomment or add one before loading the config."
	if res.Services != 0 || !strings.Contains(string(res.YAML), "# "+want+"\n") ||
		!strings.Contains(string(res.YAML), "  # - name: ssh\n") || res.Notes[len(res.Notes)-1].Text != want {
		t.Errorf("Gatus(only ssh) = %d services, notes %v, config:\n%s\nwant none, and %q", res.Services, res.Notes, res.YAML, want)
	}
}

// TestRunNotesClean: a backup or config from elsewhere can hold escape sequences in its names
// and conditions; the notes quote them on stderr, which is most often a terminal.
func TestRunNotesClean(t *testing.T) {
	dir := t.TempDir()
	const hostile = "\u001b]0;PWNED\u0007\u001b[2J\u001b[31m\u202e"
	kuma, _ := json.Marshal(map[string]any{"version": "1.23.0", "monitorList": []map[string]any{
		{"id": 1, "name": "evil" + hostile, "type": "http", "url": "http://127.0.0.1:1/", "interval": 60, "active": true},
		{"id": 2, "name": "push" + hostile, "type": "push", "interval": 60, "active": true}}})
	gatus := "endpoints:\n  - name: \"g\\e[2J\"\n    url: \"http://127.0.0.1:1/\"\n  - name: ok\n    url: \"https://127.0.0.1:1/\"\n" +
		"    conditions: [\"[STATUS] == 200\", \"[DOMAIN_EXPIRATION] > 1h\\e]0;PWNED\\a\"]\n"
	for kind, data := range map[string][]byte{"kuma": kuma, "gatus": []byte(gatus)} {
		file := filepath.Join(dir, kind)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if code := Run(kind, file, &stdout, &stderr); code != 0 {
			t.Fatalf("Run(%s) = %d: %s", kind, code, stderr.String())
		}
		for _, line := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
			if v := text.Violation(line, 0); v != "" {
				t.Errorf("Run(%s) stderr line %q: %s", kind, line, v)
			}
		}
	}
}
