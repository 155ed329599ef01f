package serve

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
	"github.com/uptty/uptty/track"
)

// BenchmarkBroadcastNoStreams is the fan-out's cost per batch when no event stream is open, the
// usual case for `uptty serve`: 1,000 services, 20 changed in the batch (a fifth of a second's
// results at 10 s, the fan-out's batching).
func BenchmarkBroadcastNoStreams(b *testing.B) {
	var yaml strings.Builder
	yaml.WriteString("services:\n")
	for i := range 1000 {
		fmt.Fprintf(&yaml, "  - {name: svc-%04d, url: \"http://127.0.0.1:1/%d\"}\n", i, i)
	}
	cfg, err := config.Parse([]byte(yaml.String()), "bench.yaml", func(string) (string, bool) { return "", false }, probe.Kinds())
	if err != nil {
		b.Fatal(err)
	}
	s := New(Options{Services: cfg.Services})
	batch := map[string]track.Status{}
	now := time.Now()
	for i := 0; i < 1000; i += 50 {
		batch[fmt.Sprintf("svc-%04d", i)] = track.Status{State: track.Up, LastAt: now, LastOK: true, LastLatency: 21 * time.Millisecond}
	}
	held := heldEvents{statuses: map[string]track.Status{}}
	b.ReportAllocs()
	for b.Loop() {
		s.broadcast(batch, &held)
	}
}
