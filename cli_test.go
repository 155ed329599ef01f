package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestCommandLine: what cobra parses, on top of TestParseArgs (the hand-made parser's cases):
// flags before the command with their values apart, long flags with one dash as Go's flag
// package took them, the new commands, and flags of one command named as such on another.
func TestCommandLine(t *testing.T) {
	tests := []struct {
		args    []string
		want    options
		wantErr string
	}{
		{args: []string{"--json", "check"}, want: options{command: "check", json: true, theme: "dark"}},
		{args: []string{"--since", "36h", "incidents", "-c", "x.yaml"}, want: options{command: "incidents", config: "x.yaml", theme: "dark", since: 36 * time.Hour}},
		{args: []string{"-json", "check", "-config", "x.yaml"}, want: options{command: "check", config: "x.yaml", json: true, theme: "dark"}},
		{args: []string{"check", "-c=x.yaml", "--theme", "light"}, want: options{command: "check", config: "x.yaml", theme: "light"}},
		{args: []string{"-cx.yaml", "validate"}, want: options{command: "validate", config: "x.yaml", theme: "dark"}},
		{args: []string{"silence", "--reason", "-json", "api", "1h"},
			want: options{command: "silence", theme: "dark", args: []string{"api", "1h"}, silence: silenceOptions{reason: "-json"}}},
		{args: []string{"check", "--version"}, want: options{version: true, theme: "dark"}},
		{args: []string{"version"}, want: options{version: true, theme: "dark"}},
		{args: []string{"help"}, want: options{help: true, theme: "dark"}},
		{args: []string{"help", "check"}, want: options{help: true, theme: "dark"}},
		{args: []string{"check", "--help"}, want: options{help: true, theme: "dark"}},
		{args: []string{"init"}, want: options{command: "init", theme: "dark"}},
		{args: []string{"init", "-c", "new.yaml", "--force", "--from", "https://a.example/", "b.example:5432", "--from", "c.example"},
			want: options{command: "init", config: "new.yaml", theme: "dark",
				init: initOptions{force: true, from: true, urls: []string{"https://a.example/", "c.example", "b.example:5432"}}}},
		{args: []string{"completion", "bash"}, want: options{command: "completion", theme: "dark", args: []string{"bash"}}},
		{args: []string{"man", "--dir", "out"}, want: options{command: "man", theme: "dark", manDir: "out"}},
		{args: []string{"init", "example.com"}, wantErr: `unexpected argument "example.com": to write a service per URL, uptty init --from URL`},
		{args: []string{"init", "--json"}, wantErr: "--json goes with 'check'"},
		{args: []string{"completion"}, wantErr: "completion: which shell?"},
		{args: []string{"completion", "tcsh"}, wantErr: `completion: shell "tcsh": want bash, zsh, fish, powershell`},
		{args: []string{"help", "bogus"}, wantErr: `unknown command "bogus"`},
		{args: []string{"chek"}, wantErr: `did you mean "check"?`},
		{args: []string{"check", "-quiet"}, wantErr: "--quiet goes with the live monitor"},
		{args: []string{"validate", "--ssh-max-sessions", "3"}, wantErr: "--ssh-max-sessions goes with 'serve'"},
		{args: []string{"check", "--force"}, wantErr: "--force goes with 'init'"},
		{args: []string{"check", "--mouse"}, wantErr: "--mouse goes with the live monitor and 'attach'"},
		{args: []string{"-c"}, wantErr: "flag needs an argument: --config"},
		{args: []string{"--wall-page", "soon"}, wantErr: `--wall-page "soon": want a duration`},
		{args: []string{"serve", "--ssh-max-sessions", "many"}, wantErr: `--ssh-max-sessions "many": want a whole number`},
		{args: []string{"man", "extra"}, wantErr: `unexpected argument "extra"`},
		{args: []string{"silence", "api", "-5m"}, wantErr: `"-5m" is not a flag (no duration or number uptty takes is negative)`},
		{args: []string{"check", "--json=maybe"}, wantErr: `--json "maybe": want true or false`},
		// -c "$CFG" with CFG unset must not check whatever ./uptty.yaml happens to be
		{args: []string{"check", "--config="}, wantErr: "--config is empty"},
		{args: []string{"-c", "", "check"}, wantErr: "--config is empty"},
		{args: []string{"-c", ""}, wantErr: "--config is empty"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseArgs(%q) error = %v, want %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseArgs(%q) error = %v", tt.args, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseArgs(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

// commands are every command a user may type, by name.
func commands(t *testing.T) []*cobra.Command {
	t.Helper()
	c := newCLI(nil, nil, nil, nil)
	c.root.InitDefaultHelpCmd()
	var out []*cobra.Command
	for _, sub := range c.root.Commands() {
		if !sub.Hidden {
			out = append(out, sub)
		}
	}
	if len(out) < 12 {
		t.Fatalf("found %d commands, want at least 12", len(out))
	}
	return out
}

// TestEveryCommandHelp: uptty COMMAND --help shows an example, exits 0 and says nothing on
// stderr; uptty --help (and uptty help) is the usage, which names every command.
func TestEveryCommandHelp(t *testing.T) {
	for _, cmd := range commands(t) {
		name := cmd.Name()
		if cmd.Example == "" {
			t.Errorf("uptty %s has no Example", name)
		}
		if !strings.Contains(usage, "uptty "+name) {
			t.Errorf("usage does not mention uptty %s", name)
		}
		code, stdout, stderr := runCLI(t, name, "--help")
		if code != exitOK || stderr != "" || !strings.Contains(stdout, "Examples:\n  ") || !strings.Contains(stdout, "Usage:\n  uptty "+name) {
			t.Errorf("uptty %s --help = %d, stderr %q, stdout:\n%s\nwant 0 with usage and examples", name, code, stderr, stdout)
		}
	}
	// The usage lists every flag, each command's and the ones every command takes.
	for _, cmd := range append(commands(t), commands(t)[0].Root()) {
		cmd.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && f.Name != "help" && !strings.Contains(usage, "--"+f.Name+" ") && !strings.Contains(usage, "--"+f.Name+"[") {
				t.Errorf("usage does not list %s's --%s", cmd.Name(), f.Name)
			}
		})
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		if code, stdout, stderr := runCLI(t, args...); code != exitOK || stdout != usage || stderr != "" {
			t.Errorf("uptty %q = %d, stderr %q, stdout:\n%s\nwant the usage", args, code, stderr, stdout)
		}
	}
	// A word that is no command stays an error with --help: uptty ack --help is not the usage.
	for _, args := range [][]string{{"ack", "--help"}, {"ack", "-h"}, {"-c", "x.yaml", "bogus", "--help"}} {
		code, stdout, stderr := runCLI(t, args...)
		want := "uptty: unknown command \"" + args[len(args)-2] + "\""
		if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.HasSuffix(stderr, "Run 'uptty --help' for usage.\n") {
			t.Errorf("uptty %q = %d, stdout %.40q…, stderr %q; want 2 and %q", args, code, stdout, stderr, want)
		}
	}
	if code, _, stderr := runCLI(t, "help", "ack"); code != exitUsage || !strings.HasSuffix(stderr, "Run 'uptty --help' for usage.\n") {
		t.Errorf("uptty help ack = %d, stderr %q; want 2 and a pointer to uptty --help", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "help", "silence"); code != exitOK || !strings.Contains(stdout, `uptty silence "Checkout API" 2h`) {
		t.Errorf("uptty help silence = %d, %q; want silence's help", code, stdout)
	}
}

// TestThemeOnlyWhereAScreenIs: --theme is listed by the commands that draw a screen (the live
// monitor, attach, serve for its SSH viewers) and by no other, while every command still takes it
// (uptty --theme light check, from an alias).
func TestThemeOnlyWhereAScreenIs(t *testing.T) {
	screens := map[string]bool{"attach": true, "serve": true}
	for _, cmd := range commands(t) {
		name := cmd.Name()
		_, stdout, _ := runCLI(t, name, "--help")
		if got := strings.Contains(stdout, "--theme"); got != screens[name] {
			t.Errorf("uptty %s --help lists --theme: %v, want %v", name, got, screens[name])
		}
		if screens[name] && !strings.Contains(stdout, "--theme NAME ") {
			t.Errorf("uptty %s --help does not say --theme NAME, as uptty --help does", name)
		}
	}
	if code, stdout, _ := runCLI(t, "--help"); code != exitOK || !strings.Contains(stdout, "--theme") {
		t.Errorf("uptty --help = %d, does not list --theme", code)
	}
	if got, err := parseArgs([]string{"--theme", "light", "validate"}); err != nil || got.theme != "light" {
		t.Errorf("parseArgs(--theme light validate) = %+v, %v; want theme light", got, err)
	}
}

// TestConfigOnlyWhereUsed: --config is listed by the commands that read (or, init, write) a
// config, and by no other: attach refuses it, man, import and version ignore it.
func TestConfigOnlyWhereUsed(t *testing.T) {
	unused := map[string]bool{"attach": true, "man": true, "import": true, "version": true, "help": true}
	for _, cmd := range commands(t) {
		name := cmd.Name()
		_, stdout, _ := runCLI(t, name, "--help")
		if got := strings.Contains(stdout, "--config"); got == unused[name] {
			t.Errorf("uptty %s --help lists --config: %v, want %v", name, got, !unused[name])
		}
	}
	if got, err := parseArgs([]string{"-c", "x.yaml", "check"}); err != nil || got.config != "x.yaml" {
		t.Errorf("parseArgs(-c x.yaml check) = %+v, %v; want config x.yaml", got, err)
	}
	if _, err := parseArgs([]string{"attach", "-c", "x.yaml", "http://127.0.0.1:9870"}); err == nil || !strings.Contains(err.Error(), "--config does not go with 'attach'") {
		t.Errorf("parseArgs(attach -c x.yaml URL) error = %v, want --config does not go with 'attach'", err)
	}
}

// TestHelpFitsEighty: uptty --help and every command's --help fit an 80-column terminal, the
// size a new user most often has, without a line wrapping.
func TestHelpFitsEighty(t *testing.T) {
	pages := [][]string{{"--help"}}
	for _, cmd := range commands(t) {
		pages = append(pages, []string{cmd.Name(), "--help"})
	}
	for _, args := range pages {
		_, stdout, _ := runCLI(t, args...)
		for i, l := range strings.Split(stdout, "\n") {
			if w := utf8.RuneCountInString(l); w > 80 {
				t.Errorf("uptty %s line %d is %d columns: %q", strings.Join(args, " "), i+1, w, l)
			}
		}
	}
}

// TestUsageErrorIsOneLine: a usage error is one line and a pointer to --help on stderr, exit 2,
// nothing on stdout: cobra's usage dump and its "Error:" prefix stay off.
func TestUsageErrorIsOneLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "uptty: unknown flag: --nope\nRun 'uptty --help' for usage.\n"},
		{[]string{"frobnicate"}, "uptty: unknown command \"frobnicate\" (commands: alerts, attach, check, completion, import, incidents, init, man, serve, silence, unsilence, validate, version)\nRun 'uptty --help' for usage.\n"},
		{[]string{"check", "--since", "1h"}, "uptty: --since goes with 'alerts' and 'incidents'\nRun 'uptty check --help' for usage.\n"},
		{[]string{"-c", "x.yaml", "silence", "api"}, "uptty: silence takes a name and a duration: uptty silence NAME DURATION [--reason TEXT] [--group]\nRun 'uptty silence --help' for usage.\n"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != exitUsage || stdout != "" || stderr != tt.want {
			t.Errorf("uptty %q = %d, stdout %q, stderr %q; want 2 and %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

// completionConfig is a config whose names completion offers; its ${VAR} is unset, as a
// token may well be in the shell that completes.
const completionConfig = `services:
  - {name: Checkout API, group: payments, url: "https://127.0.0.1:1/healthz", headers: {Authorization: "Bearer ${COMPLETION_UNSET_TOKEN}"}}
  - {name: Search, group: web, url: "tcp://127.0.0.1:9"}
  - {name: Status page, group: web, url: "http://127.0.0.1:1/"}
`

// TestCompleteNames drives cobra's __complete, which every shell's script calls.
func TestCompleteNames(t *testing.T) {
	cfg := writeConfig(t, completionConfig)
	valid := writeConfig(t, "services:\n  - {name: Solo, url: \"tcp://127.0.0.1:9\"}\n")
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-c", cfg, "silence", ""}, []string{"Checkout API", "Search", "Status page"}},
		{[]string{"--config", cfg, "silence", "S"}, []string{"Search", "Status page"}},
		{[]string{"silence", "--group", "-c", cfg, ""}, []string{"payments", "web"}},
		{[]string{"silence", "-c", cfg, "Search", ""}, []string{"30m", "1h", "2h", "4h", "1d"}},
		{[]string{"silence", "-c", cfg, "Search", "1h", ""}, nil},
		{[]string{"unsilence", "-c", cfg, ""}, []string{"Checkout API", "Search", "Status page", "payments", "web"}},
		{[]string{"incidents", "-c", cfg, "--service", "Ch"}, []string{"Checkout API"}},
		{[]string{"incidents", "-c", valid, "--service", ""}, []string{"Solo"}},
		// No config anywhere: nothing offered, and no error.
		{[]string{"silence", ""}, nil},
		{[]string{"-c", filepath.Join(t.TempDir(), "missing.yaml"), "silence", ""}, nil},
		{[]string{"--theme", ""}, []string{"dark", "light"}},
		{[]string{"serve", "--log-format", ""}, []string{"text", "json"}},
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish", "powershell"}},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, append([]string{"__complete"}, tt.args...)...)
		lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		if code != exitOK || len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
			t.Errorf("uptty __complete %q = %d, %q, %q; want 0 and completions ending in :directive", tt.args, code, stdout, stderr)
			continue
		}
		var got []string
		for _, l := range lines[:len(lines)-1] {
			name, _, _ := strings.Cut(l, "\t") // a description may follow
			got = append(got, name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("uptty __complete %q = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// TestCompleteFlagDescriptions: a flag's description in completion reads as in --help. cobra
// gives the usage as written, so zsh and fish listed "--config  config `FILE` (default: …)"
// and "--wall-page  how long (`DUR`) the wallboard…", pflag's value names in backquotes.
func TestCompleteFlagDescriptions(t *testing.T) {
	for _, args := range [][]string{{"--"}, {"check", "--"}, {"attach", "x", "--"}, {"serve", "--"}, {"init", "--"}} {
		code, stdout, stderr := runCLI(t, append([]string{"__complete"}, args...)...)
		if code != exitOK {
			t.Errorf("uptty __complete %q = %d, %q, %q", args, code, stdout, stderr)
		}
		for _, l := range strings.Split(stdout, "\n") {
			if strings.Contains(l, "`") {
				t.Errorf("uptty __complete %q offers %q, with pflag's backquotes", args, l)
			}
		}
	}
	_, stdout, _ := runCLI(t, "__complete", "check", "--")
	if !strings.Contains(stdout, "--config\tconfig FILE (default: ") {
		t.Errorf("uptty __complete check -- = %q; want --config described as in --help", stdout)
	}
}

// TestCompletionScripts: each shell's script is written, and bash's, sourced in a real bash,
// completes commands, flags and the config's service names through the built binary.
func TestCompletionScripts(t *testing.T) {
	marks := map[string]string{"bash": "complete -o default -F __start_uptty uptty", "zsh": "#compdef uptty",
		"fish": "complete -c uptty", "powershell": "Register-ArgumentCompleter"}
	for _, shell := range shells {
		code, stdout, stderr := runCLI(t, "completion", shell)
		if code != exitOK || stderr != "" || !strings.Contains(stdout, marks[shell]) || !strings.Contains(stdout, "__complete") {
			t.Errorf("uptty completion %s = %d, stderr %q, %d bytes; want a script with %q", shell, code, stderr, len(stdout), marks[shell])
		}
	}
	if testing.Short() {
		t.Skip("builds the binary and runs bash")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "uptty.bash")
	var out bytes.Buffer
	if code := run([]string{"completion", "bash"}, &out, &out, envFrom(nil)); code != exitOK {
		t.Fatal(out.String())
	}
	os.WriteFile(script, out.Bytes(), 0o600)
	cfg := writeConfig(t, completionConfig)
	// Outside a real completion compopt refuses to run: a stand-in. bash-completion's helpers
	// are not loaded (bash --norc), as on a host without that package, where the script must
	// complete all the same (it printed "_get_comp_words_by_ref: command not found").
	driver := `source "$SCRIPT" || exit 1
complete -p uptty || exit 1
compopt() { :; }
drive() {
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  __start_uptty uptty "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s|' "${COMPREPLY[@]}"; echo
}
drive uptty silence ''
drive uptty silence Ch
drive uptty -c "$UPTTY_CONFIG" unsilence ''
drive uptty incidents --service St
drive uptty vali
drive uptty check --j
drive uptty -c pro
`
	os.WriteFile(filepath.Join(dir, "prod.yaml"), nil, 0o600) // what -c pro completes to
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", driver)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"SCRIPT=" + script, "UPTTY_CONFIG=" + cfg, "HOME=" + dir}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("bash: %v\n%s\nstderr: %s", err, got, stderr.String())
	}
	want := strings.Join([]string{
		"complete -o default -F __start_uptty uptty",
		"Checkout API|Search|Status page|",
		`Checkout\ API|`, // the one match, escaped for the command line
		"Checkout API|Search|Status page|payments|web|",
		`Status\ page|`,
		"validate|",
		"--json|",
		"prod.yaml|",
	}, "\n") + "\n"
	if string(got) != want {
		t.Errorf("bash completions:\n%s\nwant:\n%s", got, want)
	}
}

// TestMan: uptty man writes uptty.1 and a page per command, man(1) pages with NAME and SYNOPSIS,
// dated by $SOURCE_DATE_EPOCH, and lists them.
func TestMan(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	var stdout, stderr bytes.Buffer
	code := run([]string{"man", "--dir", dir}, &stdout, &stderr, envFrom(map[string]string{"SOURCE_DATE_EPOCH": "1798761600"}))
	if code != exitOK || stderr.Len() != 0 {
		t.Fatalf("uptty man = %d, %q", code, stderr.String())
	}
	want := []string{filepath.Join(dir, "uptty.1")}
	for _, cmd := range commands(t) {
		if cmd.Name() != "help" {
			want = append(want, filepath.Join(dir, "uptty-"+cmd.Name()+".1"))
		}
	}
	slices.Sort(want)
	listed := strings.Fields(stdout.String())
	slices.Sort(listed)
	if !slices.Equal(listed, want) {
		t.Errorf("uptty man listed %q, want %q", listed, want)
	}
	written, _ := filepath.Glob(filepath.Join(dir, "*"))
	if !slices.Equal(written, want) {
		t.Errorf("uptty man wrote %q, want %q", written, want)
	}
	for _, page := range want {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		name := strings.TrimSuffix(filepath.Base(page), ".1")
		for _, s := range []string{`.TH "` + strings.ToUpper(name) + `" "1" "Jan 2027"`, ".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH EXAMPLE",
			name + ` \- `} {
			if !strings.Contains(text, s) {
				t.Errorf("%s lacks %q:\n%s", page, s, text)
			}
		}
	}
	root, _ := os.ReadFile(filepath.Join(dir, "uptty.1"))
	for _, s := range []string{"Exit status", "--config", "uptty-check(1)"} {
		if !strings.Contains(string(root), s) {
			t.Errorf("uptty.1 lacks %q", s)
		}
	}
	check, _ := os.ReadFile(filepath.Join(dir, "uptty-check.1"))
	if !strings.Contains(string(check), "--json") {
		t.Errorf("uptty-check.1 lacks --json:\n%s", check)
	}
}

// TestInit: uptty init writes a config that uptty validate accepts, refuses to overwrite one
// without --force, and turns --from URLs into services.
func TestInit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.yaml")
	code, stdout, stderr := runCLI(t, "init", "-c", path)
	if code != exitOK || !strings.Contains(stdout, "wrote "+path) || stderr != "" {
		t.Fatalf("uptty init = %d, %q, %q", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "validate", "-c", path); code != exitOK || !strings.Contains(stdout, "ok, 1 service") {
		t.Errorf("uptty validate of the starter = %d, %q, %q", code, stdout, stderr)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("starter config mode = %v, %v; want 0600 (headers hold secrets)", info.Mode(), err)
	}
	before, _ := os.ReadFile(path)

	code, stdout, stderr = runCLI(t, "init", "-c", path, "--from", "tcp://127.0.0.1:9")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, path+" exists; pass --force to overwrite it") {
		t.Errorf("uptty init over a file = %d, %q, %q; want 2 and --force", code, stdout, stderr)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("uptty init without --force changed the file")
	}

	code, _, stderr = runCLI(t, "--from", "https://api.example.com/healthz", "init", "--force", "-c", path,
		"db.example.com:5432", "example.org", "dns:example.com?type=MX", "icmp://router.example.com", "grpc://127.0.0.1:9090", "wss://feed.example.com/socket")
	if code != exitOK {
		t.Fatalf("uptty init --force --from = %d, %q", code, stderr)
	}
	code, stdout, stderr = runCLI(t, "validate", "-c", path)
	if code != exitOK || !strings.Contains(stdout, "ok, 7 services") {
		t.Errorf("uptty validate after init --from = %d, %q, %q", code, stdout, stderr)
	}
	data, _ := os.ReadFile(path)
	for _, s := range []string{"name: api.example.com\n    url: https://api.example.com/healthz", "name: db.example.com\n    url: tcp://db.example.com:5432",
		"# no scheme given: checked over https\n  - name: example.org\n    url: https://example.org", "url: dns:example.com?type=MX", "name: example.com DNS"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("config from --from lacks %q:\n%s", s, data)
		}
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"init", "-c", filepath.Join(dir, "x.yaml"), "--from", "ftp://files.example.com"}, `uptty does not check ftp:// URLs`},
		// The URL at fault and why, not a line of a file that was never written.
		{[]string{"init", "-c", filepath.Join(dir, "x.yaml"), "--from", "https://example.com/${UNSET_PATH}"}, `init: "https://example.com/${UNSET_PATH}": environment variable UNSET_PATH is not set`},
		{[]string{"init", "-c", filepath.Join(dir, "x.yaml"), "--from", "example.com", "db.example.com:99999"}, `init: "https://db.example.com:99999": port "99999" is not from 1 to 65535`},
	} {
		code, _, stderr := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, "uptty: init: ") || !strings.Contains(stderr, tt.want) {
			t.Errorf("uptty %q = %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.yaml")); err == nil {
		t.Error("a refused uptty init wrote its file")
	}
}

// TestInitEveryBadURL: uptty init --from names every URL it cannot use at once, not the
// first only, as a config's errors are all reported.
func TestInitEveryBadURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.yaml")
	code, _, stderr := runCLI(t, "init", "-c", path, "--from", "http://exa mple", "ftp://files.example.com", "tcp://db.example.com", "example.org")
	if code != exitUsage {
		t.Fatalf("uptty init with bad URLs = %d, %q; want 2", code, stderr)
	}
	for _, want := range []string{`"http://exa mple"`, `"ftp://files.example.com"`, `"tcp://db.example.com"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("uptty init stderr = %q; want it to name %s", stderr, want)
		}
	}
	if strings.Contains(stderr, "example.org") {
		t.Errorf("uptty init stderr = %q names example.org, which is fine", stderr)
	}
}

// TestInitMakesDirectory: uptty init -c ~/.config/uptty/config.yaml on a machine where that
// directory does not exist yet makes it (0700, as the XDG spec asks), rather than failing
// with "no such file or directory" on the lookup's own path.
func TestInitMakesDirectory(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".config", "uptty", "config.yaml")
	code, stdout, stderr := runCLI(t, "init", "-c", path)
	if code != exitOK || !strings.Contains(stdout, "wrote "+path) {
		t.Fatalf("uptty init -c %s = %d, %q, %q; want 0", path, code, stdout, stderr)
	}
	info, err := os.Stat(filepath.Dir(path))
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("the directory made = %v, %v; want 0700", info.Mode(), err)
	}
	if code, _, stderr := runCLIEnv(t, map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config")}, "validate"); code != exitOK {
		t.Errorf("uptty validate with HOME=%s = %d, %q; want the lookup to find it", home, code, stderr)
	}
}

// TestInitDefaultPath: without --config, uptty init writes ./uptty.yaml, which the lookup then
// finds.
func TestInitDefaultPath(t *testing.T) {
	t.Chdir(t.TempDir())
	if code, _, stderr := runCLI(t, "init", "--from", "tcp://127.0.0.1:9"); code != exitOK {
		t.Fatalf("uptty init = %d, %q", code, stderr)
	}
	if code, stdout, stderr := runCLI(t, "validate"); code != exitOK || !strings.Contains(stdout, "uptty.yaml: ok, 1 service") {
		t.Errorf("uptty validate = %d, %q, %q", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "init"); code != exitUsage || !strings.Contains(stderr, "uptty.yaml exists") {
		t.Errorf("second uptty init = %d, %q; want 2", code, stderr)
	}
}

// TestImport runs uptty import as a user would: the config on stdout loads with validate, the
// notes on stderr, and usage mistakes exit 2 before anything is read.
func TestImport(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []struct{ kind, file string }{
		{"gatus", "importer/testdata/gatus.yaml"},
		{"kuma", "importer/testdata/kuma.json"},
	} {
		code, stdout, stderr := runCLI(t, "import", kind.kind, kind.file)
		if code != exitOK || !strings.Contains(stdout, "services:") || !strings.Contains(stderr, "not carried over") {
			t.Fatalf("uptty import %s = %d, %d bytes, %q", kind.kind, code, len(stdout), stderr)
		}
		path := filepath.Join(dir, kind.kind+".yaml")
		if err := os.WriteFile(path, []byte(stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		// The import keeps the source's ${VAR} references: give each one a value.
		env := map[string]string{}
		for _, m := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`).FindAllStringSubmatch(stdout, -1) {
			env[m[1]] = "example.org"
		}
		code, out, errOut := runCLIEnv(t, env, "validate", "-c", path)
		if code != exitOK {
			t.Errorf("uptty validate of the %s import = %d, %q, %q", kind.kind, code, out, errOut)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "import: from what?"},
		{[]string{"import", "gatus"}, "which file?"},
		{[]string{"import", "nagios", "x"}, `"nagios": want gatus or kuma`},
		{[]string{"import", "kuma", filepath.Join(dir, "missing.json")}, "missing.json"},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("uptty %s = %d, %q, %q; want 2 and %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.want)
		}
	}
}

// TestInitFromStdin: uptty init --from - reads the URLs from stdin rather than writing a
// service for https://-, and a word no host name can be is refused.
func TestInitFromStdin(t *testing.T) {
	dir := t.TempDir()
	noEnv := func(string) (string, bool) { return "", false }
	path := filepath.Join(dir, "from-stdin.yaml")
	opts := options{config: path, init: initOptions{from: true, urls: []string{"-", "example.org"}}}
	var stdout, stderr strings.Builder
	in := strings.NewReader("# services\nhttps://api.example.com/healthz\n\ndb.example.com:5432  # the database\n")
	if code := runInit(opts, in, &stdout, &stderr, noEnv); code != exitOK {
		t.Fatalf("uptty init --from - = %d, %q", code, stderr.String())
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{"url: https://api.example.com/healthz", "url: tcp://db.example.com:5432", "url: https://example.org"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("config from stdin lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "https://-") {
		t.Errorf("config from stdin has a service for https://-:\n%s", data)
	}
	for _, tt := range []struct {
		urls    []string
		stdin   string
		wantErr string
	}{
		{[]string{"-"}, "\n# nothing\n", "--from -: stdin had no URL"},
		{[]string{"-x"}, "", `"-x": want a URL`},
	} {
		stderr.Reset()
		opts := options{config: filepath.Join(dir, "no.yaml"), init: initOptions{from: true, urls: tt.urls}}
		if code := runInit(opts, strings.NewReader(tt.stdin), io.Discard, &stderr, noEnv); code != exitUsage || !strings.Contains(stderr.String(), tt.wantErr) {
			t.Errorf("uptty init --from %q = %d, %q; want 2 and %q", tt.urls, code, stderr.String(), tt.wantErr)
		}
	}
}

// TestInitOddPaths: uptty init -c - writes the config on stdout, as Unix tools take "-" (it
// wrote a file named "-" and said to try uptty check -c -, which read that file by chance);
// -c naming a directory says so, and which file to name instead (it said the directory
// "exists; pass --force", and --force then failed with "open …: is a directory").
func TestInitOddPaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, stdout, stderr := runCLI(t, "init", "-c", "-", "--from", "tcp://127.0.0.1:9")
	if code != exitOK || stderr != "" || !strings.HasPrefix(stdout, "# uptty config") || !strings.Contains(stdout, "url: tcp://127.0.0.1:9") {
		t.Errorf("uptty init -c - = %d, %q, %q; want the config on stdout", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
		t.Error(`uptty init -c - wrote a file named "-"`)
	}
	path := filepath.Join(dir, "out.yaml")
	if err := os.WriteFile(path, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "validate", "-c", path); code != exitOK {
		t.Errorf("uptty validate of init -c -'s output = %d, %q, %q", code, out, errOut)
	}
	for _, force := range []bool{false, true} {
		args := []string{"init", "-c", dir}
		if force {
			args = append(args, "--force")
		}
		code, stdout, stderr := runCLI(t, args...)
		if want := dir + " is a directory: uptty init -c " + filepath.Join(dir, "uptty.yaml"); code != exitUsage || stdout != "" || !strings.Contains(stderr, want) {
			t.Errorf("uptty %q = %d, %q, %q; want 2 and %q", args, code, stdout, stderr, want)
		}
	}
}

// TestManyConfigErrors: a config with a mistake repeated through it (a generated one) made the
// live monitor and check print every error, 120,000 lines that scrolled its first ones away;
// they print the first 20 and how many more there are, which uptty validate lists whole.
func TestManyConfigErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("services:\n")
	for range 60 {
		b.WriteString("  - name: s\n    url: bad://x\n")
	}
	path := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", "-c", path}, {"-c", path}} {
		code, stdout, stderr := runCLI(t, args...)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		want := "… and 99 more errors: uptty validate -c " + path + " lists every one"
		if code != exitUsage || stdout != "" || len(lines) != 21 || lines[20] != want {
			t.Errorf("uptty %q = %d, %d lines on stderr ending %q; want 2, 21 lines ending %q", args, code, len(lines), lines[len(lines)-1], want)
		}
	}
	code, _, stderr := runCLI(t, "validate", "-c", path)
	if n := strings.Count(stderr, "\n"); code != exitUsage || n != 119 {
		t.Errorf("uptty validate = %d, %d lines; want 2 and every one of the 119 errors", code, n)
	}
}

// TestConfigTilde: a shell expands ~ at the start of a word only, so --config=~/x.yaml and
// UPTTY_CONFIG=~/x.yaml (a systemd unit, a Dockerfile) reached uptty as written: init made a
// directory named ~ in the working directory, and check said "config ~/x.yaml: no such file"
// of a file that is there. A leading ~/ is $HOME, as in history.path.
func TestConfigTilde(t *testing.T) {
	t.Chdir(t.TempDir())
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	code, stdout, stderr := runCLIEnv(t, env, "init", "--config=~/cfg/uptty.yaml")
	want := filepath.Join(home, "cfg", "uptty.yaml")
	if code != exitOK || !strings.Contains(stdout, "wrote "+want) {
		t.Errorf("uptty init --config=~/cfg/uptty.yaml = %d, %q, %q; want it written to %s", code, stdout, stderr, want)
	}
	if _, err := os.Stat("~"); err == nil {
		t.Error("uptty init --config=~/… made a directory named ~")
	}
	if code, stdout, stderr := runCLIEnv(t, env, "validate", "--config=~/cfg/uptty.yaml"); code != exitOK {
		t.Errorf("uptty validate --config=~/cfg/uptty.yaml = %d, %q, %q", code, stdout, stderr)
	}
	env["UPTTY_CONFIG"] = "~/cfg/uptty.yaml"
	if code, stdout, stderr := runCLIEnv(t, env, "validate"); code != exitOK {
		t.Errorf("UPTTY_CONFIG=~/cfg/uptty.yaml uptty validate = %d, %q, %q", code, stdout, stderr)
	}
}

// TestConfigDash: uptty init -c - writes the config on stdout, so a pipe into validate or check
// with -c - is the next thing tried; it said "config -: no such file or directory". It says
// what reads stdin: -c /dev/stdin.
func TestConfigDash(t *testing.T) {
	for _, args := range [][]string{{"validate", "-c", "-"}, {"check", "--config", "-"}, {"-c", "-"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "--config -: ") || !strings.Contains(stderr, "-c /dev/stdin") {
			t.Errorf("uptty %q = %d, %q, %q; want 2 and -c /dev/stdin", args, code, stdout, stderr)
		}
	}
}

// TestFlagTypo: a flag mistyped is answered with the one meant, as a command's typo is
// ("unknown flag: --jsn" left the user to read the help for --json).
func TestFlagTypo(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--jsn"}, "unknown flag: --jsn; did you mean --json?"},
		{[]string{"check", "--confg", "x.yaml"}, "unknown flag: --confg; did you mean --config?"},
		{[]string{"--wal"}, "unknown flag: --wal; did you mean --wall?"},
		{[]string{"init", "--froce"}, "unknown flag: --froce; did you mean --force?"},
		{[]string{"check", "--frobnicate"}, "unknown flag: --frobnicate\n"},
	} {
		code, _, stderr := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("uptty %q = %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
