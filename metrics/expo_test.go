package metrics_test

import (
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptty/uptty/metrics"
	"github.com/uptty/uptty/metrics/metricstest"
	"github.com/uptty/uptty/probe"
)

// clientGolangFamilies are the families of a page from uptty 0.x, whose page Prometheus's
// client library wrote (its default Go and process collectors on Linux), less the services':
// dashboards and alerts use these names.
var clientGolangFamilies = []string{
	"go_gc_duration_seconds", "go_gc_gogc_percent", "go_gc_gomemlimit_bytes", "go_goroutines", "go_info",
	"go_memstats_alloc_bytes", "go_memstats_alloc_bytes_total", "go_memstats_buck_hash_sys_bytes",
	"go_memstats_frees_total", "go_memstats_gc_sys_bytes", "go_memstats_heap_alloc_bytes",
	"go_memstats_heap_idle_bytes", "go_memstats_heap_inuse_bytes", "go_memstats_heap_objects",
	"go_memstats_heap_released_bytes", "go_memstats_heap_sys_bytes", "go_memstats_last_gc_time_seconds",
	"go_memstats_mallocs_total", "go_memstats_mcache_inuse_bytes", "go_memstats_mcache_sys_bytes",
	"go_memstats_mspan_inuse_bytes", "go_memstats_mspan_sys_bytes", "go_memstats_next_gc_bytes",
	"go_memstats_other_sys_bytes", "go_memstats_stack_inuse_bytes", "go_memstats_stack_sys_bytes",
	"go_memstats_sys_bytes", "go_sched_gomaxprocs_threads", "go_threads",
	"process_cpu_seconds_total", "process_max_fds", "process_network_receive_bytes_total",
	"process_network_transmit_bytes_total", "process_open_fds", "process_resident_memory_bytes",
	"process_start_time_seconds", "process_virtual_memory_bytes", "process_virtual_memory_max_bytes",
	"uptty_check_lateness_seconds", "uptty_history_queue_dropped_total",
}

// TestRuntimeFamilies: the page has the Go and process families Prometheus's client library
// gave (on Linux, all of them), in name order, with figures that make sense.
func TestRuntimeFamilies(t *testing.T) {
	m := metrics.New(metrics.Options{Dropped: func() uint64 { return 0 }})
	runtime.GC() // so that the GC's pause figures have one
	page := string(m.Page())
	fams := metricstest.Parse(t, page)
	var names []string
	for line := range strings.Lines(page) {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			names = append(names, strings.Fields(name)[0])
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("families out of name order: %q", names)
	}
	want := clientGolangFamilies
	if runtime.GOOS != "linux" {
		want = slices.DeleteFunc(slices.Clone(want), func(n string) bool { return strings.HasPrefix(n, "process_") })
		names = slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, "process_") })
	}
	if !slices.Equal(names, want) {
		t.Errorf("families %q\nwant %q", names, want)
	}
	positive := []string{"go_goroutines", "go_threads", "go_memstats_heap_inuse_bytes", "go_memstats_sys_bytes",
		"go_memstats_last_gc_time_seconds", "go_sched_gomaxprocs_threads"}
	if runtime.GOOS == "linux" {
		positive = append(positive, "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
			"process_max_fds", "process_virtual_memory_bytes")
	}
	for _, name := range positive {
		if v, ok := metricstest.Value(fams, name, nil); !ok || !(v > 0) {
			t.Errorf("%s = %v (found %v), want above 0", name, v, ok)
		}
	}
	if gc := fams["go_gc_duration_seconds"].GetMetric()[0].GetSummary(); gc.GetSampleCount() == 0 || len(gc.GetQuantile()) != 5 {
		t.Errorf("go_gc_duration_seconds = %v, want a GC's pauses in 5 quantiles", gc)
	}
	if v, ok := metricstest.Value(fams, "go_info", map[string]string{"version": runtime.Version()}); !ok || v != 1 {
		t.Errorf("go_info{version=%q} = %v (found %v), want 1", runtime.Version(), v, ok)
	}
	if runtime.GOOS == "linux" {
		start, _ := metricstest.Value(fams, "process_start_time_seconds", nil)
		if age := time.Since(time.Unix(int64(start), 0)); age < 0 || age > time.Hour {
			t.Errorf("process_start_time_seconds = %v, %v ago; want this test's start", start, age)
		}
	}
	metricstest.Promtool(t, page)
}

// TestEscapes: a label value with a quote, a backslash and a line feed is written so that the
// parser reads it back as it was.
func TestEscapes(t *testing.T) {
	name := "odd \"name\" \\ with\na line feed"
	m := metrics.New(metrics.Options{Location: `C:\ "lab"`})
	m.Watch(fixed{{Service: svc(name, `g\"`, probe.KindTCP)}})
	fams := metricstest.Parse(t, string(m.Page()))
	labels := map[string]string{"service": name, "group": `g\"`, "location": `C:\ "lab"`, "state": "unknown"}
	if v, ok := metricstest.Value(fams, "uptty_service_state", labels); !ok || v != 1 {
		t.Errorf("uptty_service_state%v = %v (found %v), want 1", labels, v, ok)
	}
}

// TestLateness: the lateness histogram's buckets hold what is at or under their bound, the
// +Inf bucket and the count agree, and the sum adds up, with checks observing from many
// goroutines.
func TestLateness(t *testing.T) {
	m := metrics.New(metrics.Options{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				m.Lateness(time.Millisecond)     // on the first bound: its bucket
				m.Lateness(2 * time.Millisecond) // the second
				m.Lateness(2 * time.Minute)      // past the last: +Inf only
			}
		})
	}
	wg.Wait()
	fams := metricstest.Parse(t, string(m.Page()))
	h := fams["uptty_check_lateness_seconds"].GetMetric()[0].GetHistogram()
	want := map[float64]uint64{0.001: 800, 0.005: 1600, 60: 1600, math.Inf(1): 2400}
	for _, b := range h.GetBucket() {
		if w, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
			t.Errorf("bucket le=%v = %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
		}
	}
	if h.GetSampleCount() != 2400 || math.Abs(h.GetSampleSum()-800*(0.001+0.002+120)) > 1e-6 {
		t.Errorf("count %d, sum %v; want 2400, %v", h.GetSampleCount(), h.GetSampleSum(), 800*(0.001+0.002+120))
	}
}

// TestGzip: a scraper that takes gzip gets the page gzipped, one that does not gets it plain.
func TestGzip(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.Watch(readings())
	for _, tt := range []struct {
		accept string
		gzip   bool
	}{{"gzip", true}, {"deflate, gzip;q=0.5", true}, {"gzip;q=0", false}, {"", false}, {"identity", false}} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Accept-Encoding", tt.accept)
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, req)
		var body io.Reader = rec.Body
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tt.gzip {
			t.Errorf("Accept-Encoding %q: gzipped %v, want %v", tt.accept, got, tt.gzip)
			continue
		}
		if tt.gzip {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
		}
		page, err := io.ReadAll(body)
		if err != nil || rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
			t.Fatalf("Accept-Encoding %q: %d %v %q", tt.accept, rec.Code, err, rec.Header())
		}
		if _, ok := metricstest.Value(metricstest.Parse(t, string(page)), "probe_success", map[string]string{"service": "Checkout API"}); !ok {
			t.Errorf("Accept-Encoding %q: no probe_success in\n%s", tt.accept, page)
		}
	}
}
