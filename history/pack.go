package history

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// The per-minute and the per-hour tiers are packed: one minute_pack row per service per hour
// holds the hour's per-minute aggregates as one blob, one hour_pack row per service per day
// (UTC) the day's hourly aggregates. A row per minute cost 42-93 B on disk (the key, five
// integer columns and the B-tree around them, for one or two checks at the default interval),
// 1.8 GB of the 2.1 GB that 1,000 services took in 90 days; a row per hour 94-205 B.
//
// A packed aggregate keeps its checks, its failures and the histogram of its passing
// latencies, bucket for bucket. Hours keep their fastest and slowest check exactly; minutes
// do not: theirs become the middles of their first and last buckets, within 2.2% like the
// percentiles, because stored exactly they would cost about as much as the raw latencies.
//
// The blob is a format byte (packFlate, packExact), then the body, plain or compressed with
// DEFLATE, whichever is smaller. The body is columns of varints, so that the columns that
// barely change (which slots, how many checks and failures) compress to nearly nothing:
//
//	n                        slots present
//	n × slot gap             slot minus the previous one's, minus 1
//	n × checks
//	n × failures
//	packExact only, for each slot with passing checks: its fastest check (µs) as a zigzag
//	  difference from the previous slot's, then slowest minus fastest
//	for each slot with passing checks: the counts of its buckets that are not empty, in
//	  order, until they add up to checks - failures
//	for each such slot: its first bucket as a zigzag difference from the previous slot's
//	  first bucket, then the gap minus 1 to each next bucket
const (
	packPlain = 0
	packFlate = 1 << 0 // the body is DEFLATEd
	packExact = 1 << 1 // the body holds exact min and max latencies
	// packMaxBody bounds a body after decompression: a damaged blob must not make a reader
	// allocate without limit. A real hour takes a few KB even checked 20 times a second.
	packMaxBody = 1 << 20
	// packMaxChecks bounds a slot's checks, far above any real interval, and packMaxLatency
	// its latencies (µs, 35 years), so that a damaged blob never overflows the sums they go
	// into.
	packMaxChecks  = 1 << 40
	packMaxLatency = 1 << 50
)

var errBadPack = errors.New("damaged per-minute aggregates")

// hourMinutes is an hour of per-minute aggregates, by minute of the hour; a minute without
// checks has none.
type hourMinutes [60]agg

// dayHours is a day of hourly aggregates, by hour of the (UTC) day.
type dayHours [24]agg

// encodeMinutes packs an hour of per-minute aggregates.
func encodeMinutes(m *hourMinutes) []byte { return encodePack(m[:], false) }

// decodeMinutes calls fn with each minute in a packed hour, in order. a is reused between
// calls; its min and max are the middles of its first and last buckets. A damaged blob is an
// error, possibly after some minutes were handed to fn.
func decodeMinutes(blob []byte, fn func(minute int, a *agg)) error {
	return decodePack(blob, len(hourMinutes{}), fn)
}

// encodeHours packs a day of hourly aggregates, their min and max exact.
func encodeHours(d *dayHours) []byte { return encodePack(d[:], true) }

// decodeHours calls fn with each hour in a packed day, in order, as decodeMinutes.
func decodeHours(blob []byte, fn func(hour int, a *agg)) error {
	return decodePack(blob, len(dayHours{}), fn)
}

// encodePack packs aggregates by slot, with their exact min and max or not. A slot whose
// histogram does not add up to its passing checks (never written by this package) is stored
// with the failures it has and the latencies in its histogram, so that every blob decodes.
func encodePack(slots []agg, exact bool) []byte {
	body := appendPack(make([]byte, 0, 256), slots, exact)
	format := byte(packPlain)
	if exact {
		format |= packExact
	}
	out := make([]byte, 0, len(body)+1)
	if len(body) > 32 {
		if z := deflate(body); len(z) < len(body) {
			return append(append(out, format|packFlate), z...)
		}
	}
	return append(append(out, format), body...)
}

func appendPack(b []byte, m []agg, exact bool) []byte {
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
	if exact {
		var prevMin int64
		for _, i := range present {
			if passed(&m[i]) > 0 {
				lo, hi := max(m[i].min, 0), max(m[i].max, m[i].min, 0)
				b = binary.AppendVarint(b, lo-prevMin)
				b = binary.AppendUvarint(b, uint64(hi-lo))
				prevMin = lo
			}
		}
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
			j += m[i].lo
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

// decodePack calls fn with each slot of a blob of at most size slots, in order.
func decodePack(blob []byte, size int, fn func(slot int, a *agg)) error {
	if len(blob) == 0 || blob[0]&^(packFlate|packExact) != 0 {
		return errBadPack
	}
	body, exact := blob[1:], blob[0]&packExact != 0
	if blob[0]&packFlate != 0 {
		var err error
		if body, err = inflate(body); err != nil {
			return err
		}
	}
	d := packReader{b: body}
	n := int(d.uvarint(uint64(size)))
	var (
		slots, entries = make([]int, n), make([]int, n)
		checks, fails  = make([]int64, n), make([]int64, n)
		mins, maxs     = make([]int64, n), make([]int64, n)
	)
	prev := -1
	for i := range n {
		prev += 1 + int(d.uvarint(uint64(size-1)))
		if prev >= size {
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
	if exact {
		var lo int64
		for i := range n {
			if checks[i] > fails[i] {
				z := d.varint()
				if z < -packMaxLatency || z > packMaxLatency {
					return errBadPack
				}
				if lo += z; lo < 0 || lo > packMaxLatency {
					return errBadPack
				}
				mins[i], maxs[i] = lo, lo+int64(d.uvarint(packMaxLatency))
			}
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
			if exact {
				a.min, a.max = mins[i], maxs[i]
			}
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
func eachMinute(ctx context.Context, q querier, id, from, to int64, fn func(start int64, a *agg)) error {
	rows, err := q.QueryContext(ctx, "SELECT start, data FROM minute_pack WHERE service = ? AND start >= ? AND start < ? ORDER BY start", id, from, to)
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

// dayMS is the span of an hour_pack row: a UTC day.
const dayMS = 24 * hourMS

const (
	qSelectDay  = "SELECT data FROM hour_pack WHERE service = ? AND start = ?"
	qReplaceDay = "INSERT OR REPLACE INTO hour_pack (service, start, checks, failures, data) VALUES (?, ?, ?, ?, ?)"
)

// mergeHours adds a day of hourly aggregates to the service's stored day, creating it. d
// ends up holding the sum.
func (w *writer) mergeHours(tx *sql.Tx, service, day int64, d *dayHours) error {
	var blob []byte
	err := w.stmts.queryRow(tx, qSelectDay, service, day).Scan(&blob)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	default:
		if err := decodeHours(blob, func(i int, a *agg) { d[i].merge(a) }); err != nil {
			return err
		}
	}
	var checks, failures int64
	for i := range d {
		checks, failures = checks+d[i].checks, failures+d[i].failures
	}
	_, err = w.stmts.exec(tx, qReplaceDay, service, day, checks, failures, encodeHours(d))
	return err
}

// eachHour calls fn with the start (ms) and aggregate of each hourly aggregate of the service
// that starts in [from, to): the rows of agg_hour (the newest days, and the hours being
// written) and the packed days of hour_pack. An hour may come twice, once from each: its
// aggregates add up. a is reused between calls.
func eachHour(ctx context.Context, q querier, id, from, to int64, fn func(start int64, a *agg)) error {
	rows, err := q.QueryContext(ctx, "SELECT start, checks, failures, lat_min, lat_max, hist FROM agg_hour WHERE service = ? AND start >= ? AND start < ?", id, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	var start int64
	var a agg // reused: its histogram is the bulk of a row
	for rows.Next() {
		a.checks, a.failures = 0, 0
		clear(a.hist)
		if err := scanAgg(startScanner{rows, &start}, &a); err != nil {
			return err
		}
		fn(start, &a)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, "SELECT start, data FROM hour_pack WHERE service = ? AND start >= ? AND start < ? ORDER BY start", id, floorTo(from, dayMS), to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var day int64
		var blob sql.RawBytes
		if err := rows.Scan(&day, &blob); err != nil {
			return err
		}
		err := decodeHours(blob, func(i int, a *agg) {
			if start := day + int64(i)*hourMS; start >= from && start < to {
				fn(start, a)
			}
		})
		if err != nil {
			return err
		}
	}
	return rows.Err()
}

// packHours moves the oldest chunk of a service's hourly aggregates before cutoff (a day)
// from agg_hour into hour_pack, in one transaction. done reports that none are left.
func (w *writer) packHours(service, cutoff int64) (done bool, err error) {
	tx, err := w.db.Begin()
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	rows, err := tx.Query("SELECT start, checks, failures, lat_min, lat_max, hist FROM agg_hour WHERE service = ? AND start < ? ORDER BY start LIMIT ?",
		service, cutoff, w.s.opts.rollupChunk)
	if err != nil {
		return false, err
	}
	days := map[int64]*dayHours{}
	n, last := 0, int64(0)
	for rows.Next() {
		var start int64
		var a agg
		if err := scanAgg(startScanner{rows, &start}, &a); err != nil {
			rows.Close()
			return false, err
		}
		day := floorTo(start, dayMS)
		d := days[day]
		if d == nil {
			d = &dayHours{}
			days[day] = d
		}
		d[(start-day)/hourMS].merge(&a)
		n, last = n+1, start
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if n == 0 {
		return true, nil
	}
	for day, d := range days {
		if err := w.mergeHours(tx, service, day, d); err != nil {
			return false, err
		}
	}
	if _, err := tx.Exec("DELETE FROM agg_hour WHERE service = ? AND start <= ?", service, last); err != nil {
		return false, err
	}
	return n < w.s.opts.rollupChunk, tx.Commit()
}
