package track

import (
	"reflect"
	"testing"
	"time"
)

// TestStatusFixedSize: a Status holds no slice or pointer, so copying one never copies history,
// and its size does not grow with it.
func TestStatusFixedSize(t *testing.T) {
	if size := reflect.TypeFor[Status]().Size(); size > 512 {
		t.Errorf("Status is %d bytes, want at most 512", size)
	}
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		switch ty.Kind() {
		case reflect.Slice, reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface:
			if ty != reflect.TypeFor[*time.Location]() {
				t.Errorf("Status%s is a %v, want fixed-size data", path, ty.Kind())
			}
		case reflect.Struct:
			for i := range ty.NumField() {
				walk(ty.Field(i).Type, path+"."+ty.Field(i).Name)
			}
		case reflect.Array:
			walk(ty.Elem(), path+"[]")
		}
	}
	walk(reflect.TypeFor[Status](), "")
}

func TestSpark(t *testing.T) {
	var s Spark
	for i := range SparkCap + 5 {
		s.Push(Sample{Latency: time.Duration(i) * time.Millisecond, OK: i%2 == 0})
	}
	if s.Len() != SparkCap {
		t.Fatalf("Len() = %d, want %d", s.Len(), SparkCap)
	}
	for i := range s.Len() {
		want := Sample{Latency: time.Duration(i+5) * time.Millisecond, OK: (i+5)%2 == 0}
		if got := s.At(i); got != want {
			t.Fatalf("At(%d) = %v, want %v", i, got, want)
		}
	}
	var one Spark
	one.Push(Sample{Latency: 10 * time.Minute})
	if got := one.At(0); got != (Sample{Latency: 10 * time.Minute}) {
		t.Errorf("Push(10m failed), At(0) = %v, want it back", got)
	}
}

// TestStandingSame: a status stands as another when its state and outage match, its outage's
// times compared as instants (an attached screen decodes them in a zone of its own); latency
// and reason do not count.
func TestStandingSame(t *testing.T) {
	start := time.Date(2026, 12, 2, 21, 47, 0, 0, time.UTC)
	a := Status{State: Down, Reason: "refused", Outage: Outage{Start: start, Cause: "refused"}}
	tests := []struct {
		name string
		b    Status
		want bool
	}{
		{"the same", a, true},
		{"another zone, latency, reason", Status{State: Down, Reason: "timeout", LastLatency: time.Second,
			Outage: Outage{Start: start.In(time.FixedZone("KST", 9*3600)), Cause: "refused"}}, true},
		{"another state", Status{State: Up, Outage: a.Outage}, false},
		{"the outage ended", Status{State: Down, Outage: Outage{Start: start, End: start.Add(time.Hour), Cause: "refused"}}, false},
		{"another outage", Status{State: Down, Outage: Outage{Start: start.Add(time.Minute), Cause: "refused"}}, false},
	}
	for _, tt := range tests {
		if got := a.Standing().Same(tt.b.Standing()); got != tt.want {
			t.Errorf("%s: Same = %v, want %v", tt.name, got, tt.want)
		}
	}
}
