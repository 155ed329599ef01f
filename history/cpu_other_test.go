//go:build !unix

package history

import "time"

// cpuTime is not measured here: the benchmark's cpu-ns/result reads 0.
func cpuTime() time.Duration { return 0 }
