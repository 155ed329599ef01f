// Package monitor runs the checks: a heap scheduler that checks every service on its interval
// (or retry interval while failing) with a goroutine per check in flight (pooled workers), feeding each result to
// the service's track.Tracker and handing out batches of changed statuses (Monitor), and the
// one-shot check of `uptty check` (CheckAll). A running Monitor takes a new list of services
// from a config reload (Reconfigure) without stopping.
package monitor
