package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestMemoryPolicy: the collector's pace is uptty's unless GOGC says otherwise, and the heap
// profile's sampling is off unless UPTTY_MEMPROFILE asks for a profile. It restores both, which
// are the test process's own.
func TestMemoryPolicy(t *testing.T) {
	rate := runtime.MemProfileRate
	percent := debug.SetGCPercent(100)
	t.Cleanup(func() {
		runtime.MemProfileRate = rate
		debug.SetGCPercent(percent)
	})
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	tests := []struct {
		name        string
		env         map[string]string
		wantPercent int
		wantRate    int
	}{
		{"defaults", nil, steadyGCPercent, 0},
		{"GOGC set", map[string]string{"GOGC": "100"}, 100, 0},
		{"profiling", map[string]string{"UPTTY_MEMPROFILE": "/tmp/heap"}, steadyGCPercent, 4242},
		{"profile path empty", map[string]string{"UPTTY_MEMPROFILE": ""}, steadyGCPercent, 0},
	}
	for _, tt := range tests {
		debug.SetGCPercent(100)
		runtime.MemProfileRate = 4242
		setMemoryPolicy(env(tt.env))
		if got := debug.SetGCPercent(100); got != tt.wantPercent {
			t.Errorf("%s: GC percent %d, want %d", tt.name, got, tt.wantPercent)
		}
		if runtime.MemProfileRate != tt.wantRate {
			t.Errorf("%s: MemProfileRate %d, want %d", tt.name, runtime.MemProfileRate, tt.wantRate)
		}
	}
}

// TestMemProfiles: UPTTY_MEMPROFILE=F writes the heap profile to F, the runtime's figures to
// F.metrics and the goroutines' stacks to F.goroutines.
func TestMemProfiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap")
	if err := writeMemProfiles(path); err != nil {
		t.Fatal(err)
	}
	for suffix, want := range map[string]string{
		"":            "",
		".metrics":    "/gc/heap/live:bytes ",
		".goroutines": "goroutine profile: total ",
	} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d bytes without %q", path+suffix, len(b), want)
		}
	}
}
