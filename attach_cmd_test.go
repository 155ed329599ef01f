package main

import (
	"strings"
	"testing"
)

func TestAttachArgs(t *testing.T) {
	tests := []struct {
		args    []string
		url     string
		token   string
		wantErr string
	}{
		{args: []string{"attach", "http://127.0.0.1:9870"}, url: "http://127.0.0.1:9870"},
		{args: []string{"attach", "127.0.0.1:1", "--token-file", "t", "--theme", "light"}, url: "127.0.0.1:1", token: "t"},
		{args: []string{"--token-file=t", "attach", "h:1"}, url: "h:1", token: "t"},
		{args: []string{"attach"}, wantErr: "attach: which server?"},
		{args: []string{"attach", "a:1", "b:2"}, wantErr: `unexpected argument "b:2"`},
		{args: []string{"attach", "a:1", "-c", "x.yaml"}, wantErr: "--config does not go with 'attach'"},
		{args: []string{"attach", "a:1", "--listen", ":1"}, wantErr: "--listen goes with 'serve'"},
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
			if err != nil || got.command != "attach" || got.attachURL != tt.url || got.serve.tokenFile != tt.token {
				t.Errorf("parseArgs(%q) = %+v, %v; want attach %q with token file %q", tt.args, got, err, tt.url, tt.token)
			}
		})
	}
}

// TestAttachUnreachable: a server that does not answer is exit status 2, said before any
// screen in one line: what (connection refused), where (the URL) and what to do, not Go's
// "Get …: dial tcp …: connect: connection refused".
func TestAttachUnreachable(t *testing.T) {
	addr := reloadClosed(t)
	for _, tt := range []struct{ url, todo string }{
		{"http://" + addr, "start uptty serve there (uptty serve --listen " + addr + ")"},
		{"prometheus+http://" + addr, "is Prometheus running there?"},
	} {
		code, _, stderr := runCLI(t, "attach", tt.url)
		want := "uptty: attach: " + tt.url + ": connection refused: nothing is listening there; "
		if code != exitUsage || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, tt.todo) ||
			strings.Contains(stderr, "dial tcp") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("attach %s to a closed port = %d, %q; want 2 and one line %q…%q", tt.url, code, stderr, want, tt.todo)
		}
	}
}
