package config

import (
	"reflect"
	"testing"
)

func TestExpand(t *testing.T) {
	getenv := func(k string) (string, bool) {
		v, ok := map[string]string{"A": "x", "EMPTY": "", "REF": "${A}"}[k]
		return v, ok
	}
	tests := []struct {
		in       string
		want     string
		problems []string
	}{
		{"plain", "plain", nil},
		{"${A}", "x", nil},
		{"a${A}b${A}", "axbx", nil},
		{"${EMPTY}", "", nil},
		{"${REF}", "${A}", nil},
		{"$$", "$", nil},
		{"$${A}", "${A}", nil},
		{"ok$", "ok$", nil},
		{"$A", "$A", nil},
		{"^a$|b$", "^a$|b$", nil},
		{"${MISSING}", "", []string{"environment variable MISSING is not set"}},
		{"${", "${", []string{"unclosed ${ (write $$ for a literal $)"}},
		{"${A:-d}", "", []string{`"${A:-d}" is not a variable reference: only ${NAME} is supported (write $$ for a literal $)`}},
		{"${}", "", []string{`"${}" is not a variable reference: only ${NAME} is supported (write $$ for a literal $)`}},
		{"${1X}", "", []string{`"${1X}" is not a variable reference: only ${NAME} is supported (write $$ for a literal $)`}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, problems := expand(tt.in, getenv)
			if !reflect.DeepEqual(problems, tt.problems) || (tt.problems == nil && got != tt.want) {
				t.Errorf("expand(%q) = %q, %q; want %q, %q", tt.in, got, problems, tt.want, tt.problems)
			}
		})
	}
}

func TestResolvePath(t *testing.T) {
	home := func(k string) (string, bool) { return "/home/u", k == "HOME" }
	none := func(string) (string, bool) { return "", false }
	tests := []struct {
		in, dir string
		getenv  func(string) (string, bool)
		want    string
		problem string
	}{
		{"", "/etc", home, "", ""},
		{"~/h.db", "/etc", home, "/home/u/h.db", ""},
		{"~", "/etc", home, "/home/u", ""},
		{"/var/h.db", "/etc", home, "/var/h.db", ""},
		{"h.db", "/etc/uptty", home, "/etc/uptty/h.db", ""},
		{"h.db", ".", home, "h.db", ""},
		{"~/h.db", "/etc", none, "", "~ needs $HOME, which is not set"},
		{"~bob/h.db", "/etc", home, "", "only ~/ is expanded, not ~user/"},
	}
	for _, tt := range tests {
		got, problem := resolvePath(tt.in, tt.dir, tt.getenv)
		if got != tt.want || problem != tt.problem {
			t.Errorf("resolvePath(%q, %q) = %q, %q; want %q, %q", tt.in, tt.dir, got, problem, tt.want, tt.problem)
		}
	}
}

func TestClosest(t *testing.T) {
	known := timingKeys()
	tests := []struct{ in, want string }{
		{"timout", "timeout"},
		{"intreval", "interval"},
		{"Interval", "interval"},
		{"retry", ""},
		{"slo", "slow"},
		{"failure_treshold", "failure_threshold"},
		{"zzz", ""},
	}
	for _, tt := range tests {
		if got := closest(tt.in, known); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
