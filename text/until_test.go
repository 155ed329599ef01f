package text

import (
	"testing"
	"time"
)

func TestFormatUntil(t *testing.T) {
	kst := time.FixedZone("KST", 9*3600)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, kst) // a Tuesday
	tests := []struct {
		t    time.Time
		want string
	}{
		{now.Add(2 * time.Hour), "14:00"},
		{time.Date(2026, 12, 2, 9, 0, 0, 0, kst), "Wed 09:00"},
		{now.Add(10 * 24 * time.Hour), "2026-12-11 12:00"},
		{now.Add(-25 * time.Hour), "2026-11-30 11:00"},
	}
	for _, tt := range tests {
		if got := FormatUntil(now, tt.t, kst); got != tt.want {
			t.Errorf("FormatUntil(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
