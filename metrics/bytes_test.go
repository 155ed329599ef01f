package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/uptty/uptty/metrics"
)

// keptBytes returns the heap per service that a Metrics of n HTTP services keeps after a
// scrape: what it caches between scrapes (the label pairs), for every service, for the whole
// run once Prometheus scrapes it.
func keptBytes(n int) float64 {
	src := many(n)
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := metrics.New(metrics.Options{Location: "eu-west"})
	m.Watch(src)
	m.Handler().ServeHTTP(&countingWriter{header: http.Header{}}, req)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(m)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// TestKeptBytes guards what /metrics keeps per service between scrapes; loosely, as it is a
// heap figure.
func TestKeptBytes(t *testing.T) {
	if got := keptBytes(10_000); got > 512 {
		t.Errorf("keptBytes(10000) = %.0f B a service, want under 512", got)
	}
}

// BenchmarkKeptBytes reports what /metrics keeps per service between scrapes. Run it with
// -benchtime=1x.
func BenchmarkKeptBytes(b *testing.B) {
	for range b.N {
		b.ReportMetric(keptBytes(10_000), "heap-B/svc")
	}
}
