package config_test

import (
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// TestSyntaxColumn: a YAML syntax error names its column as every other error does (yaml.v3
// gives only a line): the mis-indented key, the second colon, the quote or bracket left open,
// counted in characters on a line with Korean.
func TestSyntaxColumn(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"services:\n  - name: A\n    url: http://x/\n   group: x\n",
			"uptty.yaml:4:4: invalid YAML: did not find expected '-' indicator (check this line's indentation against the lines above)"},
		{"services:\n  - name: A\n    url: http://x/\n  - name: B\n     url: http://x/\n",
			`uptty.yaml:5:9: invalid YAML: mapping values are not allowed in this context (a second ": " on the line: quote the value, or check the indentation)`},
		{"services:\n  - name: 결제: A\n    url: http://x\n",
			`uptty.yaml:2:13: invalid YAML: mapping values are not allowed in this context (a second ": " on the line: quote the value, or check the indentation)`},
		{"services:\n  - name: A\n    url: \"http://127.0.0.1:1/\n",
			"uptty.yaml:3:10: invalid YAML: found unexpected end of stream (a quote opened here is never closed)"},
		{"services:\n- name: A\n  url: http://x\n  expect: {status: [200}\n",
			"uptty.yaml:4:20: invalid YAML: did not find expected ',' or ']' (a [ or { left open, or a value in one that needs quotes: , [ ] { } :)"},
		{"services:\n  - name: 'it's'\n    url: http://x\n",
			"uptty.yaml:2:15: invalid YAML: did not find expected key (check the indentation, or text after a closing quote)"},
		{"services:\n  - name: A\n    url: http://x\n  foo\n",
			"uptty.yaml:4:3: invalid YAML: could not find expected ':'"},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(tt.yaml), "uptty.yaml", testEnv, probe.Kinds())
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v,\nwant %s", tt.yaml, err, tt.want)
		}
	}
}
