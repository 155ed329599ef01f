package attach

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

func TestRecentMS(t *testing.T) {
	var many []string
	for i := range track.SparkCap + 5 {
		many = append(many, strconv.Itoa(i))
	}
	tests := []struct {
		in      string
		want    []track.Sample
		wantErr bool
	}{
		{in: `[]`},
		{in: `[12.3, null ,0]`, want: []track.Sample{{Latency: 12300 * time.Microsecond, OK: true}, {}, {OK: true}}},
		{in: `[1,"x"]`, wantErr: true},
		{in: `[-1]`, wantErr: true},
		{in: `[NaN]`, wantErr: true},
		{in: `{}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var r recentMS
			err := json.Unmarshal([]byte(tt.in), &r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			var got []track.Sample
			for i := range r.spark.Len() {
				got = append(got, r.spark.At(i))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Unmarshal(%s) = %v, want %v", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("Unmarshal(%s)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
				}
			}
		})
	}
	// A server sending more than a sparkline draws: the newest are kept.
	var r recentMS
	if err := json.Unmarshal([]byte("["+strings.Join(many, ",")+"]"), &r); err != nil {
		t.Fatal(err)
	}
	if r.spark.Len() != track.SparkCap || r.spark.At(track.SparkCap-1).Latency != time.Duration(track.SparkCap+4)*time.Millisecond {
		t.Errorf("%d samples = %d, newest %v; want the newest %d", len(many), r.spark.Len(), r.spark.At(r.spark.Len()-1), track.SparkCap)
	}
}
