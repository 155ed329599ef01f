package metrics

import (
	"runtime"
	"runtime/debug"
	rmetrics "runtime/metrics"
	"time"
)

// The runtime/metrics figures the go_* families are made of, in runtimeFigures.samples' order.
const (
	rmTinyAllocs = iota
	rmAllocs
	rmFrees
	rmAllocBytes
	rmObjects
	rmGoal
	rmTotal
	rmHeapObjects
	rmHeapUnused
	rmHeapReleased
	rmHeapFree
	rmHeapStacks
	rmOSStacks
	rmMSpanInuse
	rmMSpanFree
	rmMCacheInuse
	rmMCacheFree
	rmBuckets
	rmMetadataOther
	rmOther
	rmGOGC
	rmMemLimit
	rmGOMAXPROCS
	nRuntime
)

var runtimeNames = [nRuntime]string{
	rmTinyAllocs:    "/gc/heap/tiny/allocs:objects",
	rmAllocs:        "/gc/heap/allocs:objects",
	rmFrees:         "/gc/heap/frees:objects",
	rmAllocBytes:    "/gc/heap/allocs:bytes",
	rmObjects:       "/gc/heap/objects:objects",
	rmGoal:          "/gc/heap/goal:bytes",
	rmTotal:         "/memory/classes/total:bytes",
	rmHeapObjects:   "/memory/classes/heap/objects:bytes",
	rmHeapUnused:    "/memory/classes/heap/unused:bytes",
	rmHeapReleased:  "/memory/classes/heap/released:bytes",
	rmHeapFree:      "/memory/classes/heap/free:bytes",
	rmHeapStacks:    "/memory/classes/heap/stacks:bytes",
	rmOSStacks:      "/memory/classes/os-stacks:bytes",
	rmMSpanInuse:    "/memory/classes/metadata/mspan/inuse:bytes",
	rmMSpanFree:     "/memory/classes/metadata/mspan/free:bytes",
	rmMCacheInuse:   "/memory/classes/metadata/mcache/inuse:bytes",
	rmMCacheFree:    "/memory/classes/metadata/mcache/free:bytes",
	rmBuckets:       "/memory/classes/profiling/buckets:bytes",
	rmMetadataOther: "/memory/classes/metadata/other:bytes",
	rmOther:         "/memory/classes/other:bytes",
	rmGOGC:          "/gc/gogc:percent",
	rmMemLimit:      "/gc/gomemlimit:bytes",
	rmGOMAXPROCS:    "/sched/gomaxprocs:threads",
}

// runtimeFigures are the Go runtime's figures at a scrape.
type runtimeFigures struct {
	samples    [nRuntime]rmetrics.Sample
	gc         debug.GCStats
	pauses     [5]time.Duration // the GC pauses' quantiles: min, 25%, 50%, 75%, max
	goroutines int
	threads    int
}

func (s *scrape) readRuntime() {
	f := &s.runtime
	for i := range f.samples {
		f.samples[i].Name = runtimeNames[i]
	}
	rmetrics.Read(f.samples[:])
	f.gc.PauseQuantiles = f.pauses[:]
	debug.ReadGCStats(&f.gc)
	f.goroutines = runtime.NumGoroutine()
	f.threads, _ = runtime.ThreadCreateProfile(nil)
}

// u is runtime/metrics figure i, 0 if this Go has no such figure.
func (f *runtimeFigures) u(i int) float64 {
	if f.samples[i].Value.Kind() != rmetrics.KindUint64 {
		return 0
	}
	return float64(f.samples[i].Value.Uint64())
}

// goGauge is a go_* family of one sample without labels.
func goGauge(name, typ, help string, value func(f *runtimeFigures) float64) family {
	return family{name: name, typ: typ, help: help, write: func(p *page, s *scrape) {
		p.sample(name, value(&s.runtime))
	}}
}

// sumOf is a figure that is the sum of runtime/metrics figures.
func sumOf(is ...int) func(f *runtimeFigures) float64 {
	return func(f *runtimeFigures) float64 {
		v := 0.0
		for _, i := range is {
			v += f.u(i)
		}
		return v
	}
}

// pauseQuantiles are the label values of go_gc_duration_seconds' quantiles.
var pauseQuantiles = [5]string{`quantile="0"`, `quantile="0.25"`, `quantile="0.5"`, `quantile="0.75"`, `quantile="1"`}

// goFamilies are the go_* families, with the names, types and help texts of Prometheus's
// client library's Go collector (its defaults: the runtime/metrics figures it maps to the old
// MemStats names, GOGC, GOMEMLIMIT and GOMAXPROCS), which dashboards and alerts use.
var goFamilies = []family{
	{name: "go_gc_duration_seconds", typ: "summary",
		help: "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.",
		write: func(p *page, s *scrape) {
			for i, q := range pauseQuantiles {
				p.sample("go_gc_duration_seconds", s.runtime.pauses[i].Seconds(), q)
			}
			p.sample("go_gc_duration_seconds_sum", s.runtime.gc.PauseTotal.Seconds())
			p.count("go_gc_duration_seconds_count", uint64(s.runtime.gc.NumGC))
		}},
	goGauge("go_gc_gogc_percent", "gauge", "Heap size target percentage configured by the user, otherwise 100. This value is set by the GOGC environment variable, and the runtime/debug.SetGCPercent function. Sourced from /gc/gogc:percent.", sumOf(rmGOGC)),
	goGauge("go_gc_gomemlimit_bytes", "gauge", "Go runtime memory limit configured by the user, otherwise math.MaxInt64. This value is set by the GOMEMLIMIT environment variable, and the runtime/debug.SetMemoryLimit function. Sourced from /gc/gomemlimit:bytes.", sumOf(rmMemLimit)),
	goGauge("go_goroutines", "gauge", "Number of goroutines that currently exist.", func(f *runtimeFigures) float64 { return float64(f.goroutines) }),
	{name: "go_info", typ: "gauge", help: "Information about the Go environment.",
		write: func(p *page, _ *scrape) { p.sample("go_info", 1, goVersion) }},
	goGauge("go_memstats_alloc_bytes", "gauge", "Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes.", sumOf(rmHeapObjects)),
	goGauge("go_memstats_alloc_bytes_total", "counter", "Total number of bytes allocated in heap until now, even if released already. Equals to /gc/heap/allocs:bytes.", sumOf(rmAllocBytes)),
	goGauge("go_memstats_buck_hash_sys_bytes", "gauge", "Number of bytes used by the profiling bucket hash table. Equals to /memory/classes/profiling/buckets:bytes.", sumOf(rmBuckets)),
	goGauge("go_memstats_frees_total", "counter", "Total number of heap objects frees. Equals to /gc/heap/frees:objects + /gc/heap/tiny/allocs:objects.", sumOf(rmFrees, rmTinyAllocs)),
	goGauge("go_memstats_gc_sys_bytes", "gauge", "Number of bytes used for garbage collection system metadata. Equals to /memory/classes/metadata/other:bytes.", sumOf(rmMetadataOther)),
	goGauge("go_memstats_heap_alloc_bytes", "gauge", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes. Equals to /memory/classes/heap/objects:bytes.", sumOf(rmHeapObjects)),
	goGauge("go_memstats_heap_idle_bytes", "gauge", "Number of heap bytes waiting to be used. Equals to /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", sumOf(rmHeapReleased, rmHeapFree)),
	goGauge("go_memstats_heap_inuse_bytes", "gauge", "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes", sumOf(rmHeapObjects, rmHeapUnused)),
	goGauge("go_memstats_heap_objects", "gauge", "Number of currently allocated objects. Equals to /gc/heap/objects:objects.", sumOf(rmObjects)),
	goGauge("go_memstats_heap_released_bytes", "gauge", "Number of heap bytes released to OS. Equals to /memory/classes/heap/released:bytes.", sumOf(rmHeapReleased)),
	goGauge("go_memstats_heap_sys_bytes", "gauge", "Number of heap bytes obtained from system. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes + /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", sumOf(rmHeapObjects, rmHeapUnused, rmHeapReleased, rmHeapFree)),
	goGauge("go_memstats_last_gc_time_seconds", "gauge", "Number of seconds since 1970 of last garbage collection.", func(f *runtimeFigures) float64 { return float64(f.gc.LastGC.UnixNano()) / 1e9 }),
	goGauge("go_memstats_mallocs_total", "counter", "Total number of heap objects allocated, both live and gc-ed. Semantically a counter version for go_memstats_heap_objects gauge. Equals to /gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects.", sumOf(rmAllocs, rmTinyAllocs)),
	goGauge("go_memstats_mcache_inuse_bytes", "gauge", "Number of bytes in use by mcache structures. Equals to /memory/classes/metadata/mcache/inuse:bytes.", sumOf(rmMCacheInuse)),
	goGauge("go_memstats_mcache_sys_bytes", "gauge", "Number of bytes used for mcache structures obtained from system. Equals to /memory/classes/metadata/mcache/inuse:bytes + /memory/classes/metadata/mcache/free:bytes.", sumOf(rmMCacheInuse, rmMCacheFree)),
	goGauge("go_memstats_mspan_inuse_bytes", "gauge", "Number of bytes in use by mspan structures. Equals to /memory/classes/metadata/mspan/inuse:bytes.", sumOf(rmMSpanInuse)),
	goGauge("go_memstats_mspan_sys_bytes", "gauge", "Number of bytes used for mspan structures obtained from system. Equals to /memory/classes/metadata/mspan/inuse:bytes + /memory/classes/metadata/mspan/free:bytes.", sumOf(rmMSpanInuse, rmMSpanFree)),
	goGauge("go_memstats_next_gc_bytes", "gauge", "Number of heap bytes when next garbage collection will take place. Equals to /gc/heap/goal:bytes.", sumOf(rmGoal)),
	goGauge("go_memstats_other_sys_bytes", "gauge", "Number of bytes used for other system allocations. Equals to /memory/classes/other:bytes.", sumOf(rmOther)),
	goGauge("go_memstats_stack_inuse_bytes", "gauge", "Number of bytes obtained from system for stack allocator in non-CGO environments. Equals to /memory/classes/heap/stacks:bytes.", sumOf(rmHeapStacks)),
	goGauge("go_memstats_stack_sys_bytes", "gauge", "Number of bytes obtained from system for stack allocator. Equals to /memory/classes/heap/stacks:bytes + /memory/classes/os-stacks:bytes.", sumOf(rmHeapStacks, rmOSStacks)),
	goGauge("go_memstats_sys_bytes", "gauge", "Number of bytes obtained from system. Equals to /memory/classes/total:byte.", sumOf(rmTotal)),
	goGauge("go_sched_gomaxprocs_threads", "gauge", "The current runtime.GOMAXPROCS setting, or the number of operating system threads that can execute user-level Go code simultaneously. Sourced from /sched/gomaxprocs:threads.", sumOf(rmGOMAXPROCS)),
	goGauge("go_threads", "gauge", "Number of OS threads created.", func(f *runtimeFigures) float64 { return float64(f.threads) }),
}

// goVersion is go_info's label.
var goVersion = pair("version", runtime.Version())
