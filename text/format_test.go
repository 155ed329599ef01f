package text

import (
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{999 * time.Millisecond, "0s"},
		{45 * time.Second, "45s"},
		{59*time.Second + 999*time.Millisecond, "59s"},
		{time.Minute, "1m00s"},
		{12*time.Minute + 3*time.Second, "12m03s"},
		{59*time.Minute + 59*time.Second, "59m59s"},
		{time.Hour, "1h00m"},
		{2*time.Hour + 21*time.Minute + 59*time.Second, "2h21m"},
		{23*time.Hour + 59*time.Minute, "23h59m"},
		{24 * time.Hour, "1d00h"},
		{3*24*time.Hour + 4*time.Hour + 59*time.Minute, "3d04h"},
		{400 * 24 * time.Hour, "400d00h"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := FormatDuration(tt.d); got != tt.want {
				t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestFormatAgo(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "1s"},
		{15 * time.Second, "15s"},
		{2*time.Minute + 59*time.Second, "2m"},
		{5*time.Hour + 59*time.Minute, "5h"},
		{50 * time.Hour, "2d"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := FormatAgo(tt.d); got != tt.want {
				t.Errorf("FormatAgo(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestFormatLatency(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0ms"},
		// a loopback connect takes tens of microseconds: measured, so not 0ms
		{20 * time.Microsecond, "<0.1ms"},
		{49 * time.Microsecond, "<0.1ms"},
		{50 * time.Microsecond, "0.1ms"},
		{400 * time.Microsecond, "0.4ms"},
		{949 * time.Microsecond, "0.9ms"},
		{960 * time.Microsecond, "1ms"},
		{87 * time.Millisecond, "87ms"},
		{87*time.Millisecond + 600*time.Microsecond, "88ms"},
		{999 * time.Millisecond, "999ms"},
		{999*time.Millisecond + 600*time.Microsecond, "1.00s"},
		{1240 * time.Millisecond, "1.24s"},
		{9996 * time.Millisecond, "10.0s"},
		{12340 * time.Millisecond, "12.3s"},
		{99960 * time.Millisecond, "1m40s"},
		{5 * time.Minute, "5m00s"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := FormatLatency(tt.d); got != tt.want {
				t.Errorf("FormatLatency(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestFormatSetting(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{2 * time.Second, "2s"},
		{1500 * time.Millisecond, "1.5s"},
		{500 * time.Millisecond, "500ms"},
		{90 * time.Second, "1m30s"},
		{time.Minute, "1m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{time.Hour + time.Second, "1h0m1s"},
		{14 * 24 * time.Hour, "14d"},
		{36 * time.Hour, "36h"},
	}
	for _, tt := range tests {
		if got := FormatSetting(tt.d); got != tt.want {
			t.Errorf("FormatSetting(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestWrittenDuration(t *testing.T) {
	at := func(s float64) time.Time {
		return time.Date(2026, 12, 1, 21, 47, 0, 0, time.UTC).Add(time.Duration(s * float64(time.Second)))
	}
	tests := []struct {
		start, end float64
		want       time.Duration
	}{
		{2.8, 5.1, 3 * time.Second}, // 21:47:02 to 21:47:05, though 2.3s passed
		{2.0, 5.0, 3 * time.Second},
		{2.1, 2.9, 0},
		{5.0, 2.0, 0}, // never negative
	}
	for _, tt := range tests {
		if got := WrittenDuration(at(tt.start), at(tt.end)); got != tt.want {
			t.Errorf("WrittenDuration(%v, %v) = %v, want %v", tt.start, tt.end, got, tt.want)
		}
	}
}
