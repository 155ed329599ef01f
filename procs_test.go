package main

import (
	"testing"
	"time"

	"github.com/uptty/uptty/config"
)

// TestCheckRate: the rate that picks one P or the runtime's default is the services' checks a
// second at their intervals; a monitor of 100 services at 10 s is at the bound (oneProcRate).
func TestCheckRate(t *testing.T) {
	every := func(n int, d time.Duration) []config.Service {
		out := make([]config.Service, n)
		for i := range out {
			out[i].Interval = d
		}
		return out
	}
	tests := []struct {
		name     string
		services []config.Service
		want     float64
		one      bool
	}{
		{"none (attach)", nil, 0, true},
		{"one hourly", every(1, time.Hour), 1.0 / 3600, true},
		{"100 at 10 s", every(100, 10*time.Second), 10, true},
		{"101 at 10 s", every(101, 10*time.Second), 10.1, false},
		{"1,000 at 10 s", every(1000, 10*time.Second), 100, false},
		{"10 at 1 s and 5 at 100 ms", append(every(10, time.Second), every(5, 100*time.Millisecond)...), 60, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRate(tt.services)
			if d := got - tt.want; d > 1e-9 || d < -1e-9 {
				t.Errorf("checkRate = %v, want %v", got, tt.want)
			}
			if one := got <= oneProcRate; one != tt.one {
				t.Errorf("one P = %v, want %v", one, tt.one)
			}
		})
	}
}
