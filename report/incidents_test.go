package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
)

func incidentFixture() []history.Incident {
	start := time.Date(2026, 5, 5, 12, 47, 2, 0, time.UTC)
	end := start.Add(2*time.Hour + 21*time.Minute + 9*time.Second)
	return []history.Incident{
		{Service: "결제 게이트웨이", Group: "payments", Start: start.Add(24 * time.Hour),
			Duration: 12*time.Minute + 3*time.Second, Cause: "connection refused"},
		{Service: "Checkout API", Group: "payments", Start: start, End: &end,
			Duration: end.Sub(start), Cause: "status 503, want 200-399\x1b[2J"},
	}
}

// ackedFixture is incidentFixture with the open outage acknowledged by alice.
func ackedFixture() []history.Incident {
	list := incidentFixture()
	list[0].Ack = &track.Ack{Start: list[0].Start, By: "alice", At: list[0].Start.Add(5 * time.Minute), Note: "failing over"}
	return list
}

// TestIncidentsAckJSON: an acked incident's JSON has ack {by, at, note}, at as start is
// written; the others ack null.
func TestIncidentsAckJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteIncidentsJSON(&b, ackedFixture()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Incidents []struct {
			Ack *struct{ By, At, Note string } `json:"ack"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Incidents) != 2 {
		t.Fatalf("WriteIncidentsJSON() = %s, %v", b.String(), err)
	}
	a := doc.Incidents[0].Ack
	if a == nil {
		t.Fatalf("incidents[0].ack = null, want alice's:\n%s", b.String())
	}
	at, _ := time.Parse(time.RFC3339, a.At)
	if a.By != "alice" || a.Note != "failing over" || !at.Equal(time.Date(2026, 5, 6, 12, 52, 2, 0, time.UTC)) {
		t.Errorf("incidents[0].ack = %+v, want alice's at 12:52:02Z, failing over", a)
	}
	if doc.Incidents[1].Ack != nil || !strings.Contains(b.String(), `"ack": null`) {
		t.Errorf("incidents[1].ack = %+v, want null:\n%s", doc.Incidents[1].Ack, b.String())
	}
}

func TestWriteIncidentsTable(t *testing.T) {
	kst := time.FixedZone("KST", 9*3600)
	tests := []struct {
		name string
		list []history.Incident
		want []string
	}{
		{"none", nil, []string{"no incidents"}},
		{"newest first, as given", incidentFixture(), []string{
			"START                    END                      DURATION  SERVICE          CAUSE",
			"2026-05-06 21:47:02 KST  ongoing                    12m03s  결제 게이트웨이  connection refused",
			"2026-05-05 21:47:02 KST  2026-05-06 00:08:11 KST     2h21m  Checkout API     status 503, want 200-399",
		}},
		{"acked", ackedFixture(), []string{
			"START                    END                      DURATION  SERVICE          ACK          CAUSE",
			"2026-05-06 21:47:02 KST  ongoing                    12m03s  결제 게이트웨이  alice 21:52  connection refused",
			"2026-05-05 21:47:02 KST  2026-05-06 00:08:11 KST     2h21m  Checkout API                  status 503, want 200-399",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteIncidentsTable(&b, tt.list, kst, false, 0); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("WriteIncidentsTable() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			// Wide names must not shift the CAUSE column.
			for _, l := range got[1:] {
				head, at := got[0], strings.Index(got[0], "CAUSE")
				cause := strings.Index(l, "connection")
				if cause < 0 {
					cause = strings.Index(l, "status")
				}
				if gw, w := ansi.StringWidth(head[:at]), ansi.StringWidth(l[:cause]); w != gw {
					t.Errorf("CAUSE at cell %d in %q, want %d as in the header", w, l, gw)
				}
			}
		})
	}
}

func TestWriteIncidentsJSON(t *testing.T) {
	tests := []struct {
		name string
		list []history.Incident
		want string // the incidents, re-encoded with the start and end as instants
	}{
		{"none", nil, `[]`},
		{"open and ended", incidentFixture(), `[` +
			`{"ack":null,"cause":"connection refused","duration_s":723,"end":null,"group":"payments","service":"결제 게이트웨이","start":"2026-05-06T12:47:02Z"},` +
			`{"ack":null,"cause":"status 503, want 200-399\u001b[2J","duration_s":8469,"end":"2026-05-05T15:08:11Z","group":"payments","service":"Checkout API","start":"2026-05-05T12:47:02Z"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteIncidentsJSON(&b, tt.list); err != nil {
				t.Fatal(err)
			}
			var doc map[string][]map[string]any
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatalf("WriteIncidentsJSON() wrote invalid JSON: %v\n%s", err, b.String())
			}
			list, ok := doc["incidents"]
			if !ok || list == nil || len(doc) != 1 {
				t.Fatalf("WriteIncidentsJSON() = %s, want one key incidents holding a list", b.String())
			}
			// Times are written in the local zone with its offset: compare them as instants.
			for _, in := range list {
				for _, k := range []string{"start", "end"} {
					s, _ := in[k].(string)
					if s == "" {
						continue
					}
					at, err := time.Parse(time.RFC3339, s)
					if err != nil {
						t.Fatalf("%s = %q, want RFC 3339: %v", k, s, err)
					}
					if _, off := at.Zone(); off != offsetAt(at) {
						t.Errorf("%s = %q, want the local offset", k, s)
					}
					in[k] = at.UTC().Format(time.RFC3339)
				}
			}
			got, _ := json.Marshal(list)
			if string(got) != tt.want {
				t.Errorf("WriteIncidentsJSON() incidents = %s, want %s", got, tt.want)
			}
		})
	}
}

// offsetAt is the local zone's offset at t.
func offsetAt(t time.Time) int {
	_, off := t.In(time.Local).Zone()
	return off
}
