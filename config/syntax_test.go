package config_test

import (
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// TestSyntaxColumn: a YAML syntax error names its column and its key as every other error does
// (yaml.v3 gives only a line): the mis-indented key, the second colon, the quote or bracket left
// open, counted in characters on a line with Korean; the key's path as the lines before it give
// it, or the key alone where its indentation matches none of them.
func TestSyntaxColumn(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"services:\n  - name: A\n    url: http://x/\n   group: x\n",
			"uptty.yaml:4:4: group: invalid YAML: did not find expected '-' indicator (check this line's indentation against the lines above)"},
		{"services:\n  - name: A\n    url: http://x/\n  - name: B\n     url: http://x/\n",
			`uptty.yaml:5:9: url: invalid YAML: mapping values are not allowed in this context (a second ": " on the line: quote the value, or check the indentation)`},
		{"services:\n  - name: 결제: A\n    url: http://x\n",
			`uptty.yaml:2:13: services[0].name: invalid YAML: mapping values are not allowed in this context (a second ": " on the line: quote the value, or check the indentation)`},
		{"services:\n  - name: A\n    url: \"http://127.0.0.1:1/\n",
			"uptty.yaml:3:10: services[0].url: invalid YAML: found unexpected end of stream (a quote opened here is never closed)"},
		{"services:\n- name: A\n  url: http://x\n  expect: {status: [200}\n",
			"uptty.yaml:4:20: services[0].expect: invalid YAML: did not find expected ',' or ']' (a [ or { left open, or a value in one that needs quotes: , [ ] { } :)"},
		{"services:\n  - name: A\n    url: http://x\n    command: [\n",
			"uptty.yaml:4:14: services[0].command: invalid YAML: did not find expected node content (a value is missing: a [ or { never closed, a ] or } that closes nothing, or a comma too many)"},
		{"services: ]\n",
			"uptty.yaml:1:11: services: invalid YAML: did not find expected node content (a value is missing: a [ or { never closed, a ] or } that closes nothing, or a comma too many)"},
		{"services:\n  - name: 'it's'\n    url: http://x\n",
			"uptty.yaml:2:15: services[0].name: invalid YAML: did not find expected key (check the indentation, or text after a closing quote)"},
		{"services:\n  - name: A\n    url: http://x\n  foo\n",
			"uptty.yaml:4:3: invalid YAML: could not find expected ':'"},
		{"services:\n  - name: A\n    url: http://x/\n\tinterval: 5s\n",
			"uptty.yaml:4:1: services[0].interval: tabs are not allowed for indentation in YAML; use spaces"},
		{"services:\n  - name: A\n    expect:\n\tstatus: 200\n",
			"uptty.yaml:4:1: services[0].expect.status: tabs are not allowed for indentation in YAML; use spaces"},
		{"services:\n  - name: A\n    url: http://x/\n  - name: B\n    url: \"http://x/\n",
			"uptty.yaml:5:10: services[1].url: invalid YAML: found unexpected end of stream (a quote opened here is never closed)"},
		{"services:\n  - name: A\n    url: http://x/\n  - name: 'B'C\n",
			"uptty.yaml:4:14: services[1].name: invalid YAML: did not find expected key (check the indentation, or text after a closing quote)"},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(tt.yaml), "uptty.yaml", testEnv, probe.Kinds())
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v,\nwant %s", tt.yaml, err, tt.want)
		}
	}
}
