package text

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

func TestSecretsMask(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("alice:pa/ss?wd#1"))
	tests := []struct {
		name string
		add  func(*Secrets)
		in   string
		want string
	}{
		{"plain", func(s *Secrets) { s.Add("hunter22") }, "token hunter22 ok", "token ••• ok"},
		{"every occurrence", func(s *Secrets) { s.Add("abcd") }, "abcd-abcd", "•••-•••"},
		{"short values ignored", func(s *Secrets) { s.Add("abc", "") }, "abc", "abc"},
		{"longest first", func(s *Secrets) { s.Add("tok", "token-123", "token") }, "token-123", "•••"},
		{"overlapping", func(s *Secrets) { s.Add("abcd", "cdef") }, "xabcdefx", "x•••x"},
		{"self overlapping", func(s *Secrets) { s.Add("aaaa") }, "aaaaab", "•••b"},
		{"query escaped", func(s *Secrets) { s.Add("a b&c=d") }, "?t=" + url.QueryEscape("a b&c=d"), "?t=•••"},
		{"path escaped", func(s *Secrets) { s.Add("a b/c?d") }, "/x/" + url.PathEscape("a b/c?d"), "/x/•••"},
		{"basic auth", func(s *Secrets) { s.AddUserinfo("alice", "pa/ss?wd#1") }, "Authorization: Basic " + basic, "Authorization: Basic •••"},
		{"password", func(s *Secrets) { s.AddUserinfo("alice", "pa/ss?wd#1") }, "echo pa/ss?wd#1", "echo •••"},
		{"bearer last word", func(s *Secrets) { s.AddHeader("Bearer t0k3n") }, "got t0k3n", "got •••"},
		{"bearer whole", func(s *Secrets) { s.AddHeader("Bearer t0k3n") }, "Bearer t0k3n", "•••"},
		{"short header", func(s *Secrets) { s.AddHeader("abcd") }, "v=abcd", "v=•••"},
		{"joined by cleaning", func(s *Secrets) { s.Add("abcdef") }, "abc\x1b[0mdef", "•••"},
		{"invisible inside", func(s *Secrets) { s.Add("abcdef") }, "abc\u200bdef", "•••"},
		{"dots in a secret", func(s *Secrets) { s.Add("x•••y", "abcd") }, "xabcdy", "•••"},
		{"only dots ignored", func(s *Secrets) { s.Add("••••") }, "••••", "••••"},
		{"merge", func(s *Secrets) { var o Secrets; o.Add("merged"); s.Merge(&o) }, "is merged", "is •••"},
	}
	for _, tt := range tests {
		var s Secrets
		tt.add(&s)
		if got := s.Mask(tt.in); got != tt.want {
			t.Errorf("%s: Mask(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
	var none *Secrets
	if got := none.Mask("abcd"); got != "abcd" || none.Len() != 0 {
		t.Errorf("nil Mask(abcd) = %q, Len %d; want abcd, 0", got, none.Len())
	}
}

func TestDisplayURL(t *testing.T) {
	var s Secrets
	s.Add("tok-en/42", "zone.secret")
	s.AddUserinfo("user", "secret")
	tests := []struct{ in, want string }{
		{"https://api.example.com/healthz", "https://api.example.com/healthz"},
		{"https://user:secret@api.example.com/x?y=1", "https://api.example.com/x?y=•••"},
		{"https://api.example.com/ok?token=hunter2&v=2", "https://api.example.com/ok?token=•••&v=•••"},
		{"dns://127.0.0.1/example.com?type=MX", "dns://127.0.0.1/example.com?type=MX"},
		{"tcp://db:5432", "tcp://db:5432"},
		{"https://user:se%zzcret@host/", "https://host/"},
		{"http://host/tok-en/42/health", "http://host/•••/health"},
		{"http://host/" + url.PathEscape("tok-en/42") + "/health", "http://host/•••/health"},
		{"dns:zone.secret?type=TXT", "dns:•••?type=TXT"},
		{"http://host/\x1b[31mred", "http://host/red"},
	}
	for _, tt := range tests {
		if got := DisplayURL(tt.in, &s); got != tt.want {
			t.Errorf("DisplayURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a\x1b[31mb", `a\x1b[31mb`},
		{"tab\there", `tab\there`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"c1\u009bx", `c1\u009bx`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"zw\u200bsp", `zw\u200bsp`},
		{"ünï", "ünï"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if v := Violation(Escape(tt.in), 0); v != "" {
			t.Errorf("Violation(Escape(%q)) = %q, want none", tt.in, v)
		}
	}
}

// FuzzMask checks Mask's promise: whatever the text and the secrets, the masked text shows no
// secret, neither as it is nor once CleanText has cleaned and cut it at any width.
func FuzzMask(f *testing.F) {
	f.Add("Bearer hunter22", "hunter22 said hi", "abcd", 10)
	f.Add("x•••y", "xabcdy", "abcd", 0)
	f.Add("abcdef", "abc\x1b[0mdef", "cdefgh", 5)
	f.Add("a  b c", "a\tb c d", "zzzz", 3)
	f.Fuzz(func(t *testing.T, a, text, b string, width int) {
		var s Secrets
		s.AddHeader(a)
		s.AddUserinfo(b, a)
		s.Add(b)
		masked := s.Mask(text)
		for _, w := range []int{0, width % 200, 1, 2, 7} {
			out := CleanText(masked, w)
			for _, v := range s.values {
				if strings.Contains(v, Ellipsis) {
					// CleanText's own "…" could finish a cut prefix of such a secret.
					continue
				}
				if strings.Contains(masked, v) || strings.Contains(out, v) {
					t.Fatalf("Mask(%q) = %q, CleanText(_, %d) = %q: shows secret %q", text, masked, w, out, v)
				}
			}
		}
	})
}

// TestMaskCut: text cut short before it was masked keeps no whole secret, but may keep its start
// just before the ellipsis; that start is masked too, and short or unrelated tails are not.
func TestMaskCut(t *testing.T) {
	var s Secrets
	s.Add("ws-s3cret-token-42")
	tests := []struct{ in, want string }{
		{`echo: Bearer ws-s3cret…"`, `echo: Bearer •••…"`},
		{"Bearer ws-…", "Bearer •••…"},
		{"Bearer w…", "Bearer w…"},                 // too short a start to tell
		{"status 503, want…", "status 503, want…"}, // no secret's start
		{"ws-s3cret-token-42 and ws-s3…", "••• and •••…"},
	}
	for _, tt := range tests {
		if got := s.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
