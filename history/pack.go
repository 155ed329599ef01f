package history

import (
	"bytes"
	"compress/flate"
	"database/sql"
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// The per-minute tier is packed: one minute_pack row per service per hour holds the hour's
// per-minute aggregates as one blob. A row per minute cost 42-93 B on disk (the key, five
// integer columns and the B-tree around them, for one or two checks at the default interval),
// 1.8 GB of the 2.1 GB that 1,000 services took in 90 days.
//
// A packed minute keeps its checks, its failures and the histogram of its passing latencies,
// bucket for bucket, but not the exact fastest and slowest check: those become the middles of
// the first and last buckets, within 2.2% like the percentiles. Storing them exactly would
// cost about as much as the raw latencies.
//
// The blob is a format byte, then the body, plain or compressed with DEFLATE, whichever is
// smaller. The body is columns of varints, so that the columns that barely change (which
// minutes, how many checks and failures) compress to nearly nothing:
//
//	n                        minutes present (1-60)
//	n × slot gap             minute of the hour minus the previous one's, minus 1
//	n × checks
//	n × failures
//	for each minute with passing checks: the counts of its buckets that are not empty, in
//	  order, until they add up to checks - failures
//	for each such minute: its first bucket as a zigzag difference from the previous minute's
//	  first bucket, then the gap minus 1 to each next bucket
const (
	packPlain = 0
	packFlate = 1
	// packMaxBody bounds a body after decompression: a damaged blob must not make a reader
	// allocate without limit. A real hour takes a few KB even checked 20 times a second.
	packMaxBody = 1 << 20
	// packMaxChecks bounds a minute's checks, far above any real interval, so that a damaged
	// count never overflows the sums it goes into.
	packMaxChecks = 1 << 40
)

var errBadPack = errors.New("damaged per-minute aggregates")

// hourMinutes is an hour of per-minute aggregates, by minute of the hour; a minute without
// checks has none.
type hourMinutes [60]agg

// encodeMinutes packs an hour of per-minute aggregates. A minute whose histogram does not add
// up to its passing checks (never written by this package) is stored with the failures it
// has and the latencies in its histogram, so that every blob decodes.
func encodeMinutes(m *hourMinutes) []byte {
	body := appendMinutes(make([]byte, 0, 256), m)
	out := make([]byte, 0, len(body)+1)
	if len(body) > 32 {
		if z := deflate(body); len(z) < len(body) {
			return append(append(out, packFlate), z...)
		}
	}
	return append(append(out, packPlain), body...)
}

func appendMinutes(b []byte, m *hourMinutes) []byte {
	var present []int
	passed := func(a *agg) (n int64) {
		for _, c := range a.hist {
			n += c
		}
		return n
	}
	for i := range m {
		if m[i].checks > 0 || passed(&m[i]) > 0 {
			present = append(present, i)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(present)))
	prev := -1
	for _, i := range present {
		b = binary.AppendUvarint(b, uint64(i-prev-1))
		prev = i
	}
	for _, i := range present {
		b = binary.AppendUvarint(b, uint64(m[i].failures+passed(&m[i])))
	}
	for _, i := range present {
		b = binary.AppendUvarint(b, uint64(m[i].failures))
	}
	for _, i := range present {
		for _, c := range m[i].hist {
			if c > 0 {
				b = binary.AppendUvarint(b, uint64(c))
			}
		}
	}
	prevFirst := 0
	for _, i := range present {
		last := -1
		for j, c := range m[i].hist {
			if c <= 0 {
				continue
			}
			if last < 0 {
				b = binary.AppendVarint(b, int64(j-prevFirst))
				prevFirst = j
			} else {
				b = binary.AppendUvarint(b, uint64(j-last-1))
			}
			last = j
		}
	}
	return b
}

// decodeMinutes calls fn with each minute in a packed hour, in order. a is reused between
// calls; its min and max are the middles of its first and last buckets. A damaged blob is an
// error, possibly after some minutes were handed to fn.
func decodeMinutes(blob []byte, fn func(minute int, a *agg)) error {
	if len(blob) == 0 {
		return errBadPack
	}
	body := blob[1:]
	switch blob[0] {
	case packPlain:
	case packFlate:
		var err error
		if body, err = inflate(body); err != nil {
			return err
		}
	default:
		return errBadPack
	}
	d := packReader{b: body}
	n := d.uvarint(60)
	var (
		slots, entries [60]int
		checks, fails  [60]int64
	)
	prev := -1
	for i := range n {
		prev += 1 + int(d.uvarint(59))
		if prev >= 60 {
			return errBadPack
		}
		slots[i] = prev
	}
	for i := range n {
		checks[i] = int64(d.uvarint(packMaxChecks))
	}
	for i := range n {
		if fails[i] = int64(d.uvarint(packMaxChecks)); fails[i] > checks[i] {
			return errBadPack
		}
	}
	// The counts are read twice: once here to find where the buckets begin, once below.
	counts := d
	for i := range n {
		for left := checks[i] - fails[i]; left > 0 && d.err == nil; entries[i]++ {
			c := int64(d.uvarint(uint64(left)))
			if c == 0 {
				return errBadPack
			}
			left -= c
		}
	}
	var a agg
	first := 0
	for i := range n {
		if d.err != nil {
			break
		}
		a.checks, a.failures, a.min, a.max = checks[i], fails[i], 0, 0
		clear(a.hist)
		j := -1
		for e := range entries[i] {
			if e == 0 {
				z := d.varint()
				if first += int(z); z < -maxBucket || z > maxBucket || first < 0 || first > maxBucket {
					return errBadPack
				}
				j = first
			} else if j += 1 + int(d.uvarint(maxBucket)); j > maxBucket {
				return errBadPack
			}
			a.count(j, int64(counts.uvarint(packMaxChecks)))
		}
		if j >= 0 {
			a.min, a.max = bucketMid(first), bucketMid(j)
		}
		if d.err == nil {
			fn(slots[i], &a)
		}
	}
	if d.err != nil || len(d.b) > 0 {
		return errBadPack
	}
	return nil
}

// packReader reads varints from a body; the first error sticks and reads after it return 0.
type packReader struct {
	b   []byte
	err error
}

// uvarint reads an unsigned varint no larger than limit.
func (r *packReader) uvarint(limit uint64) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > limit {
		r.err = errBadPack
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *packReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadPack
		return 0
	}
	r.b = r.b[n:]
	return v
}

// The compressors are pooled: a flate.Writer is about a MB of tables, far more than a blob.
var (
	deflaters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestCompression)
		return w
	}}
	inflaters = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
)

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&buf)
	w.Write(b) // writes to a bytes.Buffer do not fail
	w.Close()
	return buf.Bytes()
}

func inflate(b []byte) ([]byte, error) {
	r := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(b), nil); err != nil {
		return nil, errBadPack
	}
	out, err := io.ReadAll(io.LimitReader(r, packMaxBody+1))
	if err != nil || len(out) > packMaxBody {
		return nil, errBadPack
	}
	return out, nil
}

// packQueries are the statements of the per-minute tier.
const (
	qSelectPack  = "SELECT data FROM minute_pack WHERE service = ? AND start = ?"
	qReplacePack = "INSERT OR REPLACE INTO minute_pack (service, start, data) VALUES (?, ?, ?)"
)

// mergeMinutes adds an hour of per-minute aggregates to the service's stored hour, creating
// it. m ends up holding the sum.
func (w *writer) mergeMinutes(tx *sql.Tx, service, hour int64, m *hourMinutes) error {
	var blob []byte
	err := w.stmts.queryRow(tx, qSelectPack, service, hour).Scan(&blob)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	default:
		if err := decodeMinutes(blob, func(i int, a *agg) { m[i].merge(a) }); err != nil {
			return err
		}
	}
	_, err = w.stmts.exec(tx, qReplacePack, service, hour, encodeMinutes(m))
	return err
}

// eachMinute calls fn with the start (ms) and aggregate of each stored minute of the service
// in the hours whose start is in [from, to). a is reused between calls.
func eachMinute(q interface {
	Query(string, ...any) (*sql.Rows, error)
}, id, from, to int64, fn func(start int64, a *agg)) error {
	rows, err := q.Query("SELECT start, data FROM minute_pack WHERE service = ? AND start >= ? AND start < ? ORDER BY start", id, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var hour int64
		var blob sql.RawBytes
		if err := rows.Scan(&hour, &blob); err != nil {
			return err
		}
		err := decodeMinutes(blob, func(i int, a *agg) { fn(hour+int64(i)*minuteMS, a) })
		if err != nil {
			return err
		}
	}
	return rows.Err()
}
