package alert

import (
	"reflect"
	"testing"
	"time"
)

// TestDecode: an alert read back from its JSON body is the alert, to the second.
func TestDecode(t *testing.T) {
	start := time.Date(2026, 12, 1, 21, 47, 2, 0, time.UTC)
	end := start.Add(2 * time.Hour)
	tests := []Alert{
		{ID: NewID("api", EventDown, start), Event: EventDown, Service: "api", Group: "g", State: "DOWN",
			Reason: "refused", Start: start, Duration: time.Minute, At: start.Add(time.Minute),
			Link: "http://x", Dependents: []string{"web"}, Maintenance: true},
		{ID: "u", Event: EventUp, Service: "api", State: "UP", Start: start, End: &end, Duration: 2 * time.Hour, At: end},
	}
	for _, a := range tests {
		data, err := a.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(data)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("Decode(%s) = %+v, %v; want %+v", data, got, err, a)
		}
	}
	if _, err := Decode([]byte(`{"start":"yesterday"}`)); err == nil {
		t.Error("Decode(bad start) = nil error, want one")
	}
}
