//go:build unix

package promsrc

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/bench/child"
	"github.com/uptty/uptty/metrics/metricstest"
)

// BenchmarkPoll measures one poll against a real Prometheus holding n services from 2
// locations (one in ten failing in one location): time, queries and answer bytes per poll,
// with and without the once-a-minute 24h uptime query, and the first screen's cost (Initial,
// sparklines included). The uptty cases add what uptty serve exports besides: the one-hot
// uptty_service_state (six series a service) and the failing ones' outage starts.
// Run: go test ./promsrc -run '^$' -bench Poll -benchtime 20x
func BenchmarkPoll(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchPoll(b, n, false) })
		b.Run(strconv.Itoa(n)+"-uptty", func(b *testing.B) { benchPoll(b, n, true) })
	}
}

func benchPoll(b *testing.B, n int, uptty bool) {
	page := func(loc string) string {
		var sb strings.Builder
		for _, f := range []string{"probe_success", "probe_duration_seconds", "probe_http_status_code"} {
			fmt.Fprintf(&sb, "# TYPE %s gauge\n", f)
			for i := range n {
				v := map[string]float64{"probe_success": 1, "probe_duration_seconds": 0.0123, "probe_http_status_code": 200}[f]
				if i%10 == 0 && loc == "us" && f == "probe_success" {
					v = 0
				}
				fmt.Fprintf(&sb, "%s{service=\"service-%04d\",group=\"group-%02d\",location=%q} %g\n", f, i, i%40, loc, v)
			}
		}
		if !uptty {
			return sb.String()
		}
		sb.WriteString("# TYPE uptty_service_state gauge\n")
		for i := range n {
			for _, st := range []string{"unknown", "up", "degraded", "pending", "down", "paused"} {
				want := "up"
				if i%10 == 0 && loc == "us" {
					want = "down"
				}
				fmt.Fprintf(&sb, "uptty_service_state{service=\"service-%04d\",group=\"group-%02d\",location=%q,state=%q} %d\n", i, i%40, loc, st, map[bool]int{true: 1}[st == want])
			}
		}
		sb.WriteString("# TYPE uptty_outage_start_timestamp_seconds gauge\n")
		for i := 0; i < n && loc == "us"; i += 10 {
			fmt.Fprintf(&sb, "uptty_outage_start_timestamp_seconds{service=\"service-%04d\",group=\"group-%02d\",location=%q} %d\n", i, i%40, loc, time.Now().Unix()-600)
		}
		return sb.String()
	}
	var targets []string
	for _, loc := range []string{"eu", "us"} {
		body := page(loc)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		b.Cleanup(srv.Close)
		targets = append(targets, strconv.Quote(strings.TrimPrefix(srv.URL, "http://")))
	}
	prom := metricstest.StartPrometheus(b, "  - job_name: blackbox\n    static_configs: [{targets: ["+strings.Join(targets, ",")+"]}]\n")
	prom.WaitFor(b, "every series", `count(probe_success)`, 120*time.Second, func(s []metricstest.Sample) bool {
		return len(s) == 1 && s[0].Value == float64(2*n)
	})
	c, err := New("prometheus+http://"+prom.Addr, Options{Selector: `{job="blackbox"}`})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	began := time.Now()
	if _, _, err := c.Initial(ctx); err != nil {
		b.Fatal(err)
	}
	first := time.Since(began)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(first.Milliseconds()), "initial-ms")
	b.ReportMetric(float64(c.Queries()), "initial-queries")
	b.ReportMetric(float64(c.Bytes())/1024, "initial-KiB")
	b.ReportMetric(float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/1024, "heap-KiB")
	for _, withUptime := range []bool{false, true} {
		q0, by0, cpu0 := c.Queries(), c.Bytes(), child.CPUTime()
		var took time.Duration
		polls := 0
		for range b.N {
			if withUptime {
				c.uptimeAt = time.Time{}
			} else {
				c.uptimeAt = time.Now()
			}
			t0 := time.Now()
			if err := c.poll(ctx); err != nil {
				b.Fatal(err)
			}
			took += time.Since(t0)
			polls++
		}
		tag := "poll"
		if withUptime {
			tag = "poll+uptime"
		}
		b.ReportMetric(float64(took.Microseconds())/float64(polls)/1000, tag+"-ms")
		b.ReportMetric(float64((child.CPUTime()-cpu0).Microseconds())/float64(polls)/1000, tag+"-client-cpu-ms")
		b.ReportMetric(float64(c.Queries()-q0)/float64(polls), tag+"-queries")
		b.ReportMetric(float64(c.Bytes()-by0)/float64(polls)/1024, tag+"-KiB")
	}
}
