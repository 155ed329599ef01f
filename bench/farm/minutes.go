//go:build linux

package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"
)

// minute is one minute of a run's steady state as uptty's history shows it.
type minute struct {
	At          time.Time
	Starts      int     // checks uptty started
	Peak100ms   int     // the most of them in one 100 ms
	LateP50MS   float64 // passing checks' lateness against their grid (see lateness)
	LateP99MS   float64
	LateMaxMS   float64
	OffGrid     int // passing checks more than a quarter interval off their grid
	PassingSeen int
}

// minutes cuts the steady state from from to to into minutes: where in a long run the late
// starts and the bursts fall, which the run's figures lump together.
func minutes(o options, results []result, from, to time.Time) []minute {
	picked, grid, _ := grids(o, results, from, to)
	n := int((to.Sub(from) + time.Minute - 1) / time.Minute)
	out := make([]minute, n)
	buckets := make([][]int, n)
	late := make([][]float64, n)
	for k := range out {
		out[k].At = from.Add(time.Duration(k) * time.Minute)
		buckets[k] = make([]int, time.Minute/(100*time.Millisecond))
	}
	ms := int64(time.Millisecond)
	for _, x := range results {
		d := time.Duration(x.at*ms - from.UnixNano())
		if d < 0 || x.at*ms >= to.UnixNano() || int(x.svc) >= o.n {
			continue
		}
		k := int(d / time.Minute)
		out[k].Starts++
		buckets[k][(d%time.Minute)/(100*time.Millisecond)]++
	}
	for _, x := range picked {
		k := int(time.Duration(x.at*ms-from.UnixNano()) / time.Minute)
		out[k].PassingSeen++
		if past, ok := lateBy(x, grid, int64(o.interval)); ok {
			late[k] = append(late[k], float64(past)/1e6)
		} else {
			out[k].OffGrid++
		}
	}
	for k := range out {
		out[k].Peak100ms = slices.Max(buckets[k])
		_, out[k].LateP50MS, out[k].LateP99MS, out[k].LateMaxMS = stats(late[k])
	}
	return out
}

// analyze reads the history of a farm directory kept with --keep (the run's --n and --interval
// given again) and prints its steady state minute by minute: from --settle after its first
// check (default one interval) to its last.
func analyze(dir string, o options, w io.Writer) error {
	results, err := readHistory(filepath.Join(dir, "state", "history.db"))
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return fmt.Errorf("%s: no results in its history", dir)
	}
	first, last := results[0].at, results[0].at
	for _, x := range results {
		first, last = min(first, x.at), max(last, x.at)
	}
	settle := o.settle
	if settle <= 0 {
		settle = o.interval
	}
	from := time.UnixMilli(first).Add(settle)
	to := time.UnixMilli(last)
	fmt.Fprintf(w, "%s: %d results, steady state %s to %s UTC\n", dir, len(results), from.UTC().Format("15:04:05"), to.UTC().Format("15:04:05"))
	gridPeak, p50, p99, maxV, offGrid := lateness(nil, o, results, from, to)
	fmt.Fprintf(w, "in all: its grid alone %d per 100 ms; passing checks start late by p50 %.0f ms, p99 %.0f, max %.0f (%d more than a quarter interval off their grid)\n", gridPeak, p50, p99, maxV, offGrid)
	fmt.Fprintf(w, "%-8s %7s %9s %8s %8s %8s %9s\n", "minute", "starts", "peak/100", "late p50", "p99", "max", "off grid")
	for _, m := range minutes(o, results, from, to) {
		fmt.Fprintf(w, "%-8s %7d %9d %8.0f %8.0f %8.0f %9d\n", m.At.UTC().Format("15:04"), m.Starts, m.Peak100ms, m.LateP50MS, m.LateP99MS, m.LateMaxMS, m.OffGrid)
	}
	return nil
}
