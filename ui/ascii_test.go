package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"
)

func TestASCIIFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"TERM": "xterm-256color", "LANG": "en_US.UTF-8"}, false},
		{map[string]string{"TERM": "linux", "LANG": "en_US.UTF-8"}, true},
		{map[string]string{"TERM": "vt100"}, true},
		{map[string]string{"TERM": "vt220"}, true},
		{map[string]string{"LANG": "C"}, true},
		{map[string]string{"LANG": "POSIX"}, true},
		{map[string]string{"LANG": "C.UTF-8"}, false},
		{map[string]string{"LANG": "ko_KR.utf8"}, false},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "de_DE.ISO-8859-1"}, true},
		{map[string]string{"LANG": "C", "LC_CTYPE": "ko_KR.UTF-8"}, false},
	}
	for _, tt := range tests {
		got := ASCIIFromEnv(func(k string) string { return tt.env[k] })
		if got != tt.want {
			t.Errorf("ASCIIFromEnv(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}

// TestColorProfile: the TERMs of GNU screen, tmux, rxvt, PuTTY… get 16 colours where termenv
// found none; what termenv found, NO_COLOR and monochrome terminals stand.
func TestColorProfile(t *testing.T) {
	tests := []struct {
		env      map[string]string
		detected termenv.Profile
		want     termenv.Profile
	}{
		{map[string]string{"TERM": "screen"}, termenv.Ascii, termenv.ANSI},
		{map[string]string{"TERM": "screen.xterm-new"}, termenv.Ascii, termenv.ANSI},
		{map[string]string{"TERM": "tmux"}, termenv.Ascii, termenv.ANSI},
		{map[string]string{"TERM": "rxvt-unicode"}, termenv.Ascii, termenv.ANSI},
		{map[string]string{"TERM": "putty"}, termenv.Ascii, termenv.ANSI},
		{map[string]string{"TERM": "st"}, termenv.Ascii, termenv.ANSI},
		{map[string]string{"TERM": "screen-256color"}, termenv.ANSI256, termenv.ANSI256},
		{map[string]string{"TERM": "xterm-256color"}, termenv.TrueColor, termenv.TrueColor},
		{map[string]string{"TERM": "screen", "NO_COLOR": "1"}, termenv.Ascii, termenv.Ascii},
		{map[string]string{"TERM": "screen", "CLICOLOR": "0"}, termenv.Ascii, termenv.Ascii},
		{map[string]string{"TERM": "xterm-mono"}, termenv.Ascii, termenv.Ascii},
		{map[string]string{"TERM": "rxvt-mono"}, termenv.Ascii, termenv.Ascii},
		{map[string]string{"TERM": "dumb"}, termenv.Ascii, termenv.Ascii},
		{map[string]string{"TERM": "stterm"}, termenv.Ascii, termenv.Ascii},
		{map[string]string{}, termenv.Ascii, termenv.Ascii},
	}
	for _, tt := range tests {
		if got := ColorProfile(func(k string) string { return tt.env[k] }, tt.detected); got != tt.want {
			t.Errorf("ColorProfile(%v, %v) = %v, want %v", tt.env, tt.detected, got, tt.want)
		}
	}
}

// TestASCIIScreen: with ASCII set, every screen is ASCII but for the names themselves.
func TestASCIIScreen(t *testing.T) {
	for _, keys := range [][]string{nil, {"j", "enter"}, {"?"}, {"z"}, {"j", "j", "tab"}, {"/", "p", "a"}} {
		for _, size := range [][2]int{{80, 24}, {60, 12}, {120, 40}} {
			m := fixtureModel(size[0], size[1], termenv.Ascii, false)
			m.st = newStyles(renderer(termenv.Ascii), "", false, true)
			m = press(m, keys...)
			v := strings.ReplaceAll(m.View(), "결제 게이트웨이", "")
			v = strings.ReplaceAll(v, "결제 게이", "") // cut to its column
			for _, r := range v {
				if r > 127 {
					t.Errorf("%v at %v: %q is not ASCII:\n%s", keys, size, r, v)
					break
				}
			}
		}
	}
}

func TestASCIIGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		keys []string
	}{
		{"list_80x24", []string{"j"}},
		{"detail_80x24", []string{"j", "j", "j", "enter"}},
		{"collapsed_80x24", []string{"j", "j", "tab"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := fixtureModel(80, 24, termenv.Ascii, false)
			m.st = newStyles(renderer(termenv.Ascii), "", false, true)
			golden.RequireEqual(t, []byte(press(m, tt.keys...).View()))
		})
	}
}
