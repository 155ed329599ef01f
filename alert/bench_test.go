package alert

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// BenchmarkEnqueueToWebhook measures, one alert at a time, how long an alert takes from Enqueue
// to a loopback webhook receiver's handler: p50 and p99 are reported.
//
//	go test -run '^$' -bench EnqueueToWebhook -benchtime 1000x ./alert
func BenchmarkEnqueueToWebhook(b *testing.B) {
	arrived := make(chan time.Time, 1)
	srv := benchReceiver(b, arrived)
	d, err := NewDispatcher([]Sender{&Webhook{ID: "hook", URL: srv}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer stopBench(b, d)
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		d.Enqueue(downAlert(fmt.Sprint("svc", i)))
		lat = append(lat, (<-arrived).Sub(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkDispatchThroughput measures how many alerts per second the dispatcher delivers to
// one loopback webhook when they are all enqueued at once.
//
//	go test -run '^$' -bench DispatchThroughput -benchtime 10000x ./alert
func BenchmarkDispatchThroughput(b *testing.B) {
	arrived := make(chan time.Time, b.N)
	srv := benchReceiver(b, arrived)
	alerts := make([]Alert, b.N)
	for i := range alerts {
		alerts[i] = downAlert(fmt.Sprint("svc", i))
	}
	d, err := NewDispatcher([]Sender{&Webhook{ID: "hook", URL: srv}}, Options{QueueSize: b.N})
	if err != nil {
		b.Fatal(err)
	}
	defer stopBench(b, d)
	b.ResetTimer()
	start := time.Now()
	for _, a := range alerts {
		if !d.Enqueue(a) {
			b.Fatal("Enqueue dropped an alert")
		}
	}
	for range alerts {
		<-arrived
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "alerts/s")
}

// benchReceiver is a loopback webhook receiver that reports when each alert arrived.
func benchReceiver(b *testing.B, arrived chan<- time.Time) string {
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		arrived <- time.Now()
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

func stopBench(b *testing.B, d *Dispatcher) {
	b.StopTimer()
	stop(b, d)
}
