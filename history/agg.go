package history

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

const (
	minuteMS = 60_000
	hourMS   = 60 * minuteMS
	// bucketsPerDoubling sets the histogram's resolution: a bucket's upper bound is
	// 2^(1/16) = 1.044 times its lower bound, so its middle is within 2.2% of any value in it.
	bucketsPerDoubling = 16
	// maxBucket is the bucket of the largest int64: no valid histogram goes beyond it.
	maxBucket = 1 + bucketsPerDoubling*63
)

// aggKey is an aggregate's primary key: the service and the start of its minute or hour (ms).
type aggKey struct {
	service, start int64
}

// agg summarises checks: how many, how many failed, and the latency of those that passed.
type agg struct {
	checks, failures int64
	min, max         int64 // µs; meaningful when passed() > 0
	// hist counts passing checks by latency bucket, from bucket lo: a service's latencies
	// span a few buckets, and the writer keeps an hour's aggregate of every service in memory
	// (from bucket 0, 20 ms took 230 int64s a service: 2.2 KB, 22 MB at 10,000).
	lo   int
	hist []int64
}

func (a *agg) passed() int64 { return a.checks - a.failures }

func (a *agg) add(latency int64, ok bool) {
	a.checks++
	if !ok {
		a.failures++
		return
	}
	if a.passed() == 1 || latency < a.min {
		a.min = latency
	}
	if a.passed() == 1 || latency > a.max {
		a.max = latency
	}
	a.count(bucket(latency), 1)
}

// count adds n checks to bucket i.
func (a *agg) count(i int, n int64) {
	switch {
	case len(a.hist) == 0:
		a.lo = i
		a.hist = append(a.hist, 0)
	case i < a.lo:
		a.hist = slices.Insert(a.hist, 0, make([]int64, a.lo-i)...)
		a.lo = i
	case i >= a.lo+len(a.hist):
		a.hist = append(a.hist, make([]int64, i+1-a.lo-len(a.hist))...)
	}
	a.hist[i-a.lo] += n
}

// mergeRange adds the counts and the latency range of another aggregate, not its histogram.
func (a *agg) mergeRange(checks, failures, lo, hi int64) {
	if checks > failures {
		if a.passed() == 0 || lo < a.min {
			a.min = lo
		}
		if a.passed() == 0 || hi > a.max {
			a.max = hi
		}
	}
	a.checks += checks
	a.failures += failures
}

// quantile returns the nearest-rank q-quantile (0 < q <= 1) of the passing latencies in µs,
// read from the histogram and kept within [min, max]; 0 when none passed.
func (a *agg) quantile(q float64) int64 {
	n := a.passed()
	if n <= 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var seen int64
	for i, c := range a.hist {
		if seen += c; seen >= rank {
			return min(max(bucketMid(a.lo+i), a.min), a.max)
		}
	}
	return a.max
}

// bucket returns the histogram bucket of a latency in µs: 0 for under 1µs, then
// bucketsPerDoubling buckets per power of two.
func bucket(us int64) int {
	if us < 1 {
		return 0
	}
	return 1 + int(math.Floor(bucketsPerDoubling*math.Log2(float64(us))))
}

// bucketMid is the geometric middle of a bucket, in µs.
func bucketMid(i int) int64 {
	if i <= 0 {
		return 0
	}
	return int64(math.Round(math.Exp2((float64(i) - 0.5) / bucketsPerDoubling)))
}

// encodeHist writes the histogram as varints: for each bucket that is not empty, in order, the
// gap from the previous one and the count. A typical hour of a steady service takes a few dozen
// bytes.
func (a *agg) encodeHist() []byte {
	var b []byte
	prev := 0
	for j, n := range a.hist {
		if n == 0 {
			continue
		}
		i := a.lo + j
		b = binary.AppendUvarint(b, uint64(i-prev))
		b = binary.AppendUvarint(b, uint64(n))
		prev = i
	}
	if b == nil {
		return []byte{} // hist is NOT NULL
	}
	return b
}

var errBadHist = errors.New("damaged latency histogram")

// addHist adds an encoded histogram to a's, without allocating beyond growing a.hist.
func (a *agg) addHist(b []byte) error {
	prev := 0
	for len(b) > 0 {
		gap, n := binary.Uvarint(b)
		if n <= 0 || gap > maxBucket {
			return errBadHist
		}
		b = b[n:]
		count, n := binary.Uvarint(b)
		if n <= 0 {
			return errBadHist
		}
		b = b[n:]
		if prev += int(gap); prev > maxBucket {
			return errBadHist
		}
		a.count(prev, int64(count))
	}
	return nil
}

// scanAgg adds to a the aggregate in the columns checks, failures, lat_min, lat_max, hist.
func scanAgg(s interface{ Scan(...any) error }, a *agg) error {
	var (
		checks, failures int64
		lo, hi           sql.NullInt64
		hist             sql.RawBytes
	)
	if err := s.Scan(&checks, &failures, &lo, &hi, &hist); err != nil {
		return err
	}
	a.mergeRange(checks, failures, lo.Int64, hi.Int64)
	return a.addHist(hist)
}

// mergeAgg adds a to the stored aggregate at k in table (agg_hour), creating it.
// a ends up holding the sum.
func (w *writer) mergeAgg(tx *sql.Tx, table string, k aggKey, a *agg) error {
	rows, err := w.stmts.query(tx, qSelectAgg(table), k.service, k.start)
	if err != nil {
		return err
	}
	if rows.Next() {
		err = scanAgg(rows, a)
	}
	if err := errors.Join(err, rows.Close()); err != nil {
		return err
	}
	var lo, p50, p95, hi any
	if a.passed() > 0 {
		lo, p50, p95, hi = a.min, a.quantile(0.50), a.quantile(0.95), a.max
	}
	_, err = w.stmts.exec(tx, qReplaceAgg(table), k.service, k.start, a.checks, a.failures, lo, p50, p95, hi, a.encodeHist())
	return err
}

// floorTo rounds ms down to a multiple of unit, also for times before 1970.
func floorTo(ms, unit int64) int64 {
	r := ms % unit
	if r < 0 {
		r += unit
	}
	return ms - r
}
