package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0", 0, ""},
		{"30s", 30 * time.Second, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"3d", 72 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"1.5d", 36 * time.Hour, ""},
		{"90d", 90 * 24 * time.Hour, ""},
		{"-2d", -48 * time.Hour, ""},
		{"+1s", time.Second, ""},
		{"2µs", 2 * time.Microsecond, ""},
		{"", 0, `invalid duration "": empty (write e.g. 30s)`},
		{"30", 0, `invalid duration "30": no unit (write e.g. 30s)`},
		{"1d5", 0, `invalid duration "1d5": no unit after 5`},
		{"5x", 0, `invalid duration "5x": unknown unit "x" (use ms, s, m, h or d)`},
		{"5S", 0, `invalid duration "5S": unknown unit "S" (use ms, s, m, h or d)`},
		{"d", 0, `invalid duration "d": want numbers with units, such as 30s or 1h30m`},
		{"1..5s", 0, `invalid duration "1..5s": want numbers with units, such as 30s or 1h30m`},
		{"106752d", 0, `invalid duration "106752d": too long`},
		{"106751d24h", 0, `invalid duration "106751d24h": too long`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("ParseDuration(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{30 * time.Second, "30s"},
		{90 * time.Second, "1m30s"},
		{2 * time.Minute, "2m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{14 * 24 * time.Hour, "14d"},
		{36 * time.Hour, "1d12h"},
		{500 * time.Millisecond, "500ms"},
		{-time.Second, "-1s"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
