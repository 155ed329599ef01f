package serve

import (
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// BenchmarkStatusDoc10000 encodes the status document (what a snapshot carries) of 10,000
// services each with a full sparkline, with recent_ms and without; it reports the bytes.
func BenchmarkStatusDoc10000(b *testing.B) {
	const n = 10000
	now := time.Now()
	st := make([]track.Status, n)
	for i := range st {
		st[i] = track.Status{State: track.Up, Since: now.Add(-time.Hour), LastAt: now, LastLatency: 12 * time.Millisecond, LastOK: true,
			AsOf: now, Observed: time.Hour}
		for k := range track.SparkCap {
			st[i].Spark.Push(track.Sample{Latency: time.Duration(5000+k*137+i%977) * time.Microsecond, OK: k%17 != 0})
		}
	}
	s := &Server{}
	for _, recent := range []bool{false, true} {
		name := "without"
		if recent {
			name = "recent_ms"
		}
		b.Run(name, func(b *testing.B) {
			doc := statusDoc{Services: make([]serviceDoc, n)}
			for i := range doc.Services {
				doc.Services[i] = s.serviceOf(config.Service{Name: "service-" + string(rune('a'+i%26)), Group: "g", URL: "https://example.com/health"}, st[i], now)
				if recent {
					doc.Services[i].Recent = (*recentMS)(&st[i].Spark)
				}
			}
			var size int
			for b.Loop() {
				out, _ := json.Marshal(doc)
				size = len(out)
				io.Discard.Write(out)
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
