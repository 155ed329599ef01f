package main

import (
	"strings"
	"testing"
)

func TestDumbTerminal(t *testing.T) {
	for _, tt := range []struct {
		term string
		set  bool
		want bool
	}{
		{"dumb", true, true},
		{"DUMB", true, true},
		{" dumb\n", true, true},
		{"", false, false}, // Windows consoles set no TERM
		{"", true, false},
		{"xterm-256color", true, false},
		{"eterm-color", true, false}, // Emacs's M-x term draws
		{"linux", true, false},
	} {
		getenv := func(k string) (string, bool) {
			if k == "TERM" && tt.set {
				return tt.term, true
			}
			return "", false
		}
		if got := dumbTerminal(getenv); got != tt.want {
			t.Errorf("dumbTerminal(TERM=%q set %v) = %v, want %v", tt.term, tt.set, got, tt.want)
		}
	}
	msg := dumbScreenMessage("the live monitor", "use 'uptty check'")
	if !strings.HasPrefix(msg, "uptty: the live monitor cannot draw on this terminal (TERM=dumb") || strings.Contains(msg, "\n") {
		t.Errorf("dumbScreenMessage = %q, want one line naming the command and TERM=dumb", msg)
	}
}
