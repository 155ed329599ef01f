package attach

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/uptty/uptty/track"
)

// recentMS is a snapshot's sparkline samples: milliseconds, oldest first, null for a failed
// check (see serve's recentMS). Only the newest track.SparkCap are kept, whatever a server sends.
type recentMS struct{ spark track.Spark }

// UnmarshalJSON reads [12.3,null,8] without a value per sample on the heap: a snapshot of
// 10,000 services carries 600,000 of them.
func (r *recentMS) UnmarshalJSON(b []byte) error {
	body, ok := bytes.CutPrefix(bytes.TrimSpace(b), []byte("["))
	if body, ok = bytes.CutSuffix(body, []byte("]")); !ok {
		return fmt.Errorf("recent_ms: not an array: %.40s", b)
	}
	r.spark = track.Spark{}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	for item := range bytes.SplitSeq(body, []byte(",")) {
		item = bytes.TrimSpace(item)
		if string(item) == "null" {
			r.spark.Push(track.Sample{})
			continue
		}
		ms, err := strconv.ParseFloat(string(item), 64)
		if err != nil || !(ms >= 0 && ms <= 1e9) { // NaN too; 1e9 ms is 11 days
			return fmt.Errorf("recent_ms: not a latency: %.40s", item)
		}
		r.spark.Push(track.Sample{Latency: time.Duration(ms * float64(time.Millisecond)), OK: true})
	}
	return nil
}
