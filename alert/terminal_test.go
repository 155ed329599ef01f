package alert

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTerminalBytes(t *testing.T) {
	a := downAlert("Checkout API")
	line := "Checkout API is DOWN since 21:47:02: status 503, want 200-399"
	for _, tc := range []struct {
		name string
		term *Terminal
		want string
	}{
		{"plain", &Terminal{}, "\a\x1b]9;" + line + "\a\x1b]777;notify;uptty;" + line + "\a"},
		{"tmux", &Terminal{Tmux: true}, "\a" +
			"\x1bPtmux;\x1b\x1b]9;" + line + "\a\x1b\\" +
			"\x1bPtmux;\x1b\x1b]777;notify;uptty;" + line + "\a\x1b\\"},
		{"osc 9 only", &Terminal{Signals: NotifyOSC9}, "\x1b]9;" + line + "\a"},
		{"bell only", &Terminal{Signals: NotifyBell}, "\a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.term.W = &buf
			if err := tc.term.Send(context.Background(), a); err != nil {
				t.Fatalf("Send = %v", err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("Send wrote %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTerminalHostile feeds escape sequences, BEL, C1 controls and separators through every
// text field and checks that the OSC payloads carry none of them.
func TestTerminalHostile(t *testing.T) {
	a := downAlert("Evil\x1b]0;title\a\x1b[2J;9;4;API\u009b31m")
	a.Reason = "bad\x9c\u009c\x07\x1b\\ \x1bPtmux;\x1b\x1b]52;c;ZXZpbA==\a\x7f;x\r\nnext"
	a.Dependents = []string{"dep\x1b]8;;http://evil\a"}
	for _, tmux := range []bool{false, true} {
		var buf bytes.Buffer
		term := Terminal{W: &buf, Tmux: tmux}
		if err := term.Send(context.Background(), a); err != nil {
			t.Fatalf("Send = %v", err)
		}
		for _, p := range payloads(t, buf.String(), tmux) {
			if bad := controlIn(p); bad != "" {
				t.Errorf("tmux=%v: payload %q holds %s", tmux, p, bad)
			}
		}
	}
}

// payloads splits what Terminal wrote into the text of each OSC, checking the framing.
func payloads(t *testing.T, out string, tmux bool) []string {
	t.Helper()
	if !strings.HasPrefix(out, "\a") {
		t.Fatalf("output %q does not start with BEL", out)
	}
	out = out[1:]
	var texts []string
	for _, head := range []string{"\x1b]9;", "\x1b]777;notify;uptty;"} {
		var seq string
		if tmux {
			const pre, post = "\x1bPtmux;", "\x1b\\"
			if !strings.HasPrefix(out, pre) {
				t.Fatalf("output %q: want tmux passthrough", out)
			}
			end := strings.Index(out, post)
			seq = strings.ReplaceAll(out[len(pre):end], "\x1b\x1b", "\x1b")
			out = out[end+len(post):]
		} else {
			end := strings.IndexByte(out, '\a')
			seq, out = out[:end+1], out[end+1:]
		}
		if !strings.HasPrefix(seq, head) || !strings.HasSuffix(seq, "\a") {
			t.Fatalf("sequence %q: want %q ... BEL", seq, head)
		}
		texts = append(texts, strings.TrimSuffix(strings.TrimPrefix(seq, head), "\a"))
	}
	if out != "" {
		t.Errorf("trailing output %q", out)
	}
	return texts
}

// controlIn names the first control byte, C1 control, invalid UTF-8 or ';' in s, or "".
func controlIn(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			return "a C0 control"
		case r >= 0x80 && r < 0xa0:
			return "a C1 control"
		case r == ';':
			return "a ';'"
		}
	}
	return ""
}
